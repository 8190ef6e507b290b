"""The sweep store never lies: a resume never mixes, duplicates or invents runs."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from planner import Scenario
from planner.overrides import with_values
from planner.store import MAGIC, Store, StoreError, design_record, read_runs
from planner.sweep import Parameter, design, run_sweep
from tests.conftest import fleet, scenario_dict

PRICES = "sites.s.electricity_price_usd_per_mwh=50,150,250"


def _base() -> Scenario:
    """Ten existing units serve the whole demand; the runs differ only in the energy bill."""
    return Scenario.from_dict(scenario_dict(fleets={"a": fleet(1e9, existing=[{"site": "s", "units": 10}])}))


@pytest.fixture
def base():
    return _base()


@pytest.fixture
def runs(base):
    return design([Parameter.parse(PRICES)], "grid", base)


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Path:
    """The whole sweep of ``runs``, solved once for the tests of this file (each gets a copy)."""
    base = _base()
    folder = tmp_path_factory.mktemp("store") / "out"
    run_sweep(base, design([Parameter.parse(PRICES)], "grid", base), out=folder, workers=1)
    return folder


@pytest.fixture
def stored(swept, tmp_path) -> Path:
    """A folder of this test's own holding the whole sweep of ``runs``: the design line, a header, three runs."""
    return Path(shutil.copytree(swept, tmp_path / "out"))


def _lines(folder: Path) -> list[str]:
    return (folder / "runs.csv").read_text(encoding="utf-8").splitlines(keepends=True)


def _write(folder: Path, lines: list[str]) -> None:
    (folder / "runs.csv").write_text("".join(lines), encoding="utf-8")


def _refused(base, runs, folder: Path) -> str:
    with pytest.raises(StoreError) as caught:
        run_sweep(base, runs, out=folder, resume=True, workers=1)
    return str(caught.value)


def test_the_store_starts_with_its_design_and_reads_back_as_a_table(stored, runs):
    lines = _lines(stored)
    assert lines[0].startswith(MAGIC) and '"design": "grid"' in lines[0] and "[50.0, 150.0, 250.0]" in lines[0]
    assert lines[1].startswith("run,case,sites.s.electricity_price_usd_per_mwh,status")
    assert len(lines) == 2 + 3
    table = read_runs(stored)
    assert table["run"].to_list() == runs["run"].to_list()
    assert table["cost_energy_usd"].to_list() == pytest.approx([3_720.0, 11_160.0, 18_600.0])


def test_a_torn_last_line_is_dropped_and_its_run_solved_again(base, runs, stored):
    whole = read_runs(stored)
    text = (stored / "runs.csv").read_text(encoding="utf-8")
    (stored / "runs.csv").write_text(text[:-25], encoding="utf-8")  # the last run cut off mid-line
    result = run_sweep(base, runs, out=stored, resume=True, workers=1)
    assert result.notes == [
        f"{stored / 'runs.csv'}: dropped line 5, cut off while it was written; that run is solved again"
    ]
    again = read_runs(stored)
    assert again["run"].to_list() == ["run0000", "run0001", "run0002"]  # once each
    pd.testing.assert_series_equal(again["objective_usd"], whole["objective_usd"])
    assert result.table["objective_usd"].to_list() == whole["objective_usd"].to_list()


def test_a_torn_design_line_means_nothing_was_stored(base, runs, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "runs.csv").write_text(MAGIC + '{"design": "gr', encoding="utf-8")
    assert len(run_sweep(base, runs, out=folder, resume=True, workers=1).table) == 3
    assert len(read_runs(folder)) == 3


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (lambda lines: [*lines[:3], lines[3][:20] + "\n", *lines[4:]], "line 4 is not a run"),  # a middle line cut
        (lambda lines: [*lines[:3], "this is no run\n", *lines[3:]], "line 4 is not a run"),  # a junk line
        (
            lambda lines: [*lines[:2], lines[2].rstrip("\n") + ",1,2\n", *lines[3:]],
            "line 3 is not a run",
        ),  # extra fields
        (lambda lines: [*lines[:3], lines[2], *lines[3:]], "line 4 is not a run"),  # a run twice
        (lambda lines: [*lines[:3], "\n", *lines[3:]], "line 4 is not a run"),  # an empty line
        (lambda lines: [*lines[:2], lines[2].replace(",50.0,", ",55.0,"), *lines[3:]], "line 3 is not a run"),
        (lambda lines: [*lines[:2], lines[2].replace("run0000", "run0099"), *lines[3:]], "line 3 is not a run"),
        (lambda lines: lines[1:], "line 1 is not the design line of a sweep store"),  # no design line
        (lambda lines: [lines[0], "a,b\n", *lines[2:]], "line 2 is not the header of the runs"),
    ],
    ids=["cut", "junk", "extra_fields", "twice", "empty_line", "other_value", "unknown_run", "no_design", "no_header"],
)
def test_a_store_damaged_elsewhere_is_refused_with_its_line(base, runs, stored, damage, said):
    before = damage(_lines(stored))
    _write(stored, before)
    assert said in _refused(base, runs, stored)
    assert _lines(stored) == before  # left as it was, for the user to mend


