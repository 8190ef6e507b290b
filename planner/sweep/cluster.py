"""Runs on a Dask cluster, in chunks: each chunk is one task, solved by the worker that process
keeps for the sweep's scenario (so its session stays warm from chunk to chunk)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from planner.scenario import Scenario
from planner.solve import SolverName
from planner.sweep.pool import Task, finished
from planner.sweep.worker import Worker, check_solver


class ClusterError(RuntimeError):
    """A Dask cluster that cannot be used: the extra is missing or the scheduler does not answer."""


async def _identity(address: str, timeout_s: float) -> Any:
    """The scheduler's answer to an identity request (a sign it is a Dask scheduler and alive)."""
    from distributed.comm import connect

    comm = await connect(address, timeout=timeout_s)
    try:
        await comm.write({"op": "identity"})
        return await comm.read()
    finally:
        await comm.close()


def on_dask(
    scenario: Scenario, chunks: list[list[Task]], scheduler, timeout_s: float, solver: SolverName, warm: bool
) -> Iterator[tuple[str, dict, dict]]:
    """Yield ``(run, values, row)`` as a Dask cluster finishes each chunk of runs."""
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
        from planner.solvers import solver_missing

        said = client.run(solver_missing, solver)  # each worker's answer ({} without workers yet)
        if said and all(said.values()):
            check_solver(next(iter(said.values())), "on every worker of the Dask cluster")
        data = client.scatter(scenario.model_dump(mode="python"), broadcast=True)
        futures = {
            client.submit(_solve_chunk, data, [values for _, values in chunk], solver, warm, pure=False): chunk
            for chunk in chunks
        }
        yield from finished(futures, dask_completed)
    finally:
        if client is not scheduler:
            client.close()


_HELD = threading.local()
"""Per thread of a Dask worker: ``(data, solver, warm, worker)`` of the last chunk solved there."""


def _solve_chunk(data: dict, chunk: list[dict[str, Any]], solver: SolverName, warm: bool) -> list[dict[str, Any]]:
    """The rows of a chunk of runs, solved in order by this thread's worker for ``data``.

    A worker process holds the scattered scenario as one object, handed to every task of the
    sweep: the worker made for it (validated once) is kept while chunks bring that same object.
    Holding ``data`` keeps it alive, so its identity cannot pass to another sweep's scenario.
    """
    held = getattr(_HELD, "worker", None)
    if held is None or held[0] is not data or held[1:3] != (solver, warm):
        held = (data, solver, warm, Worker(Scenario.model_validate(data), solver, warm))
        _HELD.worker = held
    worker = held[3]
    return [worker.evaluate(values) for values in chunk]
