"""The fidelity benchmark runs (on one system left out, to stay quick) and prints its summaries.

Which lines are printed and that the errors are computed against the held-out file are checked;
the errors themselves are the benchmark's finding, not a test's. A calibration takes seconds to
fit, so ``make test`` runs the benchmark's ``main`` in the test's process with the calibration on
the whole catalog (fitted once per process) standing in for the one on the other systems; the
command as a user runs it, fitting both, runs under ``-m slow``.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "fidelity.py"


def _load():
    spec = importlib.util.spec_from_file_location("fidelity", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


ARGUMENTS = ["--leave-out", "mi300x-8", "--points"]


def test_the_bench_prints_every_point_and_a_summary_per_category(capsys, monkeypatch):
    from fleets.fitting import catalog_calibration

    fidelity = _load()
    monkeypatch.setattr(fidelity, "calibrate", lambda systems: catalog_calibration())
    fidelity.main(ARGUMENTS)
    _check_printed(capsys.readouterr().out)


@pytest.mark.slow
def test_the_bench_command_prints_every_point_and_a_summary_per_category():
    run = subprocess.run([sys.executable, str(BENCH), *ARGUMENTS], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    _check_printed(run.stdout)


def _check_printed(out: str) -> None:
    """One line per held-out point, the left-out system's points, the four summaries and the verdict."""
    held = len(pd.read_csv(_load().HELD_OUT))
    assert sum(line.startswith("held-out ") for line in out.splitlines()) == held
    assert {line.split()[1] for line in out.splitlines() if line.startswith("leave-one-out ")} == {"mi300x-8"}
    for title in ("leave one system out", "held-out file", "both", "per-user speed"):
        assert title in out
    assert re.search(r"^  all +\d+ +\d+% +(\d+%|inf) +\d+$", out, re.MULTILINE), out
    assert re.search(r"target: median <= 15%, none beyond 40%: (met|not met)$", out), out


def test_the_held_out_file_names_a_source_for_every_point_and_is_not_in_the_catalog():
    fidelity = _load()
    runs = fidelity.held_out_runs()
    assert all(len(run.point.source) > 20 for run in runs)
    for run in runs:
        shapes = {(p.model, p.input_tokens, p.output_tokens, p.concurrency) for p in run.system.measured}
        assert (run.point.model, run.point.input_tokens, run.point.output_tokens, run.point.concurrency) not in shapes


def test_a_point_is_scored_at_its_per_user_speed():
    """A held-out run with a per-user speed is compared at that speed, capped at its concurrency."""
    fidelity = _load()
    from fleets.fitting import catalog_calibration

    run = next(r for r in fidelity.held_out_runs() if r.point.concurrency == 32 and r.system.name == "dgx-h100")
    row = fidelity.score(run, catalog_calibration().efficiencies)
    assert row["target"] == pytest.approx(44.32)
    assert row["error"] == pytest.approx(row["estimated"] / 1296.53 - 1)
