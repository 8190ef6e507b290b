"""The store of a sweep: ``runs.csv``, one line per finished run, under a line naming its design.

The first line is ``# planner-sweep-store 1 {...}``: the design as JSON (parameters, their
values or distributions, samples, seed, named cases, a digest of the base scenario and of the
table of runs). Then comes a CSV header and one line per run, appended and synced as each run
finishes (``pandas.read_csv(path, skiprows=1)`` reads it). A resume checks all of it: a design
other than the store's is refused with what differs; a last line without its newline (the
sweep was stopped while writing it) is dropped and that run is solved again; any other line
that is not a run of this design (cut, junk, extra fields, a run twice) is refused with its line
number. Runs that did not finish, because the worker solving them was lost or no solver could
run them (:func:`unfinished`), are stored with their status but are solved again on resume. The
folder is locked (``flock``) while a sweep writes it, so a second sweep on it is refused. A write
that fails (a full disk) is undone and reported; the store stays resumable.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from planner.scenario import Scenario

MAGIC = "# planner-sweep-store 1 "
_SHOWN = 10  # bad lines named in a refusal


LOST = "lost"
"""Status of a run whose worker was lost (killed, out of memory, its machine gone) before it finished."""
NO_SOLVER = "no_solver"
"""Status of a run whose worker had no solver to run it."""
LOST_ERRORS = (
    "BrokenProcessPool",
    "KilledWorker",
    "FutureCancelledError",
    "CancelledError",
    "CommClosedError",
)
"""Names of the errors by which a process pool or a Dask cluster says a run's worker (or the data
it was given) was lost, not that the run itself failed."""


def unfinished(row: Mapping[Any, Any]) -> bool:
    """Whether a stored run did not finish and is to be solved again on resume: its worker was lost
    or had no solver. A run stored by an earlier version as an ``error`` named after a lost worker
    (``FutureCancelledError: ...``) did not finish either.

    >>> unfinished({"status": "lost"}), unfinished({"status": "error", "error": "KilledWorker: run0003 ..."})
    (True, True)
    >>> unfinished({"status": "infeasible"}), unfinished({"status": "error", "error": "ValueError: bad"})
    (False, False)
    """
    status = row.get("status")
    if status in (LOST, NO_SOLVER):
        return True
    error = row.get("error")
    return status == "error" and isinstance(error, str) and error.split(":", 1)[0].strip() in LOST_ERRORS


class StoreError(Exception):
    """A sweep store that cannot be used or written; the message says why and what to do."""


def design_record(scenario: Scenario, runs: pd.DataFrame) -> dict[str, Any]:
    """What a store records of a sweep, so that a resume can be checked against it."""
    parameters = [c for c in runs.columns if c not in ("run", "case")]
    spec = runs.attrs.get("design", {})
    values = spec.get("values") or {p: sorted({float(v) for v in runs[p]}) for p in parameters}
    table = runs[["run", "case", *parameters]].to_csv(index=False)
    scenario_json = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, default=str)
    return {
        "design": spec.get("design", "given"),
        "parameters": parameters,
        "values": values,
        "samples": spec.get("samples"),
        "seed": spec.get("seed"),
        "cases": runs.attrs.get("cases", {}),
        "runs": len(runs),
        "scenario_sha256": hashlib.sha256(scenario_json.encode()).hexdigest(),
        "runs_sha256": hashlib.sha256(table.encode()).hexdigest(),
    }


def _differences(stored: dict, wanted: dict) -> list[str]:
    said = []
    for key, what in (("design", "design"), ("parameters", "parameters"), ("samples", "samples"), ("seed", "seed")):
        if stored.get(key) != wanted.get(key):
            said.append(f"{what} {stored.get(key)} there, {wanted.get(key)} here")
    if stored.get("parameters") == wanted.get("parameters"):
        there = stored.get("values", {})
        said.extend(
            f"{path} takes {there.get(path)} there, {wanted['values'].get(path)} here"
            for path in wanted["parameters"]
            if there.get(path) != wanted["values"].get(path)
        )
    if stored.get("cases") != wanted.get("cases"):
        said.append(f"cases {stored.get('cases')} there, {wanted.get('cases')} here")
    if stored.get("scenario_sha256") != wanted["scenario_sha256"]:
        said.append("the scenario has changed since (its digest differs)")
    if not said and stored.get("runs_sha256") != wanted["runs_sha256"]:
        said.append("the table of runs differs")
    return said


def _line(fields: list[Any]) -> str:
    """One CSV line; line breaks in text become spaces, so that a run is one line of the file."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(
        ["" if v is None or v != v else " ".join(v.splitlines()) if isinstance(v, str) else v for v in fields]
    )
    return buffer.getvalue()


