"""The core stays light: importing planner and solving never load matplotlib."""

from __future__ import annotations

import subprocess
import sys

RUN = """
import sys
import planner
planner.solve(planner.Scenario.from_yaml(planner.default_scenario_path()))
from planner.cli import app
try:
    app(["solve", "--json"])
except SystemExit:
    pass
print("LOADED", "matplotlib" in sys.modules)
"""


def test_solving_loads_no_matplotlib():
    run = subprocess.run([sys.executable, "-c", RUN], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "LOADED False"
