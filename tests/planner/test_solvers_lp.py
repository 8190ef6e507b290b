"""The solver layer on LPs given as arrays: hand-solved programs on both solvers, every way a
solve can end, CBC and HiGHS against each other, warm re-solves, and the LP written for people."""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace

import highspy
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.lp import LinearProgram
from planner.solvers import (
    Solution,
    Tolerances,
    broken_rows,
    cbc_path,
    solve_lp,
    solver_missing,
    solver_version,
    to_pulp,
    write_lp,
)
from planner.solvers import cbc as cbc_module
from planner.solvers import highs as highs_module
from planner.solvers.session import HighsSession
from planner.solvers.solution import finish
from planner.status import Status
from tests.planner.test_solve import FAKE_CBC

INF = np.inf
SOLVERS = ["cbc", "highs"]
CBC_DIGITS = 1e-7  # CBC's solution file gives 8 significant digits


def program(rows, cols, coefs, cost, lower, upper, row_lower, row_upper, integer=None, offset=0.0, names=None):
    return LinearProgram.from_triplets(
        rows=np.array(rows, dtype=np.int64),
        cols=np.array(cols, dtype=np.int64),
        coefs=np.array(coefs, dtype=float),
        cost=np.array(cost, dtype=float),
        lower=np.array(lower, dtype=float),
        upper=np.array(upper, dtype=float),
        row_lower=np.array(row_lower, dtype=float),
        row_upper=np.array(row_upper, dtype=float),
        integer=None if integer is None else np.array(integer, dtype=bool),
        offset=offset,
        names=names,
    )


def hand_lp(names=None) -> LinearProgram:
    """min 10 + x + 2y + 3z + 5w - v  subject to
        r0:  x + y + z + w >= 6
        r1:  x             <= 4
        r2:      y - z      == 1
        x, y, z, w >= 0,  0 <= v <= 2.

    x is cheapest, up to 4; the other 2 come from y and z with y = z + 1: y = 1.5, z = 0.5; w
    costs more than any of them and stays 0; v sits at its upper bound 2. Objective 10 + 4 + 3 +
    1.5 - 2 = 16.5. Duals from the basic columns' reduced costs being 0: y: 2 = d0 + d2,
    z: 3 = d0 - d2, so d0 = 2.5 and d2 = -0.5; x: 1 = d0 + d1, so d1 = -1.5 (a binding <= row:
    more room, less cost). Reduced costs: w 5 - d0 = 2.5 (at its lower bound), v -1 (at its upper).
    """
    return program(
        rows=[0, 0, 0, 0, 1, 2, 2],
        cols=[0, 1, 2, 3, 0, 1, 2],
        coefs=[1, 1, 1, 1, 1, 1, -1],
        cost=[1, 2, 3, 5, -1],
        lower=[0] * 5,
        upper=[INF, INF, INF, INF, 2],
        row_lower=[6, -INF, 1],
        row_upper=[INF, 4, 1],
        offset=10.0,
        names=names,
    )


