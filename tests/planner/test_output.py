"""Writing a folder atomically: refusals, faults, a lock against a second writer, and SIGKILL at every step."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from planner import output
from planner.output import TargetError, TargetExistsError, WriteError, claim, write_folder

MARKERS = ("summary.json", "scenario.yaml")


def fill(version: str, extra: tuple[str, ...] = ()):
    """A writer of a small 'plan': both marker files (and ``extra`` ones) saying ``version``."""

    def write(folder: Path) -> None:
        for name in (*MARKERS, *extra):
            (folder / name).write_text(version, encoding="utf-8")

    return write


def contents(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()}


def plan(version: str, extra: tuple[str, ...] = ()) -> dict[str, str]:
    return dict.fromkeys((*MARKERS, *extra), version)


def names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


@pytest.fixture(params=["renameat2", "rename"])
def swap_mode(request, monkeypatch):
    """Both ways of putting a folder in place: renameat2's exchange, and the pair of renames used without it."""
    if request.param == "renameat2" and output._RENAMEAT2 is None:
        pytest.skip("this system has no renameat2")
    if request.param == "rename":
        monkeypatch.setattr(output, "_RENAMEAT2", None)
    return request.param


# ---------------------------------------------------------------------------- writing and replacing
def test_a_fresh_folder_is_written_with_nothing_beside_it(tmp_path, swap_mode):
    target = tmp_path / "deep" / "plan"
    assert write_folder(target, fill("v1"), markers=MARKERS) == target
    assert contents(target) == plan("v1")
    assert names(tmp_path / "deep") == {"plan"}  # no staging folder, no lock file


def test_a_plan_is_replaced_whole_with_nothing_beside_it(tmp_path, swap_mode):
    target = tmp_path / "plan"
    write_folder(target, fill("v1", extra=("stale.csv",)), markers=MARKERS)
    write_folder(target, fill("v2"), overwrite=True, markers=MARKERS)
    assert contents(target) == plan("v2")  # the old folder's other files went with it
    assert names(tmp_path) == {"plan"}


def test_an_empty_folder_is_replaced(tmp_path):
    (tmp_path / "plan").mkdir()
    write_folder(tmp_path / "plan", fill("v1"), overwrite=True, markers=MARKERS)
    assert contents(tmp_path / "plan") == plan("v1")


def test_an_existing_folder_is_kept_unless_replacing_is_allowed(tmp_path):
    target = write_folder(tmp_path / "plan", fill("v1"), markers=MARKERS)
    with pytest.raises(TargetExistsError, match="already exists") as caught:
        write_folder(target, fill("v2"), markers=MARKERS)
    assert isinstance(caught.value, FileExistsError)
    assert contents(target) == plan("v1")
    assert names(tmp_path) == {"plan"}


def test_a_symbolic_link_is_written_through_and_kept(tmp_path, swap_mode):
    real = write_folder(tmp_path / "real", fill("v1"), markers=MARKERS)
    (tmp_path / "link").symlink_to(real)
    write_folder(tmp_path / "link", fill("v2"), overwrite=True, markers=MARKERS)
    assert (tmp_path / "link").is_symlink() and (tmp_path / "link").resolve() == real
    assert contents(real) == plan("v2")
    assert names(tmp_path) == {"real", "link"}


# ---------------------------------------------------------------------------- refusals (a wrong path)
def test_a_file_is_never_replaced(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(TargetError, match="is a file, not a folder"):
        write_folder(tmp_path / "notes.txt", fill("v1"), overwrite=True, markers=MARKERS)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert names(tmp_path) == {"notes.txt"}


def test_a_symbolic_link_to_a_file_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "link").symlink_to(tmp_path / "notes.txt")
    with pytest.raises(TargetError, match="is a file"):
        write_folder(tmp_path / "link", fill("v1"), overwrite=True, markers=MARKERS)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert names(tmp_path) == {"notes.txt", "link"}


def test_a_folder_inside_a_file_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(TargetError, match=r"notes.txt is a file, so the folder .* cannot be made inside it"):
        write_folder(tmp_path / "notes.txt" / "sub" / "plan", fill("v1"), markers=MARKERS)
    assert names(tmp_path) == {"notes.txt"}


def test_a_folder_of_other_files_is_never_replaced(tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "summary.json").write_text("not a plan")  # one marker is not enough
    with pytest.raises(TargetError, match=r"holds other files \(it has no scenario.yaml\)"):
        write_folder(tmp_path / "photos", fill("v1"), overwrite=True, markers=MARKERS)
    assert contents(tmp_path / "photos") == {"summary.json": "not a plan"}
    assert names(tmp_path) == {"photos"}


def test_without_markers_only_an_empty_folder_is_replaced(tmp_path):
    write_folder(tmp_path / "plan", fill("v1"))
    with pytest.raises(TargetError, match="holds other files"):
        write_folder(tmp_path / "plan", fill("v2"), overwrite=True)
    assert contents(tmp_path / "plan") == plan("v1")


