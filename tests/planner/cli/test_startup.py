"""Commands load only what they use: ``--help`` none of the numerical stack, ``solve`` none of the
sweep, explain and curve-fitting machinery, nor scipy (refitting the roofline calibration would
need scipy.optimize, the explanations scipy.sparse). Each command runs in a fresh interpreter,
as from the shell."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

RUN = """
import json, sys
from planner.cli import app
try:
    app({args!r})
except SystemExit as exit:
    code = exit.code
print("MODULES " + json.dumps({{"code": code, "modules": sorted(sys.modules)}}))
"""


def loaded_by(args: list[str]) -> tuple[int, set[str]]:
    """The exit code of ``planner ARGS`` and every module it loaded."""
    run = subprocess.run([sys.executable, "-c", RUN.format(args=args)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.splitlines()[-1].removeprefix("MODULES "))
    return report["code"], set(report["modules"])


def packages(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


NUMERICAL = {"pandas", "numpy", "scipy", "pulp", "dask", "distributed"}


@pytest.mark.parametrize(
    "args, unused",
    [
        (["--help"], NUMERICAL | {"pydantic"}),
        # typer itself loads pydantic to show a command's options
        (["solve", "--help"], NUMERICAL),
        (["sweep", "--help"], NUMERICAL),
        (["fleets", "list", "--help"], NUMERICAL),
    ],
)
def test_help_loads_no_numerical_library(args, unused):
    code, modules = loaded_by(args)
    assert code == 0
    assert packages(modules).isdisjoint(unused), packages(modules) & unused
    assert "planner.cli.main" in modules  # the check saw the command line load


def test_solving_the_default_loads_neither_sweeps_nor_explanations_nor_scipy():
    # The program is solved and read back from its own arrays; scipy (0.06 s to load) is loaded
    # only by what needs its sparse matrices (explain, analyses, a PuLP copy).
    code, modules = loaded_by(["solve"])
    assert code == 0
    assert "planner.solve" in modules and "pandas" in modules
    heavy = {"planner.sweep", "planner.explain", "planner.verify", "planner.store"}
    assert modules.isdisjoint(heavy), modules & heavy
    assert packages(modules).isdisjoint({"scipy", "dask", "distributed"})


def test_python_dash_m_planner_prints_the_plan_and_passes_the_exit_code_through(tmp_path):
    # ``run`` (the script's entry) freezes the garbage collector on the way out: the output must
    # still be flushed whole and the exit code kept, for a plan and for bad input alike.
    solved = subprocess.run(
        [sys.executable, "-m", "planner", "solve", "--json"], capture_output=True, text=True, timeout=300
    )
    assert solved.returncode == 0, solved.stderr
    assert json.loads(solved.stdout)["status"] == "optimal"
    bad = tmp_path / "bad.yaml"
    bad.write_text("horizon: [\n", encoding="utf-8")
    refused = subprocess.run(
        [sys.executable, "-m", "planner", "validate", str(bad)], capture_output=True, text=True, timeout=300
    )
    assert refused.returncode == 2, refused.stderr
    assert "bad.yaml" in refused.stdout + refused.stderr


def test_the_command_line_keeps_the_collector_off_for_its_first_second_only():
    """Importing the command line turns the cyclic garbage collector off; its timer turns it on
    again (joined here: the test waits on the timer itself, not on a sleep)."""
    check = "import gc, planner.cli as cli; off = not gc.isenabled(); cli.COLLECTOR_TIMER.join(30); print(off, gc.isenabled())"
    run = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "True"]
