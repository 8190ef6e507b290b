"""``planner verify``: an independent re-check of written plans, which catches tampering."""

from __future__ import annotations

import functools
import io
import json
import math
import tempfile

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from planner import Scenario, example_path, examples, solve
from planner.cli import app
from planner.tables import TABLE_COLUMNS
from planner.verify import verify
from planner.verify.folder import TABLES, TEXT_COLUMNS
from tests.planner.test_result import random_scenarios


def _failed(folder) -> set[str]:
    return {check.name for check in verify(folder) if not check.ok}


@pytest.mark.parametrize("name", examples())
def test_every_example_plan_verifies(name, tmp_path):
    solve(Scenario.from_yaml(example_path(name))).to_dir(tmp_path / "plan")
    assert _failed(tmp_path / "plan") == set()


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_scenarios())
def test_plans_of_both_solvers_verify(scenario):
    """Three random scenarios here, ten under ``-m slow``."""
    _both_plans_verify(scenario)


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_scenarios())
def test_plans_of_both_solvers_verify_in_ten_scenarios(scenario):
    _both_plans_verify(scenario)


def _both_plans_verify(scenario: Scenario) -> None:
    for solver in ("cbc", "highs"):
        with tempfile.TemporaryDirectory() as folder:
            solve(scenario, solver=solver).to_dir(f"{folder}/plan")
            assert _failed(f"{folder}/plan") == set(), solver


@pytest.fixture
def plan(tmp_path):
    folder = tmp_path / "plan"
    solve(Scenario.from_yaml(example_path("default"))).to_dir(folder)
    return folder


def _edit(folder, name, change):
    frame = pd.read_csv(folder / f"{name}.csv")
    changed = change(frame)
    (frame if changed is None else changed).to_csv(folder / f"{name}.csv", index=False)


def test_a_plan_missing_served_tokens_fails_the_demand_check(plan):
    _edit(plan, "allocation", lambda f: f.__setitem__("tokens_per_s", f["tokens_per_s"] * 0.9))
    assert "demand" in _failed(plan)


def test_units_over_a_power_cap_fail_the_power_check(plan):
    _edit(plan, "installed", lambda f: f.__setitem__("units", f["units"] * 10))
    assert "power" in _failed(plan)


def test_costs_that_do_not_add_up_fail_the_objective_check(plan):
    _edit(plan, "costs", lambda f: f.__setitem__("discounted_usd", f["discounted_usd"] * 1.01))
    assert "objective" in _failed(plan)


def test_a_penalty_passed_off_as_a_paid_cost_fails_the_objective_check(plan):
    """Moving $1M from the unserved penalty to rental keeps the objective's total but not the plan cost."""

    def move(frame):
        first = frame["period"] == frame["period"].iloc[0]
        frame.loc[first & (frame["component"] == "rental"), "discounted_usd"] += 1e6
        frame.loc[first & (frame["component"] == "unserved_penalty"), "discounted_usd"] -= 1e6

    _edit(plan, "costs", move)
    assert "objective" in _failed(plan)


def test_verify_command_exits_1_on_a_failed_check(plan):
    runner = CliRunner(env={"COLUMNS": "200"})
    assert runner.invoke(app, ["verify", str(plan)]).exit_code == 0
    _edit(plan, "costs", lambda f: f.__setitem__("discounted_usd", f["discounted_usd"] * 1.01))
    result = runner.invoke(app, ["verify", str(plan)])
    assert result.exit_code == 1 and "FAILED" in result.stdout


@pytest.fixture
def committed_plan(tmp_path):
    """The wafer-scale example: a 750 MW commitment, a 60% vendor cap and rented cloud units."""
    folder = tmp_path / "committed"
    solve(Scenario.from_yaml(example_path("wafer_scale_commitment"))).to_dir(folder)
    return folder


