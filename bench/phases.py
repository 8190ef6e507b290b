"""What the benchmark harness measures: the phases of one solve, warm and cold re-solves, the
growth of the LP, the build beside linopy's and beside the array floor, and sweep rates.

Every function returns seconds (and sizes) and asserts no time; ``bench/run.py`` prints them.
"""

from __future__ import annotations

import gc
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: its sibling modules
from synthetic import Size, scenario_dict

from planner.build import Model
from planner.data import ModelData
from planner.lp import LinearProgram

PHASES = ("load", "data", "build", "hand-off", "solver alone", "read-back", "tables")
"""The phases of one solve, in order."""

OVERHEAD = ("build", "hand-off", "read-back", "tables")
"""The phases the planner adds around the solver (the issue's target: at most 10% of end to end)."""


def run_watched(command: list[str]) -> tuple[float, float]:
    """Run ``command``; return its wall seconds and its peak resident memory in MiB.

    The peak is the kernel's high-water mark (``VmHWM``), sampled every 10 ms while it runs (the
    rusage of a child would count the memory of this process, copied at the fork).
    """
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak_kib = 0
    status = Path(f"/proc/{process.pid}/status")
    while True:
        try:
            process.wait(timeout=0.01)
            break
        except subprocess.TimeoutExpired:
            try:
                line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
                peak_kib = max(peak_kib, int(line.split()[1]))
            except (OSError, StopIteration):  # exited meanwhile, or no /proc: no sample
                pass
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{command[0]} failed with exit code {process.returncode}")
    return seconds, peak_kib / 1024.0


def _solver_phases(model: Model, solver: str, folder: Path) -> tuple[dict[str, float], Any]:
    """Hand-off, solver alone and read-back of ``model``'s LP, each timed on its own, and the answer.

    HiGHS: ``passModel`` (:func:`planner.solvers.highs.loaded`), its ``run()`` with the method the
    planner's solve uses (:func:`planner.solvers.highs.cold_method`), the answer read into arrays.
    CBC: the MPS file written (:func:`planner.solvers.cbc.write_mps`), the binary on it with the
    planner's command line, its solution file read into arrays.
    """
    from planner.solvers import Solution, cbc, highs
    from planner.status import Status

    lp = model.lp
    times: dict[str, float] = {}
    if solver == "highs":
        started = time.perf_counter()
        handle = highs.loaded(lp)
        handle.setOptionValue("solver", highs.cold_method(lp))  # as the planner's solve sets it
        times["hand-off"] = time.perf_counter() - started
        started = time.perf_counter()
        handle.run()
        times["solver alone"] = time.perf_counter() - started
        started = time.perf_counter()
        status = Status.OPTIMAL if handle.getModelStatus().name == "kOptimal" else Status.NOT_SOLVED
        solution = handle.getSolution()
        answer = Solution(
            status,
            x=np.array(solution.col_value, dtype=float),
            row_dual=np.array(solution.row_dual, dtype=float),
            col_dual=np.array(solution.col_dual, dtype=float),
            objective=float(handle.getInfo().objective_function_value),
        )
        times["read-back"] = time.perf_counter() - started
        del handle
        return times, answer
    path = cbc.cbc_path()
    if path is None:
        raise SystemExit(cbc.MISSING)
    written, solution = folder / "model.mps", folder / "model.sol"
    started = time.perf_counter()
    cbc.write_mps(lp, written)
    times["hand-off"] = time.perf_counter() - started
    times["solver alone"], times["solver peak MiB"] = run_watched(cbc.command(path, written, solution, mip=lp.is_mip))
    started = time.perf_counter()
    answer = cbc._read(lp, solution.read_text(encoding="utf-8"), "", times["solver alone"])
    times["read-back"] = time.perf_counter() - started
    return times, answer


