"""Small plans the chart, report and notebook tests share, each solved once per test session."""

from __future__ import annotations

from functools import cache

from planner import Result, Scenario, solve
from tests.conftest import cloud_fleet, fleet, scenario_dict

RATES = [10_000.0, 20_000.0, 30_000.0]
"""Tokens per second asked for in each of the three months of :func:`shared_plan`."""
ACME_LIMIT = 0.8


@cache
def shared_plan() -> Result:
    """Three months of rising demand served by an owned fleet 'a' (vendor acme, at most 80% of the
    tokens served) and a cloud fleet 'c' (skyco): every chart has something to show."""
    spec = scenario_dict(
        RATES,
        fleets={"a": fleet(), "c": cloud_fleet(hourly_usd=20.0)},
        policy={"unserved_penalty_usd_per_mtok": 1000.0, "vendor_share_limits": {"acme": ACME_LIMIT}},
    )
    result = solve(Scenario.from_dict(spec))
    assert result.is_optimal
    return result


@cache
def short_plan() -> Result:
    """The owned fleet alone, on a site of 0.1 MW (ten units of 10 kW): ten units serve 10,000
    tokens/s (5,000 of prefill, 5,000 of decode), so 10,000 tokens/s go unserved in February and
    20,000 in March."""
    spec = scenario_dict(RATES, sites={"s": {"power_mw": 0.1}})
    result = solve(Scenario.from_dict(spec))
    assert result.is_optimal
    return result