def test_tokens_moved_to_one_vendor_fail_the_vendor_share_check(committed_plan):
    scenario = Scenario.from_yaml(committed_plan / "scenario.yaml")
    cerebras = {name for name, f in scenario.fleets.items() if f.vendor == "Cerebras"}
    _edit(
        committed_plan,
        "allocation",
        lambda f: f.__setitem__("tokens", f["tokens"].where(f["fleet"].isin(cerebras), f["tokens"] * 0.01)),
    )
    assert "vendor_share" in _failed(committed_plan)


def test_units_below_a_commitment_fail_the_commitments_check(committed_plan):
    _edit(committed_plan, "installed", lambda f: f.__setitem__("units", f["units"] * 0.5))
    assert "commitments" in _failed(committed_plan)


def test_rented_units_beyond_their_quota_fail_the_quota_check(tmp_path):
    from tests.conftest import cloud_fleet, scenario_dict

    folder = tmp_path / "rented"
    solve(Scenario.from_dict(scenario_dict(fleets={"c": cloud_fleet(quota_units=20)}))).to_dir(folder)
    assert _failed(folder) == set()
    _edit(folder, "installed", lambda f: f.__setitem__("units", f["units"] + 20))
    assert "quota" in _failed(folder)


# ------------------------------------------------------------------ an auditor of a small plan
# Two months of 10,000 tokens/s (5,000 prefill, 5,000 decode at 1,000 tokens/s per unit: ten busy
# units). The owned fleet 'a' gets at most 5 new units a month, the cloud fleet 'c' at most 3:
# January serves 8 units' worth and leaves 2,000 tokens/s unserved; February holds 7 owned units
# (5 + 2 built) and 3 rented. An owned unit-month costs $1,000 of capital (capex $12,000 over a
# one-year life, no discounting) and 10 kW x 744 h x $100/MWh = $744 of energy in January; a
# rented one $2 x 744 h = $1,488.


def _small_scenario() -> dict:
    from tests.conftest import cloud_fleet, fleet, scenario_dict

    return scenario_dict(
        [10_000.0, 10_000.0], fleets={"a": fleet(max_build_units_per_period=5), "c": cloud_fleet(quota_units=3)}
    )


@functools.cache
def _small_result():
    return solve(Scenario.from_dict(_small_scenario()))


@pytest.fixture
def small(tmp_path):
    return _small_result().to_dir(tmp_path / "plan")


def test_the_small_plan_is_the_one_worked_out_by_hand(small):
    installed = pd.read_csv(small / "installed.csv").set_index(["period", "fleet"])["units"]
    assert installed.to_dict() == pytest.approx(
        {("2026-01", "a"): 5, ("2026-02", "a"): 7, ("2026-01", "c"): 3, ("2026-02", "c"): 3}
    )
    costs = pd.read_csv(small / "costs.csv").set_index(["period", "component"])["usd"]
    assert costs[("2026-01", "capital")] == pytest.approx(5_000)
    assert costs[("2026-01", "energy")] == pytest.approx(5 * 744)
    assert costs[("2026-01", "rental")] == pytest.approx(3 * 1_488)
    assert costs[("2026-01", "unserved_penalty")] == pytest.approx(2_000 * 31 * 86_400 / 1e6 * 1_000)
    checks = verify(small)
    assert {c.name for c in checks} >= {"digest", "finite", "non_negative", "demand", "throughput", "stock", "costs"}
    assert _failed(small) == set()


def _scale(folder, name, columns, factor):
    def change(frame):
        for column in columns:
            frame[column] = frame[column] * factor

    _edit(folder, name, change)


def _summary(folder, change):
    path = folder / "summary.json"
    summary = json.loads(path.read_text())
    change(summary)
    path.write_text(json.dumps(summary, indent=2))


def _scenario_file(folder, change):
    path = folder / "scenario.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _set(name, column, value, row=0):
    return lambda folder: _edit(folder, name, lambda f: f.__setitem__(column, f[column].where(f.index != row, value)))


