"""Running a sweep: every run solved (here, on a local process pool, or on a Dask cluster, in
chunks of runs), each stored as it finishes, and the table of their results.

>>> from planner import Scenario, default_scenario_path
>>> from planner.sweep import Parameter, design, run_sweep
>>> scenario = Scenario.from_yaml(default_scenario_path())
>>> runs = design([Parameter.parse("sites.west.electricity_price_usd_per_mwh=x0.5,x1.5")], "oat", scenario)
>>> warm, cold = (run_sweep(scenario, runs, workers=1, warm=w).table for w in (True, False))
>>> bool((abs(warm["objective_usd"] - cold["objective_usd"]) <= 1e-6 * cold["objective_usd"]).all())
True
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner.errors import Problem, ScenarioError
from planner.scenario import Scenario
from planner.solve import DEFAULT_SOLVER, SolverName
from planner.store import Store, design_record
from planner.sweep.design import Design, Parameter, _plain, design
from planner.sweep.pool import Task
from planner.sweep.worker import Worker, check_solver

if TYPE_CHECKING:
    from planner.plots import SweepPlots


@dataclass
class SweepResult:
    """The runs of a sweep and what each gave.

    Attributes
    ----------
    table
        One row per run: ``run``, the parameter values, status, ``plan_cost_usd`` (present
        value of what would be paid) and its components, unserved tokens and share of demand,
        ``unserved_penalty_usd`` and ``objective_usd`` (the solver's objective: plan cost plus
        that modelling weight), units and MW per category at the end, vendor shares, the plan's
        cost per million tokens served, solve seconds, and ``error`` for runs that failed.
    parameters
        The paths varied.
    notes
        What was repaired in the store on resuming (a line cut off by a stop, dropped).
    """

    table: pd.DataFrame
    parameters: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def plot(self) -> SweepPlots:
        """The sweep's charts (matplotlib, from the ``plots`` extra): ``sweep_result.plot.tornado()``."""
        from planner.plots import SweepPlots

        return SweepPlots(self)

    def _repr_html_(self) -> str:
        """The runs and the tornado of the plan cost, for Jupyter (:func:`planner.html.sweep_html`)."""
        from planner.html import sweep_html

        return sweep_html(self)

    def tornado(self, kpi: str = "plan_cost_usd") -> pd.DataFrame:
        """The swing of ``kpi`` (by default the plan's cost, in present value) per parameter
        (one-at-a-time runs around the base), largest first.

        Returns columns ``parameter, low_value, high_value, low_kpi, high_kpi, swing``, with the
        base run's KPI in ``attrs["base"]``.
        """
        table = self.table[self.table["case"] == ""] if "case" in self.table else self.table
        base_values = {p: table[p].iloc[0] for p in self.parameters}
        base_kpi = float(table[kpi].iloc[0])
        rows = []
        for p in self.parameters:
            others = [q for q in self.parameters if q != p]
            runs = table[np.logical_and.reduce([table[q] == base_values[q] for q in others]) if others else slice(None)]
            runs = runs.dropna(subset=[kpi])
            if runs.empty:
                continue
            low, high = runs.iloc[runs[p].argmin()], runs.iloc[runs[p].argmax()]
            rows.append(
                {
                    "parameter": p,
                    "low_value": low[p],
                    "high_value": high[p],
                    "low_kpi": low[kpi],
                    "high_kpi": high[kpi],
                    "swing": abs(float(high[kpi]) - float(low[kpi])),
                }
            )
        frame = pd.DataFrame(rows).sort_values("swing", ascending=False, ignore_index=True)
        frame.attrs["base"] = base_kpi
        return frame


