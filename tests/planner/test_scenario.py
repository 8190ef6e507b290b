"""The scenario schema: catalog filling, every problem reported at once with file and line,
cross-section checks, relative CSV paths and a self-describing JSON Schema."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from planner import Problem, Scenario, ScenarioError, default_scenario_path
from planner.scenario import Workload
from tests.conftest import cloud_fleet, fleet, scenario_dict


# ---------------------------------------------------------------------------- helpers
def _write(path: Path, text: str) -> Path:
    """Write dedented ``text`` to ``path`` and return it (line 1 is the first line of text)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def _line(path: Path, marker: str) -> int:
    """1-based number of the only line of ``path`` containing ``marker``."""
    lines = [i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if marker in text]
    assert len(lines) == 1, f"marker {marker!r} must occur once, found on lines {lines}"
    return lines[0]


def _problems(data: dict) -> list[Problem]:
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict(data)
    return caught.value.problems


def _by_path(problems: list[Problem]) -> dict[str, Problem]:
    by_path = {p.path: p for p in problems}
    assert len(by_path) == len(problems), f"two problems share a path: {problems}"
    return by_path


def _only(data: dict) -> Problem:
    problems = _problems(data)
    assert len(problems) == 1, problems
    return problems[0]


# A scenario small enough to read, with one deliberate mistake per marked line.
BASE_YAML = """
name: mistakes
horizon:
  start: "2026-01"
  periods: 3
workloads:
  chat:
    model: m
    demand: chatt                 # MARK-demand-key: no such demand entry
    max_ttft_ms: 1000
    min_tokens_per_s_per_user: 10
    input_output_ratio: 1
demand:
  chat:
    kind: series
    tokens: {"2026-01": 1.0e+9, "2026-02": 1.0e+9, "2026-03": 1.0e+9}
fleets:
  a:
    procurement: own
    vendor: acme
    category: gpu
    capex_usd: CAPEX            # MARK-capex
    EXTRA
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
    fleets:
      - a
      - ghost                     # MARK-ghost: no such fleet
"""


def _base(capex: str = "12000", extra: str = "") -> str:
    return BASE_YAML.replace("CAPEX", capex).replace("EXTRA", extra)


# ---------------------------------------------------------------------------- default scenario and catalog
def test_default_scenario_loads_with_catalog_figures_filled_in():
    scenario = Scenario.from_yaml(default_scenario_path())
    assert scenario.name == "default"
    assert (scenario.horizon.start, scenario.horizon.periods, scenario.horizon.period_length) == (
        "2026-01",
        36,
        "month",
    )
    assert set(scenario.workloads) == {"chat", "coding_agents", "batch"}
    assert set(scenario.fleets) == {"h100", "b200", "cs3", "cs3_committed", "trn2", "p5"}
    assert set(scenario.contracts) == {"wafer_scale_750mw"}
    assert set(scenario.sites) == {"west", "central"}

    h100 = scenario.fleets["h100"]
    # Not written in default.yaml: from the catalog's dgx-h100 entry.
    assert h100.max_power_kw == pytest.approx(10.2)
    assert h100.idle_power_kw == pytest.approx(2.5)
    assert h100.capex_usd == pytest.approx(300_000)
    assert h100.lifetime_years == pytest.approx(4)
    assert (h100.vendor, h100.category) == ("NVIDIA", "gpu")
    # Chat is served at the catalog system's best operating point that meets its SLO.
    chat = scenario.workloads["chat"]
    point = h100.service_point(chat)
    assert point.origin == "roofline" and point.precision == "fp8"
    assert point.performance.tokens_per_s_per_user >= chat.min_tokens_per_s_per_user
    assert point.performance.ttft_ms <= chat.max_ttft_ms
    # Written in default.yaml: kept as given.
    assert h100.opex_usd_per_year == pytest.approx(24_000)
    assert h100.availability == pytest.approx(0.95)
    assert h100.existing[0].site == "west" and h100.existing[0].units == pytest.approx(2000)

    # A rented catalog system gets its hourly price and no purchase price.
    trn2 = scenario.fleets["trn2"]
    assert trn2.hourly_usd is not None and trn2.hourly_usd > 0
    assert trn2.capex_usd is None