def hand_milp() -> LinearProgram:
    """min -5a - 4b + c  subject to  r0: 6a + 4b <= 24,  r1: a + 2b <= 6,  r2: c - a >= -3.5,
    a, b whole and >= 0, c >= 0.

    Whole points: (a, b) = (4, 0) costs -20 + c = -20 + 0.5; (3, 1) costs -19 + 0; (2, 2) -18;
    so a = 4, b = 0, c = 0.5: -19.5. With a and b fixed there, c = a - 3.5 and r2 binds: one more
    unit of its bound is one more unit of c, dual 1 (a binding >= row: dearer).
    """
    return program(
        rows=[0, 0, 1, 1, 2, 2],
        cols=[0, 1, 0, 1, 2, 0],
        coefs=[6, 4, 1, 2, 1, -1],
        cost=[-5, -4, 1],
        lower=[0, 0, 0],
        upper=[INF, INF, INF],
        row_lower=[-INF, -INF, -3.5],
        row_upper=[24, 6, INF],
        integer=[True, True, False],
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_hand_solved_lp_gives_its_values_objective_and_duals_with_their_signs(solver):
    answer = solve_lp(hand_lp(), solver)
    assert answer.status is Status.OPTIMAL and answer.message == ""
    assert answer.x.tolist() == pytest.approx([4, 1.5, 0.5, 0, 2], abs=CBC_DIGITS)
    assert answer.objective == pytest.approx(16.5, rel=CBC_DIGITS)
    assert answer.row_dual.tolist() == pytest.approx([2.5, -1.5, -0.5], abs=CBC_DIGITS)  # >=, <=, ==
    assert answer.col_dual.tolist() == pytest.approx([0, 0, 0, 2.5, -1], abs=CBC_DIGITS)
    assert answer.gap is None and isinstance(answer.iterations, int) and answer.seconds > 0


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_hand_solved_milp_is_priced_by_the_lp_with_its_whole_columns_fixed(solver):
    answer = solve_lp(hand_milp(), solver, tolerances=Tolerances(1e-9, 1e-9, 1e-9))
    assert answer.status is Status.OPTIMAL and answer.message == ""
    assert answer.x.tolist() == pytest.approx([4, 0, 0.5], abs=CBC_DIGITS)
    assert answer.objective == pytest.approx(-19.5, rel=CBC_DIGITS)
    assert answer.row_dual[2] == pytest.approx(1.0) and answer.col_dual[2] == pytest.approx(0.0)
    assert answer.gap is not None and 0.0 <= answer.gap <= 1e-9


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    ("lp", "expected"),
    [
        # x >= 4 and x <= 3
        (program([0, 1], [0, 0], [1, 1], [1], [0], [INF], [4, -INF], [INF, 3]), Status.INFEASIBLE),
        # 2a == 3 with a whole (its relaxation is feasible: a = 1.5)
        (program([0], [0], [2], [1], [0], [10], [3], [3], integer=[True]), Status.INFEASIBLE),
        # min -x, x >= 1
        (program([0], [0], [1], [-1], [0], [INF], [1], [INF]), Status.UNBOUNDED),
        (program([0], [0], [1], [-1], [0], [INF], [1], [INF], integer=[True]), Status.UNBOUNDED),
        # an unbounded relaxation (y) whose whole part (2a == 3) has no point: infeasible, not unbounded
        (program([0], [0], [2], [0, -1], [0, 0], [10, INF], [3], [3], integer=[True, False]), Status.INFEASIBLE),
    ],
    ids=["infeasible-lp", "infeasible-mip", "unbounded-lp", "unbounded-mip", "infeasible-mip-unbounded-relaxation"],
)
def test_infeasible_and_unbounded_programs_are_told_apart(solver, lp, expected):
    answer = solve_lp(lp, solver)
    assert answer.status is expected, answer.said
    assert answer.x is None and answer.objective is None and answer.row_dual is None


