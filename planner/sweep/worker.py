"""A sweep's worker: solves runs of one scenario one after another, warm where it can, and turns
each result into its row of the sweep's table."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from planner.errors import ScenarioError
from planner.overrides import with_values
from planner.scenario import Scenario
from planner.solve import DEFAULT_SOLVER, SolverName
from planner.status import Status
from planner.store import NO_SOLVER
from planner.sweep.warm import WarmSessions

if TYPE_CHECKING:
    from planner.lp import LinearProgram
    from planner.solvers.session import HighsSession

KPI_COLUMNS = [
    "status",
    "plan_cost_usd",
    "unserved_tokens",
    "unserved_share_of_demand",
    "average_usd_per_mtok",
    "solve_seconds",
    "error",
]

SERVING_TOLERANCE = 1e-6
"""A fleet serving less than this share of the plan's tokens counts as serving none: a solver's round-off, not a choice."""

_SOLVED_AGAIN = (Status.NUMERICAL_TROUBLE, Status.SOLVER_ERROR, Status.NOT_SOLVED)
"""Statuses of a warm solve that is tried once more in a new session, so that a basis carried
over from another run never decides a run's answer."""


class Worker:
    """Solves runs of ``scenario`` (each a dict of path: value) one after another.

    Each run's scenario is validated once, by :func:`planner.overrides.with_values`, and its model
    built in full. With HiGHS and ``warm``, the model's LP goes to the worker's session
    (:class:`planner.sweep.warm.WarmSessions`), changed in place when only costs and bounds differ
    from the run before, and solved from the previous basis. CBC has no session: its runs are
    solved cold, as are all runs with ``warm=False`` (to compare the two).

    Parameters
    ----------
    scenario
        The sweep's base scenario, validated.
    solver
        ``"highs"`` or ``"cbc"``.
    warm
        Re-solve warm where the structure allows it (HiGHS only).

    Raises
    ------
    ValueError
        If ``solver`` is neither ``"cbc"`` nor ``"highs"``.
    """

    def __init__(self, scenario: Scenario, solver: SolverName = DEFAULT_SOLVER, warm: bool = True) -> None:
        if solver not in ("cbc", "highs"):
            raise ValueError(f"unknown solver {solver!r}; available: cbc, highs")
        self.scenario = scenario
        self.solver: SolverName = solver
        self.sessions = WarmSessions() if warm and solver == "highs" else None

    def evaluate(self, values: dict[str, Any]) -> dict[str, Any]:
        """Solve the run that sets ``values`` and return its row (see :func:`row`)."""
        from planner.build import build
        from planner.data import ModelData
        from planner.solve import solve_model
        from planner.solvers import solver_missing

        missing = solver_missing(self.solver)
        if missing is not None:  # this worker cannot solve: the run is not finished, and is solved again on resume
            return {"status": NO_SOLVER, "error": missing, "solve_seconds": 0.0}
        started = time.perf_counter()
        try:
            scenario = with_values(self.scenario, values)
            model = build(ModelData.from_scenario(scenario, checked=True))  # with_values has just validated it
        except (ScenarioError, ValueError) as exc:
            return {"status": "invalid", "error": str(exc), "solve_seconds": time.perf_counter() - started}
        build_seconds = time.perf_counter() - started
        if self.sessions is None:
            return row(solve_model(model, self.solver, build_seconds=build_seconds))
        reused = self.sessions.reused
        result = solve_model(model, self.solver, build_seconds=build_seconds, session=self._session(model.lp))
        if result.status in _SOLVED_AGAIN:
            self.sessions.forget(model.lp)
            if self.sessions.reused > reused:  # it was solved warm: solve it afresh
                result = solve_model(model, self.solver, build_seconds=build_seconds, session=self._session(model.lp))
        return row(result)

    def _session(self, lp: LinearProgram) -> HighsSession | None:
        """The session to solve ``lp`` in; None (a cold solve, which reports why) if HiGHS refuses it."""
        assert self.sessions is not None, "only a warm worker has sessions"
        try:
            return self.sessions.session_for(lp)
        except ValueError:
            return None