def test_inline_figures_override_the_catalog():
    inline_perf = {
        "prefill_tokens_per_s": 1.0,
        "decode_tokens_per_s": 2.0,
        "tokens_per_s_per_user": 30.0,
        "ttft_ms": 700.0,
    }
    data = scenario_dict(
        fleets={
            "h": {
                "system": "dgx-h100",
                "procurement": "own",
                "max_power_kw": 9.0,
                "capex_usd": 250_000.0,
                "performance": {"llama-3.1-70b": inline_perf, "m": fleet()["performance"]["m"]},
            }
        }
    )
    h = Scenario.from_dict(data).fleets["h"]
    assert h.max_power_kw == pytest.approx(9.0)  # inline, not the catalog's 10.2
    assert h.capex_usd == pytest.approx(250_000)  # inline, not the catalog's 300,000
    assert h.idle_power_kw == pytest.approx(2.5)  # not given: the catalog's
    assert h.lifetime_years == pytest.approx(4)
    workload = Workload(
        model="llama-3.1-70b", max_ttft_ms=1000.0, min_tokens_per_s_per_user=10.0, input_output_ratio=2.0
    )
    inline = h.service_point(workload)
    assert (inline.origin, inline.performance.decode_tokens_per_s) == ("scenario", 2.0)  # inline model wins
    other = h.service_point(workload.model_copy(update={"model": "llama-3.1-8b"}))
    assert other.origin == "roofline" and other.performance.decode_tokens_per_s > 0  # other model from the catalog
    assert h.performance["m"].ttft_ms == pytest.approx(100)


# ---------------------------------------------------------------------------- every problem, located
def test_field_problems_in_one_file_are_reported_together_with_file_line_path_and_value(tmp_path):
    path = _write(
        tmp_path / "bad.yaml",
        """
        name: bad
        horizon:
          start: "2026-01"
          periods: 0                  # MARK-periods
        workloads:
          w:
            model: m
            max_ttft_ms: -5           # MARK-ttft
            min_tokens_per_s_per_user: 10
            input_output_ratio: 1
        demand:
          w:
            kind: series
            tokens: {"2026-01": 1.0}
        fleets:
          a:
            procurement: own
            vendor: acme
            category: gpu
            capex_usd: -12000         # MARK-capex
            capex_usdd: 3             # MARK-typo
            max_power_kw: 10
            idle_power_kw: 0
            lifetime_years: 1
            performance:
              m: {prefill_tokens_per_s: 1000, decode_tokens_per_s: 1000, tokens_per_s_per_user: 50, ttft_ms: 100}
        sites:
          s:
            power_mw: 10
            pue: 0.5                  # MARK-pue
            electricity_price_usd_per_mwh: 100
            fleets: [a]
        """,
    )
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_yaml(path)
    problems = _by_path(caught.value.problems)
    assert set(problems) == {
        "horizon.periods",
        "workloads.w.max_ttft_ms",
        "fleets.a.capex_usd",
        "fleets.a.capex_usdd",
        "sites.s.pue",
    }
    expected = {
        "horizon.periods": ("MARK-periods", 0),
        "workloads.w.max_ttft_ms": ("MARK-ttft", -5),
        "fleets.a.capex_usd": ("MARK-capex", -12000),
        "fleets.a.capex_usdd": ("MARK-typo", None),
        "sites.s.pue": ("MARK-pue", 0.5),
    }
    for field_path, (marker, value) in expected.items():
        problem = problems[field_path]
        assert problem.file == str(path)
        assert problem.line == _line(path, marker), field_path
        assert problem.value == value, field_path
    assert "greater than or equal to 0" in problems["fleets.a.capex_usd"].message
    assert problems["fleets.a.capex_usdd"].message == "unknown field; did you mean 'capex_usd'?"
    # The error's text is the whole list, each entry located.
    text = str(caught.value)
    assert text.startswith("invalid scenario (5 problems)")
    assert f"{path}:{_line(path, 'MARK-capex')}: fleets.a.capex_usd:" in text
    assert "(got -12000)" in text


def test_reference_problems_in_one_file_are_reported_together_with_their_lines(tmp_path):
    path = _write(tmp_path / "refs.yaml", _base())
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_yaml(path)
    problems = _by_path(caught.value.problems)
    assert set(problems) == {"workloads.chat.demand", "sites.s.fleets.1"}

    demand = problems["workloads.chat.demand"]
    assert (demand.file, demand.line, demand.value) == (str(path), _line(path, "MARK-demand-key"), "chatt")
    assert "no demand entry 'chatt'" in demand.message and "known: chat" in demand.message

    ghost = problems["sites.s.fleets.1"]
    assert (ghost.file, ghost.line, ghost.value) == (str(path), _line(path, "MARK-ghost"), "ghost")
    assert "unknown fleet" in ghost.message and "known: a" in ghost.message


def test_field_and_reference_problems_are_all_reported_at_once(tmp_path):
    """A negative capex, a misspelt field, a site naming an unknown fleet and a workload whose
    demand entry is missing: one ScenarioError lists all four, so one edit round fixes the file."""
    path = _write(tmp_path / "all.yaml", _base("-12000", "capex_usdd: 3             # MARK-typo"))
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_yaml(path)
    problems = _by_path(caught.value.problems)
    assert set(problems) == {"fleets.a.capex_usd", "fleets.a.capex_usdd", "sites.s.fleets.1", "workloads.chat.demand"}
    expected = {
        "fleets.a.capex_usd": ("MARK-capex", -12000),
        "fleets.a.capex_usdd": ("MARK-typo", None),
        "sites.s.fleets.1": ("MARK-ghost", "ghost"),
        "workloads.chat.demand": ("MARK-demand-key", "chatt"),
    }
    for field_path, (marker, value) in expected.items():
        problem = problems[field_path]
        assert (problem.file, problem.line, problem.value) == (str(path), _line(path, marker), value), field_path
    assert "did you mean 'capex_usd'" in problems["fleets.a.capex_usdd"].message


