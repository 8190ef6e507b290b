"""The README's notebook example runs as written and shows what it says it shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fleets import get_system

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_notebook_example_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert blocks, "the README has a Python example"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(blocks[0], str(README), "exec"), namespace)  # the README's own code, not user input
    result = namespace["result"]
    assert result.is_optimal
    assert namespace["scenario"].fleets["cs3"].capex_usd == pytest.approx(get_system("cs-3").capex_usd.value * 0.7)
    assert (tmp_path / "out" / "plan" / "summary.json").is_file()


def test_readme_starts_with_the_two_commands():
    lines = [line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith("make ")]
    assert [line.split()[1] for line in lines[:2]] == ["run", "test"]