def test_several_damaged_lines_are_all_named(base, runs, stored):
    lines = _lines(stored)
    _write(stored, [*lines[:2], "junk\n", lines[2], "more junk\n", *lines[3:]])
    assert "lines 3, 5 are not a run" in _refused(base, runs, stored)


def test_an_empty_store_is_resumed_from_the_start(base, runs, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "runs.csv").write_bytes(b"")
    assert len(run_sweep(base, runs, out=folder, resume=True, workers=1).table) == 3
    assert _lines(folder)[0].startswith(MAGIC)


def test_a_resume_with_other_values_is_refused(base, stored):
    other = design([Parameter.parse("sites.s.electricity_price_usd_per_mwh=50,150")], "grid", base)
    said = _refused(base, other, stored)
    assert "holds another sweep" in said
    assert "sites.s.electricity_price_usd_per_mwh takes [50.0, 150.0, 250.0] there, [50.0, 150.0] here" in said


def test_a_resume_with_another_parameter_is_refused(base, stored):
    other = design([Parameter.parse("sites.s.pue=1.1,1.2")], "grid", base)
    said = _refused(base, other, stored)
    assert "parameters ['sites.s.electricity_price_usd_per_mwh'] there, ['sites.s.pue'] here" in said


def test_a_resume_with_another_design_or_seed_is_refused(base, tmp_path):
    price = Parameter.parse("sites.s.electricity_price_usd_per_mwh=uniform(50,150)")
    run_sweep(base, design([price], "lhs", base, samples=3, seed=1), out=tmp_path / "out", workers=1)
    assert "seed 1 there, 2 here" in _refused(base, design([price], "lhs", base, samples=3, seed=2), tmp_path / "out")
    assert "design lhs there, mc here" in _refused(
        base, design([price], "mc", base, samples=3, seed=1), tmp_path / "out"
    )


def test_a_resume_on_a_changed_scenario_is_refused(base, runs, stored):
    changed = with_values(base, {"sites.s.pue": 1.2})
    assert "the scenario has changed since" in _refused(
        changed, design([Parameter.parse(PRICES)], "grid", changed), stored
    )


def test_a_second_sweep_on_a_store_in_use_is_refused(base, runs, tmp_path):
    folder = tmp_path / "out"
    with (
        Store(folder, design_record(base, runs), runs),
        pytest.raises(StoreError, match="is being written by another sweep"),
    ):
        run_sweep(base, runs, out=folder, resume=True, workers=1)
    assert len(run_sweep(base, runs, out=folder, resume=True, workers=1).table) == 3  # free once the first is done


def _full_disk_after(monkeypatch, allowed_rows: int) -> None:
    """``os.write`` to runs.csv as on a full disk once ``allowed_rows`` lines were appended:
    half the line is written, then ENOSPC."""
    real = os.write
    appended = {"count": 0, "cut": False}

    def write(fd: int, data) -> int:
        if not os.readlink(f"/proc/self/fd/{fd}").endswith("/runs.csv"):
            return real(fd, data)
        if appended["count"] < allowed_rows:
            appended["count"] += 1
            return real(fd, data)
        if not appended["cut"]:
            appended["cut"] = True
            return real(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", write)


def test_a_full_disk_is_reported_and_the_store_stays_resumable(base, runs, tmp_path, monkeypatch):
    """The first run writes the whole store (its header is new); the second is appended."""
    whole = run_sweep(base, runs, workers=1).table
    folder = tmp_path / "out"
    with monkeypatch.context() as patch:
        _full_disk_after(patch, allowed_rows=0)
        with pytest.raises(StoreError) as caught:
            run_sweep(base, runs, out=folder, workers=1)
    assert "No space left on device" in str(caught.value) and "the 1 run(s) stored so far are kept" in str(caught.value)
    assert "--resume" in str(caught.value)
    assert (folder / "runs.csv").read_bytes().endswith(b"\n")  # the half line was undone
    assert read_runs(folder)["run"].to_list() == ["run0000"]
    resumed = run_sweep(base, runs, out=folder, resume=True, workers=1).table
    assert resumed["objective_usd"].to_list() == whole["objective_usd"].to_list()


def test_a_full_disk_while_widening_the_store_leaves_it_as_it_was(base, runs, tmp_path, monkeypatch):
    folder = tmp_path / "out"

    def no_room(fd: int, data) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(os, "write", no_room)
        with pytest.raises(StoreError, match="No space left on device"):
            run_sweep(base, runs, out=folder, workers=1)
    assert not (folder / "runs.csv").exists() and not list(folder.iterdir())  # no staging file left
    assert len(run_sweep(base, runs, out=folder, resume=True, workers=1).table) == 3