def test_a_missing_required_field_points_at_its_parent_line(tmp_path):
    path = _write(
        tmp_path / "missing.yaml",
        _base()
        .replace("    model: m\n", "")
        .replace("demand: chatt ", "demand: chat  ")
        .replace("      - ghost                     # MARK-ghost: no such fleet\n", ""),
    )
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_yaml(path)
    [problem] = caught.value.problems
    assert problem.path == "workloads.chat.model"
    assert problem.value is None
    assert problem.line == _line(path, "workloads:") + 1  # the line of 'chat:' under 'workloads'
    assert problem.file == str(path)
    assert "required" in problem.message.lower()


def test_malformed_yaml_is_one_problem_at_its_line(tmp_path):
    path = _write(
        tmp_path / "broken.yaml",
        """
        name: broken
        horizon:
          start: "2026-01"
           periods: 3
        """,
    )
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_yaml(path)
    [problem] = caught.value.problems
    assert problem.message.startswith("not valid YAML")
    assert problem.file == str(path)
    assert problem.line == 4
    assert f"{path}:4" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "kind"), [("- horizon\n- workloads\n", "list"), ("just a sentence\n", "str"), ("", "NoneType")]
)
def test_a_file_that_is_not_a_mapping_is_one_problem(tmp_path, text, kind):
    path = tmp_path / "list.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_yaml(path)
    [problem] = caught.value.problems
    assert "mapping" in problem.message
    assert problem.value == kind
    assert problem.file == str(path)


def test_a_missing_file_is_one_problem_naming_it(tmp_path):
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_yaml(path)
    [problem] = caught.value.problems
    assert problem.file == str(path)
    assert "cannot read the scenario file" in problem.message
    assert "No such file" in problem.message


def test_from_dict_rejects_non_mappings():
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict(["horizon"])
    assert [p.value for p in caught.value.problems] == ["list"]


# ---------------------------------------------------------------------------- cross-checks
def test_an_owned_fleet_placed_at_no_site():
    problem = _only(scenario_dict(fleets={"a": fleet(), "b": fleet()}, sites={"s": {"fleets": ["a"]}}))
    assert problem.path == "fleets.b"
    assert "placed at no site" in problem.message and "'fleets'" in problem.message


def test_a_cloud_fleet_listed_at_a_site():
    problem = _only(scenario_dict(fleets={"a": fleet(), "c": cloud_fleet()}, sites={"s": {"fleets": ["a", "c"]}}))
    assert problem.path == "sites.s.fleets.1"
    assert problem.value == "c"
    assert "cloud fleet is not placed at a site" in problem.message


def test_existing_units_at_an_unknown_site():
    problem = _only(scenario_dict(fleets={"a": fleet(existing=[{"site": "nowhere", "units": 3}])}))
    assert problem.path == "fleets.a.existing.0.site"
    assert problem.value == "nowhere"
    assert "unknown site" in problem.message and "known: s" in problem.message


def test_existing_units_at_a_site_that_does_not_list_the_fleet():
    data = scenario_dict(
        fleets={"a": fleet(), "b": fleet(existing=[{"site": "s", "units": 3}])},
        sites={
            "s": {"fleets": ["a"]},
            "t": {"power_mw": 1.0, "pue": 1.0, "electricity_price_usd_per_mwh": 1.0, "fleets": ["b"]},
        },
    )
    problem = _only(data)
    assert problem.path == "fleets.b.existing.0.site"
    assert "does not list this fleet" in problem.message


def test_a_schedule_starting_after_the_horizon_suggests_a_step_at_the_start():
    problem = _only(scenario_dict(sites={"s": {"power_mw": {"2026-03": 5.0}}}))
    assert problem.path == "sites.s.power_mw"
    assert "first step must be at or before the horizon start 2026-01" in problem.message
    assert "add '2026-01: 0'" in problem.message


def test_a_schedule_step_with_a_bad_label_is_located_at_that_step():
    problem = _only(scenario_dict(sites={"s": {"electricity_price_usd_per_mwh": {"2026-01": 50.0, "2026-13": 60.0}}}))
    assert problem.path == "sites.s.electricity_price_usd_per_mwh.2026-13"
    assert problem.value == "2026-13"
    assert "is not a month" in problem.message


def test_a_schedule_label_without_a_year_is_rejected():
    """'July' must not be read as July of year 1 (pandas' reading), which would silently drop the step."""
    problem = _only(scenario_dict(sites={"s": {"electricity_price_usd_per_mwh": {"2026-01": 50.0, "July": 60.0}}}))
    assert problem.path == "sites.s.electricity_price_usd_per_mwh.July"
    assert problem.value == "July"


