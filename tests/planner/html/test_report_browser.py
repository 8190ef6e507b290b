"""The report of the default plan in a real headless Chromium: it loads without a console message,
every chart is drawn at its size, and a screenshot and a PDF print are made.

Skipped where no Chromium is installed (Debian's package ``chromium``; ``.ci/run`` installs it).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.plots import PLAN_CHARTS
from tests.planner.html.conftest import CHARTS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium to load the report in: apt-get install -y chromium (.ci/run does)"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]
WIDTH, HEIGHT = 1000, 1400
MEASURE = """<pre id="measure"></pre><script>
document.getElementById("measure").textContent = JSON.stringify(
  [...document.querySelectorAll("figure.chart")].map(figure => {
    const svg = figure.querySelector("svg"), box = svg.getBoundingClientRect();
    return {chart: figure.dataset.chart, width: box.width, height: box.height, paths: svg.querySelectorAll("path").length};
  }));
</script>"""
"""Appended to a copy of the report (which has no script of its own): the drawn size of each chart."""


def browse(tmp_path: Path, page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run Chromium on ``page`` with a new empty profile; its console messages are in stderr."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    run = subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return run


def console(stderr: str) -> list[str]:
    """The page's console messages (errors, warnings, failed loads), as Chromium logs them."""
    return re.findall(r":CONSOLE[^\]]*\] (.*)", stderr)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """The report of the default plan, as `planner solve --out` then `planner report` write it."""
    folder = tmp_path_factory.mktemp("report") / "plan"
    runner = CliRunner()
    solved = runner.invoke(app, ["solve", "--out", str(folder), "--json"])
    assert solved.exit_code == 0, solved.exception
    written = runner.invoke(app, ["report", str(folder)])
    assert written.exit_code == 0, written.exception
    return folder / "report.html"


def test_the_console_check_sees_an_error(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><p>x</p><script>console.error('chart missing')</script>", encoding="utf-8")
    assert any("chart missing" in message for message in console(browse(tmp_path, page, "--dump-dom").stderr))


def test_every_chart_is_drawn_at_its_size(report, tmp_path):
    page = tmp_path / "measured.html"
    page.write_text(report.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    run = browse(tmp_path, page, "--dump-dom")
    assert console(run.stderr) == []
    measured = json.loads(html.unescape(re.search(r'<pre id="measure">(.*?)</pre>', run.stdout, re.DOTALL)[1]))
    assert [chart["chart"] for chart in measured] == list(PLAN_CHARTS)
    for chart in measured:
        # 8 x 4 inch figures, as wide as the page's column (60rem less its padding, in a 1000 px window).
        assert chart["width"] == pytest.approx(928, abs=40), chart
        assert chart["height"] == pytest.approx(chart["width"] / 2, rel=0.01), chart
        assert chart["paths"] > 20, chart


def test_a_screenshot_and_a_pdf_are_made_without_a_console_message(report, tmp_path):
    shot, pdf = tmp_path / "report.png", tmp_path / "report.pdf"
    run = browse(tmp_path, report, f"--screenshot={shot}")
    assert console(run.stderr) == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (WIDTH, HEIGHT)
    run = browse(tmp_path, report, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert console(run.stderr) == []
    printed = pdf.read_bytes()
    assert printed.startswith(b"%PDF")
    # Ten charts, two or three to an A4 page.
    assert len(re.findall(rb"/Type\s*/Page\b", printed)) >= 4


@pytest.mark.parametrize("kind", list(CHARTS))
def test_each_analysis_report_is_drawn_without_a_console_message(analysis_folders, kind, tmp_path):
    written = CliRunner().invoke(app, ["report", str(analysis_folders[kind]), "-o", str(tmp_path / "report.html")])
    assert written.exit_code == 0, written.exception
    page = tmp_path / "measured.html"
    page.write_text((tmp_path / "report.html").read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"))
    run = browse(tmp_path, page, "--dump-dom")
    assert console(run.stderr) == []
    measured = json.loads(html.unescape(re.search(r'<pre id="measure">(.*?)</pre>', run.stdout, re.DOTALL)[1]))
    assert [chart["chart"] for chart in measured] == CHARTS[kind]
    for chart in measured:
        assert chart["width"] == pytest.approx(928, abs=40), chart
        assert chart["height"] == pytest.approx(chart["width"] / 2, rel=0.01), chart
        assert chart["paths"] > 10, chart