def knapsack(items: int = 60) -> LinearProgram:
    """Pick items (weights 10,000 to 20,000, values a little above) within half their total
    weight: too many near-ties for one branch-and-bound node to prove."""
    rng = np.random.default_rng(1)
    weight = rng.integers(10_000, 20_000, items).astype(float)
    value = weight + rng.integers(0, 50, items)
    return program(
        np.zeros(items, dtype=int),
        np.arange(items),
        weight,
        -value,
        np.zeros(items),
        np.ones(items),
        [-INF],
        [np.floor(weight.sum() / 2)],
        integer=np.ones(items, dtype=bool),
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_mip_stopped_by_a_limit_keeps_its_best_point_priced(solver):
    """One node, no gap allowed: a limit reached whatever the machine's speed."""
    lp = knapsack()
    answer = solve_lp(lp, solver, node_limit=1, tolerances=Tolerances(0.0, 0.0, 0.0))
    assert answer.status is Status.TIME_LIMIT, answer.said
    assert answer.x is not None and not broken_rows(lp, answer.x)
    assert np.allclose(answer.x, np.round(answer.x))
    assert answer.row_dual is not None and answer.col_dual is not None
    assert answer.gap is not None and answer.gap > 0
    assert answer.objective == pytest.approx(lp.objective(answer.x))


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_mip_stopped_at_once_has_no_point(solver):
    answer = solve_lp(knapsack(), solver, time_limit=0.0)
    assert answer.status is Status.TIME_LIMIT, answer.said
    assert answer.x is None and answer.objective is None and answer.gap is None


def test_values_a_solver_stopped_at_that_break_a_row_are_no_point():
    """An LP's simplex stopped early hands back its last iterate: x = 1 breaks x + y >= 4."""
    lp = hand_lp()
    stopped = Solution(Status.TIME_LIMIT, x=np.array([1.0, 0, 0, 0, 0]), objective=11.0, row_dual=np.zeros(3))
    kept = finish(lp, stopped, price=lambda fixed: pytest.fail("an LP is not priced"), started=0.0)
    assert kept.status is Status.TIME_LIMIT and kept.x is None and kept.objective is None and kept.row_dual is None
    feasible = replace(stopped, x=np.array([4.0, 1.5, 0.5, 0, 2]))
    assert finish(lp, feasible, price=lambda fixed: pytest.fail("not priced"), started=0.0).x is not None


def test_broken_rows_are_relative_to_each_rows_scale():
    """r0: 1000 x + y >= 10 and r1: 0 <= x - y <= 1, with x >= 0 and 0 <= y <= 1.

    At (0.009, 0.5): r0 reads 9.5, off by 0.5 of a scale of 10 (its bound; its terms are 9 and
    0.5): 0.05; r1 reads -0.491, off by 0.491 of a scale of 1: 0.491. At (0.009, 2): r0 holds
    (11), r1 is off by 1.991 of a scale of 2 (its term y), y is over its bound 1 by 1 of 1.
    A value that is no number breaks its column and its rows infinitely."""
    lp = program([0, 0, 1, 1], [0, 1, 0, 1], [1000, 1, 1, -1], [0, 0], [0, 0], [INF, 1], [10, 0], [INF, 1])
    assert broken_rows(lp, np.array([0.009, 0.5])) == [(1, None, pytest.approx(0.491)), (0, None, pytest.approx(0.05))]
    assert broken_rows(lp, np.array([0.009, 2.0])) == [
        (None, 1, pytest.approx(1.0)),
        (1, None, pytest.approx(1.991 / 2)),
    ]
    assert broken_rows(lp, np.array([0.01, 0.0])) == []
    assert broken_rows(lp, np.array([0.0100001, 0.0]), tolerance=1e-3) == []
    for unknown in (np.nan, INF):
        assert {(row, col) for row, col, off in broken_rows(lp, np.array([unknown, 0.0])) if off == INF} == {
            (0, None),
            (1, None),
            (None, 0),
        }


def _stand_in(monkeypatch, folder, line, log=""):
    fake = folder / "cbc"
    fake.write_text(FAKE_CBC.format(python=sys.executable, line=line, log=log), encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(cbc_module, "cbc_path", lambda: str(fake))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Stopped on difficulties - objective value 0", Status.NUMERICAL_TROUBLE),
        ("Stopped due to errors - objective value 0", Status.NUMERICAL_TROUBLE),
        ("Status unknown - objective value 0", Status.NUMERICAL_TROUBLE),
        ("Infeasible - objective value 0", Status.INFEASIBLE),
        ("Stopped on time", Status.SOLVER_ERROR),  # a solution file cut short: CBC crashed writing it
        ("Optimal - objective value 16.5", Status.SOLVER_ERROR),  # a status line and no values
        ("Something else - objective value 0", Status.NOT_SOLVED),
    ],
)
def test_cbc_status_lines_map_to_statuses(monkeypatch, tmp_path, line, expected):
    answer = solve_lp(hand_lp(), "cbc", time_limit=5.0)
    assert answer.status is Status.OPTIMAL  # the real CBC first
    _stand_in(monkeypatch, tmp_path, line)
    answer = solve_lp(hand_lp(), "cbc", time_limit=5.0)
    assert answer.status is expected and answer.said == line and answer.x is None
    if expected is Status.SOLVER_ERROR:
        assert "could not read CBC's answer" in answer.message


