"""The tables of a solved plan, read from the model and the solver's point (see :mod:`planner.result`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.build import Model
from planner.tables.columns import COMPONENTS, PENALTY, PLAN_COMPONENTS, TABLE_COLUMNS
from planner.tables.common import Plan, typed_tables
from planner.tables.plan import (
    allocation_table,
    builds_table,
    demand_table,
    installed_table,
    operating_points_table,
    slices_table,
    transfers_table,
    unserved_table,
)
from planner.tables.policy import policy_table
from planner.tables.power import costs_table, draw_frame, energy_table, expansion_table, power_table, prices_table

__all__ = ["COMPONENTS", "PENALTY", "PLAN_COMPONENTS", "TABLE_COLUMNS", "plan_tables", "tables_without_plan"]


def plan_tables(model: Model, x: np.ndarray, row_dual: np.ndarray) -> dict[str, pd.DataFrame]:
    """Every table of the plan at the solver's point ``x`` (one value per LP column), with its row
    duals ``row_dual`` (in the sign convention of :mod:`planner.solvers`)."""
    plan = Plan(model, x, row_dual, model.lp.row_activity(x))
    draw = draw_frame(plan)  # read by the energy, power and policy tables
    return typed_tables(
        {
            "demand": demand_table(model),
            "builds": builds_table(plan),
            "installed": installed_table(plan),
            "allocation": allocation_table(plan),
            "power": power_table(plan, draw),
            "energy": energy_table(plan, draw),
            "expansion": expansion_table(plan),
            "slices": slices_table(plan),
            "costs": costs_table(plan),
            "prices": prices_table(plan),
            "unserved": unserved_table(plan),
            "operating_points": operating_points_table(model, plan),
            "transfers": transfers_table(plan),
            "policy": policy_table(plan, draw),
        }
    )


def tables_without_plan(model: Model) -> dict[str, pd.DataFrame]:
    """The tables of a scenario without a plan: its demand and operating points, every other table empty."""
    tables = {name: pd.DataFrame(columns=columns) for name, columns in TABLE_COLUMNS.items()}
    tables["demand"] = demand_table(model)
    tables["operating_points"] = operating_points_table(model, None)
    return typed_tables(tables)
