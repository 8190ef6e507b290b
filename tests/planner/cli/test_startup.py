"""Commands load only what they use: ``--help`` none of the numerical stack, ``solve`` none of the
sweep, explain and curve-fitting machinery (nor scipy.optimize, which refitting the roofline
calibration would need). Each command runs in a fresh interpreter, as from the shell."""

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


def test_solving_the_default_loads_neither_sweeps_nor_explanations_nor_scipy_optimize():
    code, modules = loaded_by(["solve"])
    assert code == 0
    assert "planner.solve" in modules and "pandas" in modules
    heavy = {"scipy.optimize", "planner.sweep", "planner.explain", "planner.verify", "planner.store"}
    assert modules.isdisjoint(heavy), modules & heavy
    assert packages(modules).isdisjoint({"dask", "distributed"})
