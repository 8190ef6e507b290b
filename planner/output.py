"""Writing a folder of files atomically: the folder's name holds the whole old folder or the whole new one.

:func:`write_folder` writes a folder in one go; :func:`claim` reserves the folder first, for a
caller that has its files only later (``planner solve --out`` claims the folder before it solves,
so a wrong or busy folder is refused before minutes of solving).

How a folder ``NAME`` is written:

- The files go to a hidden staging folder beside it, ``.NAME.PID-TOKEN.partial``, are flushed to
  disk, and the staging folder is moved into place in one step. On Linux ``renameat2`` with
  ``RENAME_EXCHANGE`` swaps it with an existing folder, so the name always holds a complete
  folder; the old one is then removed. Where that call is missing (other systems, a C library
  before glibc 2.28, a file system without the flag) the old folder is renamed aside to
  ``.NAME.PID-TOKEN.old`` first and the new one renamed in: for that instant the name is missing,
  and a writer killed just then leaves the old folder aside, which the next writer puts back.
- A lock file ``.NAME.lock`` beside the folder, held with ``flock`` for as long as the claim and
  holding the writer's pid, refuses a second writer at once (writers are not queued; Windows has
  no ``flock``, and there writers are not kept apart). The lock
  goes with the process, so a killed writer never blocks the next one; and the next writer,
  holding the lock, knows that any staging folder left beside the target is a dead writer's and
  removes it (or puts a folder set aside back, as above).
- Only a folder that is empty, or that holds every one of the caller's marker files (for a plan:
  ``summary.json`` and ``scenario.yaml``), is ever replaced; never a file, a mount point, the
  current folder, the home folder or a folder above either.
- A symbolic link is followed: the real folder is written, and the link is left as it is.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

if sys.platform != "win32":
    import fcntl

RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class TargetError(ValueError):
    """The folder cannot be written as asked: it is a file, the current folder, a folder of other files..."""


class TargetExistsError(FileExistsError):
    """The folder exists and replacing it was not allowed."""


class WriteError(OSError):
    """Writing failed (disk full, no permission, another writer at work); the folder is as it was."""


class Claim:
    """The right to write one folder, held until the :func:`claim` block ends.

    Attributes
    ----------
    target
        The real folder written (symbolic links followed).
    shown
        The folder as the caller named it, for messages.
    """

    def __init__(self, target: Path, shown: str):
        self.target = target
        self.shown = shown

    def write(self, fill: Callable[[Path], None]) -> Path:
        """Have ``fill`` write the files into an empty staging folder, then put it in place at once.

        Returns
        -------
        Path
            The folder written.

        Raises
        ------
        WriteError
            If a file cannot be written or moved (disk full, no permission); the folder is then as
            it was, and nothing is left beside it.
        """
        staging = _sibling(self.target, f"{_token()}.partial")
        existed = self.target.exists()
        try:
            staging.mkdir()  # mkdir (unlike mkdtemp) honours the umask: the folder gets the user's usual permissions
            fill(staging)
            _flush(staging)
            replaced = _swap(staging, self.target)
        except BaseException as exc:
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(exc, OSError):
                raise _failed(self.shown, exc, "it is as it was" if existed else "nothing was written") from exc
            raise
        if replaced is not None:
            _remove(replaced)
        # The new name is in the parent folder's entry: flush it too, so that a power cut keeps it.
        # It is written already; a file system that cannot flush a folder is no reason to fail.
        if sys.platform != "win32":
            with contextlib.suppress(OSError):
                _fsync(self.target.parent)
        return self.target


@contextlib.contextmanager
def claim(path: str | Path, *, overwrite: bool = False, markers: tuple[str, ...] = ()) -> Iterator[Claim]:
    """Lock the folder ``path`` against other writers, clean what dead writers left, and check it may be written.

    Parameters
    ----------
    path
        The folder to write; its parent folders are made if missing.
    overwrite
        Replace the folder if it exists (only if it is empty or holds every file in ``markers``).
    markers
        Files whose presence shows that an existing folder was written by this program.

    Raises
    ------
    TargetExistsError
        If the folder exists and ``overwrite`` is false.
    TargetError
        If ``path`` is a file, lies inside a file, or names a folder that must not be replaced.
    WriteError
        If another writer holds the folder, or its parent cannot be written.
    """
    shown = str(path)
    target = Path(path).resolve()  # follows symbolic links: the real folder is written
    _check_parent(target, shown)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        lock = _lock(target, shown)
    except WriteError:
        raise
    except OSError as exc:
        raise _failed(shown, exc, "nothing was written") from exc
    try:
        try:
            _clean(target)
        except OSError as exc:
            raise _failed(shown, exc, "nothing was written") from exc
        _check_target(target, shown, overwrite, markers)
        yield Claim(target, shown)
    finally:
        if lock is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(_sibling(target, "lock"))  # while still holding it: see _lock
            os.close(lock)


def write_folder(
    path: str | Path, fill: Callable[[Path], None], *, overwrite: bool = False, markers: tuple[str, ...] = ()
) -> Path:
    """Write the folder ``path`` atomically: :func:`claim` it, then :meth:`Claim.write` ``fill``."""
    with claim(path, overwrite=overwrite, markers=markers) as folder:
        return folder.write(fill)


# ---------------------------------------------------------------------------- checks
def _check_parent(target: Path, shown: str) -> None:
    for folder in target.parents:
        if folder.exists():
            if not folder.is_dir():
                raise TargetError(f"{folder} is a file, so the folder {shown} cannot be made inside it")
            return


def _check_target(target: Path, shown: str, overwrite: bool, markers: tuple[str, ...]) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise TargetError(f"{shown} is a file, not a folder; name a folder to write")
    if not overwrite:
        raise TargetExistsError(f"{shown} already exists; choose another folder or allow replacing it")
    for name, place in (("the current folder", Path.cwd()), ("the home folder", Path(os.path.expanduser("~")))):
        place = place.resolve()
        if target == place or target in place.parents:
            what = name if target == place else f"a folder that holds {name}"
            raise TargetError(f"{shown} is {what}; it is never replaced: name a folder of its own")
    if os.path.ismount(target):
        raise TargetError(f"{shown} is a mount point; it is never replaced: name a folder inside it")
    present = {entry.name for entry in target.iterdir()}
    if present and not (markers and set(markers) <= present):
        written = f" (it has no {' and '.join(sorted(set(markers) - present))})" if markers else ""
        raise TargetError(
            f"{shown} holds other files{written}; only an empty folder or one written by planner is replaced"
        )
    if not os.access(target, os.W_OK | os.X_OK):
        raise WriteError(f"cannot replace {shown}: the folder is read-only; it is as it was")


# ---------------------------------------------------------------------------- lock and debris
def _sibling(target: Path, suffix: str) -> Path:
    return target.parent / f".{target.name}.{suffix}"


def _token() -> str:
    """A staging name's middle: the writer's pid and 12 random hex digits."""
    return f"{os.getpid()}-{secrets.token_hex(6)}"


def _lock(target: Path, shown: str) -> int | None:
    """The open lock file beside ``target``, locked; refuses at once if another writer holds it."""
    if sys.platform == "win32":
        return None
    path = _sibling(target, "lock")
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            who = f" (pid {holder})" if holder else ""
            raise WriteError(
                f"another planner{who} is writing {shown}; wait for it to finish or choose another folder"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        # A writer removes the lock file as it finishes: if it did so after this one opened it,
        # this lock is on a file no one else will see, so lock the file that is there now.
        try:
            current = os.stat(path)
        except FileNotFoundError:
            current = None
        mine = os.fstat(fd)
        if current is not None and (current.st_dev, current.st_ino) == (mine.st_dev, mine.st_ino):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            return fd
        os.close(fd)


def _clean(target: Path) -> None:
    """Remove the staging folders of dead writers (the lock is held, so no live writer has any);
    put back a folder that a writer set aside and died before replacing."""
    # Also the names of earlier versions, which had no pid: `.NAME.TOKEN.partial`.
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(?:\d+-)?[0-9a-f]{{12}}\.(?:partial|old)")
    for path in sorted(target.parent.iterdir()):
        if not pattern.fullmatch(path.name):
            continue
        if path.name.endswith(".old") and not os.path.lexists(target):
            os.rename(path, target)
        else:
            _remove(path)


def _remove(path: Path) -> None:
    """Remove a replaced or abandoned folder; what cannot be removed now the next writer removes."""
    shutil.rmtree(path, ignore_errors=True)


def _failed(shown: str, exc: OSError, state: str) -> WriteError:
    # The file named in the error is in the staging folder, which is gone by now: leave it out.
    return WriteError(f"cannot write {shown}: {exc.strerror or exc}; {state}, and nothing was left beside it")


# ---------------------------------------------------------------------------- moving into place
def _flush(folder: Path) -> None:
    """Flush every file written into ``folder``, and the folder, to disk before it is put in place."""
    for root, _, files in os.walk(folder):
        for name in files:
            _fsync(Path(root) / name)
        if sys.platform != "win32":  # Windows cannot open a folder to flush it
            _fsync(Path(root))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap(staging: Path, target: Path) -> Path | None:
    """Put ``staging`` at ``target``; return the path now holding the folder replaced (to remove), or None."""
    if not target.exists():
        if not _renameat2(staging, target, RENAME_NOREPLACE):
            os.rename(staging, target)
        return None
    if _renameat2(staging, target, RENAME_EXCHANGE):
        return staging
    aside = _sibling(target, f"{_token()}.old")
    os.rename(target, aside)
    try:
        os.rename(staging, target)
    except BaseException:
        os.rename(aside, target)
        raise
    return aside


def _load_renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a C library without it (glibc before 2.28)
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _load_renameat2()


def _renameat2(source: Path, destination: Path, flags: int) -> bool:
    """Rename with ``renameat2`` flags; False where the system lacks them (the caller then renames plainly)."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(destination), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL):  # an old kernel, or a file system without the flag
        return False
    raise OSError(code, os.strerror(code), str(source), None, str(destination))
