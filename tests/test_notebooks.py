"""The example notebooks run as shipped, each cell showing what it says it shows."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

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
