"""Sensitivity sweeps: many solves of one scenario with values changed by dotted path.

A sweep is a list of :class:`Parameter` (a path and the values or distribution it takes) and a
design: ``oat`` (one at a time around the base, for tornado charts), ``grid`` (every
combination), ``lhs`` (Latin hypercube) or ``mc`` (Monte Carlo) over stated distributions with a
seed. Runs go to a local process pool; each finished run is appended to a CSV store at once, so
a sweep that is stopped loses at most the runs in flight and ``resume`` skips the stored ones.

>>> from planner import Scenario, default_scenario_path
>>> from planner.sweep import Parameter, design
>>> runs = design([Parameter.parse("fleets.h100.capex_usd=x0.5,x1.5")], "oat", Scenario.from_yaml(default_scenario_path()))
>>> runs["fleets.h100.capex_usd"].to_list()
[300000.0, 150000.0, 450000.0]
"""

from __future__ import annotations

import asyncio
import ctypes
import math
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from planner.errors import Problem, ScenarioError, closest, locate
from planner.overrides import check_path, get_value, with_values
from planner.scenario import Scenario
from planner.store import LOST, LOST_ERRORS, NO_SOLVER, Store, design_record
from planner.yamlio import load_yaml_file

Design = Literal["oat", "grid", "lhs", "mc"]
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


@dataclass(frozen=True)
class Parameter:
    """One value to vary: its dotted path and either explicit values or a distribution.

    Attributes
    ----------
    path
        Dotted path, e.g. ``fleets.cs3.capex_usd``.
    values
        Explicit values; an entry ``("x", 1.3)`` means 1.3 times the base value. A switch such as
        ``integer_units`` takes ``True`` and ``False``.
    distribution
        For ``lhs`` and ``mc``: ``("uniform", lo, hi)``, ``("triangular", lo, mode, hi)`` or
        ``("lognormal", mu, sigma)`` of the value itself (bounds may be relative: ``("x", 0.7)``).
    """

    path: str
    values: tuple = ()
    distribution: tuple | None = None

    @classmethod
    def parse(cls, text: str) -> Parameter:
        """Parse ``path=spec``: ``x0.7,x1,x1.3`` (relative), ``100,200`` (absolute), ``0.05..0.15:5``
        (five evenly spaced values), ``uniform(x0.7,x1.3)``, ``triangular(a,m,b)``, ``lognormal(mu,sigma)``,
        or ``true,false`` for a switch.

        >>> Parameter.parse("a.b=0.05..0.15:3").values, Parameter.parse("integer_units=true,False").values
        ((0.05, 0.1, 0.15), (True, False))
        """
        path, _, spec = text.partition("=")
        path, spec = path.strip(), spec.strip()
        if not path or not spec:
            raise ValueError(f"{text!r}: write PATH=VALUES, e.g. fleets.cs3.capex_usd=x0.7,x1,x1.3")
        found = re.fullmatch(r"(uniform|triangular|lognormal)\((.*)\)", spec)
        if found:
            bounds = tuple(_value(v) for v in found.group(2).split(","))
            needed = {"uniform": 2, "triangular": 3, "lognormal": 2}[found.group(1)]
            if len(bounds) != needed:
                raise ValueError(f"{text!r}: {found.group(1)} takes {needed} numbers")
            return cls(path, distribution=(found.group(1), *bounds))
        found = re.fullmatch(rf"({_NUMBER})\.\.({_NUMBER}):(\d+)", spec)
        if found:
            lo, hi, n = float(found.group(1)), float(found.group(2)), int(found.group(3))
            if not 1 <= n <= MAX_RUNS:
                raise ValueError(f"{text!r}: take from 1 to {MAX_RUNS:,} evenly spaced values, not {n:,}")
            return cls(path, values=tuple(float(v) for v in np.linspace(lo, hi, n)))
        return cls(path, values=tuple(_value(v) for v in spec.split(",")))