def test_demand_halved_in_both_the_demand_table_and_the_allocation_fails_the_demand_check(small):
    _scale(small, "demand", ["tokens_per_s", "peak_tokens_per_s", "tokens"], 0.5)
    _scale(small, "allocation", ["tokens_per_s", "tokens", "busy_units", "peak_busy_units"], 0.5)
    _scale(small, "unserved", ["tokens_per_s", "tokens"], 0.5)
    _scale(small, "slices", ["peak_busy_units"], 0.5)
    assert "demand" in _failed(small)


def test_capacity_cut_tenfold_fails_the_capacity_check(small):
    """Units, builds and the slices' units all a tenth: consistent with each other, but a tenth of
    a unit cannot carry the busy units the tokens served need at the fleet's throughput."""
    _scale(small, "installed", ["units"], 0.1)
    _scale(small, "builds", ["units"], 0.1)
    _scale(small, "slices", ["units"], 0.1)
    failed = _failed(small)
    assert "capacity" in failed and "stock" not in failed


def test_costs_and_objective_cut_tenfold_together_fail_the_cost_recomputation(small):
    _scale(small, "costs", ["usd", "discounted_usd"], 0.1)

    def cut(summary):
        for key in ("plan_cost_usd", "objective_usd", "nominal_plan_cost_usd", "unserved_penalty_usd"):
            summary[key] *= 0.1

    _summary(small, cut)
    failed = _failed(small)
    assert "costs" in failed and "objective" not in failed  # the totals still add up


def test_a_capex_changed_in_the_written_scenario_fails_the_digest_and_the_costs(small):
    _scenario_file(small, lambda d: d["fleets"]["a"].__setitem__("capex_usd", 6_000.0))
    assert {"digest", "costs"} <= _failed(small)


def test_demand_doubled_in_the_written_scenario_fails_the_digest_and_the_demand(small):
    _scenario_file(
        small,
        lambda d: d["demand"]["w"].__setitem__("tokens", {k: 2 * v for k, v in d["demand"]["w"]["tokens"].items()}),
    )
    assert {"digest", "demand"} <= _failed(small)


def test_a_plan_without_a_digest_says_it_is_from_an_older_version(small):
    _summary(small, lambda s: s.pop("scenario_sha256"))
    (check,) = [c for c in verify(small) if c.name == "digest"]
    assert not check.ok and "older version" in check.detail


@pytest.mark.parametrize(
    ("tamper", "check"),
    [
        (_set("allocation", "busy_units", -2.5), "non_negative"),
        (_set("allocation", "busy_units", math.nan), "finite"),
        (_set("costs", "usd", math.inf), "finite"),
        (_set("allocation", "busy_units", 5.0), "throughput"),
        (lambda folder: _edit(folder, "builds", lambda f: f.iloc[:0]), "stock"),
        (_set("builds", "units", 4.0), "stock"),
    ],
    ids=[
        "negative busy units",
        "NaN busy units",
        "an infinite cost",
        "busy units doubled",
        "builds deleted",
        "a build cut",
    ],
)
def test_each_tampering_fails_the_check_that_catches_it(small, tamper, check):
    tamper(small)
    assert check in _failed(small)


# ------------------------------------------------------------------ folders that cannot be read


def _write(name, content):
    def write(folder):
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content(path.read_text()) if callable(content) else content)

    return write


def _drop_column(name, column):
    return lambda folder: _edit(folder, name, lambda f: f.drop(columns=[column]))


def _text_cell(name, column, text):
    def change(folder):
        frame = pd.read_csv(folder / f"{name}.csv").astype({column: object})
        frame.loc[0, column] = text
        frame.to_csv(folder / f"{name}.csv", index=False)

    return change