def test_the_current_folder_and_those_above_it_are_never_replaced(tmp_path, monkeypatch):
    inside = write_folder(tmp_path / "plan", fill("v1"), markers=MARKERS)
    monkeypatch.chdir(inside)
    with pytest.raises(TargetError, match=r"^\. is the current folder; it is never replaced"):
        write_folder(".", fill("v2"), overwrite=True, markers=MARKERS)
    (inside / "deeper").mkdir()
    monkeypatch.chdir(inside / "deeper")
    with pytest.raises(TargetError, match="plan is a folder that holds the current folder"):
        write_folder(inside, fill("v2"), overwrite=True, markers=MARKERS)
    assert all((inside / name).read_text(encoding="utf-8") == "v1" for name in MARKERS)
    assert names(tmp_path) == {"plan"}
    assert names(inside) == {*MARKERS, "deeper"}


def test_the_home_folder_is_never_replaced_even_if_it_holds_a_plan(tmp_path, monkeypatch):
    home = write_folder(tmp_path / "home", fill("v1"), markers=MARKERS)
    monkeypatch.setenv("HOME", str(home))
    with pytest.raises(TargetError, match="is the home folder"):
        write_folder(home, fill("v2"), overwrite=True, markers=MARKERS)
    assert contents(home) == plan("v1")
    assert names(tmp_path) == {"home"}


# ---------------------------------------------------------------------------- faults (the folder stays as it was)
def _fail_on_second_file(monkeypatch, error: OSError) -> None:
    """Make the second marker file's write fail, after the first was written into the staging folder."""
    original = Path.write_text

    def write_text(self, data, *args, **kwargs):
        if self.name == MARKERS[1]:
            raise error
        return original(self, data, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), "No space left on device"),
        (PermissionError(errno.EACCES, os.strerror(errno.EACCES)), "Permission denied"),
    ],
    ids=["disk-full", "no-permission"],
)
def test_a_failed_write_leaves_the_old_folder_whole_and_nothing_beside_it(tmp_path, monkeypatch, error, reason):
    target = write_folder(tmp_path / "plan", fill("v1"), markers=MARKERS)
    _fail_on_second_file(monkeypatch, error)
    with pytest.raises(WriteError, match=f"cannot write .*plan: {reason}; it is as it was") as caught:
        write_folder(target, fill("v2"), overwrite=True, markers=MARKERS)
    assert caught.value.__cause__ is error
    assert contents(target) == plan("v1")
    assert names(tmp_path) == {"plan"}