def test_a_quarterly_horizon_must_start_a_quarter():
    problem = _only(scenario_dict(horizon={"start": "2026-02", "period_length": "quarter"}))
    assert problem.path == "horizon"
    assert "quarterly horizon starts in January, April, July or October" in problem.message
    assert "'2026-02'" in problem.message
    # The same start is fine monthly, and a quarter start is fine quarterly.
    assert (
        Scenario.from_dict(
            scenario_dict(horizon={"start": "2026-02"}, demand={"w": {"tokens": {"2026-02": 1.0}}})
        ).horizon.start
        == "2026-02"
    )


def test_a_workload_no_fleet_can_serve_names_each_fleet_and_why():
    slow_first_token = fleet(performance={"m": {"ttft_ms": 900.0}})
    slow_stream = cloud_fleet(performance={"m": {"tokens_per_s_per_user": 5.0}})
    other_model = cloud_fleet()
    other_model["performance"] = {"other": fleet()["performance"]["m"]}
    data = scenario_dict(
        fleets={"ttft": slow_first_token, "stream": slow_stream, "nomodel": other_model},
        workloads={"w": {"max_ttft_ms": 500.0, "min_tokens_per_s_per_user": 10.0}},
    )
    problem = _only(data)
    assert problem.path == "workloads.w"
    assert "no fleet can serve this workload within its SLO" in problem.message
    assert "ttft: time to first token 900 ms > 500 ms" in problem.message
    assert "stream: 5 tokens/s per user < 10" in problem.message
    assert "nomodel: no performance figures for model 'm'" in problem.message
    assert "relax the SLO or add a fleet" in problem.message


def test_one_eligible_fleet_is_enough():
    data = scenario_dict(fleets={"fast": fleet(), "slow": cloud_fleet(performance={"m": {"ttft_ms": 5000.0}})})
    assert set(Scenario.from_dict(data).fleets) == {"fast", "slow"}


def test_an_unknown_catalog_system_suggests_the_close_name():
    problem = _only(scenario_dict(fleets={"a": {"system": "dgx-h10", "procurement": "own"}}))
    assert problem.path == "fleets.a.system"
    assert "unknown system 'dgx-h10'" in problem.message
    assert "did you mean 'dgx-h100'" in problem.message


def test_an_owned_fleet_without_capex_or_system():
    data = scenario_dict()
    del data["fleets"]["a"]["capex_usd"]
    problem = _only(data)
    assert problem.path == "fleets.a"
    assert "missing capex_usd" in problem.message
    assert "no catalog 'system' is named" in problem.message


def test_a_cloud_fleet_without_an_hourly_price_or_system():
    data = scenario_dict(fleets={"a": fleet(), "c": cloud_fleet()})
    del data["fleets"]["c"]["hourly_usd"]
    problem = _only(data)
    assert problem.path == "fleets.c"
    assert "missing hourly_usd" in problem.message


def test_idle_power_above_max_power():
    problem = _only(scenario_dict(fleets={"a": fleet(idle_power_kw=12.0)}))
    assert problem.path == "fleets.a"
    assert "idle_power_kw (12.0) exceeds max_power_kw (10.0)" in problem.message


def test_quota_on_an_owned_fleet():
    problem = _only(scenario_dict(fleets={"a": fleet(quota_units=5)}))
    assert problem.path == "fleets.a"
    assert "quota_units applies to rented fleets" in problem.message
    assert "max_build_units_per_period" in problem.message


def test_build_limit_or_existing_units_on_a_cloud_fleet():
    data = scenario_dict(
        fleets={"a": fleet(), "c": cloud_fleet(max_build_units_per_period=5, existing=[{"site": "s", "units": 1}])}
    )
    problem = _only(data)
    assert problem.path == "fleets.c"
    assert "existing, max_build_units_per_period apply to owned fleets" in problem.message


def test_cross_check_problems_from_a_file_carry_their_lines(tmp_path):
    path = _write(
        tmp_path / "cross.yaml",
        """
        horizon:
          start: "2026-02"
          periods: 2
          period_length: quarter
        workloads:
          w: {model: m, max_ttft_ms: 1000, min_tokens_per_s_per_user: 10, input_output_ratio: 1}
        demand:
          w: {kind: series, tokens: {"2026Q1": 1.0, "2026Q2": 1.0}}
        fleets:
          a:
            procurement: own
            vendor: acme
            category: gpu
            capex_usd: 1
            max_power_kw: 10
            idle_power_kw: 11         # MARK-idle
            lifetime_years: 1
            performance:
              m: {prefill_tokens_per_s: 1000, decode_tokens_per_s: 1000, tokens_per_s_per_user: 50, ttft_ms: 100}
        """,
    )
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_yaml(path)
    problems = _by_path(caught.value.problems)
    assert set(problems) == {"horizon", "fleets.a"}
    assert problems["horizon"].line == _line(path, "horizon:")
    assert problems["fleets.a"].line == _line(path, "  a:")
    assert all(p.file == str(path) for p in problems.values())


