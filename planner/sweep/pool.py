"""Runs on this machine: in this process, or in chunks on a process pool whose workers each keep
one :class:`~planner.sweep.worker.Worker` (and so one warm session) for the whole sweep."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from planner.scenario import Scenario
from planner.solve import SolverName
from planner.store import LOST, LOST_ERRORS
from planner.sweep.worker import Worker

Task = tuple[str, dict[str, Any]]
"""A run to solve: its id and the values it sets."""

_WORKER: Worker | None = None
"""The worker of this pool process, made once by :func:`_start` from the sweep's scenario."""


def on_pool(
    scenario: Scenario, chunks: list[list[Task]], workers: int, solver: SolverName, warm: bool
) -> Iterator[tuple[str, dict, dict]]:
    """Yield ``(run, values, row)`` as the pool's ``workers`` processes finish each chunk of runs.

    The scenario is sent to each process once, with the pool's start; each chunk is one task,
    its runs solved one after another by that process's worker.
    """
    data = scenario.model_dump(mode="python")
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_start, initargs=(os.getpid(), data, solver, warm)
    ) as pool:
        futures = {pool.submit(_solve_chunk, [values for _, values in chunk]): chunk for chunk in chunks}
        try:
            yield from finished(futures, as_completed)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)  # a store that fails stops the sweep
            raise


def _start(parent: int, data: dict, solver: SolverName, warm: bool) -> None:
    """Start of a pool process: die with the sweep (:func:`_die_with_parent`), then validate the
    scenario once and make the process's worker."""
    global _WORKER
    _die_with_parent(parent)
    _WORKER = Worker(Scenario.model_validate(data), solver, warm)


def _solve_chunk(chunk: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of a chunk of runs (their values), solved by this process's worker in order."""
    assert _WORKER is not None, "a pool process makes its worker as it starts"
    return [_WORKER.evaluate(values) for values in chunk]


def _die_with_parent(parent: int) -> None:
    """On Linux, have the kernel kill this pool process when the sweep's process dies, so that a
    sweep killed outright (SIGKILL) leaves no worker solving on."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the sweep died before the request took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1


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