HAND_ANSWER = [  # hand_lp's optimum as CBC prints it: rows, then columns; v at its upper bound
    "      0 r0  6  2.5",
    "      1 r1  4  -1.5",
    "      2 r2  1  -0.5",
    "      0 c0  4  0",
    "      1 c1  1.5  0",
    "      2 c2  0.5  0",
    "      3 c3  0  2.5",
    "** 4 c4  2  -1",
]


@pytest.mark.parametrize(
    ("change", "readable"),
    [
        (lambda lines: lines, True),
        (lambda lines: lines[:1] + lines[2:], True),  # a row CBC dropped: its dual is 0
        (lambda lines: lines[:-1], False),  # a column missing
        (lambda lines: [*lines, "      4 c4  2  -1"], False),  # a column twice
        (lambda lines: [*lines[:-1], "      5 c5  2  -1"], False),  # a column the LP does not have
        (lambda lines: [*lines[:-1], "      4 c-4  2  -1"], False),  # a negative column number
        (lambda lines: [*lines[:2], "      2 r7  1  -0.5", *lines[3:]], False),  # a row the LP does not have
        (lambda lines: [*lines[:-1], "      4 v  2  -1"], False),  # a name that is not the file's
    ],
)
def test_cbc_answer_table_is_read_whole_or_refused(change, readable):
    read = cbc_module._table("\n".join(change(HAND_ANSWER)) + "\n", hand_lp())
    if not readable:
        assert read is None
        return
    x, row_dual, col_dual = read
    assert x.tolist() == [4.0, 1.5, 0.5, 0.0, 2.0] and col_dual.tolist() == [0.0, 0.0, 0.0, 2.5, -1.0]
    assert row_dual.tolist() in ([2.5, -1.5, -0.5], [2.5, 0.0, -0.5])


def test_a_cbc_that_crashes_or_is_missing_is_a_solver_error(monkeypatch, tmp_path):
    crash = tmp_path / "crash"
    crash.write_text(f"#!{sys.executable}\nimport sys\nsys.exit(3)\n", encoding="utf-8")
    crash.chmod(0o755)
    monkeypatch.setattr(cbc_module, "cbc_path", lambda: str(crash))
    answer = solve_lp(hand_lp(), "cbc")
    assert answer.status is Status.SOLVER_ERROR and "exit code 3" in answer.message
    monkeypatch.setattr(cbc_module, "cbc_path", lambda: None)
    answer = solve_lp(hand_lp(), "cbc")
    assert answer.status is Status.SOLVER_ERROR and "CBC solver was not found" in answer.message
    assert solver_missing("cbc") == answer.message


RELABELLED_CBC = """#!{python}
import subprocess, sys
args = sys.argv[1:]
subprocess.run([{cbc!r}, *args], capture_output=True)
if "-solve" in args:  # the MIP; the LP that prices it is left as CBC wrote it
    print({log!r})
    path = args[args.index("-solution") + 1]
    with open(path) as f:
        lines = f.read().splitlines()
    with open(path, "w") as f:
        f.write("\\n".join([{line!r}, *lines[1:]]) + "\\n")
"""


