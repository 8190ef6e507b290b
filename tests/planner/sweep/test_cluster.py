"""Chunks on a Dask worker: one worker per scattered scenario, kept from chunk to chunk."""

from __future__ import annotations

import threading

from planner import Scenario, default_scenario_path
from planner.sweep import cluster


def test_a_worker_thread_keeps_its_sweeps_worker_while_chunks_bring_the_same_scenario():
    """Two chunks of one sweep (one scattered object): the second is solved warm in the first's
    session. A chunk of another sweep, even with an equal scenario, gets a worker of its own."""
    data = Scenario.from_yaml(default_scenario_path()).model_dump(mode="python")
    price = "sites.west.electricity_price_usd_per_mwh"
    other = dict(data)  # an equal scenario, as another sweep would scatter it
    rows, held = [], []

    def solve() -> None:  # in a thread of its own, as a Dask worker's thread
        for chunk_data, value in ((data, 60.0), (data, 70.0), (other, 80.0)):
            rows.extend(cluster._solve_chunk(chunk_data, [{price: value}], "highs", True))
            held.append(cluster._HELD.worker)

    thread = threading.Thread(target=solve)
    thread.start()
    thread.join()
    assert [row["status"] for row in rows] == ["optimal"] * 3
    assert rows[0]["objective_usd"] < rows[1]["objective_usd"] < rows[2]["objective_usd"]  # dearer power
    first, second, third = (entry[3] for entry in held)
    assert second is first and first.sessions.reused == 1
    assert third is not first and held[2][0] is other and third.sessions.reused == 0
