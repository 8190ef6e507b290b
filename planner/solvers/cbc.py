"""CBC, the binary bundled with PuLP: the LP written to an MPS file, CBC run on it, and its
solution file read back as arrays.

The MPS file is written by HiGHS (``passModel`` then ``writeModel``): on a random LP of 600,000
nonzeros it took 0.09 s to hand over and 0.29 s to write, against 1.5 s (pandas) to 4.2 s (numpy
string arrays) for the COLUMNS section alone written from Python, and it writes every number to
17 significant digits, so CBC reads the very coefficients it was given.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np

from planner.lp import LinearProgram
from planner.solvers.solution import Solution, Tolerances, failed, finish, given
from planner.status import Status

CBC_OPTIONS = ["-primalTolerance", "1e-9", "-dualTolerance", "1e-9"]
"""CBC's feasibility and optimality tolerances, a hundred times tighter than its default 1e-7:
with the LP's scaling a row's round-off then stays below a millionth of the plan's cost (the
default let a fixed stock of 0.19 units drift by 1e-6 relative)."""

NUMERICAL = ("Stopped on difficulties", "Stopped due to errors", "Status unknown")
"""CBC status lines (their first words) that mean numerical trouble."""

MISSING = "the CBC solver was not found: reinstall the project (`make run`) so PuLP brings its CBC binary"


def cbc_path() -> str | None:
    """Path of the CBC binary: the one bundled with PuLP, else ``cbc`` on the PATH."""
    from pulp.apis.coin_api import COIN_CMD, PULP_CBC_CMD

    bundled = getattr(PULP_CBC_CMD, "pulp_cbc_path", None)
    if bundled and os.path.isfile(bundled) and os.access(bundled, os.X_OK):
        return os.path.realpath(bundled)
    on_path = COIN_CMD(msg=False).path
    return on_path if on_path and os.access(on_path, os.X_OK) else None


@cache
def cbc_version(path: str) -> str | None:
    """CBC's version string, read once per binary from its banner (e.g. ``'2.10.3'``)."""
    try:
        banner = subprocess.run(
            [path, "-quit"], capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"Version:\s*(\S+)", banner)
    return found.group(1) if found else None


def write_mps(lp: LinearProgram, path: str | Path) -> None:
    """Write ``lp`` as an MPS file with columns ``c<j>`` and rows ``r<i>`` (HiGHS's writer)."""
    from planner.solvers.highs import loaded

    loaded(lp).writeModel(str(path))


def solve(
    lp: LinearProgram,
    *,
    time_limit: float | None = None,
    tolerances: Tolerances | None = None,
    node_limit: int | None = None,
    log: bool = False,
) -> Solution:
    """Solve ``lp`` with CBC: its MIP priced by the LP with the integer columns fixed, a point
    stopped at a limit kept only if feasible (:func:`planner.solvers.solution.finish`)."""
    started = time.perf_counter()
    path = cbc_path()
    if path is None:
        return failed(MISSING)
    first = _run(path, lp, time_limit, tolerances, node_limit, log)
    if first.status is Status.UNBOUNDED:
        first = _decided(path, lp, first, log)
    return finish(lp, first, lambda fixed: _run(path, fixed, None, None, None, log), started)


def _decided(path: str, lp: LinearProgram, unbounded: Solution, log: bool) -> Solution:
    """Whether a program CBC calls unbounded is so, or is infeasible: CBC says unbounded when the
    LP relaxation is, even if no point meets every row (or no whole point does); with a zero cost
    a feasible program is solved, an infeasible one is found so."""
    check = _run(path, replace(lp, cost=np.zeros_like(lp.cost)), None, None, None, log)
    if check.status is Status.INFEASIBLE:
        return replace(unbounded, status=Status.INFEASIBLE, said=f"{unbounded.said}; with a zero cost: {check.said}")
    return unbounded