def run_sweep(
    scenario: Scenario,
    runs: pd.DataFrame,
    *,
    out: str | Path | None = None,
    resume: bool = False,
    workers: int | None = None,
    scheduler: str | Any | None = None,
    connect_timeout_s: float = 10.0,
    progress: Callable[[int, int, int], None] | None = None,
    solver: SolverName = DEFAULT_SOLVER,
    warm: bool = True,
    chunk_size: int | None = None,
) -> SweepResult:
    """Solve every run (in a process pool when ``workers`` > 1, or on a Dask cluster), storing
    each as it finishes.

    Parameters
    ----------
    out
        Folder for ``runs.csv``: a line naming the design, then one row appended per finished
        run (see :mod:`planner.store`); locked while the sweep runs.
    resume
        Skip the runs already in ``out/runs.csv``, after checking that it holds this sweep.
    workers
        Processes to use locally; default all cores; 1 solves in this process.
    scheduler
        A Dask distributed scheduler address (``tcp://HOST:PORT``) or ``Client``: the runs go to
        that cluster instead (needs the ``dask`` extra).
    connect_timeout_s
        How long to wait for the Dask scheduler to answer.
    progress
        Called with (done, failed, total) after each run.
    solver
        ``"highs"`` (the default) or ``"cbc"``.
    warm
        With HiGHS, re-solve each run from the basis of the run before when only costs and bounds
        differ (:mod:`planner.sweep.warm`); False solves every run cold (the answers are the same:
        this is for timing the two). CBC runs are always solved cold.
    chunk_size
        Runs per task sent to a pool process or a Dask worker, solved there one after another
        (default: :func:`chunk_size`). A worker that is lost loses its chunk's runs (stored as
        ``lost``, solved again on resume).

    Raises
    ------
    ScenarioError
        If a one-at-a-time sweep's base run has no plan (there is no base to measure swings from).
    StoreError
        If the store holds another sweep, is damaged, is being written by another sweep, or
        cannot be written (a full disk); the runs stored so far are kept.
    ClusterError
        If the Dask scheduler does not answer within ``connect_timeout_s``.
    SolverMissingError
        If no solver is installed where the runs would be solved (here, or on every Dask worker),
        before any run; a run whose worker lacks one is stored as ``no_solver``, and a run whose
        worker was lost as ``lost``: neither is finished, and a resume solves them again.
    """
    from planner.solvers import solver_missing

    if scheduler is None:  # every run is solved on this machine: say so before a store is made
        check_solver(solver_missing(solver), "on this machine")
    here = Worker(scenario, solver, warm)
    with Store(out, design_record(scenario, runs), runs, resume) if out is not None else nullcontext() as store:
        done: list[dict] = list(store.rows) if store is not None else []
        stored = {row["run"] for row in done}
        tasks = _tasks(runs, runs[~runs["run"].isin(stored)])
        base_here = runs.attrs.get("design", {}).get("design") == "oat" and tasks and tasks[0][0] == runs["run"].iloc[0]
        base_row = None
        if base_here:
            if scheduler is not None:  # the base run is solved here, the others on the cluster
                check_solver(solver_missing(solver), "on this machine, where the base run is solved")
            base_row = here.evaluate(tasks[0][1])
            if base_row.get("status") not in ("optimal", "time_limit"):
                raise ScenarioError(
                    [
                        Problem(
                            path="<base run>",
                            message=f"the scenario itself has no plan ({base_row.get('status')}: {base_row.get('error')}); "
                            "a one-at-a-time sweep measures swings from it: run planner explain on it first",
                        )
                    ]
                )
        table = _run_all(
            here, runs, tasks, done, store, workers, scheduler, connect_timeout_s, progress, base_row, chunk_size
        )
    return SweepResult(
        table=table,
        parameters=[c for c in runs.columns if c not in ("run", "case")],
        notes=list(store.notes) if store is not None else [],
    )


def _tasks(runs: pd.DataFrame, todo: pd.DataFrame) -> list[Task]:
    """``(run, values)`` of each run of ``todo``: its parameters' values and its case's."""
    parameters = [c for c in runs.columns if c not in ("run", "case")]
    cases = runs.attrs.get("cases", {})
    return [
        (r["run"], {**{p: _plain(r[p]) for p in parameters}, **cases.get(r.get("case") or "", {})})
        for r in todo.to_dict("records")
    ]


MAX_CHUNK = 25
"""The most runs in one chunk: few enough that progress is seen, and a lost worker loses little."""