UNREADABLE = {
    "a truncated summary": (_write("summary.json", lambda t: t[: len(t) // 2]), "summary.json line"),
    "a summary that is a list": (_write("summary.json", "[1, 2]\n"), "summary.json: not a JSON object"),
    "no objective": (lambda f: _summary(f, lambda s: s.pop("objective_usd")), "no objective_usd"),
    "a null objective": (lambda f: _summary(f, lambda s: s.update(objective_usd=None)), "objective_usd is null"),
    "a text objective": (lambda f: _summary(f, lambda s: s.update(objective_usd="lots")), "'lots', not a number"),
    "text in a number column": (
        _text_cell("allocation", "busy_units", "many"),
        "allocation.csv line 2, column busy_units: 'many' is not a number",
    ),
    "an unknown fleet": (_text_cell("installed", "fleet", "ghost"), "unknown fleet 'ghost'"),
    "an unknown site": (_text_cell("installed", "site", "atlantis"), "unknown site 'atlantis'"),
    "a missing column": (_drop_column("allocation", "busy_units"), "allocation.csv line 1: no column 'busy_units'"),
    "an empty table": (_write("costs.csv", ""), "costs.csv: empty"),
    "a binary table": (_write("slices.csv", bytes(range(256))), "slices.csv line 1: binary"),
    "a missing table": (lambda f: (f / "builds.csv").unlink(), "builds.csv: missing"),
    "a broken scenario": (_write("scenario.yaml", "horizon: [\n"), "scenario.yaml"),
}
"""Ways a plan folder cannot be read, each with the finding it must give."""


def test_the_truncated_summary_names_the_line_where_the_json_breaks(small):
    text = (small / "summary.json").read_text()
    (small / "summary.json").write_text(text[: len(text) // 2])
    line = text[: len(text) // 2].count("\n") + 1
    (check,) = verify(small)
    assert (check.name, check.ok) == ("files", False)
    assert check.detail.startswith(f"summary.json line {line}: not valid JSON")


@pytest.mark.parametrize("probe", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_a_folder_that_cannot_be_read_is_a_finding_naming_the_file(small, probe):
    tamper, fragment = probe
    tamper(small)
    checks = verify(small)
    assert checks and all(c.name == "files" and not c.ok for c in checks)
    assert any(fragment in c.detail for c in checks), [c.detail for c in checks]


@pytest.fixture
def infeasible(tmp_path):
    from tests.conftest import fleet, scenario_dict

    scenario = scenario_dict(
        fleets={"a": fleet(existing=[{"site": "s", "units": 100}])}, sites={"s": {"power_mw": 0.5}}
    )
    result = solve(Scenario.from_dict(scenario))
    assert not result.has_plan
    return result.to_dir(tmp_path / "plan")


def test_a_folder_written_without_a_plan_is_one_finding(infeasible):
    assert [(c.name, c.ok, c.detail) for c in verify(infeasible)] == [
        ("plan", False, "no plan to verify: the solve ended infeasible")
    ]


def test_a_time_limit_without_a_plan_is_one_finding(infeasible):
    _summary(infeasible, lambda s: s.update(status="time_limit"))
    assert [c.detail for c in verify(infeasible)] == ["no plan to verify: the solve ended time_limit"]


# ------------------------------------------------------------------ random tampering


NUMBER_COLUMNS = {
    name: [c for c in TABLE_COLUMNS[name] if c not in TEXT_COLUMNS] for name in TABLES if name != "expansion"
}


@st.composite
def tamperings(draw):
    """A table that has rows, a row, a number column and what to do to the value there."""
    tables = {name: pd.read_csv(io.StringIO(text)) for name, text in _small_tables().items()}
    name = draw(st.sampled_from(sorted(n for n in NUMBER_COLUMNS if len(tables[n]))))
    row = draw(st.integers(0, len(tables[name]) - 1))
    column = draw(st.sampled_from(NUMBER_COLUMNS[name]))
    old = float(tables[name].loc[row, column])
    how = draw(st.sampled_from(["factor", "nan", "inf", "negative"]))
    new = {
        "factor": old * draw(st.floats(0.0, 10.0)),
        "nan": math.nan,
        "inf": draw(st.sampled_from([math.inf, -math.inf])),
        "negative": -abs(old),
    }[how]
    return name, row, column, old, new


@functools.cache
def _small_tables() -> dict[str, str]:
    with tempfile.TemporaryDirectory() as folder:
        plan = _small_result().to_dir(f"{folder}/plan")
        return {name: (plan / f"{name}.csv").read_text() for name in NUMBER_COLUMNS}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tamperings())
def test_verify_catches_random_tampering_of_a_written_plan(tampering):
    """Ten random changes here, thirty under ``-m slow``."""
    _tampering_is_caught(tampering)


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tamperings())
def test_verify_catches_thirty_random_tamperings_of_a_written_plan(tampering):
    _tampering_is_caught(tampering)


def _tampering_is_caught(tampering: tuple) -> None:
    name, row, column, old, new = tampering
    same = (math.isnan(old) and math.isnan(new)) or old == new
    # A change within the checks' tolerance (one part in a million) cannot be told from round-off.
    assume(not same and not abs(new - old) <= 1e-4 * max(1.0, abs(old)))
    with tempfile.TemporaryDirectory() as folder:
        plan = _small_result().to_dir(f"{folder}/plan")
        _edit(plan, name, lambda f: f.__setitem__(column, f[column].where(f.index != row, new)))
        assert _failed(plan), (name, row, column, old, new)


def test_expansion_figures_that_do_not_follow_from_the_blocks_fail_the_blocks_check(tmp_path):
    """Two 0.05 MW blocks at $12,000 over one year ($1,000 a block-month) carry ten 10 kW units."""
    from tests.conftest import scenario_dict

    sites = {
        "s": {
            "power_mw": 0.03,
            "expansion": {"block_mw": 0.05, "capex_usd_per_block": 12_000, "lifetime_years": 1, "max_blocks": 3},
        }
    }
    folder = solve(Scenario.from_dict(scenario_dict(sites=sites, integer_units=True))).to_dir(tmp_path / "plan")
    assert _failed(folder) == set()
    assert pd.read_csv(folder / "expansion.csv")["capital_usd"].to_list() == pytest.approx([2_000])
    _edit(folder, "expansion", lambda f: f.__setitem__("capital_usd", f["capital_usd"] / 2))
    assert _failed(folder) == {"blocks"}


def test_a_plan_with_speculative_decoding_serves_fast_users_on_it_and_verifies(tmp_path):
    """Two DGX H100 fleets at one price, one drafting Llama 3.1 70B with Llama 3.1 8B (four tokens a
    step, each accepted 70% of the time). At 80 tokens/s per user the drafting fleet decodes more per
    unit; at 15 less (it computes five tokens a sequence for 2.77 kept), so the plan puts each
    workload on the fleet that serves its decode and prompts with fewer units, and verify, recomputing busy units from
    the scenario's points, finds them with the draft."""
    from tests.conftest import scenario_dict

    shape = {"model": "llama-3.1-70b", "max_ttft_ms": 1000.0, "input_output_ratio": 3.0}
    data = scenario_dict(
        fleets={
            "plain": {"system": "dgx-h100", "procurement": "own"},
            "drafting": {
                "system": "dgx-h100",
                "procurement": "own",
                "speculative_decoding": {
                    "llama-3.1-70b": {"draft_model": "llama-3.1-8b", "draft_tokens": 4, "acceptance_rate": 0.7}
                },
            },
        }
    )
    data["workloads"] = {
        "fast": {**shape, "min_tokens_per_s_per_user": 80.0},
        "slow": {**shape, "min_tokens_per_s_per_user": 15.0},
    }
    tokens = data["demand"].pop("w")["tokens"]
    data["demand"] = {name: {"kind": "series", "tokens": tokens} for name in ("fast", "slow")}
    result = solve(Scenario.from_dict(data))
    decode = result.operating_points.query("phase == 'decode'").set_index(["workload", "fleet"])
    assert set(decode["basis"]) == {"estimated"}
    per_unit = decode["tokens_per_s_per_unit"]
    assert per_unit["fast", "drafting"] > 1.2 * per_unit["fast", "plain"]
    assert per_unit["slow", "drafting"] < per_unit["slow", "plain"]
    # The table says which points are drafted, and with what; the plain fleet's are not.
    drafted = decode["source"].str.contains("draft llama-3.1-8b, 4 tokens a step, acceptance rate 0.7", regex=False)
    assert drafted.xs("drafting", level="fleet").all() and not drafted.xs("plain", level="fleet").any()
    # Unit-seconds per output token: a decode's share plus its prompt's (3 prompt tokens an output
    # token), which is what the plan minimises at one price. Prefill runs beside the decode batch,
    # so the two fleets' prefill rates differ too, and the plan picks per workload the smaller sum.
    points = result.operating_points.set_index(["workload", "phase", "fleet"])["tokens_per_s_per_unit"]
    cheaper = {
        w: min(("plain", "drafting"), key=lambda f: 1 / points[w, "decode", f] + 3 / points[w, "prefill", f])
        for w in ("fast", "slow")
    }
    assert cheaper["fast"] == "drafting"
    served = result.allocation.groupby(["workload", "fleet"])["tokens_per_s"].sum()
    assert set(served[served > 0].index) == set(cheaper.items())
    result.to_dir(tmp_path / "plan")
    assert "speculative_decoding" in (tmp_path / "plan" / "scenario.yaml").read_text()
    assert _failed(tmp_path / "plan") == set()


def test_a_plan_with_a_named_serving_stack_uses_its_points_and_verifies(tmp_path):
    """Two MI300X fleets serving Llama 3.1 405B, one naming vLLM: its point is the one the fleets
    package gives on vLLM (the gpu/amd/vllm calibration, at most 256 sequences a replica), the
    other's the one without a stack (at 2 tokens/s per user, memory alone limits it: 724 sequences); the plan written out keeps the stack and verify, recomputing
    busy units from the scenario's points, finds the same."""
    from fleets import point_table
    from tests.conftest import scenario_dict

    data = scenario_dict(
        fleets={
            "any": {"system": "mi300x-8", "procurement": "own"},
            "vllm": {"system": "mi300x-8", "procurement": "own", "serving_stack": "vllm"},
        }
    )
    data["workloads"]["w"].update(model="llama-3.1-405b", max_ttft_ms=5000.0, min_tokens_per_s_per_user=2.0)
    result = solve(Scenario.from_dict(data))
    decode = result.operating_points.query("phase == 'decode'").set_index("fleet")
    shape = {"prompt_tokens": 500.0, "output_tokens": 500.0}  # 500 out a request (the default), 1:1
    for fleet, stack in (("any", None), ("vllm", "vllm")):
        best = point_table("mi300x-8", "llama-3.1-405b", **shape, stack=stack).best(2.0, 5000.0)
        assert decode.loc[fleet, "tokens_per_s_per_unit"] == pytest.approx(best["decode_tokens_per_s"], rel=1e-12)
    assert decode.loc["vllm", "concurrency"] <= 256 < decode.loc["any", "concurrency"]
    # The table names the stack the point was made for, and the calibration group it took.
    assert decode.loc["vllm", "stack"] == "vllm" and pd.isna(decode.loc["any", "stack"])
    assert "for vllm, calibrated on group gpu/amd/vllm" in decode.loc["vllm", "source"]
    result.to_dir(tmp_path / "plan")
    assert "serving_stack: vllm" in (tmp_path / "plan" / "scenario.yaml").read_text()
    assert _failed(tmp_path / "plan") == set()