def test_a_mip_stopped_on_time_reports_the_gap_from_cbcs_log(monkeypatch, tmp_path):
    """CBC's own plan relabelled as stopped on time, with a bound of 10 beside a cost of 12."""
    log = "Result - Stopped on time limit\n\nObjective value:  12.0\nLower bound:  10.0\nGap: 0.17"
    fake = tmp_path / "cbc"
    script = RELABELLED_CBC.format(
        python=sys.executable, cbc=cbc_path(), line="Stopped on time - objective value 12", log=log
    )
    fake.write_text(script, encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(cbc_module, "cbc_path", lambda: str(fake))
    answer = solve_lp(hand_milp(), "cbc", time_limit=5.0)
    assert answer.status is Status.TIME_LIMIT and answer.said.startswith("Stopped on time")
    assert answer.gap == pytest.approx(2.0 / 12.0)
    assert answer.x.tolist() == pytest.approx([4, 0, 0.5]) and answer.row_dual[2] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("kSolveError", Status.NUMERICAL_TROUBLE),
        ("kPostsolveError", Status.NUMERICAL_TROUBLE),
        ("kUnknown", Status.NUMERICAL_TROUBLE),
        ("kTimeLimit", Status.TIME_LIMIT),
        ("kSolutionLimit", Status.TIME_LIMIT),
        ("kModelError", Status.SOLVER_ERROR),
        ("kNotset", Status.NOT_SOLVED),
    ],
)
def test_highs_model_statuses_map_to_statuses(said, expected):
    assert highs_module._status(said, hand_lp()) is expected


def _random_lp(seed: int, rows: int, cols: int) -> LinearProgram:
    """A feasible, bounded LP: columns in [0, u] (some free below), rows of every kind (<=, >=,
    ==, ranged) placed around the activity of a random point inside the bounds."""
    rng = np.random.default_rng(seed)
    dense = rng.uniform(-5, 5, (rows, cols)) * (rng.random((rows, cols)) < 0.3)
    upper = rng.uniform(1, 10, cols)
    lower = np.where(rng.random(cols) < 0.2, -upper, 0.0)
    point = rng.uniform(lower, upper)
    activity = dense @ point
    kind = rng.integers(0, 4, rows)
    slack = rng.uniform(0, 3, rows)
    row_lower = np.select([kind == 0, kind == 1, kind == 2], [-INF, activity - slack, activity], activity - slack)
    row_upper = np.select([kind == 0, kind == 1, kind == 2], [activity + slack, INF, activity], activity + slack)
    r, c = np.nonzero(dense)
    return program(r, c, dense[r, c], rng.uniform(-3, 3, cols), lower, upper, row_lower, row_upper)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(5, 40), st.integers(5, 50))
def test_cbc_and_highs_agree_on_random_lps_and_their_duals_keep_the_convention(seed, rows, cols):
    lp = _random_lp(seed, rows, cols)
    answers = [solve_lp(lp, solver) for solver in SOLVERS]
    assert all(a.status is Status.OPTIMAL for a in answers), [a.said for a in answers]
    cbc, highs = answers
    assert abs(cbc.objective - highs.objective) <= 1e-6 * max(1.0, abs(highs.objective))
    for answer in answers:
        assert not broken_rows(lp, answer.x)
        tolerance = 1e-6 * max(1.0, np.abs(answer.row_dual).max())
        only_upper = np.isneginf(lp.row_lower) & np.isfinite(lp.row_upper)
        only_lower = np.isfinite(lp.row_lower) & np.isposinf(lp.row_upper)
        assert (answer.row_dual[only_upper] <= tolerance).all()  # a limit: more room, less cost
        assert (answer.row_dual[only_lower] >= -tolerance).all()  # a requirement: more of it, more cost
        reduced = lp.cost - lp.matrix.T @ answer.row_dual
        # to a millionth of each column's terms: CBC writes duals to 8 significant digits
        scale = np.maximum(np.maximum(1.0, np.abs(lp.cost)), abs(lp.matrix).T @ np.abs(answer.row_dual))
        assert (np.abs(answer.col_dual - reduced) <= 1e-6 * scale).all()


def _cold(lp: LinearProgram) -> Solution:
    return solve_lp(lp, "highs")