def chunk_size(runs: int, workers: int) -> int:
    """Runs per chunk for ``runs`` runs on ``workers`` workers: about four chunks per worker (so
    that a slow chunk does not leave the others idle at the end), at most :data:`MAX_CHUNK`.

    >>> chunk_size(1000, 2), chunk_size(10, 2), chunk_size(3, 4)
    (25, 2, 1)
    """
    return max(1, min(MAX_CHUNK, math.ceil(runs / (4 * max(1, workers)))))


def _run_all(
    here: Worker,
    runs: pd.DataFrame,
    tasks: list[Task],
    done: list[dict],
    store: Store | None,
    workers: int | None,
    scheduler: str | Any | None,
    connect_timeout_s: float,
    progress: Callable[[int, int, int], None] | None,
    base_row: dict[str, Any] | None,
    size: int | None,
) -> pd.DataFrame:
    """Solve ``tasks`` (the first already solved as ``base_row``, if given), record each in ``done``
    and the store as it finishes, and return every run in design order. Runs solved in this
    process go to ``here``; the others go in chunks of ``size`` runs to a pool or a cluster."""
    parameters = [c for c in runs.columns if c not in ("run", "case")]
    failed = sum(1 for row in done if row.get("status") not in ("optimal", "time_limit"))
    case_of = dict(zip(runs["run"], runs["case"], strict=True)) if "case" in runs else {}

    def record(run: str, values: dict, row: dict) -> None:
        nonlocal failed
        entry = {"run": run, "case": case_of.get(run, ""), **{p: values[p] for p in parameters}, **row}
        if store is not None:
            store.append(entry)
        done.append(entry)
        failed += entry.get("status") not in ("optimal", "time_limit")
        if progress:
            progress(len(done), failed, len(runs))

    if base_row is not None:
        record(*tasks[0], base_row)
        tasks = tasks[1:]
    workers = workers or os.cpu_count() or 1
    size = size or chunk_size(len(tasks), workers)
    chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]  # neighbours in the design: close bases
    if scheduler is not None:
        from planner.sweep.pool import on_dask

        for run, values, row in on_dask(
            here.scenario, chunks, scheduler, connect_timeout_s, here.solver, here.sessions is not None
        ):
            record(run, values, row)
    elif workers == 1 or len(tasks) <= 1:
        for run, values in tasks:
            record(run, values, here.evaluate(values))
    else:
        from planner.sweep.pool import on_pool

        for run, values, row in on_pool(here.scenario, chunks, workers, here.solver, here.sessions is not None):
            record(run, values, row)
    table = pd.DataFrame(done)
    if "case" in table:  # a run without a case was stored as an empty cell
        table["case"] = [c if isinstance(c, str) else "" for c in table["case"]]
    order = {run: i for i, run in enumerate(runs["run"])}
    return table.sort_values("run", key=lambda s: s.map(order), ignore_index=True)


def sweep(
    scenario: Scenario,
    vary: pd.DataFrame | list[str | Parameter],
    kind: Design = "oat",
    *,
    samples: int = 20,
    seed: int = 0,
    cases: dict[str, dict[str, Any]] | None = None,
    **options: Any,
) -> SweepResult:
    """Run a sweep from a notebook in one call.

    Parameters
    ----------
    scenario
        The base scenario.
    vary
        ``PATH=VALUES`` texts or :class:`Parameter` objects (then ``kind``, ``samples``,
        ``seed`` and ``cases`` make the design), or runs already made by :func:`design`.
    options
        Passed to :func:`run_sweep`: ``out``, ``resume``, ``workers``, ``scheduler``, ``progress``,
        ``solver``, ``warm``, ``chunk_size``.

    Examples
    --------
    >>> from planner import Scenario, default_scenario_path, sweep
    >>> result = sweep(Scenario.from_yaml(default_scenario_path()), ["sites.west.pue=x1.1"], workers=1)
    >>> len(result.table), list(result.tornado()["parameter"])
    (2, ['sites.west.pue'])
    """
    if isinstance(vary, pd.DataFrame):
        runs = vary
    else:
        parameters = [p if isinstance(p, Parameter) else Parameter.parse(p) for p in vary]
        runs = design(parameters, kind, scenario, samples=samples, seed=seed, cases=cases)
    return run_sweep(scenario, runs, **options)
