"""``planner solve --out [--force]``: a wrong folder is refused (exit 2), a failed write is one message (exit 1),
and the folder holds the whole old plan or the whole new one, whatever happens to the writer."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from planner import output
from planner.cli import app
from planner.tables import TABLE_COLUMNS
from tests.conftest import scenario_dict

ENV = {"COLUMNS": "200", "FORCE_COLOR": None, "TTY_COMPATIBLE": None}
PLAN_FILES = {f"{name}.csv" for name in TABLE_COLUMNS} | {"summary.json", "scenario.yaml"}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env=ENV)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path`` as the current folder, with a small scenario (10 units, $17,440) and its plan in ``plan/``."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "small.yaml").write_text(yaml.safe_dump(scenario_dict(), sort_keys=False), encoding="utf-8")
    assert CliRunner(env=ENV).invoke(app, ["solve", "small.yaml", "--out", "plan"]).exit_code == 0
    # From now on the scenario asks for twice the demand: a new plan would have 20 units.
    (tmp_path / "small.yaml").write_text(yaml.safe_dump(scenario_dict(20_000.0), sort_keys=False), encoding="utf-8")
    return tmp_path


def names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def objective(folder: Path) -> float:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))["objective_usd"]


def assert_old_plan_whole(workdir: Path) -> None:
    assert names(workdir / "plan") == PLAN_FILES
    assert objective(workdir / "plan") == pytest.approx(17_440)
    assert pd.read_csv(workdir / "plan" / "builds.csv")["units"].sum() == pytest.approx(10)


def assert_refused(result, code: int, fragment: str) -> None:
    """One problem on stderr naming --out, the exit code, and no exception but the exit."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stdout == ""
    assert "1 problem" in result.stderr and "--out" in result.stderr
    assert result.stderr.count(fragment) == 1, result.stderr


