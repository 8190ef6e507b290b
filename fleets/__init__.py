"""Hardware for inference fleets: a catalog of systems with cited figures, reference models, and
operating points (what one unit delivers at each batch size), measured or roofline-estimated.

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
    ServingStack,
    System,
    UnknownSystemError,
    get_system,
    load_catalog,
    stack_problem,
)
from fleets.layouts import Speculation
from fleets.models import ModelSpec, Precision, UnknownModelError, get_model, load_models
from fleets.points import PointTable, best_point, operating_points, point_table
from fleets.roofline import DoesNotFitError

__all__ = [
    "Category",
    "Confidence",
    "DoesNotFitError",
    "Figure",
    "MeasuredPoint",
    "ModelSpec",
    "PointTable",
    "Precision",
    "ServingStack",
    "Speculation",
    "System",
    "UnknownModelError",
    "UnknownSystemError",
    "best_point",
    "get_model",
    "get_system",
    "load_catalog",
    "load_models",
    "operating_points",
    "point_table",
    "stack_problem",
]