def command(
    path: str,
    model: Path,
    solution: Path,
    *,
    mip: bool,
    time_limit: float | None = None,
    tolerances: Tolerances | None = None,
    node_limit: int | None = None,
) -> list[str]:
    """The CBC command line that solves ``model`` and writes every row and column to ``solution``."""
    tolerances = tolerances or Tolerances()
    options = [str(model), *CBC_OPTIONS]
    if time_limit is not None:
        options += ["-sec", f"{time_limit:g}"]
    for name, value in (
        ("-ratio", tolerances.relative_gap),
        ("-allow", tolerances.absolute_gap),
        ("-increment", tolerances.min_improvement),
    ):
        if mip and given(value) is not None:
            options += [name, f"{value:.6g}"]
    if node_limit is not None:
        options += ["-maxNodes", str(int(node_limit))]
    return [path, *options, "-solve" if mip else "-initialSolve", "-printingOptions", "all", "-solution", str(solution)]


def _run(
    path: str,
    lp: LinearProgram,
    time_limit: float | None,
    tolerances: Tolerances | None,
    node_limit: int | None,
    log: bool,
) -> Solution:
    """Run CBC on ``lp`` and read its answer (before a MIP is priced)."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="planner-cbc-") as folder:
        model, answer = Path(folder) / "model.mps", Path(folder) / "model.sol"
        try:
            write_mps(lp, model)
        except ValueError as exc:
            return failed(str(exc))
        args = command(
            path, model, answer, mip=lp.is_mip, time_limit=time_limit, tolerances=tolerances, node_limit=node_limit
        )
        try:
            code, output = _execute(args, log)
        except OSError as exc:
            return failed(f"CBC could not be run ({path}): {exc}", seconds=time.perf_counter() - started)
        seconds = time.perf_counter() - started
        if code != 0:
            return failed(
                f"CBC failed (exit code {code}); rerun with --solver highs to try the other one", seconds=seconds
            )
        if not answer.exists():
            return failed("CBC wrote no solution file: it probably crashed; rerun with --solver highs", seconds=seconds)
        text = answer.read_text(encoding="utf-8", errors="replace")
    return _read(lp, text, output, seconds)


def _execute(args: list[str], log: bool) -> tuple[int, str]:
    """Run CBC, returning its exit code and log; the log is also shown, as it comes, if ``log``."""
    with subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, errors="replace"
    ) as process:
        assert process.stdout is not None
        if not log:
            output = process.stdout.read()
        else:
            lines = []
            for line in process.stdout:
                sys.stdout.write(line)
                lines.append(line)
            output = "".join(lines)
        return process.wait(), output


def _read(lp: LinearProgram, text: str, log: str, seconds: float) -> Solution:
    """CBC's solution file ``text`` (and its ``log``) as a :class:`Solution`."""
    line, _, table = text.partition("\n")
    said = line.strip()
    status = _status(said)
    base = Solution(status, said=said, seconds=seconds, iterations=cbc_iterations(log))
    if status not in (Status.OPTIMAL, Status.TIME_LIMIT):
        return base

    def unreadable() -> Solution:  # made only when needed: counting the lines of a large answer takes time
        lines = table.count("\n")
        return failed(
            f"could not read CBC's answer (its status line reads {said!r} and {lines} lines follow, "
            f"for {sum(lp.shape)} rows and columns): the solver probably crashed; rerun with --solver highs",
            said=said,
            seconds=seconds,
        )

    if " - objective value " not in said:
        return unreadable()
    if lp.is_mip and ("no integer solution" in said or "No feasible solution found" in log):
        # stopped before any whole point: "Stopped on time (no integer solution - continuous used)"
        return base
    read = _table(table, lp)
    if read is None:
        return unreadable()
    x, row_dual, col_dual = read
    return replace(
        base,
        x=x,
        row_dual=None if lp.is_mip else row_dual,
        col_dual=None if lp.is_mip else col_dual,
        objective=_objective(said, lp, x),
        gap=cbc_gap(log) if lp.is_mip else None,
    )


