"""Plausible ranges: every number of a scenario is bounded, with the reason, at its field."""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from planner import ScenarioError
from planner import scenario as schema
from planner.errors import FieldError
from planner.ranges import TOKENS_PER_S_PER_UNIT, USD_PER_UNIT, YEARS_OF_LIFE, plausible
from planner.scenario.base import Input
from tests.conftest import fleet, scenario_dict

# Numbers a model validator bounds together with another field (or the demand package checks):
# the type alone cannot say, and a test of each exists beside the check.
CHECKED_ELSEWHERE = {
    ("Fleet", "max_power_kw"),  # _unit_power_message: 0.05 to 2,000 kW
    ("Fleet", "idle_power_kw"),  # at most max_power_kw
    ("Site", "power_mw"),  # _site_power_message: at most 20,000 MW
    ("Workload", "share"),  # a fraction, checked by demand.mix with its period
}


def _mentions_float(tp: Any) -> bool:
    if tp is float:
        return True
    return any(_mentions_float(arg) for arg in get_args(tp) if not isinstance(arg, str | int | float))


def _numbers() -> list[tuple[type[BaseModel], str]]:
    # Every input model of the scenario: the classes made from its base model, in whichever module.
    models = [m for m in vars(schema).values() if isinstance(m, type) and issubclass(m, Input) and m is not Input]
    assert set(models) == set(Input.__subclasses__()), "every input model is exported by planner.scenario"
    return [
        (model, name)
        for model in models
        for name, field in model.model_fields.items()
        if _mentions_float(field.annotation) and (model.__name__, name) not in CHECKED_ELSEWHERE
    ]


def _shaped(tp: Any, number: float) -> Any:
    """``number`` in the shape the type takes: itself, or in a mapping or list when that is all it takes."""
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    members = [m for m in get_args(tp) if m is not type(None)] if get_origin(tp) in (Union, types.UnionType) else [tp]
    first = members[0]
    while get_origin(first) is Annotated:
        first = get_args(first)[0]
    if get_origin(first) is dict:
        return {"x": number}
    if get_origin(first) is list:
        return [number]
    return number


NUMBERS = _numbers()


@pytest.mark.parametrize(("model", "name"), NUMBERS, ids=[f"{m.__name__}.{n}" for m, n in NUMBERS])
def test_every_number_of_a_scenario_has_an_upper_bound(model, name):
    field = model.model_fields[name]
    adapter = TypeAdapter(Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation)
    with pytest.raises(ValidationError):
        adapter.validate_python(_shaped(field.annotation, 1e308))


def test_the_structural_check_sees_the_fields_it_should():
    seen = {(m.__name__, n) for m, n in NUMBERS}
    assert {("Fleet", "capex_usd"), ("Policy", "unserved_penalty_usd_per_mtok"), ("Fleet", "term_months")} <= seen


@given(st.floats(min_value=1e-300, max_value=1e300))
def test_a_bounded_type_accepts_exactly_its_range(value):
    kind = plausible("widgets", 1e6, "no more widgets exist", low=1e-3, low_why="smaller widgets do not exist")
    adapter = TypeAdapter(kind)
    if 1e-3 <= value <= 1e6:
        assert adapter.validate_python(value) == value
    else:
        with pytest.raises(ValidationError) as caught:
            adapter.validate_python(value)
        cause = caught.value.errors()[0]["ctx"]["error"]
        assert isinstance(cause, FieldError)
        assert ("at most 1e+06" if value > 1e6 else "at least 0.001") in str(cause)


def test_zero_stays_a_value_where_the_type_allows_it():
    assert TypeAdapter(USD_PER_UNIT).validate_python(0.0) == 0.0
    with pytest.raises(ValidationError):
        TypeAdapter(TOKENS_PER_S_PER_UNIT).validate_python(0.0)


@pytest.mark.parametrize(
    ("override", "path", "fragment"),
    [
        ({"capex_usd": 2e9}, "fleets.a.capex_usd", "at most 1e+09"),
        ({"lifetime_years": 0.01}, "fleets.a.lifetime_years", "less than a month"),
        ({"opex_usd_per_year": 1e300}, "fleets.a.opex_usd_per_year", "at most 1e+08"),
    ],
)
def test_an_implausible_figure_is_reported_at_its_field_with_its_reason(override, path, fragment):
    with pytest.raises(ScenarioError) as caught:
        schema.Scenario.from_dict(scenario_dict(fleets={"a": fleet(**override)}))
    (problem,) = caught.value.problems
    assert problem.path == path
    assert fragment in problem.message


def test_figures_at_the_bounds_are_accepted():
    scenario = schema.Scenario.from_dict(scenario_dict(fleets={"a": fleet(1e9, lifetime_years=1 / 12)}))
    assert scenario.fleets["a"].capex_usd == 1e9
    assert TypeAdapter(YEARS_OF_LIFE).validate_python(50.0) == 50.0


def test_demand_beyond_any_provider_is_reported_at_its_entry():
    with pytest.raises(ScenarioError) as caught:
        schema.Scenario.from_dict(scenario_dict(tokens_per_s=[1e12, 1e12]))
    (problem,) = caught.value.problems
    assert problem.path == "demand.w"
    assert "tokens per day in 2026-01 is more than any plausible demand" in problem.message


def test_a_demand_curve_beyond_any_provider_is_reported_at_its_entry():
    data = scenario_dict()
    data["demand"]["w"] = {"kind": "exponential", "start": "2026-01", "tokens_per_day": 1e17, "rate": 0.05}
    with pytest.raises(ScenarioError) as caught:
        schema.Scenario.from_dict(data)
    (problem,) = caught.value.problems
    assert problem.path == "demand.w"
    assert "more than any plausible demand" in problem.message