def one_solve(scenario_file: Path, solver: str, folder: Path) -> tuple[dict[str, float], dict[str, int]]:
    """Time each phase of one solve of ``scenario_file`` with ``solver``, end to end (the phases
    summed), and the solve path as a user runs it (load, data, build and
    :func:`planner.solve.solve_model`); also the model's size."""
    from planner import Scenario
    from planner.build import build
    from planner.result import Result
    from planner.solve import solve_model

    times: dict[str, float] = {}
    started = time.perf_counter()
    scenario = Scenario.from_yaml(scenario_file)
    times["load"] = time.perf_counter() - started
    started = time.perf_counter()
    data = ModelData.from_scenario(scenario)
    times["data"] = time.perf_counter() - started
    started = time.perf_counter()
    model = build(data)
    times["build"] = time.perf_counter() - started
    started = time.perf_counter()
    result = solve_model(model, solver=solver)  # type: ignore[arg-type]
    solved = time.perf_counter() - started
    if not result.is_optimal:
        raise SystemExit(f"the benchmark scenario did not solve: {result.status.value}: {result.message}")
    times["solve path"] = times["load"] + times["data"] + times["build"] + solved
    expected = (result.objective_usd or 0.0) / model.money_unit
    del result  # not held while the phases are timed: the peak memory is that of one solve
    gc.collect()
    phases, answer = _solver_phases(model, solver, folder)
    times.update(phases)
    if answer.objective is None or abs(answer.objective - expected) > 1e-6 * max(1.0, abs(expected)):
        raise SystemExit(f"{solver} alone did not find the plan the solve found ({answer.said})")
    started = time.perf_counter()
    Result.from_model(model, answer.x, answer.row_dual, answer.status, "", solver=solver)
    times["tables"] = time.perf_counter() - started
    # End to end is the phases summed, each timed on its own in this pass: its ratio to the solver
    # alone does not move with the solver's time from one run to the next, as the solve path's does.
    times["end to end"] = sum(times[phase] for phase in PHASES)
    return times, model.size()


def medians(passes: list[dict[str, float]]) -> dict[str, float]:
    """The median of each figure over the passes."""
    return {name: statistics.median(p[name] for p in passes) for name in passes[0]}


def repeated(budget_s: float, measure: Callable[[], dict[str, float]]) -> tuple[dict[str, float], int]:
    """``measure()`` repeated while ``budget_s`` lasts (at least once): the medians and the count."""
    started = time.perf_counter()
    passes: list[dict[str, float]] = []
    while not passes or time.perf_counter() - started < budget_s:
        gc.collect()  # the garbage of the pass before is not collected within this one
        passes.append(measure())
    return medians(passes), len(passes)


def warm_cold(model: Model) -> dict[str, dict[str, float]]:
    """Warm re-solves (:class:`planner.solvers.session.HighsSession`, from the base plan's basis)
    against cold ones (:func:`planner.solvers.solve_lp` of the changed LP, from a new HiGHS) for:

    - a changed cost: the fleet the base plan builds most of 10% dearer (its builds' cost
      columns times 1.1);
    - a changed limit: site ``s0``'s power cap cut to 90% of what the base plan draws there, in
      each period it draws any.

    Returns, per change, the seconds and simplex iterations of each (the answers are checked to
    agree to 1e-6).
    """
    from planner.solvers import solve_lp
    from planner.solvers.session import HighsSession

    lp = model.lp
    session = HighsSession(lp)
    base = session.solve()
    if base.x is None:
        raise SystemExit(f"the base plan did not solve warm ({base.said})")
    builds = model.variables["build"]
    built = builds.assign(units=model.value("build", base.x)).groupby("fleet")["units"].sum()
    cols = builds.loc[builds["fleet"] == built.idxmax(), "col"].to_numpy()
    cost = lp.cost.copy()
    cost[cols] *= 1.1
    power = model.constraints["power_limit"]
    rows = power.loc[power["site"] == "s0", "row"].to_numpy()
    drawn = lp.row_activity(base.x)[rows]
    rows, drawn = rows[drawn > 1e-9], drawn[drawn > 1e-9]
    row_upper = lp.row_upper.copy()
    row_upper[rows] = np.minimum(row_upper[rows], 0.9 * drawn)
    figures = {}
    for change, changed, apply, undo in (  # each from the base plan's basis
        (
            "cost",
            replace(lp, cost=cost),
            lambda: session.set_costs(cols, cost[cols]),
            lambda: session.set_costs(cols, lp.cost[cols]),
        ),
        (
            "limit",
            replace(lp, row_upper=row_upper),
            lambda: session.set_row_bounds(rows, lp.row_lower[rows], row_upper[rows]),
            lambda: session.set_row_bounds(rows, lp.row_lower[rows], lp.row_upper[rows]),
        ),
    ):
        apply()
        started = time.perf_counter()
        warm = session.solve()
        warm_s = time.perf_counter() - started
        started = time.perf_counter()
        cold = solve_lp(changed, "highs")
        cold_s = time.perf_counter() - started
        if (
            warm.objective is None
            or cold.objective is None
            or abs(warm.objective - cold.objective) > 1e-6 * max(1.0, abs(cold.objective))
        ):
            raise SystemExit(
                f"changed {change}: the warm re-solve ({warm.said}) and the cold one ({cold.said}) disagree"
            )
        figures[change] = {
            "warm_s": warm_s,
            "cold_s": cold_s,
            "warm_iterations": float(warm.iterations or 0),
            "cold_iterations": float(cold.iterations or 0),
        }
        if change == "cost":
            undo()
            session.solve()  # back at the base plan's basis for the next change
    return figures


