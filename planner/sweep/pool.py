"""A sweep's runs on this machine's process pool or on a Dask cluster, in chunks: each worker keeps
one :class:`~planner.sweep.worker.Worker` (and so one warm session) for the whole sweep
(:mod:`planner.sweep.executor`), and each run is handed back as its chunk finishes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import as_completed
from typing import Any

from planner.scenario import Scenario
from planner.solve import SolverName
from planner.store import LOST, LOST_ERRORS
from planner.sweep.executor import dask_client, on_client, pool_submitter
from planner.sweep.worker import check_solver, sweep_worker

Task = tuple[str, dict[str, Any]]
"""A run to solve: its id and the values it sets."""


def on_pool(
    scenario: Scenario, chunks: list[list[Task]], workers: int, solver: SolverName, warm: bool
) -> Iterator[tuple[str, dict, dict]]:
    """Yield ``(run, values, row)`` as the pool's ``workers`` processes finish each chunk of runs.

    The scenario is sent to each process once, with the pool's start; each chunk is one task,
    its runs solved one after another by that process's worker.
    """
    data = (scenario.model_dump(mode="python"), solver, warm)
    with pool_submitter(sweep_worker, data, workers) as submit:
        futures = {submit(_calls(chunk)): chunk for chunk in chunks}
        yield from finished(futures, as_completed)


def on_dask(
    scenario: Scenario, chunks: list[list[Task]], scheduler, timeout_s: float, solver: SolverName, warm: bool
) -> Iterator[tuple[str, dict, dict]]:
    """Yield ``(run, values, row)`` as a Dask cluster finishes each chunk of runs, after checking
    that its workers have the solver."""
    with dask_client(scheduler, timeout_s) as client:
        from distributed import as_completed as dask_completed

        from planner.solvers import solver_missing

        said = client.run(solver_missing, solver)  # each worker's answer ({} without workers yet)
        if said and all(said.values()):
            check_solver(next(iter(said.values())), "on every worker of the Dask cluster")
        submit = on_client(client, sweep_worker, (scenario.model_dump(mode="python"), solver, warm))
        futures = {submit(_calls(chunk)): chunk for chunk in chunks}
        yield from finished(futures, dask_completed)


def _calls(chunk: list[Task]) -> list[tuple[dict[str, Any]]]:
    """The worker's calls for a chunk: the values of each run."""
    return [(values,) for _, values in chunk]


def finished(futures: dict, completed: Callable[[Any], Iterable]) -> Iterator[tuple[str, dict, dict]]:
    """Yield ``(run, values, row)`` for each run of each chunk's future as ``completed`` (local or
    Dask) hands it back; every run of a chunk whose future failed gets that failure as its row."""
    for future in completed(futures):
        chunk = futures[future]
        try:
            rows = future.result()
        except Exception as exc:  # a crashed or lost worker fails its runs, not the sweep
            failure = {"status": LOST if _lost(exc) else "error", "error": f"{type(exc).__name__}: {exc}"}
            rows = [dict(failure) for _ in chunk]
        for (run, values), row in zip(chunk, rows, strict=True):
            yield run, values, row


def _lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the run's worker (or the data it was sent) was lost, rather than that the
    run failed: such a run is stored as lost and solved again on resume."""
    return any(cls.__name__ in LOST_ERRORS for cls in type(exc).__mro__)
