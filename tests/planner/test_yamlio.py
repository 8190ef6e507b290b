"""Hostile files: what is not a regular file, too large, too deep or expanding without end is
refused with the problem named, quickly, by every loader."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from planner import Scenario, ScenarioError, yamlio
from planner.cli import app
from planner.sweep import SweepFile
from planner.yamlio import load_yaml_text
from tests.conftest import scenario_dict

RUNNER = CliRunner(env={"COLUMNS": "1000"})


def _problem(call) -> str:
    with pytest.raises(ScenarioError) as caught:
        call()
    assert len(caught.value.problems) == 1, caught.value.problems
    return str(caught.value.problems[0])


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)  # nothing ever writes to it: reading it would wait forever
    return path


@pytest.fixture
def loop(tmp_path) -> Path:
    (tmp_path / "one.yaml").symlink_to(tmp_path / "two.yaml")
    (tmp_path / "two.yaml").symlink_to(tmp_path / "one.yaml")
    return tmp_path / "one.yaml"


@pytest.mark.parametrize(
    ("name", "said"),
    [("fifo", "is a named pipe (FIFO), not a regular file"), ("loop", "Too many levels of symbolic links")],
)
def test_a_scenario_path_that_is_no_regular_file_is_refused(request, name, said):
    path = request.getfixturevalue(name)
    assert said in _problem(lambda: Scenario.from_yaml(path))
    assert said in _problem(lambda: SweepFile.from_yaml(path))


def test_a_device_that_never_ends_is_refused():
    assert "/dev/zero: <scenario>: the scenario file is a device, not a regular file" in _problem(
        lambda: Scenario.from_yaml(Path("/dev/zero"))
    )


@pytest.mark.parametrize("command", ["validate", "sweep"])
def test_the_commands_exit_2_on_a_pipe_a_device_and_a_loop(fifo, loop, command):
    for path in (fifo, Path("/dev/zero"), loop):
        args = [command, str(path)] + (["--vary", "sites.s.pue=x1.1"] if command == "sweep" else [])
        result = RUNNER.invoke(app, args)
        assert result.exit_code == 2, (path, result.output)
        assert str(path) in result.stderr


def test_a_file_above_the_size_bound_is_refused_unread(tmp_path, monkeypatch):
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(scenario_dict()))
    monkeypatch.setattr(yamlio, "MAX_YAML_BYTES", 100)
    assert "is larger than 9.53674e-05 MiB" in _problem(lambda: Scenario.from_yaml(path))


def _with_csv(tmp_path: Path, csv: Path) -> Path:
    data = scenario_dict()
    data["demand"]["w"] = {"kind": "series", "csv": str(csv)}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_demand_csv_that_is_a_pipe_a_device_or_a_loop_is_refused(tmp_path, loop):
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    for csv, said in (
        (pipe, "is a named pipe (FIFO), not a regular file"),
        (Path("/dev/zero"), "is a device, not a regular file"),
        (loop, "Too many levels of symbolic links"),
    ):
        started = time.monotonic()
        message = _problem(lambda csv=csv: Scenario.from_yaml(_with_csv(tmp_path, csv)))
        assert said in message and "demand.w" in message
        assert time.monotonic() - started < 30


def test_a_demand_csv_above_the_size_bound_is_refused(tmp_path, monkeypatch):
    import demand.series

    csv = tmp_path / "history.csv"
    csv.write_text("period,tokens\n2026-01,1e12\n")
    monkeypatch.setattr(demand.series, "MAX_CSV_BYTES", 10)
    assert "is larger than" in _problem(lambda: Scenario.from_yaml(_with_csv(tmp_path, csv)))


def test_aliases_are_counted_as_expanded_without_being_expanded():
    text = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8)
    )
    started = time.monotonic()
    message = _problem(lambda: load_yaml_text(text, None))
    assert "expand to more than 1,000,000 values" in message
    assert time.monotonic() - started < 5
    assert load_yaml_text("a: &a [1, 2]\nb: [*a, *a]\n", None) == {"a": [1, 2], "b": [[1, 2], [1, 2]]}


def test_a_chain_of_aliases_is_as_deep_as_it_expands():
    """Each anchor holds the previous one: two levels as written, 200 once expanded."""
    text = "- &a0 [0]\n" + "".join(f"- &a{i} [*a{i - 1}]\n" for i in range(1, 200))
    assert "nested more than 64 levels" in _problem(lambda: load_yaml_text(text, None))
    shallow = "- &a0 [0]\n" + "".join(f"- &a{i} [*a{i - 1}]\n" for i in range(1, 30))
    assert len(load_yaml_text(shallow, None)) == 30


def test_an_anchor_used_inside_itself_is_refused():
    assert "inside itself" in _problem(lambda: load_yaml_text("a: &a [1, *a]\n", None))


def test_nesting_up_to_the_bound_is_read():
    assert load_yaml_text("[" * 64 + "]" * 64, None) is not None
    assert "nested more than 64 levels" in _problem(lambda: load_yaml_text("[" * 65 + "]" * 65, None))


CORPUS = sorted((Path(__file__).parent / "bad_inputs").rglob("*.yaml"))
EXAMPLES = sorted((Path(__file__).parents[2] / "planner" / "examples").glob("*.yaml"))


def _outcome(path: Path) -> object:
    try:
        return yamlio.load_yaml_file(path)
    except ScenarioError as exc:
        return [str(problem) for problem in exc.problems]


@pytest.mark.skipif(yamlio._FAST_LOADER is None, reason="PyYAML is built without libyaml here")
@pytest.mark.parametrize("path", CORPUS + EXAMPLES, ids=lambda path: path.name)
def test_libyaml_reads_and_refuses_every_file_as_pyyaml_does(path, monkeypatch):
    fast = _outcome(path)
    monkeypatch.setattr(yamlio, "_FAST_LOADER", None)
    assert fast == _outcome(path)


@pytest.mark.skipif(yamlio._FAST_LOADER is None, reason="PyYAML is built without libyaml here")
@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("a: x\ty\n", "found character '\\t' that cannot start any token; indent with spaces, not tabs"),
        ("a:\tb\n", "found character '\\t' that cannot start any token; indent with spaces, not tabs"),
        ("fleets: [h100?, b200]\n", "expected ',' or ']', but got '?'"),
        ("a: {b?: 1}\n", "expected ',' or '}', but got '?'"),
        # refused at the '?', before the nesting beyond the bound further on
        ("a: [b?, " + "[" * 70 + "]" * 70 + "]\n", "expected ',' or ']', but got '?'"),
    ],
)
def test_what_only_libyaml_accepts_is_refused_as_before(text, said):
    """libyaml takes tabs in plain text and '?' in unquoted text in brackets; PyYAML's reader,
    whose verdicts users have always had, does not."""
    assert yaml.load(text, Loader=yamlio._FAST_LOADER) is not None  # what makes the case
    assert said in _problem(lambda: load_yaml_text(text, None))


def test_a_question_mark_in_block_text_or_quotes_is_read():
    assert load_yaml_text("a: what?\nb: ['x?', \"y?\"]\n", None) == {"a": "what?", "b": ["x?", "y?"]}


def test_keys_written_twice_are_found_before_merge_keys_are_expanded(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("base: &b {x: 1}\nfleet:\n  <<: *b\n  y: 2\n  y: 3\n")
    assert "fleet.y: written twice (also on line 4)" in _problem(lambda: yamlio.load_yaml_file(path))
