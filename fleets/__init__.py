"""Hardware catalog for inference fleets: what one unit of each system is, what it draws,
what it costs and how fast it serves each reference model, every figure with its source.

The package knows nothing of the planner: it only describes hardware.

>>> from fleets import get_system
>>> get_system("dgx-h100").category
'gpu'
"""

from fleets.catalog import (
    Category,
    Confidence,
    Figure,
    MeasuredPoint,
    System,
    UnknownSystemError,
    get_system,
    load_catalog,
)

__all__ = [
    "Category",
    "Confidence",
    "Figure",
    "MeasuredPoint",
    "System",
    "UnknownSystemError",
    "get_system",
    "load_catalog",
]