def test_a_failed_fresh_write_leaves_nothing(tmp_path, monkeypatch):
    _fail_on_second_file(monkeypatch, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    with pytest.raises(WriteError, match="nothing was written"):
        write_folder(tmp_path / "plan", fill("v1"), markers=MARKERS)
    assert names(tmp_path) == set()


@pytest.mark.skipif(os.geteuid() == 0, reason="as root, a folder's write permission does not stop writes")
def test_a_read_only_parent_folder_is_a_clear_error(tmp_path):
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        with pytest.raises(WriteError, match="Permission denied; nothing was written"):
            write_folder(parent / "plan", fill("v1"), markers=MARKERS)
        assert names(parent) == set()
    finally:
        parent.chmod(0o755)


@pytest.mark.skipif(os.geteuid() == 0, reason="as root, a folder's write permission does not stop writes")
def test_a_read_only_plan_folder_is_not_replaced(tmp_path):
    target = write_folder(tmp_path / "plan", fill("v1"), markers=MARKERS)
    target.chmod(0o555)
    try:
        with pytest.raises(WriteError, match="read-only"):
            write_folder(target, fill("v2"), overwrite=True, markers=MARKERS)
        assert contents(target) == plan("v1")
        assert names(tmp_path) == {"plan"}
    finally:
        target.chmod(0o755)


def test_a_read_only_plan_folder_is_not_replaced_also_as_root(tmp_path, monkeypatch):
    """The same check where permissions cannot be taken away (as root): the system says no write access."""
    target = write_folder(tmp_path / "plan", fill("v1"), markers=MARKERS)
    monkeypatch.setattr(output.os, "access", lambda path, mode: Path(path) != target)
    with pytest.raises(WriteError, match="the folder is read-only"):
        write_folder(target, fill("v2"), overwrite=True, markers=MARKERS)
    assert contents(target) == plan("v1")
    assert names(tmp_path) == {"plan"}


def test_a_write_that_fails_between_the_two_renames_puts_the_old_folder_back(tmp_path, monkeypatch):
    target = write_folder(tmp_path / "plan", fill("v1"), markers=MARKERS)
    monkeypatch.setattr(output, "_RENAMEAT2", None)
    original = os.rename

    def rename(source, destination):
        if Path(destination) == target and Path(source).name.endswith(".partial"):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        original(source, destination)

    monkeypatch.setattr(output.os, "rename", rename)
    with pytest.raises(WriteError, match="Input/output error; it is as it was"):
        write_folder(target, fill("v2"), overwrite=True, markers=MARKERS)
    assert contents(target) == plan("v1")
    assert names(tmp_path) == {"plan"}


# ---------------------------------------------------------------------------- one writer at a time
def test_a_second_writer_is_refused_while_the_first_holds_the_folder(tmp_path):
    target = write_folder(tmp_path / "plan", fill("v1"), markers=MARKERS)
    with claim(target, overwrite=True, markers=MARKERS) as first:
        with pytest.raises(WriteError, match=f"another planner \\(pid {os.getpid()}\\) is writing"):
            write_folder(target, fill("v3"), overwrite=True, markers=MARKERS)
        first.write(fill("v2"))
    assert contents(target) == plan("v2")
    assert names(tmp_path) == {"plan"}
    write_folder(target, fill("v4"), overwrite=True, markers=MARKERS)  # free again once the first is done
    assert contents(target) == plan("v4")


def test_a_missing_folder_is_claimed_before_it_exists(tmp_path):
    """Two writers of a new folder: the second is refused, not left to replace the first's plan."""
    with claim(tmp_path / "plan", markers=MARKERS) as first:
        with pytest.raises(WriteError, match="another planner"):
            write_folder(tmp_path / "plan", fill("v2"), markers=MARKERS)
        first.write(fill("v1"))
    assert contents(tmp_path / "plan") == plan("v1")


# ---------------------------------------------------------------------------- SIGKILL at each step
CHILD = r"""
import os, sys
from pathlib import Path
from planner import output

step, target = sys.argv[1], Path(sys.argv[2])

def pause():
    print("paused", flush=True)
    sys.stdin.read()  # blocks until the test kills this process

if step == "staged":  # the new files are written and flushed; the old folder is untouched
    swap = output._swap
    def paused_swap(staging, target):
        pause()
        return swap(staging, target)
    output._swap = paused_swap
elif step == "swapped":  # the new folder is in place; the old one is still beside it
    output._remove = lambda path: pause()
elif step == "set-aside":  # without renameat2: the old folder is renamed aside, the new one not yet in
    output._RENAMEAT2 = None
    rename = os.rename
    def paused_rename(source, destination):
        rename(source, destination)
        if str(destination).endswith(".old"):
            pause()
    output.os.rename = paused_rename

def fill(folder):
    for name in ("summary.json", "scenario.yaml"):
        (folder / name).write_text("v2", encoding="utf-8")

output.write_folder(target, fill, overwrite=True, markers=("summary.json", "scenario.yaml"))
"""


def _killed_at(step: str, target: Path) -> None:
    """Run a writer of plan 'v2' to ``target`` in a child process, and SIGKILL it at ``step``."""
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, step, str(target)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline() == "paused\n", f"the writer ended before the {step} step"
            # The paused writer holds the folder: a writer in another process is refused, and changes nothing.
            with pytest.raises(WriteError, match=f"another planner \\(pid {child.pid}\\) is writing"):
                write_folder(target, fill("v3"), overwrite=True, markers=MARKERS)
        finally:
            child.kill()
    assert child.returncode == -signal.SIGKILL


@pytest.mark.parametrize(
    ("step", "left"),
    [("staged", "v1"), ("swapped", "v2"), ("set-aside", None)],
)
def test_a_writer_killed_at_any_step_leaves_a_whole_plan_and_the_next_cleans_up(tmp_path, step, left):
    if step != "set-aside" and output._RENAMEAT2 is None:
        pytest.skip("this system has no renameat2: the pair of renames is the only way")
    target = write_folder(tmp_path / "plan", fill("v1"), markers=MARKERS)
    _killed_at(step, target)
    if left is not None:
        assert contents(target) == plan(left)  # never a missing or half-written folder
    else:
        # The rename pair leaves the name missing for an instant: the whole old plan is aside,
        # and the next writer puts it back before anything else.
        assert not target.exists()
    assert any(name.startswith(".plan.") for name in names(tmp_path))  # the dead writer's staging folder
    with claim(target, overwrite=True, markers=MARKERS):
        assert contents(target) == plan(left or "v1")
        assert names(tmp_path) == {"plan", ".plan.lock"}  # the next writer cleaned up under its lock
    assert names(tmp_path) == {"plan"}
    write_folder(target, fill("v4"), overwrite=True, markers=MARKERS)
    assert contents(target) == plan("v4")
    assert names(tmp_path) == {"plan"}


def test_a_writer_killed_during_a_fresh_write_leaves_no_folder_and_the_next_cleans_up(tmp_path):
    target = tmp_path / "plan"
    _killed_at("staged", target)
    assert not target.exists()
    assert {n for n in names(tmp_path) if n.endswith(".partial")}, "the dead writer's staging folder is left"
    write_folder(target, fill("v4"), markers=MARKERS)  # a fresh write: the name is free, the debris removed
    assert contents(target) == plan("v4")
    assert names(tmp_path) == {"plan"}