def sweep_worker(data: tuple[dict[str, Any], SolverName, bool]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The solve of a pool process or Dask worker thread for a sweep: a :class:`Worker` of the
    scenario (a dump, validated here once), the solver and whether to re-solve warm."""
    scenario, solver, warm = data
    return Worker(Scenario.model_validate(scenario), solver, warm).evaluate


def evaluate(scenario: Scenario, values: dict[str, Any], solver: SolverName = DEFAULT_SOLVER) -> dict[str, Any]:
    """Solve one run of ``scenario`` with ``values`` set, cold, and return its row (see :func:`row`)."""
    return Worker(scenario, solver, warm=False).evaluate(values)


def row(result) -> dict[str, Any]:  # result: planner.result.Result
    """A run's row: status, the plan's cost (present value, what would be paid) and its
    components, unserved tokens and their share of demand, the unserved penalty and the objective
    (plan cost plus penalty, a modelling weight), units and MW per category at the end of the
    horizon, share per vendor, the plan's cost per million tokens served, and per fleet its share of
    tokens (``fleet_share_<fleet>``) and the units it has built over the horizon (``built_units_<fleet>``), and
    ``serving``: the ``workload/fleet`` pairs that serve tokens, space-separated (the plan's mix as a set)."""
    summary = result.summary()
    found: dict[str, Any] = {
        "status": result.status.value,
        "plan_cost_usd": result.plan_cost_usd,
        "gap": result.gap,
        "solve_seconds": result.solve_seconds,
        "error": "",
    }
    if not result.has_plan:
        return {**found, "error": result.message}
    found["unserved_tokens"] = summary["unserved_tokens"]
    found["unserved_share_of_demand"] = summary["unserved_share_of_demand"]
    found.update({f"cost_{k}_usd": v for k, v in summary["cost_by_component_usd"].items()})
    found["unserved_penalty_usd"] = summary["unserved_penalty_usd"]
    found["objective_usd"] = result.objective_usd
    served = sum(summary["served_tokens_by_vendor"].values())
    found.update(
        {f"share_{vendor}": tokens / (served or 1.0) for vendor, tokens in summary["served_tokens_by_vendor"].items()}
    )
    found["average_usd_per_mtok"] = result.plan_cost_usd / (served / 1e6) if served else None
    allocation = result.tables["allocation"]
    pairs = allocation.groupby(["workload", "fleet"])["tokens"].sum()
    found["serving"] = " ".join(f"{w}/{f}" for (w, f), t in pairs.items() if t > SERVING_TOLERANCE * served)
    by_fleet = allocation.groupby("fleet")["tokens"].sum()
    ordered = result.tables["builds"].groupby("fleet")["units"].sum()
    for name in result.scenario.fleets:  # per fleet, so that analyses can tell fleets of one vendor apart
        found[f"fleet_share_{name}"] = float(by_fleet.get(name, 0.0)) / (served or 1.0)
        found[f"built_units_{name}"] = float(ordered.get(name, 0.0))
    installed = result.installed
    last = installed[installed["period"] == installed["period"].iloc[-1]]
    fleets = result.scenario.fleets
    for category, group in last.groupby(last["fleet"].map(lambda f: fleets[f].category)):
        found[f"units_{category}"] = float(group["units"].sum())
        found[f"mw_{category}"] = float(
            sum(u * (fleets[f].max_power_kw or 0.0) / 1000 for f, u in zip(group["fleet"], group["units"], strict=True))
        )
    return found


class SolverMissingError(RuntimeError):
    """No solver to run the sweep's runs with, here or on the cluster; nothing was solved."""


def check_solver(missing: str | None, where: str) -> None:
    """Raise :class:`SolverMissingError` naming ``where`` if ``missing`` says why no solver runs there."""
    if missing is not None:
        raise SolverMissingError(f"{missing}; no run was solved ({where})")
