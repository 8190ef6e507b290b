"""The benchmark harness runs at its small size and prints a line for every phase and figure.

Only which lines are printed is checked, never a time: timings depend on the machine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HARNESS = Path(__file__).resolve().parents[1] / "bench" / "run.py"

LINES = [
    "load",
    "data",
    "build",
    "write",
    "solver alone",
    "read-back",
    "tables",
    "end to end / solver alone",
    "peak memory",
    "sweep, 2 workers / 1 worker",
    "warm / cold re-solve",
]


def test_the_small_size_prints_every_phase_line():
    run = subprocess.run(
        [sys.executable, str(HARNESS), "--sizes", "small", "--budget", "0"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("small: ") and "variables" in lines[0]
    labels = [line.strip() for line in lines[1:]]
    for label in LINES:
        assert sum(line.startswith(label + " ") for line in labels) == 1, (label, run.stdout)
    assert len(labels) == len(LINES), run.stdout
    assert "not available" in next(line for line in labels if line.startswith("warm / cold re-solve"))


def test_an_unknown_size_is_refused_with_the_known_ones():
    run = subprocess.run([sys.executable, str(HARNESS), "--sizes", "huge"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "unknown size(s) huge; choose from small, large, xl" in run.stderr