def _value(text: str):
    text = text.strip()
    if text.startswith("x") and re.fullmatch(_NUMBER, text[1:]):
        return ("x", float(text[1:]))
    if re.fullmatch(_NUMBER, text):
        return float(text)
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise ValueError(f"{text!r} is not a number, a relative change such as x1.3, or true/false")


def _resolve(value, base: float) -> float:
    return base * value[1] if isinstance(value, tuple) else value


def _plain(value: Any) -> float | bool:
    """A value of a sweep table as the scenario takes it: a switch stays true or false."""
    return bool(value) if isinstance(value, bool | np.bool_) else float(value)


def format_value(value: Any, spec: str = "g") -> str:
    """A swept value as text: ``true``/``false`` for a switch, a number in the format ``spec``.

    >>> format_value(True), format_value(1200.0), format_value(1200.0, ",.6g")
    ('true', '1200', '1,200')
    """
    return str(bool(value)).lower() if isinstance(value, bool | np.bool_) else format(value, spec)


def _kind_problem(value: Any, parameter: Parameter) -> str | None:
    """Why ``parameter`` cannot vary a scenario value ``value`` (None if it can): numbers take
    numbers, relative changes and distributions; switches take true and false."""
    if value is None:
        return "is not set in this scenario; give it a value in the scenario, then vary it"
    switches = [isinstance(v, bool) for v in parameter.values]
    if isinstance(value, bool):
        if parameter.distribution is not None or not all(switches):
            return f"is a switch ({str(value).lower()}): vary it with true,false, not numbers or a distribution"
        return None
    if not isinstance(value, int | float):
        return f"only numbers and switches (true/false) can be varied; {parameter.path} is {value!r}"
    if any(switches):
        return f"is a number ({value:g}): true and false are for switches such as integer_units"
    return None


def check_parameters(scenario: Scenario, parameters: Iterable[Parameter]) -> None:
    """Reject every path that does not exist (with the closest names), or names neither a number
    nor a switch, or is given values of the other kind."""
    problems = [p for p in (check_path(scenario, param.path) for param in parameters) if p]
    if not problems:
        for param in parameters:
            value = get_value(scenario, param.path)
            why = _kind_problem(value, param)
            if why is not None:
                problems.append(Problem(path=param.path, message=why, value=value))
    if problems:
        raise ScenarioError(problems)


