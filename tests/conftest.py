"""Shared scenario factories: small scenarios whose optimum can be worked out on paper."""

from __future__ import annotations

import copy
import os
from typing import Any

import pandas as pd
import pytest

# Charts draw off screen in the tests (and in the notebooks they execute).
os.environ.setdefault("MPLBACKEND", "Agg")

JANUARY_SECONDS = 31 * 86_400
JANUARY_HOURS = 31 * 24


def fleet(capex_usd: float = 12_000.0, **overrides: Any) -> dict[str, Any]:
    """An owned fleet: 1,000 tokens/s per unit for prefill and decode, 10 kW, no idle draw,
    a one-year life (so with no discounting its capital costs capex/12 per unit-month)."""
    base = {
        "procurement": "own",
        "vendor": "acme",
        "category": "gpu",
        "capex_usd": capex_usd,
        "max_power_kw": 10.0,
        "idle_power_kw": 0.0,
        "lifetime_years": 1.0,
        "performance": {
            "m": {
                "prefill_tokens_per_s": 1000.0,
                "decode_tokens_per_s": 1000.0,
                "tokens_per_s_per_user": 50.0,
                "ttft_ms": 100.0,
            }
        },
    }
    return _merge(base, overrides)


def cloud_fleet(hourly_usd: float = 2.0, **overrides: Any) -> dict[str, Any]:
    """A rented fleet with the same throughput as :func:`fleet`."""
    base = {
        "procurement": "cloud",
        "vendor": "skyco",
        "category": "cloud_asic",
        "hourly_usd": hourly_usd,
        "performance": copy.deepcopy(fleet()["performance"]),
    }
    return _merge(base, overrides)


def scenario_dict(
    tokens_per_s: float | list[float] = 10_000.0,
    fleets: dict[str, dict] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """One workload 'w' (model 'm', input:output 1:1) at a constant ``tokens_per_s`` (or one rate
    per month), monthly from January 2026, no discounting, one site 's' of 1,000 MW at PUE 1 and
    $100/MWh that accepts every owned and leased fleet."""
    rates = tokens_per_s if isinstance(tokens_per_s, list) else [tokens_per_s]
    months = pd.period_range("2026-01", periods=len(rates), freq="M")
    seconds = [(m + 1).start_time.timestamp() - m.start_time.timestamp() for m in months]
    fleets = fleets if fleets is not None else {"a": fleet()}
    base = {
        "name": "test",
        "horizon": {"start": "2026-01", "periods": len(rates), "period_length": "month", "discount_rate": 0.0},
        "workloads": {
            "w": {"model": "m", "max_ttft_ms": 1000.0, "min_tokens_per_s_per_user": 10.0, "input_output_ratio": 1.0}
        },
        "demand": {
            "w": {"kind": "series", "tokens": {str(m): r * s for m, r, s in zip(months, rates, seconds, strict=True)}}
        },
        "fleets": fleets,
        "sites": {
            "s": {
                "power_mw": 1000.0,
                "pue": 1.0,
                "electricity_price_usd_per_mwh": 100.0,
                "fleets": [name for name, f in fleets.items() if f["procurement"] in ("own", "lease")],
            }
        },
        "policy": {"unserved_penalty_usd_per_mtok": 1000.0},
    }
    if not base["sites"]["s"]["fleets"]:
        del base["sites"]
    return _merge(base, overrides)


def _merge(base: dict, overrides: dict) -> dict:
    """Deep-merge ``overrides`` into a copy of ``base`` (dicts merge, other values replace)."""
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@pytest.fixture
def make_scenario():
    """Build a validated :class:`planner.Scenario` from :func:`scenario_dict` arguments."""
    from planner import Scenario

    def make(*args: Any, **kwargs: Any):
        return Scenario.from_dict(scenario_dict(*args, **kwargs))

    return make
