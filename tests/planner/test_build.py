"""The LP's structure: names, eligibility, sparsity, and agreement with docs/formulation.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from planner import build as build_module
from planner.build import build
from planner.data import ModelData
from tests.conftest import fleet

FORMULATION = Path(__file__).resolve().parents[2] / "docs" / "formulation.md"


def _model(make_scenario, *args, **kwargs):
    return build(ModelData.from_scenario(make_scenario(*args, **kwargs)))


def test_rows_and_variables_have_readable_and_solver_safe_names(make_scenario):
    model = _model(make_scenario, tokens_per_s=[1.0, 1.0])
    names = model.constraints["power_limit"]["name"].to_list()
    assert names == ["power_limit[s,2026-01]", "power_limit[s,2026-02]"]
    assert model.variables["serve"]["name"].iloc[0] == "serve[w,prefill,a,s,2026-01]"
    for frame in [*model.variables.values(), *model.constraints.values()]:
        column = "var" if "var" in frame else "constraint"
        assert all(re.fullmatch(r"[A-Za-z0-9_]+", item.name) for item in frame[column])


def test_no_serve_variable_for_a_pair_that_misses_the_slo(make_scenario):
    slow = fleet()
    slow["performance"]["m"]["tokens_per_s_per_user"] = 5.0  # below the workload's 10 tokens/s
    model = _model(make_scenario, fleets={"ok": fleet(), "slow": slow})
    assert set(model.variables["serve"]["fleet"]) == {"ok"}
    assert set(model.variables["units"]["fleet"]) == {"ok", "slow"}


def test_builds_exist_only_after_the_lead_time(make_scenario):
    model = _model(make_scenario, tokens_per_s=[1.0] * 4, fleets={"a": fleet(lead_time_months=2)})
    assert model.variables["build"]["t"].to_list() == [2, 3]


def test_stock_rows_have_at_most_four_nonzeros(make_scenario):
    model = _model(make_scenario, tokens_per_s=[1.0] * 24, fleets={"a": fleet(lifetime_years=0.5)})
    lengths = [len(c) for c in model.constraints["stock"]["constraint"]]
    assert max(lengths) == 4 and min(lengths) == 2


def test_nonzeros_grow_linearly_with_the_horizon(make_scenario):
    fleets = {"a": fleet(lifetime_years=1 / 6), "b": fleet(6_000, lifetime_years=0.25)}
    sizes = {n: _model(make_scenario, tokens_per_s=[1.0] * n, fleets=fleets).size()["nonzeros"] for n in (24, 48, 96)}
    assert sizes[96] / sizes[48] == pytest.approx(2.0, rel=0.03)
    assert sizes[48] / sizes[24] == pytest.approx(2.0, rel=0.03)


def test_model_size_counts_rows_and_columns(make_scenario):
    model = _model(make_scenario)
    size = model.size()
    assert size["variables"] == len(model.problem.variables())
    assert size["constraints"] == len(model.problem.constraints())


def test_code_families_match_the_formulation_document(make_scenario):
    """Every constraint family in docs/formulation.md is built under the same name, and only those."""
    documented = set(re.findall(r"\*\*([a-z_]+)\[", FORMULATION.read_text(encoding="utf-8")))
    model = _model(
        make_scenario, fleets={"a": fleet(max_build_units_per_period=5)}, policy={"capex_budget_usd_per_year": 1e9}
    )
    assert documented == set(model.constraints)
    adders = {name.removeprefix("add_") for name in dir(build_module) if name.startswith("add_")}
    text = FORMULATION.read_text(encoding="utf-8")
    assert all(name in text for name in adders - {"variables", "objective"})
