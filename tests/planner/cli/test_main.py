"""The ``planner`` command line, driven through typer's CliRunner: exit codes, output and files."""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import demand
from planner import Scenario, ScenarioError, default_scenario_path
from planner.cli import app
from planner.tables import TABLE_COLUMNS
from tests.conftest import fleet, scenario_dict

# A wide terminal so that rich tables do not fold messages mid-sentence; no forced colour codes.
ENV = {"COLUMNS": "200", "FORCE_COLOR": None, "TTY_COMPATIBLE": None}

BAD_YAML = """\
name: bad
horizon:
  start: "2026-01"
  periods: 1
workloads:
  w:
    model: m
    max_ttft_ms: 1000
    min_tokens_per_s_per_user: -10
    input_output_ratio: 1
demand:
  w:
    kind: series
    tokens: {"2026-01": 1.0e+9}
fleets:
  a:
    procurement: own
    vendor: acme
    category: gpu
    capex_usd: -12000
    capex_usdd: 3
    max_power_kw: 10
    idle_power_kw: 0
    lifetime_years: 1
    performance:
      m: {prefill_tokens_per_s: 1000, decode_tokens_per_s: 1000, tokens_per_s_per_user: 50, ttft_ms: 100}
sites:
  s:
    power_mw: 10
    pue: 1.0
    electricity_price_usd_per_mwh: 100
    fleets: [a]
"""
BAD_LINES = {"workloads.w.min_tokens_per_s_per_user": 9, "fleets.a.capex_usd": 20, "fleets.a.capex_usdd": 21}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env=ENV)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in ``tmp_path`` so that file names in messages are short and relative."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _write_scenario(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- solve
def test_solve_without_argument_solves_the_default_scenario(runner):
    result = runner.invoke(app, ["solve"])
    assert result.exit_code == 0, result.output
    assert "Scenario" in result.stdout and "default" in result.stdout
    assert "optimal" in result.stdout
    assert "Plan cost by component" in result.stdout
    for component in ("capital", "fixed_opex", "energy", "rental"):
        assert component in result.stdout
    assert "Plan cost (present value)" in result.stdout
    # The default plan serves all its demand: no penalty shown, as there is no shortfall to weigh.
    assert "Unserved penalty" not in result.stdout


