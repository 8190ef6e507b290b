"""The benchmark harness runs at its small size and prints a line for every phase and figure, and its
linopy formulation is the planner's LP.

Only which lines are printed is checked, never a time: timings depend on the machine.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
HARNESS = BENCH / "run.py"

LINES = [
    "phase",
    "load",
    "data",
    "build",
    "hand-off",
    "solver alone",
    "read-back",
    "tables",
    "end to end / solver alone",
    "build + hand-off + read-back + tables",
    "peak memory",
    "warm / cold re-solve, changed cost",
    "warm / cold re-solve, changed limit",
    "nonzeros growth, each dimension x2",
    "build, linopy / planner",
    "array floor",
    "sweep, 2 workers / 1 worker",
]


# The harness end to end, both solvers and linopy: about 14 s of processor time, so with the long tests.
@pytest.mark.slow
def test_the_small_size_prints_every_phase_line_for_both_solvers():
    run = subprocess.run(
        [sys.executable, str(HARNESS), "--sizes", "small", "--budget", "0", "--sweep-runs", "4"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("default scenario: planner solve ") and " s wall " in lines[0]
    assert lines[1].startswith("small: ") and "variables" in lines[1]
    labels = [line.strip() for line in lines[2:]]
    for label in LINES:
        assert sum(line.startswith(label + "  ") for line in labels) == 1, (label, run.stdout)  # the label column
    assert len(labels) == len(LINES), run.stdout
    assert labels[0].split() == ["phase", "HiGHS", "CBC"]
    for phase in LINES[1:8]:  # one time per solver
        assert len(re.findall(r"\d\.\d{3} s\b", next(line for line in labels if line.startswith(phase + "  ")))) == 2
    growth = next(line for line in labels if line.startswith("nonzeros growth"))
    assert all(f"{dim} " in growth for dim in ("periods", "fleets", "sites", "workloads"))
    assert "4 runs warm" in next(line for line in labels if line.startswith("sweep, 2 workers"))
    comparison = next(line for line in labels if line.startswith("build, linopy / planner"))
    if importlib.util.find_spec("linopy") is None:
        assert "skipped: linopy is not installed" in comparison
    else:
        assert "the same as the planner's" in comparison, comparison


@pytest.mark.parametrize(
    ("option", "given", "message"),
    [
        ("--sizes", "huge", "unknown size(s) huge; choose from small, large, xl"),
        ("--solvers", "glpk", "unknown solver(s) glpk; choose from highs, cbc"),
    ],
)
def test_an_unknown_size_or_solver_is_refused_with_the_known_ones(option, given, message):
    run = subprocess.run([sys.executable, str(HARNESS), option, given], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert message in run.stderr


def test_the_linopy_formulation_is_the_planners_lp():
    """Same size and same optimum, on the default scenario (terms, budget, contracts, quotas) with
    vendor and provider share rules added."""
    pytest.importorskip("linopy")
    sys.path.insert(0, str(BENCH))
    from linopy_model import build_linopy, linopy_size

    from planner import Scenario, default_scenario_path
    from planner.build import build
    from planner.data import ModelData
    from planner.lp import LinearProgram
    from planner.overrides import with_values
    from planner.solvers import solve_lp

    scenario = with_values(
        Scenario.from_yaml(default_scenario_path()), {"policy.max_vendor_share": 0.6, "policy.max_provider_share": 0.7}
    )
    data = ModelData.from_scenario(scenario)
    model = build(data)
    formulated = build_linopy(data, model)
    assert {"vendor_share", "provider_share", "budget", "contract", "term_stock", "min_term"} <= set(
        formulated.constraints
    )
    assert linopy_size(formulated) == model.size()
    matrices = formulated.matrices
    equal, sense = matrices.sense == "=", matrices.sense
    theirs = LinearProgram.from_matrix(
        matrices.A,
        cost=matrices.c,
        lower=matrices.lb,
        upper=matrices.ub,
        integer=np.isin(matrices.vtypes, ["I", "B"]),
        row_lower=np.where(equal | (sense == ">"), matrices.b, -np.inf),
        row_upper=np.where(equal | (sense == "<"), matrices.b, np.inf),
    )
    ours, linopy_optimum = solve_lp(model.lp, "highs").objective, solve_lp(theirs, "highs").objective
    assert ours is not None and linopy_optimum == pytest.approx(ours, rel=1e-9)