def test_a_warm_session_solves_changed_costs_and_bounds_as_a_cold_solve_does_in_fewer_iterations():
    lp = _random_lp(7, 60, 80)
    session = HighsSession(lp)
    first = session.solve()
    assert first.status is Status.OPTIMAL and first.iterations > 20
    assert first.objective == pytest.approx(_cold(lp).objective)
    changes = [
        lambda: session.set_costs(np.array([0, 5, 9]), lp.cost[[0, 5, 9]] + np.array([0.5, -0.3, 0.2])),
        lambda: session.set_bounds(np.array([3, 4]), lp.lower[[3, 4]], lp.upper[[3, 4]] * 0.9),
        lambda: session.set_row_bounds(np.array([2]), lp.row_lower[[2]] - 0.5, lp.row_upper[[2]] + 0.5),
    ]
    for change in changes:
        change()
        warm, cold = session.solve(), _cold(session.lp)
        assert warm.status is cold.status is Status.OPTIMAL
        assert warm.objective == pytest.approx(cold.objective, rel=1e-9)
        assert not broken_rows(session.lp, warm.x)
        assert warm.iterations < cold.iterations, (warm.iterations, cold.iterations)
    assert not np.array_equal(session.lp.cost, lp.cost)  # the session's program follows its changes


def test_a_warm_mip_session_is_priced_on_its_own_lp_and_keeps_its_bounds():
    session = HighsSession(hand_milp())
    tight = Tolerances(1e-9, 1e-9)
    assert session.solve(tolerances=tight).x.tolist() == pytest.approx([4, 0, 0.5])
    # a dearer: -3a - 4b + c: (2, 2) costs -14 + 0, (4, 0) -12 + 0.5, (3, 1) -13, (0, 3) -12
    session.set_costs(np.array([0]), np.array([-3.0]))
    warm = session.solve(tolerances=tight)
    cold = solve_lp(session.lp, "highs", tolerances=tight)
    assert warm.objective == pytest.approx(cold.objective) == pytest.approx(-14.0)
    assert warm.x.tolist() == pytest.approx([2, 2, 0])
    assert warm.row_dual is not None and warm.row_dual[2] == pytest.approx(0.0)  # r2 slack: c = 0 > a - 3.5
    assert session._pricer.getLp().col_upper_[0] == INF  # the pricing LP's fixings are undone


def _names():
    return (["x[1]", "y-1", "z 1", "w_1", "v.1"], ["need[all]", "cap x", "link"])


@pytest.mark.parametrize("ending", [".mps", ".lp"])
def test_write_lp_writes_what_highs_reads_back_to_the_same_optimum(tmp_path, ending):
    lp = hand_milp() if ending == ".lp" else hand_lp(names=_names)
    path = write_lp(lp, tmp_path / f"model{ending}")
    text = path.read_text(encoding="utf-8")
    if ending == ".mps":
        assert "need_5b_all_5d_" in text and "x_5b_1_5d_" in text  # readable names, solver-safe
    highs = highs_module.new_highs()
    assert highs.readModel(str(path)) != highspy.HighsStatus.kError
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.run()
    assert highs.getInfo().objective_function_value == pytest.approx(solve_lp(lp, "highs").objective)


def test_write_lp_refuses_another_ending(tmp_path):
    with pytest.raises(ValueError, match=r"name the file \.mps \(MPS\) or \.lp"):
        write_lp(hand_lp(), tmp_path / "model.txt")


@pytest.mark.parametrize("lp", [hand_lp(), hand_milp()], ids=["lp", "milp"])
def test_to_pulp_makes_a_problem_pulps_cbc_solves_to_the_same_optimum(lp):
    import pulp
    from pulp.apis.coin_api import COIN_CMD

    problem = to_pulp(lp)
    problem.solve(COIN_CMD(path=cbc_path(), msg=False))
    assert pulp.LpStatus[problem.status] == "Optimal"
    assert pulp.value(problem.objective) == pytest.approx(solve_lp(lp, "cbc").objective)
    assert len(problem.variables()) == lp.shape[1] and len(problem.constraints()) == lp.shape[0]


def test_to_pulp_splits_a_ranged_row_and_leaves_out_a_free_one():
    lp = program([0, 1], [0, 0], [1, 1], [1], [0], [INF], [1, -INF], [3, INF])
    assert sorted(row.name for row in to_pulp(lp).constraints()) == ["r0_lower", "r0_upper"]


