"""The example notebooks run as shipped, each cell showing what it says it shows.

Running one takes a kernel and every analysis of the default scenario (about 20 s), so it runs
under ``-m slow``; ``make test`` checks that every cell parses and calls what the package has.
"""

from __future__ import annotations

import ast
import importlib
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import planner
from planner.plots.accessor import PlanPlots
from planner.plots.sweep import SweepPlots
from tests.planner.html.conftest import CHARTS

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def executed(path: Path, cwd: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    # Without the tests' Agg backend the kernel draws inline, as in Jupyter: charts come out as images.
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute(
        env=env
    )
    return notebook


def test_notebooks_are_shipped_without_outputs():
    notebooks = sorted(EXAMPLES.glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        cells = nbformat.read(path, as_version=4).cells
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in cells if c.cell_type == "code")


def test_the_default_plan_notebook_calls_what_the_package_has():
    """Every code cell parses; every name it imports, every ``planner.`` function it calls and every
    chart it draws (of a plan, a sweep or an analysis) exists."""
    cells = [
        c.source for c in nbformat.read(EXAMPLES / "default_plan.ipynb", as_version=4).cells if c.cell_type == "code"
    ]
    charts = set(dir(PlanPlots)) | set(dir(SweepPlots)) | {name for names in CHARTS.values() for name in names}
    for source in cells:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.module:
                module = importlib.import_module(node.module)
                assert all(hasattr(module, alias.name) for alias in node.names), source
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "planner":
                assert hasattr(planner, node.attr), source
            elif (
                isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and node.value.attr == "plot"
            ):
                assert node.attr in charts, source
    assert sum(".plot." in source for source in cells) == 9


@pytest.mark.slow
@pytest.mark.parametrize("name", ["default_plan.ipynb"])
def test_the_default_plan_notebook_runs_and_shows_its_charts(name, tmp_path):
    cells = [c for c in executed(EXAMPLES / name, tmp_path).cells if c.cell_type == "code"]
    kinds = [{kind for output in c.outputs for kind in output.get("data", {})} for c in cells]
    charts = [c for c, shown in zip(cells, kinds, strict=True) if ".plot." in c.source]
    assert len(charts) == 9
    assert all("image/png" in shown for c, shown in zip(cells, kinds, strict=True) if ".plot." in c.source)
    # The result and the sweep display as HTML: the summary, and the runs with their tornado.
    result_html = cells[0].outputs[0]["data"]["text/html"]
    assert "Plan cost" in result_html and result_html.count("<svg") == 3
    sweep_html = next(c for c in cells if c.source.startswith("from planner.sweep")).outputs[0]["data"]["text/html"]
    assert "5 runs varying fleets.cs3.capex_usd, fleets.b200.capex_usd" in sweep_html
    assert 'data-chart="tornado"' in sweep_html
    # The analyses display their summary and charts too: the break-even with its threshold, the robust plan.
    volume = next(c for c in cells if "planner.breakeven(" in c.source).outputs[0]["data"]["text/html"]
    assert 'data-chart="breakeven"' in volume and "threshold" in volume
    hedged = next(c for c in cells if "planner.robust(" in c.source).outputs[0]["data"]["text/html"]
    assert 'data-chart="robust_costs"' in hedged and "vss_usd" in hedged
