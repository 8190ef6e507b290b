"""Readable names of a model's variables and rows (``power_limit[west,2026-01]``), made only when
a person asks for them, and their solver-safe form for files."""

from __future__ import annotations

import re

import pandas as pd

from planner.data import ModelData


def readable_names(family: str, frame: pd.DataFrame, dims: list[str], data: ModelData) -> list[str]:
    """The readable name of each entry of ``frame``, a family indexed by ``dims`` (periods and
    slices by their labels; the slice only when a period has several)."""
    slices = data.slices.set_index("k")["slice"]
    dims = [d for d in dims if d != "k" or len(slices) > 1]
    columns = [
        frame[d].map(data.labels) if d == "t" else frame[d].map(slices) if d == "k" else frame[d].astype(str)
        for d in dims
    ]
    return [f"{family}[{','.join(parts)}]" for parts in zip(*columns, strict=True)]


def solver_name(name: str) -> str:
    """The solver-safe form of a readable name: only letters, digits and underscores.

    Distinct names stay distinct (fleets ``a-b`` and ``a_b``, or fleet ``a_b`` at site ``c`` and
    fleet ``a`` at site ``b_c``): an underscore is written twice and any other character as
    ``_<hex code>_``, which reads back one way only.

    >>> solver_name("power_limit[west,2026-01]"), solver_name("x[a-b]"), solver_name("x[a_b]")
    ('power__limit_5b_west_2c_2026_2d_01_5d_', 'x_5b_a_2d_b_5d_', 'x_5b_a__b_5d_')
    """
    return re.sub(r"[^A-Za-z0-9]", lambda c: "__" if c.group() == "_" else f"_{ord(c.group()):x}_", name)