def _table(table: str, lp: LinearProgram) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Column values, row duals and reduced costs from the lines after the status line, read
    whole: ``index name value dual`` per row then per column, an entry that breaks its bounds
    marked ``**`` in front. Rows CBC dropped (free rows) have a dual of 0. None if a column is
    missing or a number unreadable."""
    import pandas as pd

    rows, cols = lp.shape
    if not table.strip():
        return None if cols else (np.zeros(0), np.zeros(rows), np.zeros(0))
    # Every name is r<i> or c<j> (the MPS file's) and no number holds an r or a c: with the
    # letters made numbers of their own, the whole table is read as numbers by pandas' C parser.
    # Anything else in a line (another name, a word) reads as NaN, and the table as unreadable.
    # As bytes: given text, pandas' parser first encodes it again (a quarter of its time on large plans).
    text = table.encode().replace(b"**", b"  ").replace(b"r", b" 0 ").replace(b"c", b" 1 ")
    try:
        numbers = pd.read_csv(
            io.BytesIO(text), sep=r"\s+", header=None, names=range(5), dtype=float, engine="c"
        ).to_numpy()
    except (ValueError, pd.errors.ParserError):
        return None
    kind, number, values = numbers[:, 1], numbers[:, 2], numbers[:, 3:]
    if np.isnan(numbers[:, 1:]).any() or not np.isin(kind, (0.0, 1.0)).all() or (number != np.floor(number)).any():
        return None
    is_col, is_row = kind == 1.0, kind == 0.0
    col_numbers, row_numbers = number[is_col].astype(np.int64), number[is_row].astype(np.int64)
    if ((col_numbers < 0) | (col_numbers >= cols)).any() or ((row_numbers < 0) | (row_numbers >= rows)).any():
        return None
    if (np.bincount(col_numbers, minlength=cols) != 1).any():  # every column exactly once
        return None
    x, col_dual, row_dual = np.zeros(cols), np.zeros(cols), np.zeros(rows)
    x[col_numbers], col_dual[col_numbers] = values[is_col, 0], values[is_col, 1]
    row_dual[row_numbers] = values[is_row, 1]
    return x, row_dual, col_dual


def _objective(said: str, lp: LinearProgram, x: np.ndarray) -> float:
    """The objective CBC states on its status line (to 8 decimals, offset included), else
    ``lp.objective(x)``: more precise than the one from its values, which carry 8 significant
    digits (objective terms that cancel would lose more than the last digits).

    >>> _objective("Optimal - objective value -31.16666667", None, None)
    -31.16666667
    """
    stated = re.search(r" - objective value (\S+)$", said)
    try:
        return float(stated.group(1)) if stated else lp.objective(x)
    except ValueError:
        return lp.objective(x)


def _status(said: str) -> Status:
    if said.startswith(NUMERICAL):
        return Status.NUMERICAL_TROUBLE
    if said.startswith("Optimal"):
        return Status.OPTIMAL
    if said.startswith(("Infeasible", "Integer infeasible")):
        return Status.INFEASIBLE
    if said.startswith("Unbounded"):
        return Status.UNBOUNDED
    if said.startswith("Stopped on"):  # time, iterations, nodes, solutions, ctrl-c
        return Status.TIME_LIMIT
    return Status.NOT_SOLVED


def cbc_gap(log: str) -> float | None:
    """The relative gap from the summary CBC prints after a mixed-integer solve.

    >>> cbc_gap("Result - Stopped on time limit\\nObjective value:   12.0\\nLower bound:   10.5\\nGap: 0.13")
    0.125
    >>> cbc_gap("Result - Optimal solution found\\n\\nObjective value:  3.0"), cbc_gap("Optimal - objective value 3") is None
    (0.0, True)
    >>> cbc_gap("Result - Optimal solution found (within gap tolerance)\\nObjective value:  4.0\\nLower bound:  3.0")
    0.25
    """
    objective = re.search(r"^Objective value:\s*(\S+)", log, re.MULTILINE)
    bound = re.search(r"^Lower bound:\s*(\S+)", log, re.MULTILINE)
    if objective and not bound and "Result - Optimal solution found" in log:
        return 0.0  # proven optimal: no bound is printed (it is, when CBC stops within the gap)
    if not (objective and bound):
        return None
    cost, best = float(objective.group(1)), float(bound.group(1))
    return max(0.0, cost - best) / max(abs(cost), 1e-9)


def cbc_iterations(log: str) -> int | None:
    """Simplex iterations from CBC's log: the MIP summary's total, else the LP's last count.

    >>> cbc_iterations("Optimal objective 9 - 1 iterations time 0.002"), cbc_iterations("Total iterations:   42")
    (1, 42)
    """
    total = re.search(r"^Total iterations:\s*(\d+)", log, re.MULTILINE)
    if total:
        return int(total.group(1))
    counts = re.findall(r" - (\d+) iterations", log)
    return int(counts[-1]) if counts else None