# ---------------------------------------------------------------------------- relative paths
def test_a_csv_demand_path_is_read_from_the_scenario_files_folder(tmp_path, monkeypatch):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "demand.csv").write_text("period,tokens\n2026-01,100\n2026-02,200\n2026-03,300\n", encoding="utf-8")
    data = scenario_dict([1.0, 1.0, 1.0])
    data["demand"]["w"] = {"kind": "series", "csv": "demand.csv"}
    (folder / "scenario.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    for given in (folder / "scenario.yaml", Path("..") / "sub" / "scenario.yaml"):
        scenario = Scenario.from_yaml(given)
        spec = scenario.demand["w"]
        assert spec.csv == (folder / "demand.csv").resolve()
        assert spec.per_period(scenario.horizon.calendar()).tolist() == [100.0, 200.0, 300.0]

    # The same data without the file's folder looks in the working directory, and says where.
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict(data)
    [problem] = caught.value.problems
    assert problem.path == "demand.w"
    assert str(elsewhere.resolve() / "demand.csv") in problem.message


# ---------------------------------------------------------------------------- JSON Schema
def _resolve(schema: dict, node: dict) -> dict:
    ref = node.get("$ref")
    if ref is None:
        return node
    assert ref.startswith("#/$defs/"), ref
    return schema["$defs"][ref.removeprefix("#/$defs/")]


def test_json_schema_describes_every_property_of_every_model():
    schema = Scenario.model_json_schema()
    models = {"Scenario": schema, **schema["$defs"]}
    assert {"Horizon", "Workload", "Fleet", "Performance", "ExistingUnits", "Site", "Policy"} <= set(models)
    undescribed = []
    for model_name, model in models.items():
        assert model.get("description"), f"model {model_name} has no description"
        assert model["properties"], model_name
        for prop, node in model["properties"].items():
            # A property that is only a '$ref' is described by the model it refers to (pydantic drops
            # a field description equal to that model's docstring as redundant).
            if not (node.get("description") or _resolve(schema, node).get("description")):
                undescribed.append(f"{model_name}.{prop}")
    assert undescribed == []


def test_json_schema_forbids_unknown_fields_in_every_model():
    schema = Scenario.model_json_schema()
    models = {"Scenario": schema, **schema["$defs"]}
    allowing = [name for name, model in models.items() if model.get("additionalProperties") is not False]
    assert allowing == []
    assert schema["required"] == ["horizon", "workloads", "demand", "fleets"]


# ---------------------------------------------------------------------------- workload mix
def _two_workloads(**shares):
    workload = {"model": "m", "max_ttft_ms": 1000.0, "min_tokens_per_s_per_user": 10.0, "input_output_ratio": 1.0}
    data = scenario_dict([1.0, 1.0, 1.0])
    data["workloads"]["v"] = {**workload, "demand": "w"}
    for name, share in shares.items():
        data["workloads"][name]["share"] = share
    return data


def test_shares_of_a_demand_entry_must_sum_to_one():
    problems = _problems(_two_workloads(w={"2026-01": 0.5, "2026-03": 0.7}, v=0.5))
    assert [p.path for p in problems] == ["workloads"]
    assert "shares of demand entry 'w'" in problems[0].message
    assert "2026-02" in problems[0].message and "2026-03" in problems[0].message


def test_workloads_sharing_an_entry_each_need_a_share():
    problems = _problems(_two_workloads(w=0.5))
    assert [p.path for p in problems] == ["workloads.v.share"]
    assert "give each of them a 'share'" in problems[0].message


def test_changing_shares_that_sum_to_one_are_accepted():
    scenario = Scenario.from_dict(
        _two_workloads(w={"2026-01": 0.9, "2026-03": 0.6}, v={"2026-01": 0.1, "2026-03": 0.4})
    )
    assert scenario.workloads["v"].share == {"2026-01": 0.1, "2026-03": 0.4}


def test_default_demand_comes_from_published_figures_not_a_constant():
    """The default's total is a decaying-growth curve anchored on OpenRouter's published week of
    27 trillion tokens and its published 5x growth in six months."""
    scenario = Scenario.from_yaml(default_scenario_path())
    (total,) = scenario.demand.values()
    assert total.kind == "decaying"
    assert total.tokens_per_day * 7 == pytest.approx(27e12, rel=1e-3)
    assert (1 + total.rate) ** 6 == pytest.approx(5.0, rel=1e-3)
    assert {w.demand for w in scenario.workloads.values()} == {"total"}


# ---------------------------------------------------------------------------- units
def test_a_site_of_750000_mw_is_a_unit_mix_up():
    problems = _problems(scenario_dict(sites={"s": {"power_mw": 750_000.0}}))
    assert [p.path for p in problems] == ["sites.s.power_mw"]
    assert "MW, not kW" in problems[0].message


@pytest.mark.parametrize(("kw", "hint"), [(10_000.0, "in kW, not W"), (0.0102, "in kW, not MW")])
def test_a_unit_of_10_mw_or_10_w_is_a_unit_mix_up(kw, hint):
    problems = _problems(scenario_dict(fleets={"a": fleet(max_power_kw=kw)}))
    assert problems[0].path == "fleets.a.max_power_kw" and hint in problems[0].message


# ---------------------------------------------------------------------------- edits after loading
def test_an_assignment_is_validated_as_the_file_would_be():
    scenario = Scenario.from_dict(scenario_dict())
    with pytest.raises(ScenarioError) as caught:
        scenario.fleets["a"].capex_usd = -1.0
    assert [p.path for p in caught.value.problems] == ["fleets.a.capex_usd"]
    with pytest.raises(ScenarioError, match=r"sites\.s\.pue: Input should be greater than or equal to 1"):
        scenario.sites["s"].pue = 0.5
    with pytest.raises(ScenarioError, match=r"fleets\.a\.performance\.m\.ttft_ms"):
        scenario.fleets["a"].performance["m"].ttft_ms = 0.0
    with pytest.raises(ScenarioError, match="plan at most 50 years"):
        scenario.horizon.periods = 10_000
    assert scenario.fleets["a"].capex_usd == 12_000.0  # a rejected value is not kept
    with pytest.raises(ScenarioError) as caught:
        scenario.fleets["a"].idle_power_kw = 100.0  # checked against max_power_kw once the field passed
    assert [(p.path, p.value) for p in caught.value.problems] == [("fleets.a", None)]
    assert scenario.fleets["a"].idle_power_kw == 0.0


def test_speculative_decoding_set_in_a_notebook_is_checked_used_and_written_out():
    """An assignment is checked as the file would be (a value, a draft as large as the model); a
    valid one changes the fleet's point for the model, and the resolved scenario keeps it."""
    data = scenario_dict(
        fleets={"h": {"system": "dgx-h100", "procurement": "own"}},
        # Fast enough per user that drafting pays on H100 (at 80 tokens/s it no longer does: the
        # verification's extra compute costs more than the steps it saves; docs/fleets.md).
        workloads={"w": {"model": "llama-3.1-70b", "min_tokens_per_s_per_user": 120.0}},
    )
    scenario = Scenario.from_dict(data)
    fleet, workload = scenario.fleets["h"], scenario.workloads["w"]
    plain = fleet.service_point(workload).performance
    entry = {"draft_model": "llama-3.1-8b", "draft_tokens": 4, "acceptance_rate": 1.2}
    with pytest.raises(ScenarioError) as caught:
        fleet.speculative_decoding = {"llama-3.1-70b": entry}
    assert [p.path for p in caught.value.problems] == ["fleets.h.speculative_decoding.llama-3.1-70b.acceptance_rate"]
    with pytest.raises(ScenarioError, match=r"fleets\.h\.speculative_decoding\.llama-3\.1-70b\.draft_model: .*smaller"):
        fleet.speculative_decoding = {
            "llama-3.1-70b": {**entry, "acceptance_rate": 0.7, "draft_model": "llama-3.1-405b"}
        }
    assert fleet.speculative_decoding == {}  # a rejected value is not kept
    fleet.speculative_decoding = {"llama-3.1-70b": {**entry, "acceptance_rate": 0.7}}
    drafted = fleet.service_point(workload)
    assert drafted.basis == "estimated" and drafted.performance is not None and plain is not None
    assert drafted.performance.decode_tokens_per_s > plain.decode_tokens_per_s
    again = Scenario.from_dict(yaml.safe_load(scenario.to_yaml()))
    assert again.fleets["h"].model_dump()["speculative_decoding"] == {
        "llama-3.1-70b": {**entry, "acceptance_rate": 0.7}
    }


def test_a_fleets_serving_stack_chooses_the_runs_it_is_served_at():
    """MI300X's DeepSeek-V3 runs at 1,024 tokens in and out are SGLang's: a fleet on SGLang is
    served at one, a fleet on vLLM (no runs in that curve) at an estimate, one naming no stack at
    the SGLang run; TensorRT-LLM, which does not run on AMD hardware, is refused."""
    data = scenario_dict(
        fleets={"m": {"system": "mi300x-8", "procurement": "own"}},
        workloads={"w": {"model": "deepseek-v3", "min_tokens_per_s_per_user": 20.0, "output_tokens_per_request": 1024}},
    )
    scenario = Scenario.from_dict(data)
    fleet, workload = scenario.fleets["m"], scenario.workloads["w"]
    plain = fleet.service_point(workload)
    fleet.serving_stack = "sglang"
    assert fleet.service_point(workload) == plain and plain.basis == "measured"
    assert plain.stack is not None and plain.stack.startswith("SGLang") and "InferenceX" in plain.source
    fleet.serving_stack = "vllm"
    estimated = fleet.service_point(workload)
    assert estimated.basis == "estimated" and estimated.stack == "vllm" and "roofline estimate" in estimated.source
    with pytest.raises(ScenarioError, match="tensorrt-llm does not run on AMD hardware"):
        fleet.serving_stack = "tensorrt-llm"
    assert fleet.serving_stack == "vllm"


def test_an_edit_that_breaks_a_check_across_sections_is_found_on_revalidation():
    scenario = Scenario.from_dict(scenario_dict())
    scenario.sites["s"].fleets = ["b"]  # a valid list of names, naming no fleet
    with pytest.raises(ScenarioError) as caught:
        scenario.revalidated()
    loaded = _problems(scenario.model_dump(mode="python"))
    assert caught.value.problems == loaded
    assert {p.path for p in loaded} == {"sites.s.fleets.0", "fleets.a"}


def test_a_revalidated_scenario_equals_the_loaded_one():
    scenario = Scenario.from_yaml(default_scenario_path())
    assert scenario.revalidated() == scenario


def test_a_scenario_is_checked_again_only_once_edited(monkeypatch):
    """Unchanged since loading, the checks are not run again; an edit inside a list (which no
    assignment check sees) is caught; undone, the scenario passes unchecked again."""
    scenario = Scenario.from_dict(scenario_dict())
    checked = []
    revalidated = Scenario.revalidated
    monkeypatch.setattr(Scenario, "revalidated", lambda self: checked.append(1) or revalidated(self))
    scenario.check_unedited()
    assert checked == []
    scenario.sites["s"].fleets.append("b")
    with pytest.raises(ScenarioError, match=r"sites\.s\.fleets\.1"):
        scenario.check_unedited()
    assert checked == [1]
    scenario.sites["s"].fleets.pop()
    scenario.check_unedited()
    assert checked == [1]


# ---------------------------------------------------------------------------- fields per procurement mode
@pytest.mark.parametrize(
    ("fleet_data", "field", "fragment"),
    [
        (cloud_fleet(lead_time_months=2), "lead_time_months", "means nothing for an on-demand cloud fleet"),
        (cloud_fleet(term_months=6), "term_months", "rented period by period"),
        (cloud_fleet(capex_usd=100.0), "capex_usd", "paid by the hour"),
        (cloud_fleet(max_power_kw=10.0), "max_power_kw", "power is in its hourly price"),
        (fleet(hourly_usd=2.0), "hourly_usd", "means nothing for an owned fleet"),
        (fleet(region="us-east"), "region", "stand at the sites"),
        (fleet(term_months=24.0), "term_months", "serves its lifetime"),
        (
            cloud_fleet(procurement="lease", max_power_kw=10.0, idle_power_kw=0.0, lifetime_years=3),
            "lifetime_years",
            "a leased fleet",
        ),
    ],
)
def test_a_field_meaningless_for_the_procurement_mode_is_rejected_with_why(fleet_data, field, fragment):
    (problem,) = _problems(scenario_dict(fleets={"a": fleet(), "x": fleet_data}))
    assert problem.path == f"fleets.x.{field}"
    assert fragment in problem.message


def test_a_resolved_scenario_written_out_loads_again():
    """``to_yaml`` writes every figure, those a mode ignores included: equal to what the fleet holds
    anyway, they are no instruction and pass."""
    scenario = Scenario.from_yaml(default_scenario_path())
    again = Scenario.from_dict(yaml.safe_load(scenario.to_yaml()))
    assert again.fleets["p5"].lifetime_years == scenario.fleets["p5"].lifetime_years


def test_lease_and_reserved_lead_times_are_kept():
    lease = cloud_fleet(procurement="lease", max_power_kw=10.0, idle_power_kw=0.0, lead_time_months=2)
    reserved = cloud_fleet(procurement="reserved", lead_time_months=1)
    scenario = Scenario.from_dict(scenario_dict(fleets={"a": fleet(), "l": lease, "r": reserved}))
    assert (scenario.fleets["l"].lead_time_months, scenario.fleets["r"].lead_time_months) == (2, 1)


# ---------------------------------------------------------------------------- vendor and provider
def test_a_cloud_h100_is_nvidia_hardware_rented_from_aws():
    scenario = Scenario.from_yaml(default_scenario_path())
    assert (scenario.fleets["p5"].vendor, scenario.fleets["p5"].provider) == ("NVIDIA", "AWS")
    assert (scenario.fleets["h100"].vendor, scenario.fleets["h100"].provider) == ("NVIDIA", "NVIDIA")
    assert (scenario.fleets["trn2"].vendor, scenario.fleets["trn2"].provider) == ("AWS", "AWS")


def test_the_provider_defaults_to_the_vendor_and_can_be_named():
    fleets = {"a": fleet(), "c": cloud_fleet(), "n": cloud_fleet(vendor="NVIDIA", provider="skyco")}
    scenario = Scenario.from_dict(scenario_dict(fleets=fleets))
    assert {name: f.provider for name, f in scenario.fleets.items()} == {"a": "acme", "c": "skyco", "n": "skyco"}


def test_a_provider_limit_for_no_fleet_suggests_the_providers():
    fleets = {"a": fleet(), "n": cloud_fleet(vendor="NVIDIA", provider="skyco")}
    (problem,) = _problems(scenario_dict(fleets=fleets, policy={"provider_share_limits": {"skyc0": 0.5}}))
    assert problem.path == "policy.provider_share_limits.skyc0"
    assert "did you mean 'skyco'?" in problem.message


# ---------------------------------------------------------------------------- schedules and the horizon
def test_a_schedule_step_after_the_horizon_ends_is_reported_at_the_step():
    (problem,) = _problems(scenario_dict(sites={"s": {"power_mw": {"2026-01": 5.0, "2027-01": 9.0}}}))
    assert problem.path == "sites.s.power_mw.2027-01"
    assert problem.value == "2027-01"
    assert "after the horizon ends (2026-01)" in problem.message


def test_a_price_schedule_starting_late_names_its_first_step_and_the_fix():
    (problem,) = _problems(scenario_dict(sites={"s": {"electricity_price_usd_per_mwh": {"2026-02": 50.0}}}))
    assert problem.path == "sites.s.electricity_price_usd_per_mwh"
    assert problem.value == "2026-02"
    assert "add a step '2026-01: PRICE'" in problem.message


def test_a_period_count_of_hundreds_of_digits_is_reported_not_overflowed():
    data = scenario_dict()
    data["horizon"]["periods"] = 10**400
    (problem,) = _problems(data)
    assert problem.path == "horizon.periods"
    assert "a 401-digit number of months" in problem.message


def test_a_fleet_on_a_system_sold_by_quote_must_give_its_quoted_price():
    """TPU7x publishes no price: a cloud fleet on it without hourly_usd is refused, saying who quotes
    one; with the quote given, its hourly_usd is the fleet's and the plan rents it at that price."""
    workloads = {"w": {"model": "llama-3.1-70b", "max_ttft_ms": 2000.0, "min_tokens_per_s_per_user": 20.0}}
    unpriced = scenario_dict(fleets={"tpu": {"system": "tpu7x-4", "procurement": "cloud"}}, workloads=workloads)
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict(unpriced)
    message = str(caught.value)
    assert "missing hourly_usd" in message and "sold by quote: Google Cloud, through an account team" in message
    quoted = scenario_dict(
        fleets={"tpu": {"system": "tpu7x-4", "procurement": "cloud", "hourly_usd": 30.0}}, workloads=workloads
    )
    scenario = Scenario.from_dict(quoted)
    assert scenario.fleets["tpu"].hourly_usd == 30.0
    from planner import solve

    result = solve(scenario)
    assert result.is_optimal and result.tables["unserved"].empty
    # The rent is the units rented through January (744 hours) at the quoted $30 an hour.
    units = result.installed.query("fleet == 'tpu'")["units"].sum()
    rent = result.costs.query("component == 'rental'")["usd"].sum()
    assert units > 0 and rent == pytest.approx(units * 744 * 30.0, rel=1e-9)


def test_each_default_fleet_serves_a_whole_workload_at_its_cheapest_point_meeting_the_slo():
    """A workload served whole on one fleet pays 1/decode + r/prefill unit-seconds an output token
    (r prompt tokens an output token); the point the fleet is given (the most decode throughput
    meeting the SLO) is also the one of every point meeting it that costs the fewest unit-seconds,
    so choosing one point per workload and fleet loses the plan nothing here."""
    import numpy as np

    from fleets.points import point_table

    scenario = Scenario.from_yaml(default_scenario_path())
    checked = 0
    for workload in scenario.workloads.values():
        if workload.disaggregate:
            continue
        ratio = workload.input_output_ratio
        for served_on in scenario.fleets.values():
            point = served_on.service_point(workload)
            if served_on.system is None or point.performance is None:
                continue
            table = point_table(
                served_on.system,
                workload.model,
                served_on.precision,
                prompt_tokens=workload.output_tokens_per_request * ratio,
                output_tokens=workload.output_tokens_per_request,
                stack=served_on.serving_stack,
            )
            cheapest = np.inf
            for part in (table.measured, table.estimated):
                ttft = part["ttft_ms"].astype(float)
                meets = (part["tokens_per_s_per_user"].astype(float) >= workload.min_tokens_per_s_per_user) & (
                    ttft <= workload.max_ttft_ms
                )
                cost = 1 / part["decode_tokens_per_s"].astype(float) + ratio / part["prefill_tokens_per_s"].astype(
                    float
                )
                cheapest = min(cheapest, float(np.min(cost[meets], initial=np.inf)))
            chosen = 1 / point.performance.decode_tokens_per_s + ratio / point.performance.prefill_tokens_per_s
            assert chosen <= cheapest * (1 + 1e-9), (workload.model, served_on.system)
            checked += 1
    assert checked >= 10