def design(
    parameters: list[Parameter],
    kind: Design,
    scenario: Scenario,
    *,
    samples: int = 20,
    seed: int = 0,
    cases: dict[str, dict[str, Any]] | None = None,
) -> pd.DataFrame:
    """The runs of a sweep: one row per run, one column per path, ``run`` (an id) and ``case``.

    ``oat`` gives the base run, then each parameter at each of its values with the others at
    base; ``grid`` every combination; ``lhs`` and ``mc`` ``samples`` draws from the
    distributions (a Latin hypercube stratifies each one), reproducible for a ``seed``. Each
    named case (e.g. ``{"high_demand": {"demand.total.band": "high"}}``, the demand bands of a
    fitted curve) adds a run with its values and the parameters at base.
    """
    check_parameters(scenario, parameters)
    problems = [p for values in (cases or {}).values() for p in (check_path(scenario, path) for path in values) if p]
    if problems:
        raise ScenarioError(problems)
    base = {p.path: _plain(get_value(scenario, p.path)) for p in parameters}
    if kind in ("oat", "grid"):
        missing = [p.path for p in parameters if not p.values]
        if missing:
            raise ValueError(f"{kind} needs explicit values for {', '.join(missing)}")
        values = {p.path: [_resolve(v, base[p.path]) for v in p.values] for p in parameters}
        size = run_count(kind, [len(v) for v in values.values()], samples)
        if size > MAX_RUNS:
            raise ScenarioError(
                [Problem(path="--vary", message=_too_many(kind, size, [len(v) for v in values.values()]))]
            )
        if kind == "oat":
            rows = [dict(base)] + [{**base, path: v} for path, vs in values.items() for v in vs if v != base[path]]
        else:
            rows = [dict(zip(values, combo, strict=True)) for combo in _product(list(values.values()))]
    else:
        drawn = [(p.path, p.distribution) for p in parameters if p.distribution]
        missing = [p.path for p in parameters if not p.distribution]
        if missing:
            raise ValueError(f"{kind} needs a distribution for {', '.join(missing)}, e.g. uniform(x0.7,x1.3)")
        problems = [
            Problem(path=p.path, message=why)
            for p in parameters
            if p.distribution and (why := distribution_problem(p.distribution, base[p.path])) is not None
        ]
        if samples > MAX_RUNS:
            problems.append(Problem(path="--samples", message=_too_many(kind, samples, []), value=samples))
        if problems:
            raise ScenarioError(problems)
        rng = np.random.default_rng(seed)
        quantiles = _lhs(rng, samples, len(parameters)) if kind == "lhs" else rng.random((samples, len(parameters)))
        rows = [
            {path: _draw(distribution, base[path], q) for (path, distribution), q in zip(drawn, row, strict=True)}
            for row in quantiles
        ]
    frame = pd.DataFrame(rows, columns=list(base)).drop_duplicates(ignore_index=True).assign(case="")
    # Every explicit value, and a distribution's smallest and largest draw (limits are ranges).
    tried = {
        path: sorted(set(frame[path])) if kind in ("oat", "grid") else [frame[path].min(), frame[path].max()]
        for path in base
    }
    problems = [
        Problem(path=path, message=f"the sweep sets it to {format_value(value)}: {message}")
        for path, values in tried.items()
        for value, message in value_problems(scenario, path, values)
    ]
    if problems:
        raise ScenarioError(problems)
    named = pd.DataFrame([{**base, "case": name} for name in (cases or {})], columns=[*base, "case"])
    frame = pd.concat([frame, named], ignore_index=True) if len(named) else frame
    frame.attrs["cases"] = dict(cases or {})
    stochastic = kind in ("lhs", "mc")
    frame.attrs["design"] = {
        "design": kind,
        "values": {
            p.path: [p.distribution[0], *(_resolve(v, base[p.path]) for v in p.distribution[1:])]
            if stochastic and p.distribution
            else [_resolve(v, base[p.path]) for v in p.values]
            for p in parameters
        },
        "samples": samples if stochastic else None,
        "seed": seed if stochastic else None,
    }
    return frame.assign(run=[f"run{i:04d}" for i in range(len(frame))])[["run", "case", *base]]


def value_problems(scenario: Scenario, path: str, values: Iterable[Any]) -> list[tuple[Any, str]]:
    """``(value, why)`` for each value of ``path`` that makes ``scenario`` invalid, so that a
    sweep stops before its first run rather than failing run by run."""
    found = []
    for value in values:
        try:
            with_values(scenario, {path: value})
        except ScenarioError as exc:
            found.append(
                (value, "; ".join(p.message if p.path == path else f"{p.path}: {p.message}" for p in exc.problems))
            )
    return found


def _product(lists: list[list]) -> list[tuple]:
    if not lists:
        return [()]
    return [(v, *rest) for v in lists[0] for rest in _product(lists[1:])]