def nonzeros_growth(size: Size) -> dict[str, float]:
    """The LP's nonzeros with each dimension of ``size`` doubled, over those of ``size`` itself."""
    from planner import Scenario
    from planner.build import build

    def nonzeros(of: Size) -> int:
        return build(ModelData.from_scenario(Scenario.model_validate(scenario_dict(of)))).size()["nonzeros"]

    base = nonzeros(size)
    return {
        dim: nonzeros(replace(size, **{dim: 2 * getattr(size, dim)})) / base
        for dim in ("periods", "fleets", "sites", "workloads")
    }


def build_comparison(data: ModelData, budget_s: float) -> dict[str, Any]:
    """The planner's build beside linopy's (when installed) and beside the array floor.

    planner: :func:`planner.build.build` and the LP handed to HiGHS (``passModel``); linopy: the
    same LP formulated (:mod:`linopy_model`) and handed to HiGHS (``to_highspy``); the array
    floor: the planner's LP assembled from its triplets alone
    (:meth:`planner.lp.LinearProgram.from_triplets`, the matrix's coordinates, bounds and costs
    ready), the least any build from these frames could take. Medians over ``budget_s``.
    """
    from planner.build import build
    from planner.solvers.highs import loaded

    def planner_pass() -> dict[str, float]:
        started = time.perf_counter()
        loaded(build(data).lp)
        return {"planner_s": time.perf_counter() - started}

    figures: dict[str, Any] = {}
    timed, figures["passes"] = repeated(budget_s, planner_pass)
    figures.update(timed)
    with mock.patch.object(LinearProgram, "from_triplets", wraps=LinearProgram.from_triplets) as assembly:
        model = build(data)  # its triplets as the build hands them over, in the build's order
    args, kwargs = assembly.call_args

    def floor_pass() -> dict[str, float]:
        started = time.perf_counter()
        LinearProgram.from_triplets(*args, **kwargs)
        return {"floor_s": time.perf_counter() - started}

    figures.update(repeated(budget_s, floor_pass)[0])
    figures["planner_size"] = model.size()
    try:
        import linopy  # noqa: F401  (imported before the clock starts)
    except ImportError:
        figures["linopy_s"] = None
        return figures
    from linopy_model import timed_build

    def linopy_pass() -> dict[str, float]:
        seconds, figures["linopy_size"] = timed_build(data, model)
        return {"linopy_s": seconds}

    figures.update(repeated(budget_s, linopy_pass)[0])
    return figures


def sweep_seconds(scenario_file: Path, runs: int, workers: int, warm: bool) -> float:
    """Wall seconds of a Latin-hypercube sweep of ``runs`` runs of fleet ``f0``'s price (a cost
    change: warm re-solves apply) on ``workers`` processes."""
    from planner import Scenario
    from planner.sweep import Parameter, design, run_sweep

    base = Scenario.from_yaml(scenario_file)
    capex = base.fleets["f0"].capex_usd
    assert capex is not None, "the synthetic fleets are owned: they have a price"
    parameter = Parameter.parse(f"fleets.f0.capex_usd=uniform({0.8 * capex:g},{1.2 * capex:g})")
    plan = design([parameter], "lhs", base, samples=runs, seed=0)
    started = time.perf_counter()
    result = run_sweep(base, plan, workers=workers, warm=warm)
    seconds = time.perf_counter() - started
    solved = int((result.table["status"] == "optimal").sum())
    if solved != len(plan):
        raise SystemExit(f"the sweep solved {solved} of {len(plan)} runs")
    return seconds


def default_solve_wall(budget_s: float) -> tuple[float, int]:
    """Median wall seconds of ``planner solve`` on the default scenario, start-up included, over
    ``budget_s`` (at least one run), and the number of runs."""
    planner = str(Path(sys.executable).with_name("planner"))
    figures, runs = repeated(budget_s, lambda: {"wall_s": run_watched([planner, "solve"])[0]})
    return figures["wall_s"], runs