# ---------------------------------------------------------------------------- a wrong --out: exit 2
def test_an_existing_file_is_refused_even_with_force(runner, workdir):
    (workdir / "notes.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["solve", "small.yaml", "--out", "notes.txt", "--force"])
    assert_refused(result, 2, "notes.txt is a file, not a folder")
    assert (workdir / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert names(workdir) == {"small.yaml", "plan", "notes.txt"}


def test_a_folder_inside_a_file_is_refused(runner, workdir):
    (workdir / "notes.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["solve", "small.yaml", "--out", "notes.txt/plan"])
    assert_refused(result, 2, "notes.txt is a file, so the folder notes.txt/plan cannot be made inside it")
    assert names(workdir) == {"small.yaml", "plan", "notes.txt"}


@pytest.mark.parametrize("where", [".", "plan"])
def test_the_current_folder_is_refused_with_force(runner, workdir, monkeypatch, where):
    monkeypatch.chdir(workdir / where)  # standing in the plan folder too: "." holds a plan there
    result = runner.invoke(app, ["solve", str(workdir / "small.yaml"), "--out", ".", "--force"])
    assert_refused(result, 2, ". is the current folder; it is never replaced")
    assert_old_plan_whole(workdir)
    assert names(workdir) == {"small.yaml", "plan"}


def test_the_home_folder_is_refused_with_force(runner, workdir, monkeypatch):
    monkeypatch.setenv("HOME", str(workdir / "plan"))
    result = runner.invoke(app, ["solve", "small.yaml", "--out", "plan", "--force"])
    assert_refused(result, 2, "plan is the home folder")
    assert_old_plan_whole(workdir)


def test_a_folder_of_other_files_is_refused_with_force(runner, workdir):
    (workdir / "photos").mkdir()
    (workdir / "photos" / "cat.jpg").write_bytes(b"\xff\xd8")
    result = runner.invoke(app, ["solve", "small.yaml", "--out", "photos", "--force"])
    assert_refused(result, 2, "photos holds other files (it has no scenario.yaml and summary.json)")
    assert names(workdir / "photos") == {"cat.jpg"}
    assert names(workdir) == {"small.yaml", "plan", "photos"}


def test_a_symbolic_link_to_a_plan_is_written_through(runner, workdir):
    (workdir / "latest").symlink_to(workdir / "plan")
    result = runner.invoke(app, ["solve", "small.yaml", "--out", "latest", "--force"])
    assert result.exit_code == 0, result.output
    assert "Plan written to latest/" in result.stdout
    assert (workdir / "latest").is_symlink()
    assert objective(workdir / "plan") == pytest.approx(34_880)
    assert names(workdir) == {"small.yaml", "plan", "latest"}


# ---------------------------------------------------------------------------- a failed write: exit 1
def test_a_full_disk_is_one_message_and_the_old_plan_stays_whole(runner, workdir, monkeypatch):
    written: list[object] = []
    original = pd.DataFrame.to_csv

    def to_csv(self, path, *args, **kwargs):
        if written:  # the first table is written to the staging folder, the disk fills on the second
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written.append(path)
        return original(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    result = runner.invoke(app, ["solve", "small.yaml", "--out", "plan", "--force"])
    assert_refused(result, 1, "No space left on device; it is as it was, and nothing was left beside it")
    assert written, "the write failed midway, not before it began"
    assert_old_plan_whole(workdir)
    assert names(workdir) == {"small.yaml", "plan"}


def test_no_permission_is_one_message_and_the_old_plan_stays_whole(runner, workdir, monkeypatch):
    original = Path.write_text

    def write_text(self, data, *args, **kwargs):
        if self.name == "summary.json":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return original(self, data, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)
    result = runner.invoke(app, ["solve", "small.yaml", "--out", "plan", "--force"])
    assert_refused(result, 1, "Permission denied; it is as it was")
    assert_old_plan_whole(workdir)
    assert names(workdir) == {"small.yaml", "plan"}


@pytest.mark.skipif(os.geteuid() == 0, reason="as root, a folder's write permission does not stop writes")
def test_a_read_only_folder_is_one_message(runner, workdir):
    (workdir / "shared").mkdir()
    (workdir / "shared").chmod(0o555)
    try:
        result = runner.invoke(app, ["solve", "small.yaml", "--out", "shared/plan"])
        assert_refused(result, 1, "Permission denied; nothing was written")
        assert names(workdir / "shared") == set()
    finally:
        (workdir / "shared").chmod(0o755)


def test_with_debug_the_write_error_is_raised(runner, workdir, monkeypatch):
    def flush(folder: Path) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(output, "_flush", flush)
    result = runner.invoke(app, ["--debug", "solve", "small.yaml", "--out", "plan", "--force"])
    assert isinstance(result.exception, output.WriteError)
    assert_old_plan_whole(workdir)
    assert names(workdir) == {"small.yaml", "plan"}


# ---------------------------------------------------------------------------- one writer at a time
def test_a_second_solve_to_a_busy_folder_is_refused_before_it_solves(runner, workdir, monkeypatch):
    solved = []
    monkeypatch.setattr("planner.solve", lambda *args, **kwargs: solved.append(args))
    with output.claim(workdir / "plan", overwrite=True, markers=("summary.json", "scenario.yaml")):
        result = runner.invoke(app, ["solve", "small.yaml", "--out", "plan", "--force"])
    assert_refused(result, 1, f"another planner (pid {os.getpid()}) is writing plan")
    assert solved == []
    assert_old_plan_whole(workdir)
    assert names(workdir) == {"small.yaml", "plan"}


# ---------------------------------------------------------------------------- SIGKILL
CHILD = r"""
import sys
from planner import output
from planner.cli import app

swap = output._swap

def paused_swap(staging, target):
    print("staged", flush=True)
    sys.stdin.read()  # blocks until the test kills this process
    return swap(staging, target)

output._swap = paused_swap
app(["solve", "small.yaml", "--out", "plan", "--force", "--json"])
"""


def test_a_solve_killed_while_replacing_leaves_the_old_plan_and_the_next_cleans_up(runner, workdir):
    with subprocess.Popen(
        [sys.executable, "-c", CHILD], cwd=workdir, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline() == "staged\n", "the solve ended before its plan was staged"
            busy = runner.invoke(app, ["solve", "small.yaml", "--out", "plan", "--force"])
            assert_refused(busy, 1, f"another planner (pid {child.pid}) is writing plan")
        finally:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert_old_plan_whole(workdir)
    assert {n for n in names(workdir) if n.endswith(".partial")}, "the killed solve's staged plan is left beside it"

    result = runner.invoke(app, ["solve", "small.yaml", "--out", "plan", "--force"])
    assert result.exit_code == 0, result.output
    assert objective(workdir / "plan") == pytest.approx(34_880)
    assert names(workdir / "plan") == PLAN_FILES
    assert names(workdir) == {"small.yaml", "plan"}


def test_a_solve_stopped_before_a_feasible_plan_writes_no_plan_and_says_so(runner, tmp_path):
    """The default scenario's LP stopped at once: the summary says the solver stopped before it
    found a feasible plan, its cost is null, and the folder is not called a plan."""
    result = runner.invoke(app, ["solve", "--time-limit", "0", "--out", str(tmp_path / "x")])
    assert result.exit_code == 1, result.output
    summary = json.loads((tmp_path / "x" / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "time_limit" and summary["plan_cost_usd"] is None
    assert "before it found a feasible plan" in summary["message"]
    assert "Plan written" not in result.stdout and "No plan; the status, its reason" in result.stdout