class Store:
    """A sweep's ``runs.csv`` in ``folder``, locked while open (use as a context manager).

    Parameters
    ----------
    folder
        Where the store is (created if need be).
    record
        The sweep's :func:`design_record`.
    runs
        The sweep's runs (``run``, ``case`` and one column per parameter).
    resume
        Continue the store if it exists (else an existing store is refused).

    Attributes
    ----------
    rows
        The runs stored (one dict per run), checked against the design.
    notes
        What was repaired on opening (a torn last line dropped), for the user.
    """

    def __init__(self, folder: str | Path, record: dict[str, Any], runs: pd.DataFrame, resume: bool = False):
        self.folder = Path(folder)
        self.path = self.folder / "runs.csv"
        self.record = record
        self.runs = runs
        self.resume = resume
        self.columns: list[str] = []
        self.rows: list[dict[Any, Any]] = []
        self.notes: list[str] = []
        self._lock: int | None = None

    # ------------------------------------------------------------------ opening
    def __enter__(self) -> Store:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = os.open(self.folder, os.O_RDONLY)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock)
            self._lock = None
            raise StoreError(
                f"{self.path} is being written by another sweep; wait for it to finish, or choose another --out folder"
            ) from None
        try:
            self._open()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lock is not None:
            os.close(self._lock)  # closing releases the lock
            self._lock = None

    def _open(self) -> None:
        if self.path.exists() and not self.resume:
            raise FileExistsError(f"{self.path} exists; resume the sweep or choose another folder")
        raw = self.path.read_bytes() if self.path.exists() else b""
        if not raw:
            self._write_all([], [])
            return
        text = raw.decode("utf-8", errors="replace")
        lines = text.split("\n")
        lines.pop()  # after the last newline: empty, or a line cut off while it was written
        if not raw.endswith(b"\n"):
            with self.path.open("r+b") as handle:
                handle.truncate(raw.rfind(b"\n") + 1)
                os.fsync(handle.fileno())
            if not lines:  # the design line itself: nothing was stored
                self._write_all([], [])
                return
            self.notes.append(
                f"{self.path}: dropped line {len(lines) + 1}, cut off while it was written; that run is solved again"
            )
        self._check(lines)

    def _check(self, lines: list[str]) -> None:
        first = lines[0] if lines else ""
        if not first.startswith(MAGIC):
            raise StoreError(
                f"{self.path}: line 1 is not the design line of a sweep store ({MAGIC.strip()} {{...}}); "
                "it was not written by this version of planner sweep: choose another --out folder"
            )
        try:
            stored = json.loads(first[len(MAGIC) :])
        except json.JSONDecodeError:
            raise StoreError(
                f"{self.path}: line 1, the sweep's design, is not readable; choose another --out folder"
            ) from None
        differences = _differences(stored, self.record)
        if differences:
            raise StoreError(
                f"{self.path} holds another sweep ({'; '.join(differences)}); run the sweep it was made with, "
                "or choose another --out folder"
            )
        if len(lines) < 2:
            return
        header = next(csv.reader([lines[1]]))
        if "run" not in header or len(set(header)) != len(header):
            raise StoreError(
                f"{self.path}: line 2 is not the header of the runs (run, case, ...); the store is damaged"
            )
        self.columns = header
        bad = self._read_runs(lines)
        if bad:
            shown = ", ".join(str(n) for n in bad[:_SHOWN]) + (
                f" and {len(bad) - _SHOWN} more" if len(bad) > _SHOWN else ""
            )
            raise StoreError(
                f"{self.path}: line{'s' if len(bad) > 1 else ''} {shown} "
                f"{'are' if len(bad) > 1 else 'is'} not a run of this sweep (cut, junk, extra fields, "
                "other values, or a run stored twice); the store is damaged: mend or delete those lines, "
                "or choose another --out folder"
            )

    def _read_runs(self, lines: list[str]) -> list[int]:
        """Read the runs into ``rows``; the 1-based numbers of the lines that are not runs of this design."""
        expected = {r["run"]: [float(r[p]) for p in self.record["parameters"]] for r in self.runs.to_dict("records")}
        width = len(self.columns)
        bad, good, seen = [], [], set()
        for number, line in enumerate(lines[2:], start=3):
            fields = next(csv.reader([line]), [])
            row = dict(zip(self.columns, fields, strict=False))
            run = row.get("run")
            if len(fields) != width or run not in expected or run in seen or not _same(row, expected[run], self):
                bad.append(number)
                continue
            seen.add(run)
            good.append(line)
        if not bad and good:
            table = pd.read_csv(io.StringIO("\n".join([lines[1], *good])), dtype={"case": str, "run": str})
            rows = table.to_dict("records")
            self.rows = [row for row in rows if not unfinished(row)]
            if len(self.rows) < len(rows):
                # Rewritten without them at once, so that each run is stored once when solved again.
                self._write_all(self.columns, self.rows)
                self.notes.append(
                    f"{self.path}: {len(rows) - len(self.rows)} run(s) that did not finish (worker lost, or no "
                    "solver) are solved again"
                )
        return bad

    # ------------------------------------------------------------------ writing
    def append(self, entry: dict[str, Any]) -> None:
        """Store one finished run, synced to disk; widen the header when it brings new columns."""
        if not self.columns or set(entry) - set(self.columns):
            columns = self.columns + [c for c in entry if c not in self.columns]
            self._write_all(columns, [*self.rows, entry])
        else:
            self._append_line(_line([entry.get(c) for c in self.columns]))
        self.rows.append(entry)

    def _append_line(self, line: str) -> None:
        data = line.encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            size = os.fstat(fd).st_size
            try:
                _write(fd, data)
                os.fsync(fd)
            except OSError as exc:
                os.ftruncate(fd, size)  # undo a partial line: the store stays as it was
                raise self._failed(exc) from exc
        finally:
            os.close(fd)

    def _write_all(self, columns: list[str], rows: list[dict[str, Any]]) -> None:
        """Write the whole store to a staging file, then put it in place at once."""
        text = MAGIC + json.dumps(self.record, sort_keys=True) + "\n"
        if columns:
            text += _line(columns) + "".join(_line([row.get(c) for c in columns]) for row in rows)
        staging = self.path.with_name(self.path.name + ".partial")
        try:
            fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                _write(fd, text.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(staging, self.path)
        except OSError as exc:
            staging.unlink(missing_ok=True)
            raise self._failed(exc) from exc
        self.columns = columns

    def _failed(self, exc: OSError) -> StoreError:
        return StoreError(
            f"cannot write {self.path}: {exc.strerror or exc}; the {len(self.rows)} run(s) stored so far are kept: "
            "make room, then run the same sweep again with --resume"
        )


def _same(row: dict[str, str], values: list[float], store: Store) -> bool:
    """Whether a stored row holds the values of its run in this design."""
    try:
        return all(float(row[p]) == v for p, v in zip(store.record["parameters"], values, strict=True))
    except (KeyError, ValueError):
        return False


def _write(fd: int, data: bytes) -> None:
    """Write all of ``data`` (``os.write`` may write part of it)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def read_runs(folder: str | Path) -> pd.DataFrame:
    """The runs stored in ``folder/runs.csv`` as a table (the design line skipped; none yet: no rows)."""
    text = (Path(folder) / "runs.csv").read_text(encoding="utf-8")
    body = text.split("\n", 1)[1] if "\n" in text else ""
    if not body.strip():
        return pd.DataFrame(columns=["run", "case"])
    return pd.read_csv(io.StringIO(body), dtype={"case": str, "run": str}).fillna({"case": ""})
