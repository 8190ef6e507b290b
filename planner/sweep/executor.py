"""Where many solves run: a local process pool or a Dask cluster, in chunks, each worker keeping one
solver for all the chunks it is given.

A sweep and every analysis hand their solves here the same way: ``make(data)`` builds a worker's
solver once (a sweep's :class:`~planner.sweep.worker.Worker`, a robust plan's case solver, or a
plain function), and each chunk is a list of calls, ``solve(*call)`` for each in turn on one
worker. A pool process makes its solver as it starts; a Dask worker thread makes it for the first
chunk that brings ``data`` (scattered to the cluster once) and keeps it while chunks bring that
same object, so warm sessions carry from chunk to chunk on both.

>>> run_tasks(plain, pow, [(2, 3), (3, 2), (2, 5)], workers=1)
[8, 9, 32]
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

Make = Callable[[Any], Callable[..., Any]]
"""Builds a worker's solver from the data sent to every worker (a module-level function)."""

Call = tuple[Any, ...]
"""The arguments of one solve."""


class ClusterError(RuntimeError):
    """A Dask cluster that cannot be used: the extra is missing or the scheduler does not answer."""


def plain(task: Callable[..., Any]) -> Callable[..., Any]:
    """The :data:`Make` of a task that needs no state kept between calls: the task itself."""
    return task


def run_tasks(
    make: Make,
    data: Any,
    calls: Sequence[Call],
    *,
    workers: int = 1,
    scheduler: str | Any | None = None,
    connect_timeout_s: float = 10.0,
    chunk: int = 1,
) -> list[Any]:
    """``[make(data)(*call) for call in calls]``, the calls in chunks of ``chunk`` on up to
    ``workers`` local processes, or on the Dask cluster at ``scheduler`` (an address or a
    ``distributed.Client``).

    ``make`` must be a module-level function and ``data`` and the calls picklable. With one worker
    and no scheduler, or one call, everything runs in this process: for LPs solved in a fraction
    of a second, starting processes costs more than it saves. The first failure raises.

    Raises
    ------
    ClusterError
        If the Dask extra is missing or the scheduler does not answer within ``connect_timeout_s``.
    """
    if scheduler is None and len(calls) <= 1:
        workers = min(workers, 1)  # one call is solved here (a wrong count is still refused)
    with submitter(make, data, workers=workers, scheduler=scheduler, connect_timeout_s=connect_timeout_s) as submit:
        futures = [submit(list(calls[i : i + chunk])) for i in range(0, len(calls), chunk)]
        return [answer for future in futures for answer in future.result()]


Submit = Callable[[list[Call]], Any]
"""Sends one chunk of calls to a worker; what it returns has ``result()``: the chunk's answers, in order."""


@contextmanager
def submitter(
    make: Make, data: Any, *, workers: int = 1, scheduler: str | Any | None = None, connect_timeout_s: float = 10.0
) -> Iterator[Submit]:
    """A :data:`Submit` for the block: to the Dask cluster at ``scheduler``, else to a pool of
    ``workers`` local processes, else (one worker) to a solver made here, answering at once.

    Raises
    ------
    ClusterError
        If the Dask extra is missing or the scheduler does not answer within ``connect_timeout_s``.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if scheduler is not None:
        with dask_client(scheduler, connect_timeout_s) as client:
            yield on_client(client, make, data)
    elif workers == 1:
        solve = make(data)
        yield lambda part: _Done([solve(*call) for call in part])
    else:
        with pool_submitter(make, data, workers) as submit:
            yield submit


class _Done:
    """The answers of a chunk solved in this process, held as a future would hold them."""

    def __init__(self, answers: list[Any]) -> None:
        self._answers = answers

    def result(self) -> list[Any]:
        return self._answers


@contextmanager
def pool_submitter(make: Make, data: Any, workers: int) -> Iterator[Submit]:
    """A :data:`Submit` to a pool of ``workers`` local processes, each making its solver as it
    starts; the pool dies with this process (even killed outright) and is closed after the block."""
    with ProcessPoolExecutor(max_workers=workers, initializer=_start, initargs=(os.getpid(), make, data)) as pool:
        try:
            yield lambda part: pool.submit(_solve_chunk, part)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)  # a failure stops the remaining chunks
            raise


_SOLVE: Callable[..., Any] | None = None
"""The solver of this pool process, made once by :func:`_start`."""


def _start(parent: int, make: Make, data: Any) -> None:
    global _SOLVE
    gc.enable()  # forked while the command line kept the collector off (planner.cli), with no timer
    _die_with_parent(parent)
    _SOLVE = make(data)


def _solve_chunk(part: list[Call]) -> list[Any]:
    assert _SOLVE is not None, "a pool process makes its solver as it starts"
    return [_SOLVE(*call) for call in part]


def _die_with_parent(parent: int) -> None:
    """On Linux, have the kernel kill this pool process when the process that started it dies, so
    that a sweep or analysis killed outright (SIGKILL) leaves no worker solving on."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1


@contextmanager
def dask_client(scheduler: str | Any, timeout_s: float) -> Iterator[Any]:
    """The ``distributed.Client`` of ``scheduler`` (an address, or a client, used as it is and left
    open), after checking within ``timeout_s`` that a Dask scheduler answers there."""
    try:
        from distributed import Client
    except ImportError as exc:  # the dask extra is optional
        raise ClusterError("running on a Dask cluster needs the dask extra: pip install 'planner[dask]'") from exc
    if isinstance(scheduler, Client):
        yield scheduler
        return
    try:
        # A listener that never accepts would hold Client() past its timeout; ask first.
        # In a thread of its own: a notebook's thread already runs an event loop.
        with ThreadPoolExecutor(max_workers=1) as asker:
            asker.submit(asyncio.run, asyncio.wait_for(_identity(scheduler, timeout_s), timeout_s)).result()
        client = Client(scheduler, timeout=timeout_s)
    except (OSError, TimeoutError, ValueError) as exc:
        said = str(exc).splitlines()[0] if str(exc) else "no reply"
        raise ClusterError(
            f"no Dask scheduler answered at {scheduler} within {timeout_s:g} s ({type(exc).__name__}: {said}); "
            "check the address and that the scheduler runs"
        ) from exc
    try:
        yield client
    finally:
        client.close()


async def _identity(address: str, timeout_s: float) -> Any:
    """The scheduler's answer to an identity request (a sign it is a Dask scheduler and alive)."""
    from distributed.comm import connect

    comm = await connect(address, timeout=timeout_s)
    try:
        await comm.write({"op": "identity"})
        return await comm.read()
    finally:
        await comm.close()


def on_client(client: Any, make: Make, data: Any) -> Submit:
    """A :data:`Submit` to ``client``'s cluster, with ``data`` scattered to every worker once."""
    shared = client.scatter(data, broadcast=True)
    return lambda part: client.submit(_held_chunk, make, shared, part, pure=False)


_HELD = threading.local()
"""Per thread of a Dask worker: ``(make, data, solve)`` of the last chunk run there."""


def _held_chunk(make: Make, data: Any, part: list[Call]) -> list[Any]:
    """The answers of a chunk, from this thread's solver for ``data``.

    A Dask worker holds the scattered data as one object, handed to every task of the sweep or
    analysis: the solver made for it is kept while chunks bring that same object. Holding
    ``data`` keeps it alive, so its identity cannot pass to another's data; the thread holds that
    last solver until it runs a chunk of another sweep or analysis.
    """
    held = getattr(_HELD, "solver", None)
    if held is None or held[0] is not make or held[1] is not data:
        held = (make, data, make(data))
        _HELD.solver = held
    return [held[2](*call) for call in part]