def test_versions_and_missing_solvers():
    assert solver_version("highs") == highspy.__version__ if hasattr(highspy, "__version__") else True
    assert solver_version("cbc") and solver_missing("cbc") is None and solver_missing("highs") is None
    with pytest.raises(ValueError, match="unknown solver 'glpk'"):
        solve_lp(hand_lp(), "glpk")  # type: ignore[arg-type]


@pytest.mark.parametrize(("solver", "banner"), [("highs", "HiGHS"), ("cbc", "Coin")])
def test_a_solver_prints_nothing_on_the_standard_output_unless_asked(capfd, solver, banner):
    solve_lp(hand_milp(), solver)
    assert capfd.readouterr().out == ""
    solve_lp(hand_milp(), solver, log=True)
    assert banner in capfd.readouterr().out


@pytest.mark.parametrize("solver", SOLVERS)
def test_tolerances_left_unset_are_the_solvers_own(solver):
    unset = solve_lp(hand_milp(), solver, tolerances=Tolerances(math.nan, None, math.nan))
    assert unset.status is Status.OPTIMAL and unset.objective == pytest.approx(-19.5)


def test_to_pulp_names_its_variables_and_rows_as_the_program_does():
    problem = to_pulp(hand_lp(names=_names))
    assert [v.name for v in problem.variables()][:2] == ["v_2e_1", "w__1"]  # PuLP sorts them by name
    assert [row.name for row in problem.constraints()] == ["need_5b_all_5d_", "cap_20_x", "link"]


def test_importing_the_solvers_loads_no_highspy():
    code = "import sys, planner.solvers; print('highspy' in sys.modules, 'pulp' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert run.stdout.split() == ["False", "False"]


def test_a_warm_session_takes_a_changed_coefficient_of_the_same_pattern():
    """r1 reads 2x <= 4 instead of x <= 4: x takes 2, and the other 4 come from y and z with
    y = z + 1 (y = 2.5, z = 1.5): 10 + 2 + 5 + 4.5 - 2 = 19.5, as a cold solve of that LP gives."""
    lp = hand_lp()
    session = HighsSession(lp)
    assert session.solve().objective == pytest.approx(16.5)
    matrix = lp.matrix.copy()
    matrix[1, 0] = 2.0
    session.set_coefficients(matrix)
    warm = session.solve()
    cold = solve_lp(lp.replaced(matrix=matrix), "highs")
    assert warm.objective == pytest.approx(19.5) and cold.objective == pytest.approx(19.5)
    assert warm.x.tolist() == pytest.approx(cold.x.tolist())
    with pytest.raises(ValueError, match="another pattern"):
        session.set_coefficients(matrix[:, :4])


def test_a_large_lp_is_solved_by_interior_point_to_the_same_plan_and_duals(monkeypatch):
    """Above INTERIOR_POINT_NONZEROS HiGHS's interior point method (with crossover) solves a cold
    LP: the same optimum, point and duals as the simplex, here on the hand-solved LP."""
    from planner.solvers import highs as highs_module

    simplex = solve_lp(hand_lp(), "highs")
    monkeypatch.setattr(highs_module, "INTERIOR_POINT_NONZEROS", 0)
    interior = solve_lp(hand_lp(), "highs")
    assert interior.status is Status.OPTIMAL and interior.objective == pytest.approx(16.5)
    assert interior.x.tolist() == pytest.approx(simplex.x.tolist(), abs=1e-7)
    assert interior.row_dual.tolist() == pytest.approx([2.5, -1.5, -0.5], abs=1e-7)
    assert highs_module.cold_method(hand_lp()) == "ipm"


def test_an_lp_below_the_interior_point_size_is_left_to_highs_own_choice():
    """Below INTERIOR_POINT_NONZEROS the method is HiGHS's own choice (its dual simplex for an LP);
    the solve and the benchmark's solver-alone phase both take it from cold_method."""
    from planner.solvers import highs as highs_module

    lp = hand_lp()
    assert lp.nonzeros < highs_module.INTERIOR_POINT_NONZEROS
    assert highs_module.cold_method(lp) == "choose"
