"""Sensitivity sweeps: many solves of one scenario with values changed by dotted path.

A sweep is a list of :class:`Parameter` (a path and the values or distribution it takes) and a
design (:mod:`planner.sweep.design`): ``oat`` (one at a time around the base, for tornado
charts), ``grid`` (every combination), ``lhs`` (Latin hypercube) or ``mc`` (Monte Carlo) over
stated distributions with a seed. Runs go in chunks to a local process pool
(:mod:`planner.sweep.pool`) or a Dask cluster (both through :mod:`planner.sweep.executor`), whose workers keep
one model in HiGHS and re-solve it warm when a run changes only costs and bounds
(:mod:`planner.sweep.warm`); each finished run is appended to a CSV store at once, so a sweep
that is stopped loses at most the runs in flight and ``resume`` skips the stored ones.

>>> from planner import Scenario, default_scenario_path
>>> from planner.sweep import Parameter, design
>>> runs = design([Parameter.parse("fleets.h100.capex_usd=x0.5,x1.5")], "oat", Scenario.from_yaml(default_scenario_path()))
>>> runs["fleets.h100.capex_usd"].to_list()
[300000.0, 150000.0, 450000.0]
"""

from __future__ import annotations

from planner.sweep.design import (
    MAX_RUNS,
    Design,
    Parameter,
    check_parameters,
    design,
    distribution_problem,
    format_value,
    run_count,
    value_problems,
)
from planner.sweep.executor import ClusterError
from planner.sweep.file import DESIGNS, SweepFile
from planner.sweep.runner import SweepResult, chunk_size, run_sweep, sweep
from planner.sweep.worker import KPI_COLUMNS, SolverMissingError, Worker, evaluate

__all__ = [
    "DESIGNS",
    "KPI_COLUMNS",
    "MAX_RUNS",
    "ClusterError",
    "Design",
    "Parameter",
    "SolverMissingError",
    "SweepFile",
    "SweepResult",
    "Worker",
    "check_parameters",
    "chunk_size",
    "design",
    "distribution_problem",
    "evaluate",
    "format_value",
    "run_count",
    "run_sweep",
    "sweep",
    "value_problems",
]