def _lhs(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    # One draw in each of n equal strata per dimension, strata shuffled independently.
    cut = (np.arange(n)[:, None] + rng.random((n, d))) / n
    for j in range(d):
        cut[:, j] = rng.permutation(cut[:, j])
    return cut


MAX_RUNS = 100_000
"""The most runs a sweep may have: at a second a run, more than a day of solving."""


def run_count(kind: Any, counts: list[int], samples: int) -> int:
    """The number of runs of a design with ``counts`` explicit values per parameter (before
    dropping duplicates), or ``samples`` draws."""
    if kind == "oat":
        return 1 + sum(counts)
    if kind == "grid":
        return math.prod(counts)
    return samples


def _too_many(kind: Any, size: int, counts: list[int]) -> str:
    shown = f"{size:,}" if size < 1e15 else f"{size:.3g}"
    how = f" ({' x '.join(str(n) for n in counts)} values)" if kind == "grid" and counts else ""
    fix = "draw fewer samples" if kind in ("lhs", "mc") else "vary fewer values, or draw a sample with the lhs design"
    return f"this {kind} design has {shown} runs{how}; at most {MAX_RUNS:,} can be run: {fix}"


def distribution_problem(distribution: tuple, base: float) -> str | None:
    """Why a distribution (bounds relative to ``base`` resolved) cannot be drawn from, or None."""
    kind, *args = distribution
    values = [_resolve(a, base) for a in args]
    shown = f"{kind}({', '.join(f'{v:g}' for v in values)})"
    if not all(math.isfinite(v) for v in values):
        return f"{shown}: every number must be finite"
    if kind == "uniform" and not values[0] < values[1]:
        return f"{shown}: the low bound must be below the high bound"
    if kind == "triangular":
        lo, mode, hi = values
        if not lo < hi:
            return f"{shown}: the low bound must be below the high bound"
        if not lo <= mode <= hi:
            return f"{shown}: the mode (most likely value) must lie between the bounds"
    if kind == "lognormal":
        mu, sigma = values
        if not sigma > 0:
            return f"{shown}: sigma (the spread of the value's logarithm) must be above 0"
        if mu + 9 * sigma > math.log(sys.float_info.max):
            return (
                f"{shown}: its draws overflow (e^{mu:g} is the median); mu and sigma are of the natural "
                "logarithm of the value, e.g. lognormal(12.2, 0.1) for a median near 200,000"
            )
    return None


def _draw(distribution: tuple, base: float, q: float) -> float:
    from scipy import stats  # imported here: only stochastic designs need it

    kind, *args = distribution
    args = [_resolve(a, base) for a in args]
    if kind == "uniform":
        return float(args[0] + q * (args[1] - args[0]))
    if kind == "triangular":
        lo, mode, hi = args
        return float(stats.triang.ppf(q, (mode - lo) / (hi - lo), loc=lo, scale=hi - lo))
    return float(stats.lognorm.ppf(q, args[1], scale=math.exp(args[0])))


# ------------------------------------------------------------------------------------------ running
KPI_COLUMNS = [
    "status",
    "plan_cost_usd",
    "unserved_tokens",
    "unserved_share_of_demand",
    "average_usd_per_mtok",
    "solve_seconds",
    "error",
]


def evaluate(scenario: Scenario, values: dict[str, Any]) -> dict[str, Any]:
    """Solve one run and return its row: status, the plan's cost (present value, what would be
    paid) and its components, unserved tokens and their share of demand, the unserved penalty and
    the objective (plan cost plus penalty, a modelling weight), units and MW per category at the
    end of the horizon, share per vendor, and the plan's cost per million tokens served."""
    from planner.solve import solve, solver_missing  # a worker process imports the solver once

    missing = solver_missing("cbc")
    if missing is not None:  # this worker cannot solve: the run is not finished, and is solved again on resume
        return {"status": NO_SOLVER, "error": missing, "solve_seconds": 0.0}
    started = time.perf_counter()
    try:
        result = solve(with_values(scenario, values))
    except (ScenarioError, ValueError) as exc:
        return {"status": "invalid", "error": str(exc), "solve_seconds": time.perf_counter() - started}
    summary = result.summary()
    row: dict[str, Any] = {
        "status": result.status.value,
        "plan_cost_usd": result.plan_cost_usd,
        "gap": result.gap,
        "solve_seconds": result.solve_seconds,
        "error": "",
    }
    if not result.has_plan:
        return {**row, "error": result.message}
    row["unserved_tokens"] = summary["unserved_tokens"]
    row["unserved_share_of_demand"] = summary["unserved_share_of_demand"]
    row.update({f"cost_{k}_usd": v for k, v in summary["cost_by_component_usd"].items()})
    row["unserved_penalty_usd"] = summary["unserved_penalty_usd"]
    row["objective_usd"] = result.objective_usd
    served = sum(summary["served_tokens_by_vendor"].values())
    row.update(
        {f"share_{vendor}": tokens / (served or 1.0) for vendor, tokens in summary["served_tokens_by_vendor"].items()}
    )
    row["average_usd_per_mtok"] = result.plan_cost_usd / (served / 1e6) if served else None
    installed = result.installed
    last = installed[installed["period"] == installed["period"].iloc[-1]]
    fleets = result.scenario.fleets
    for category, group in last.groupby(last["fleet"].map(lambda f: fleets[f].category)):
        row[f"units_{category}"] = float(group["units"].sum())
        row[f"mw_{category}"] = float(
            sum(u * (fleets[f].max_power_kw or 0.0) / 1000 for f, u in zip(group["fleet"], group["units"], strict=True))
        )
    return row


def _evaluate_task(scenario_data: dict, values: dict[str, Any]) -> dict[str, Any]:
    return evaluate(Scenario.model_validate(scenario_data), values)


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
    from planner.solve import solver_missing

    if scheduler is None:  # every run is solved on this machine: say so before a store is made
        _check_solver(solver_missing("cbc"), "on this machine")
    with Store(out, design_record(scenario, runs), runs, resume) if out is not None else nullcontext() as store:
        done: list[dict] = list(store.rows) if store is not None else []
        finished = {row["run"] for row in done}
        todo = runs[~runs["run"].isin(finished)]
        base_here = (
            runs.attrs.get("design", {}).get("design") == "oat"
            and len(todo) > 0
            and todo["run"].iloc[0] == runs["run"].iloc[0]
        )
        if scheduler is not None and base_here:  # the base run is solved here, the others on the cluster
            _check_solver(solver_missing("cbc"), "on this machine, where the base run is solved")
        if base_here:
            base_row = evaluate(scenario, {p: float(runs[p].iloc[0]) for p in runs.columns if p not in ("run", "case")})
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
        else:
            base_row = None
        table = _run_all(scenario, runs, todo, done, store, workers, scheduler, connect_timeout_s, progress, base_row)
    return SweepResult(
        table=table,
        parameters=[c for c in runs.columns if c not in ("run", "case")],
        notes=list(store.notes) if store is not None else [],
    )


def _run_all(
    scenario: Scenario,
    runs: pd.DataFrame,
    todo: pd.DataFrame,
    done: list[dict],
    store: Store | None,
    workers: int | None,
    scheduler: str | Any | None,
    connect_timeout_s: float,
    progress: Callable[[int, int, int], None] | None,
    base_row: dict[str, Any] | None,
) -> pd.DataFrame:
    """Solve the runs of ``todo`` (the first already solved as ``base_row``, if given), record
    each in ``done`` and the store as it finishes, and return every run in design order."""
    parameters = [c for c in runs.columns if c not in ("run", "case")]
    cases = runs.attrs.get("cases", {})
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

    tasks = [
        (r["run"], {**{p: _plain(r[p]) for p in parameters}, **cases.get(r.get("case") or "", {})})
        for r in todo.to_dict("records")
    ]
    if base_row is not None:
        record(*tasks[0], base_row)
        tasks = tasks[1:]
    workers = workers or os.cpu_count() or 1
    if scheduler is not None:
        for run, values, row in _on_dask(scenario, tasks, scheduler, connect_timeout_s):
            record(run, values, row)
    elif workers == 1 or len(tasks) <= 1:
        for run, values in tasks:
            record(run, values, evaluate(scenario, values))
    else:
        data = scenario.model_dump(mode="python")
        with ProcessPoolExecutor(max_workers=workers, initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
            futures = {pool.submit(_evaluate_task, data, values): (run, values) for run, values in tasks}
            try:
                for run, values, row in _finished(futures, as_completed):
                    record(run, values, row)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)  # a store that fails stops the sweep
                raise
    table = pd.DataFrame(done)
    if "case" in table:  # a run without a case was stored as an empty cell
        table["case"] = [c if isinstance(c, str) else "" for c in table["case"]]
    order = {run: i for i, run in enumerate(runs["run"])}
    return table.sort_values("run", key=lambda s: s.map(order), ignore_index=True)


def _die_with_parent(parent: int) -> None:
    """Start of a pool worker: on Linux, have the kernel kill it when the sweep's process dies,
    so that a sweep killed outright (SIGKILL) leaves no worker solving on."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the sweep died before the request took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _finished(futures: dict, completed) -> Any:
    """Yield ``(run, values, row)`` for each future as ``completed`` (local or Dask) hands it back."""
    for future in completed(futures):
        run, values = futures[future]
        try:
            row = future.result()
        except Exception as exc:  # a crashed or lost worker is one failed run, not a failed sweep
            row = {"status": LOST if _lost(exc) else "error", "error": f"{type(exc).__name__}: {exc}"}
        yield run, values, row


def _lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the run's worker (or the data it was sent) was lost, rather than that the
    run failed: such a run is stored as lost and solved again on resume."""
    return any(cls.__name__ in LOST_ERRORS for cls in type(exc).__mro__)


class SolverMissingError(RuntimeError):
    """No solver to run the sweep's runs with, here or on the cluster; nothing was solved."""


def _check_solver(missing: str | None, where: str) -> None:
    if missing is not None:
        raise SolverMissingError(f"{missing}; no run was solved ({where})")


async def _identity(address: str, timeout_s: float) -> Any:
    """The scheduler's answer to an identity request (a sign it is a Dask scheduler and alive)."""
    from distributed.comm import connect

    comm = await connect(address, timeout=timeout_s)
    try:
        await comm.write({"op": "identity"})
        return await comm.read()
    finally:
        await comm.close()


class ClusterError(RuntimeError):
    """A Dask cluster that cannot be used: the extra is missing or the scheduler does not answer."""


def _on_dask(scenario: Scenario, tasks: list[tuple[str, dict]], scheduler, timeout_s: float):
    """Yield ``(run, values, row)`` as a Dask cluster finishes each run."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as exc:  # the dask extra is optional
        raise ClusterError("running on a Dask cluster needs the dask extra: pip install 'planner[dask]'") from exc
    if isinstance(scheduler, Client):
        client = scheduler
    else:
        try:
            # A listener that never accepts would hold Client() past its timeout; ask first.
            # In a thread of its own: a notebook's thread already runs an event loop.
            with ThreadPoolExecutor(max_workers=1) as asker:
                asker.submit(asyncio.run, asyncio.wait_for(_identity(scheduler, timeout_s), timeout_s)).result()
            client = Client(scheduler, timeout=timeout_s)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(
                f"no Dask scheduler answered at {scheduler} within {timeout_s:g} s ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else 'no reply'}); check the address and that the scheduler runs"
            ) from exc
    try:
        from planner.solve import solver_missing

        said = client.run(solver_missing, "cbc")  # each worker's answer ({} without workers yet)
        if said and all(said.values()):
            _check_solver(next(iter(said.values())), "on every worker of the Dask cluster")
        data = client.scatter(scenario.model_dump(mode="python"), broadcast=True)
        futures = {client.submit(_evaluate_task, data, values, pure=False): (run, values) for run, values in tasks}
        yield from _finished(futures, dask_completed)
    finally:
        if client is not scheduler:
            client.close()


DESIGNS = ("oat", "grid", "lhs", "mc")
_SWEEP_FIELDS = ("design", "samples", "seed", "vary", "cases")


@dataclass
class SweepFile:
    """A sweep described in YAML: a ``sweep:`` section beside a scenario's sections, or beside
    ``scenario: PATH`` (read from the sweep file's folder).

    ``sweep`` holds ``design``, ``samples``, ``seed``, ``vary`` (path: values, as on the
    command line) and ``cases`` (name: {path: value}).
    """

    scenario: Scenario
    parameters: list[Parameter]
    design: Design = "oat"
    samples: int = 20
    seed: int = 0
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_yaml(cls, path: str | Path) -> SweepFile:
        """Read a sweep file and check it against its scenario before anything runs.

        Raises
        ------
        ScenarioError
            Listing every problem at once, each with the file and line: of the scenario, of
            the ``sweep`` section (unknown fields, a design, sample count or seed that is not
            one, values that cannot be read, paths that name no number of the scenario, values
            that do not suit the design, cases the scenario rejects).
        """
        path = Path(path)
        data, text = load_yaml_file(path, "sweep")
        problems: list[Problem] = []

        def report(loc: tuple, message: str, value: Any = None) -> None:
            problems.append(locate(loc, message, value, path, text))

        spec = data.get("sweep") if isinstance(data, dict) else None
        if not isinstance(spec, dict):
            got = "" if spec is None else f", not {'a list' if isinstance(spec, list) else type(spec).__name__}"
            raise ScenarioError(
                [
                    locate(
                        ("sweep",),
                        f"a sweep file has a 'sweep:' section: a mapping of {', '.join(_SWEEP_FIELDS)}{got}",
                        None,
                        path,
                        text,
                    )
                ]
            )
        data = {key: value for key, value in data.items() if key != "sweep"}
        design, samples, seed = _check_settings(spec, report)
        parameters = _read_vary(spec.get("vary"), report)
        cases = _read_cases(spec.get("cases"), report)
        scenario = _sweep_scenario(data, path, text, problems, report)
        if scenario is not None:
            _check_against(scenario, design, parameters, cases, report)
        if problems or scenario is None:  # an unreadable scenario has reported its problems
            raise ScenarioError(problems)
        return cls(scenario, list(parameters.values()), design, samples, seed, cases)


def _check_settings(spec: dict, report: Callable[..., None]) -> tuple[Any, int, int]:
    """The design, samples and seed of a ``sweep:`` section, reporting what is wrong with them."""
    meant = set()
    for key in spec:
        if key not in _SWEEP_FIELDS:
            close = closest(key, _SWEEP_FIELDS)
            meant.add(close)
            report(
                ("sweep", key),
                "unknown field"
                + (f"; did you mean {close!r}?" if close else f"; valid here: {', '.join(_SWEEP_FIELDS)}"),
            )
    design = spec.get("design", "oat")
    if design not in DESIGNS:
        close = closest(design, DESIGNS)
        hint = f"did you mean {close!r}? " if close else ""
        report(
            ("sweep", "design"),
            f"unknown design; {hint}use oat (one at a time), grid (every combination), lhs (Latin hypercube) or mc (Monte Carlo)",
            design,
        )
        design = None
    elif "design" not in spec and "design" in meant:
        design = None  # misspelt: which design was meant is unknown, so values are not checked against one
    counts = {}
    for key, default, least, most in (("samples", 20, 1, MAX_RUNS), ("seed", 0, 0, None)):
        value = spec.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < least or (most and value > most):
            report(
                ("sweep", key),
                f"give a whole number of at least {least}"
                + (f" and at most {most:,} (runs drawn by lhs and mc)" if key == "samples" else ""),
                value,
            )
            value = default
        counts[key] = value
    return design, counts["samples"], counts["seed"]


def _read_vary(vary: Any, report: Callable[..., None]) -> dict[str, Parameter]:
    """The parameters of ``vary:`` by path, reporting each that cannot be read."""
    if vary is None:
        return {}
    if not isinstance(vary, dict):
        report(("sweep", "vary"), "give a mapping of path to values, e.g. 'fleets.cs3.capex_usd: x0.7,x1,x1.3'", vary)
        return {}
    parameters = {}
    for key, values in vary.items():
        if isinstance(values, list | dict) or values is None:
            report(
                ("sweep", "vary", key),
                "write the values as one text, as on the command line: 'x0.7,x1,x1.3', '0.05..0.15:5' or 'uniform(x0.7,x1.3)'",
                values if values is None else str(values),
            )
            continue
        try:
            parameters[str(key)] = Parameter.parse(f"{key}={values}")
        except ValueError as exc:
            report(
                ("sweep", "vary", key),
                f"{exc}; write e.g. 'x0.7,x1,x1.3', '0.05..0.15:5' or 'uniform(x0.7,x1.3)'",
                values,
            )
    return parameters


def _read_cases(cases: Any, report: Callable[..., None]) -> dict[str, dict[str, Any]]:
    """The named cases of ``cases:``, reporting each that is not a mapping of path to value."""
    if cases is None:
        return {}
    if not isinstance(cases, dict):
        report(
            ("sweep", "cases"),
            "give a mapping of case name to {path: value}, e.g. 'high: {demand.total.band: high}'",
            cases,
        )
        return {}
    read = {}
    for name, values in cases.items():
        if not isinstance(values, dict) or not values:
            report(
                ("sweep", "cases", name),
                "give the case's values as a mapping of path to value, e.g. {demand.total.band: high}",
                values,
            )
            continue
        read[str(name)] = {str(key): value for key, value in values.items()}
    return read


def _sweep_scenario(
    data: dict, path: Path, text: str, problems: list[Problem], report: Callable[..., None]
) -> Scenario | None:
    """The scenario of a sweep file (inline, or from ``scenario: PATH``), or None if it is invalid."""
    if "scenario" not in data:
        try:
            return Scenario.from_dict(data, base_dir=path.parent, file=path, text=text)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            return None
    given = data["scenario"]
    for key in data:
        if key != "scenario":
            report(
                (key,),
                "a sweep file with 'scenario:' takes the whole scenario from that file; move this section there, or drop 'scenario:'",
            )
    if not isinstance(given, str) or not given:
        report(("scenario",), "give the path of a scenario file, read from the sweep file's folder", given)
        return None
    source = path.parent / given
    if not source.is_file():
        report(("scenario",), f"no scenario file at {source}; the path is read from the sweep file's folder", given)
        return None
    try:
        return Scenario.from_yaml(source)
    except ScenarioError as exc:
        problems.extend(exc.problems)
        return None


def _check_against(
    scenario: Scenario, design: Any, parameters: dict[str, Parameter], cases: dict[str, dict[str, Any]], report
) -> None:
    """Report the paths of ``vary`` and ``cases`` that name no number of ``scenario``, values that do
    not suit the design, and case values the scenario rejects."""
    for key, parameter in parameters.items():
        problem = check_path(scenario, parameter.path)
        if problem is not None:
            report(("sweep", "vary", key), problem.message)
            continue
        value = get_value(scenario, parameter.path)
        why = _kind_problem(value, parameter)
        if why is not None:
            report(("sweep", "vary", key), why)
        elif design in ("oat", "grid") and parameter.distribution is not None:
            report(
                ("sweep", "vary", key),
                f"the {design} design takes explicit values, e.g. x0.7,x1,x1.3; a distribution is for the lhs or mc design",
            )
        elif design in ("lhs", "mc") and parameter.distribution is None:
            report(
                ("sweep", "vary", key),
                f"the {design} design draws from a distribution, e.g. uniform(x0.7,x1.3); explicit values are for the oat or grid design",
            )
        elif parameter.distribution is not None:
            why = distribution_problem(parameter.distribution, float(value))
            if why is not None:
                report(("sweep", "vary", key), why)
        elif parameter.values:
            values = [_resolve(v, value) for v in parameter.values]
            for bad, why in value_problems(scenario, parameter.path, values):
                report(("sweep", "vary", key), f"the sweep sets {parameter.path} to {format_value(bad)}: {why}")
    counts = [len(p.values) for p in parameters.values() if p.values]
    if design in ("oat", "grid") and run_count(design, counts, 0) > MAX_RUNS:
        report(("sweep", "vary"), _too_many(design, run_count(design, counts, 0), counts))
    for name, settings in cases.items():
        for key, value in settings.items():
            problem = check_path(scenario, key)
            if problem is not None:
                report(("sweep", "cases", name, key), problem.message)
                continue
            try:
                with_values(scenario, {key: value})
            except ScenarioError as exc:
                said = "; ".join(p.message if p.path == key else f"{p.path}: {p.message}" for p in exc.problems)
                report(("sweep", "cases", name, key), said, value)


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
        Passed to :func:`run_sweep`: ``out``, ``resume``, ``workers``, ``scheduler``, ``progress``.

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
