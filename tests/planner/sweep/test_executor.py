"""Where many solves run: the answers in order here, on a local pool and on Dask, and one solver
kept per worker for the chunks that bring the same data."""

from __future__ import annotations

import gc
import threading

import pytest

from planner import Scenario, default_scenario_path
from planner.sweep import executor
from planner.sweep.worker import sweep_worker

HTTP_ANY_PORT = ":0"  # no fixed port: the dashboard takes a free one


def test_a_worker_thread_keeps_its_sweeps_worker_while_chunks_bring_the_same_scenario():
    """Two chunks of one sweep (one scattered object): the second is solved warm in the first's
    session. A chunk of another sweep, even with an equal scenario, gets a worker of its own."""
    dump = Scenario.from_yaml(default_scenario_path()).model_dump(mode="python")
    data = (dump, "highs", True)
    price = "sites.west.electricity_price_usd_per_mwh"
    other = (dict(dump), "highs", True)  # an equal scenario, as another sweep would scatter it
    rows, held = [], []

    def solve() -> None:  # in a thread of its own, as a Dask worker's thread
        for chunk_data, value in ((data, 60.0), (data, 70.0), (other, 80.0)):
            rows.extend(executor._held_chunk(sweep_worker, chunk_data, [({price: value},)]))
            held.append(executor._HELD.solver)

    thread = threading.Thread(target=solve)
    thread.start()
    thread.join()
    assert [row["status"] for row in rows] == ["optimal"] * 3
    assert rows[0]["objective_usd"] < rows[1]["objective_usd"] < rows[2]["objective_usd"]  # dearer power
    first, second, third = (entry[2].__self__ for entry in held)
    assert second is first and first.sessions.reused == 1
    assert third is not first and held[2][1] is other and third.sessions.reused == 0


class _Counter:
    """A solver with state: how many calls this worker has answered before each one."""

    def __init__(self, offset: int) -> None:
        self.offset, self.calls = offset, 0

    def __call__(self, x: int) -> tuple[int, int]:
        self.calls += 1
        return x + self.offset, self.calls


def _counter(offset: int) -> _Counter:
    return _Counter(offset)


@pytest.mark.parametrize("chunk", [1, 3])
def test_a_local_pool_answers_every_call_in_order_with_one_solver_per_process(chunk):
    calls = [(x,) for x in range(7)]
    answers = executor.run_tasks(_counter, 100, calls, workers=2, chunk=chunk)
    assert [a for a, _ in answers] == list(range(100, 107))
    # Each of the two processes made its solver once: its call counts run 1, 2, ... across its
    # chunks (a solver made per chunk would count 1 for every call of a one-call chunk).
    counts = [n for _, n in answers]
    assert 1 <= counts.count(1) <= 2
    assert all(counts.count(n) <= counts.count(n - 1) for n in range(2, 8))


def test_a_failure_on_the_pool_raises_it():
    with pytest.raises(ZeroDivisionError):
        executor.run_tasks(executor.plain, divmod, [(1, 1), (1, 0)], workers=2)


def test_a_dask_cluster_answers_every_call_in_order_with_one_solver_per_thread():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=HTTP_ANY_PORT) as cluster,
        Client(cluster) as client,
    ):
        answers = executor.run_tasks(_counter, 10, [(x,) for x in range(5)], scheduler=client, chunk=2)
    assert [a for a, _ in answers] == [10, 11, 12, 13, 14]
    assert sorted(n for _, n in answers) == [1, 2, 3, 4, 5]  # one thread: one solver for all chunks


def _collector_state(_data):
    return lambda: gc.isenabled()


def test_pool_processes_collect_garbage_even_when_forked_while_the_collector_is_off():
    """A sweep that starts within the command line's first second forks its pool with the
    collector off (planner.cli); each pool process turns it on as it starts."""
    was = gc.isenabled()
    gc.disable()
    try:
        with executor.pool_submitter(_collector_state, None, 2) as submit:
            answers = [submit([()]).result() for _ in range(4)]
    finally:
        if was:
            gc.enable()
    assert answers == [[True]] * 4