def test_solve_json_prints_one_object_whose_components_add_up(runner):
    result = runner.invoke(app, ["solve", "--json"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().count("\n") == 0, "one JSON object on one line"
    summary = json.loads(result.stdout)
    assert isinstance(summary, dict)
    assert summary["scenario"] == "default"
    assert summary["status"] == "optimal"
    assert summary["plan_cost_usd"] > 0
    components = summary["cost_by_component_usd"]
    assert set(components) == {
        "capital",
        "fixed_opex",
        "energy",
        "rental",
        "kv_transfer",
        "expansion",
        "adoption",
        "take_or_pay",
    }
    assert math.isclose(sum(components.values()), summary["plan_cost_usd"], rel_tol=1e-9)
    assert math.isclose(
        summary["plan_cost_usd"] + summary["unserved_penalty_usd"], summary["objective_usd"], rel_tol=1e-9
    )
    # The basic answer without --out: the fleet at the horizon's end and the cost per period.
    assert summary["units_in_service_at_end"]["period"] == "2028-12"
    assert summary["units_in_service_at_end"]["units_by_fleet"]["h100"] >= 2000 - 1e-6  # the installed base
    assert len(summary["plan_cost_by_period"]) == 36
    assert math.isclose(
        sum(p["discounted_usd"] for p in summary["plan_cost_by_period"]), summary["plan_cost_usd"], rel_tol=1e-9
    )


def test_solve_json_of_a_small_scenario_has_the_hand_checked_cost(runner, workdir):
    """Ten units at $1,000 capital + $744 energy each (see tests/planner/test_solve.py)."""
    path = _write_scenario(workdir / "small.yaml", scenario_dict())
    result = runner.invoke(app, ["solve", str(path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["plan_cost_usd"] == pytest.approx(17_440)
    assert summary["cost_by_component_usd"]["capital"] == pytest.approx(10_000)


def test_solve_out_writes_every_table_summary_and_scenario(runner, workdir):
    path = _write_scenario(workdir / "small.yaml", scenario_dict())
    out = workdir / "plan"
    result = runner.invoke(app, ["solve", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Plan written to" in result.stdout

    expected = {f"{name}.csv" for name in TABLE_COLUMNS} | {"summary.json", "scenario.yaml"}
    assert {
        "demand.csv",
        "builds.csv",
        "installed.csv",
        "allocation.csv",
        "power.csv",
        "costs.csv",
        "prices.csv",
        "unserved.csv",
    } <= expected
    assert {p.name for p in out.iterdir()} == expected
    for name, columns in TABLE_COLUMNS.items():
        assert list(pd.read_csv(out / f"{name}.csv").columns) == columns, name
    assert pd.read_csv(out / "builds.csv")["units"].sum() == pytest.approx(10)

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal"
    assert summary["plan_cost_usd"] == pytest.approx(17_440)

    # The resolved scenario validates again, both in Python and through the CLI.
    again = Scenario.from_yaml(out / "scenario.yaml")
    assert again.fleets["a"].capex_usd == pytest.approx(12_000)
    check = runner.invoke(app, ["validate", str(out / "scenario.yaml")])
    assert check.exit_code == 0, check.output
    assert f"{out / 'scenario.yaml'}: valid (" in check.stdout

    # Nothing but the scenario and the plan beside the plan: no staging folders left behind.
    assert {p.name for p in workdir.iterdir()} == {"small.yaml", "plan"}


def test_solve_out_refuses_an_existing_folder_unless_forced(runner, workdir):
    path = _write_scenario(workdir / "small.yaml", scenario_dict())
    out = workdir / "plan"
    assert runner.invoke(app, ["solve", str(path), "--out", str(out)]).exit_code == 0
    first = (out / "summary.json").read_text(encoding="utf-8")

    # Twice the demand: a forced rerun must replace the plan, a refused one must leave it alone.
    _write_scenario(path, scenario_dict(20_000.0))
    refused = runner.invoke(app, ["solve", str(path), "--out", str(out)])
    assert refused.exit_code == 2
    assert "--force" in refused.stderr
    assert (out / "summary.json").read_text(encoding="utf-8") == first

    forced = runner.invoke(app, ["solve", str(path), "--out", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert pd.read_csv(out / "builds.csv")["units"].sum() == pytest.approx(20)
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["plan_cost_usd"] == pytest.approx(34_880)
    assert {p.name for p in workdir.iterdir()} == {"small.yaml", "plan"}
    assert {p.name for p in out.iterdir()} == {f"{name}.csv" for name in TABLE_COLUMNS} | {
        "summary.json",
        "scenario.yaml",
    }


def test_solve_rejects_an_unknown_solver(runner):
    result = runner.invoke(app, ["solve", "--solver", "gurobi"])
    assert result.exit_code == 2
    assert "'gurobi'" in result.output and "cbc" in result.output


# ---------------------------------------------------------------------------- invalid input
@pytest.mark.parametrize("command", [["validate"], ["solve"], ["solve", "--json"]])
def test_an_invalid_scenario_exits_2_listing_every_problem_with_its_line(runner, workdir, command):
    (workdir / "bad.yaml").write_text(BAD_YAML, encoding="utf-8")
    result = runner.invoke(app, [*command, "bad.yaml"])
    assert result.exit_code == 2, result.output
    assert result.stdout == "", "problems go to stderr; stdout stays clean for --json consumers"
    assert f"{len(BAD_LINES)} problems" in result.stderr
    for field_path, line in BAD_LINES.items():
        assert f"bad.yaml:{line}" in result.stderr, field_path
        assert field_path in result.stderr
    assert "did you mean 'capex_usd'?" in result.stderr
    assert "(got -12000)" in result.stderr


def test_the_installed_command_reports_an_invalid_scenario_without_a_traceback(workdir):
    """The runner keeps exceptions from printing, so what a user sees is checked on the real process."""
    (workdir / "bad.yaml").write_text(BAD_YAML, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "planner", "validate", "bad.yaml"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert f"{len(BAD_LINES)} problems" in done.stderr and "bad.yaml:20" in done.stderr


@pytest.mark.parametrize("command", ["validate", "solve"])
def test_debug_lets_the_scenario_error_propagate(runner, workdir, command):
    (workdir / "bad.yaml").write_text(BAD_YAML, encoding="utf-8")
    result = runner.invoke(app, ["--debug", command, "bad.yaml"])
    assert isinstance(result.exception, ScenarioError)
    assert {p.path for p in result.exception.problems} == set(BAD_LINES)
    assert result.exit_code != 0


def test_a_missing_scenario_file_exits_2(runner, workdir):
    result = runner.invoke(app, ["validate", "nowhere.yaml"])
    assert result.exit_code == 2
    assert "nowhere.yaml" in result.stderr
    assert "cannot read the scenario file" in result.stderr


def _infeasible(workdir: Path) -> Path:
    """100 existing units of 10 kW need 1 MW at full power; the site allows 0.1 MW."""
    data = scenario_dict(
        [1e4, 1e4],
        fleets={"a": fleet(idle_power_kw=5.0, existing=[{"site": "s", "units": 100}])},
        sites={"s": {"power_mw": 0.1}},
    )
    return _write_scenario(workdir / "tight.yaml", data)


def test_an_infeasible_scenario_exits_1_and_points_to_explain(runner, workdir):
    path = _infeasible(workdir)
    result = runner.invoke(app, ["solve", str(path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # an exit, not a crash
    assert "infeasible" in result.stdout
    assert "planner explain" in result.stdout
    assert "Plan cost by component" not in result.stdout

    as_json = runner.invoke(app, ["solve", str(path), "--json"])
    assert as_json.exit_code == 1
    summary = json.loads(as_json.stdout)
    assert summary["status"] == "infeasible"
    assert summary["objective_usd"] is None and summary["plan_cost_usd"] is None
    assert summary["unserved"] is None and summary["units_in_service_at_end"] is None


def test_explain_names_the_site_power_that_must_give_way(runner, workdir):
    path = _infeasible(workdir)
    result = runner.invoke(app, ["explain", str(path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # an exit, not a crash
    words = " ".join(result.stdout.split())  # rich wraps the finding over lines
    assert "site power s (at most 0.1 MW) over by 0.9 MW (2026-01 to 2026-02, 2 periods)" in words
    assert "raise sites.s.power_mw" in result.stdout
    every = runner.invoke(app, ["explain", str(path), "--all"])
    assert "power_limit[s,2026-01]" in every.stdout and "power_limit[s,2026-02]" in every.stdout
    as_json = json.loads(runner.invoke(app, ["explain", str(path), "--json"]).stdout)
    assert as_json["finding"] == "infeasible" and as_json["status"] == "infeasible"
    assert [v["constraint"] for v in as_json["violations"]] == ["power_limit[s,2026-01]", "power_limit[s,2026-02]"]
    assert as_json["violations"][0]["violation"] == pytest.approx(0.9, rel=1e-6)


def test_explain_of_a_plan_that_serves_everything_exits_0(runner, workdir):
    path = _write_scenario(workdir / "fine.yaml", scenario_dict())
    result = runner.invoke(app, ["explain", str(path)])
    assert result.exit_code == 0, result.output
    assert "nothing to explain" in result.stdout


def test_explain_of_an_invalid_scenario_exits_2(runner, workdir):
    (workdir / "bad.yaml").write_text(BAD_YAML, encoding="utf-8")
    result = runner.invoke(app, ["explain", "bad.yaml"])
    assert result.exit_code == 2, result.output
    assert f"{len(BAD_LINES)} problems" in result.stderr and "bad.yaml:9" in result.stderr


# ---------------------------------------------------------------------------- schema, examples, help, validate
def test_schema_prints_the_json_schema(runner):
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert {"horizon", "workloads", "demand", "fleets", "sites", "policy"} <= set(schema["properties"])
    assert schema == Scenario.model_json_schema()


def test_example_list_names_the_default(runner):
    result = runner.invoke(app, ["example", "list"])
    assert result.exit_code == 0
    assert "default" in result.stdout.split()


def test_example_prints_the_shipped_file(runner):
    result = runner.invoke(app, ["example", "default"])
    assert result.exit_code == 0
    assert result.stdout == default_scenario_path().read_text(encoding="utf-8")


def test_example_written_to_a_file_validates(runner, workdir):
    target = workdir / "new" / "mine.yaml"
    result = runner.invoke(app, ["example", "default", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == default_scenario_path().read_text(encoding="utf-8")
    check = runner.invoke(app, ["validate", str(target)])
    assert check.exit_code == 0, check.output
    assert f"{target}: valid (" in check.stdout


def test_an_example_with_a_demand_csv_is_written_with_its_csv(runner, workdir):
    target = workdir / "copy" / "regional.yaml"
    result = runner.invoke(app, ["example", "regional_quarterly", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert (workdir / "copy" / "regional_demand.csv").is_file()
    solved = runner.invoke(app, ["solve", str(target), "--json"])
    assert solved.exit_code == 0, solved.output
    assert json.loads(solved.stdout)["status"] == "optimal"


def test_an_unknown_example_exits_2(runner):
    result = runner.invoke(app, ["example", "nope"])
    assert result.exit_code == 2
    assert "no such example" in result.output
    assert "default" in result.output


def test_no_arguments_prints_help(runner):
    result = runner.invoke(app, [])
    assert result.exit_code in (0, 2)
    assert "Usage:" in result.output
    assert "Capacity planning for AI inference" in result.output
    for command in ("solve", "validate", "schema", "example"):
        assert command in result.output


def test_validate_a_valid_file_names_its_counts(runner):
    path = default_scenario_path()
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{path}: valid (3 workloads, 6 fleets, 2 sites, 36 months from 2026-01)"
    # The default demand grows fast at first and slows: shown, not warned about.
    assert lines[1] == "Demand growth over the horizon:"
    assert lines[2].startswith("  total: 2.82x a year on average, at most 10.1x in a year (from 2026-01); ")
    assert "Warning" not in result.stderr


# ---------------------------------------------------------------------------- demand growth
def _growing_scenario(workdir: Path, rate_per_year: float) -> Path:
    """The small scenario with demand from 10,000 tokens/s growing ``rate_per_year`` for a year."""
    data = scenario_dict()
    data["horizon"]["periods"] = 24
    data["demand"] = {
        "w": {"kind": "exponential", "start": "2026-01", "tokens_per_day": 8.64e8, "rate": rate_per_year, "per": "year"}
    }
    return _write_scenario(workdir / "growing.yaml", data)


def test_validate_shows_each_entrys_growth_and_warns_on_stderr_above_ten_times_a_year(runner, workdir):
    calm = runner.invoke(app, ["validate", str(_growing_scenario(workdir, 1.0))])
    assert calm.exit_code == 0, calm.output
    assert "  w: 2x a year on average; " in calm.stdout
    assert "Warning" not in calm.stderr
    steep = runner.invoke(app, ["validate", str(_growing_scenario(workdir, 19.0))])
    assert steep.exit_code == 0, steep.output
    assert "growing.yaml: valid" in steep.stdout and "  w: 20x a year on average; " in steep.stdout
    assert "Warning" not in steep.stdout
    assert "Warning: demand 'w' grows 20x a year on average" in " ".join(steep.stderr.split())


def test_solve_json_carries_the_growth_as_a_field_and_the_warning_on_stderr(runner, workdir):
    result = runner.invoke(app, ["solve", str(_growing_scenario(workdir, 19.0)), "--json"])
    assert result.exit_code == 0, result.output
    (growth,) = json.loads(result.stdout)["demand_growth"]
    assert growth["entry"] == "w"
    assert growth["annual_growth_factor"] == pytest.approx(20.0, rel=5e-3)
    assert "above the 10x a year" in " ".join(result.stderr.split())


def test_solve_prints_the_growth_below_the_plan(runner, workdir):
    result = runner.invoke(app, ["solve", str(_growing_scenario(workdir, 1.0))])
    assert result.exit_code == 0, result.output
    assert "Demand growth over the horizon:\n  w: 2x a year on average; " in result.stdout
    assert "Warning" not in result.stderr


def test_a_fitted_curve_beyond_any_published_volume_is_warned_about_when_validated(runner, workdir):
    # The published OpenRouter figures fitted by an exponential: about 90 times a year, past 100x the
    # largest published volume within two years (and past what a scenario may hold, 1e16 a day, in three).
    history = Path(demand.__file__).parent / "data" / "openrouter_tokens.csv"
    data = scenario_dict()
    data["horizon"]["periods"] = 24
    data["demand"] = {"w": {"kind": "fitted", "history": {"csv": str(history)}, "family": "exponential"}}
    result = runner.invoke(app, ["validate", str(_write_scenario(workdir / "fitted.yaml", data))])
    assert result.exit_code == 0, result.output
    warnings = " ".join(result.stderr.split())
    assert "Warning: demand 'w' grows" in warnings and "above the 10x a year" in warnings
    assert "more than 860 trillion (100x the largest published volume" in warnings


def test_solve_with_highs_matches_cbc(runner):
    cbc = json.loads(runner.invoke(app, ["solve", "--json"]).stdout)
    highs_run = runner.invoke(app, ["solve", "--json", "--solver", "highs"])
    assert highs_run.exit_code == 0, highs_run.output
    highs = json.loads(highs_run.stdout)
    assert highs["solver"] == "highs" and highs["solver_version"]
    assert highs["plan_cost_usd"] == pytest.approx(cbc["plan_cost_usd"], rel=1e-5)


def test_inspect_prints_the_model_size_and_a_narrow_coefficient_range(runner):
    result = runner.invoke(app, ["inspect"])
    assert result.exit_code == 0, result.output
    assert "variables" in result.stdout and "power_limit" in result.stdout
    span = float(result.stdout.split("Coefficients span")[1].split()[0])
    assert span < 1e7  # the scaling keeps the default scenario within seven orders of magnitude


def test_explain_prints_the_other_way_out(runner, workdir):
    data = scenario_dict([1e4], sites={"s": {"power_mw": 5.0}}, contracts={"big": {"fleet": "a", "min_mw": 8.0}})
    path = _write_scenario(workdir / "committed.yaml", data)
    result = runner.invoke(app, ["explain", str(path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # an exit, not a crash
    assert "Or else, way 2, relaxing none of the limits above" in result.stdout
    assert "raise sites.s.power_mw for 2026-01" in result.stdout
    as_json = json.loads(runner.invoke(app, ["explain", str(path), "--json"]).stdout)
    assert [v["constraint"] for v in as_json["alternatives"][0]["violations"]] == ["power_limit[s,2026-01]"]


def test_paths_and_names_with_brackets_are_printed_as_written(runner, workdir):
    """Rich would read ``[/x]`` as a closing tag (and fail) and ``[red]`` as a style (and drop it)."""
    path = _write_scenario(workdir / "[red]small.yaml", scenario_dict())
    out = workdir / "[" / "x]"
    result = runner.invoke(app, ["solve", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.exception
    assert f"Plan written to {out}/" in result.stdout
    checked = runner.invoke(app, ["validate", str(path)])
    assert checked.exit_code == 0, checked.exception
    assert "[red]small.yaml: valid" in checked.stdout


# ---------------------------------------------------------------------------- one JSON object, whole units, version
PLANNER = Path(sys.executable).with_name("planner")


@pytest.mark.parametrize("solver", ["cbc", "highs"])
@pytest.mark.parametrize("command", ["solve", "explain"])
def test_json_is_the_only_thing_on_stdout_of_the_installed_command(workdir, command, solver):
    """The real executable in a child process: HiGHS prints its banner from C++ straight to file
    descriptor 1, which CliRunner would not see."""
    path = _write_scenario(workdir / "small.yaml", scenario_dict(integer_units=True))
    run = subprocess.run(
        [str(PLANNER), command, str(path), "--json", "--solver", solver],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    parsed = json.loads(run.stdout)
    assert parsed["status"] == "optimal"
    assert "HiGHS" not in run.stdout + run.stderr  # the banner goes nowhere unless a log is asked for


def _half_unit_short(workdir: Path, **overrides) -> Path:
    """10,500 tokens/s: 10.5 busy units. Fractions: 10.5 x ($1,000 + $744) = $18,312; whole
    units: 11 x $1,000 + 10.5 x $744 = $18,812 (see tests/planner/test_solve.py)."""
    return _write_scenario(workdir / "half.yaml", scenario_dict(tokens_per_s=10_500.0, **overrides))


@pytest.mark.parametrize(
    ("in_file", "flag", "units", "cost"),
    [
        (False, "--integer", 11.0, 18_812.0),
        (True, "--continuous", 10.5, 18_312.0),
        (True, None, 11.0, 18_812.0),
        (False, None, 10.5, 18_312.0),
    ],
)
def test_integer_and_continuous_override_the_scenario(runner, workdir, in_file, flag, units, cost):
    path = _half_unit_short(workdir, integer_units=in_file)
    out = workdir / "plan"
    result = runner.invoke(app, ["solve", str(path), "--json", "--out", str(out), *([flag] if flag else [])])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["objective_usd"] == pytest.approx(cost)
    assert summary["mip_gap"] == (1e-4 if units == 11.0 else None)
    assert pd.read_csv(out / "builds.csv")["units"].sum() == pytest.approx(units)
    assert Scenario.from_yaml(out / "scenario.yaml").integer_units is (units == 11.0)


def test_explain_takes_integer_and_continuous(runner, workdir):
    """A capital budget of $120,000 buys 10 units at $12,000: 500 tokens/s go unserved. Serving
    them takes 10.5 more units' worth of budget with fractions ($6,000 over), a whole 11th unit
    with whole units ($12,000 over)."""
    path = _half_unit_short(workdir, policy={"capex_budget_usd_per_year": 120_000.0})
    for flag, over in (("--integer", 12_000.0), ("--continuous", 6_000.0)):
        result = runner.invoke(app, ["explain", str(path), "--json", flag])
        assert result.exit_code == 0, result.output
        found = json.loads(result.stdout)
        assert found["finding"] == "unserved"
        assert [v["constraint"] for v in found["violations"]] == ["budget[2026]"]
        assert found["violations"][0]["violation"] == pytest.approx(over, rel=1e-5)


def test_continuous_is_refused_where_the_scenario_needs_whole_units(runner, workdir):
    fleets = {"a": fleet(), "b": fleet(vendor="other")}
    path = _write_scenario(
        workdir / "adopt.yaml",
        scenario_dict(fleets=fleets, integer_units=True, policy={"adoption_usd": {"other": 1.0}}),
    )
    result = runner.invoke(app, ["solve", str(path), "--continuous"])
    assert result.exit_code == 2, result.output
    assert "adoption costs need integer_units" in result.stderr and result.stdout == ""


def test_a_looser_mip_gap_is_reported(runner, workdir):
    path = _half_unit_short(workdir, integer_units=True)
    result = runner.invoke(app, ["solve", str(path), "--json", "--mip-gap", "0.05"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["mip_gap"] == 0.05 and 0.0 <= summary["gap"] <= 0.05
    table = runner.invoke(app, ["solve", str(path), "--mip-gap", "0.05"])
    assert "optimal within 5%" in table.stdout


@pytest.mark.parametrize("value", ["-0.1", "1", "1.5"])
def test_a_mip_gap_outside_zero_to_one_exits_2(runner, value):
    for command in ("solve", "explain"):
        result = runner.invoke(app, [command, "--mip-gap", value])
        assert result.exit_code == 2, result.output
        assert "--mip-gap" in result.stderr and "fraction" in result.stderr


def test_version_prints_the_installed_version(runner):
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"planner {importlib.metadata.version('planner')}"


@pytest.mark.parametrize("command", [[], ["solve"], ["fleets"], ["fleets", "compare"], ["demand", "fit"], ["sweep"]])
def test_h_is_help(runner, command):
    short, long = runner.invoke(app, [*command, "-h"]), runner.invoke(app, [*command, "--help"])
    assert short.exit_code == long.exit_code == 0, short.output
    assert short.stdout == long.stdout and "Usage:" in short.stdout
