"""Random scenarios of the shapes that stress the model: several workloads and sites, time slices,
disaggregated prefill and decode (within a site and across KV links), owned, leased, reserved and
on-demand units, quotas, share caps and whole units.

``rich_scenarios()`` is a hypothesis strategy of scenario dicts (``Scenario.from_dict`` reads
them); ``draw_scenario(seed)`` gives one from a seed, for hunting failures outside hypothesis.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import strategies as st

MODEL = "m1"


def _performance(rng: random.Random, speed: float) -> dict[str, Any]:
    return {
        MODEL: {
            "prefill_tokens_per_s": rng.uniform(200.0, 40_000.0),
            "decode_tokens_per_s": rng.uniform(100.0, 9_000.0),
            "tokens_per_s_per_user": speed,
            "ttft_ms": rng.choice([50.0, 100.0, 250.0]),
        }
    }


def draw_scenario(seed: int) -> dict[str, Any]:
    """One random scenario dict; the same seed gives the same scenario."""
    rng = random.Random(seed)
    periods = rng.randint(1, 4)
    months = [f"2027-{m:02d}" for m in range(1, periods + 1)]
    sites = {
        f"s{i}": {
            "power_mw": rng.uniform(0.5, 40.0),
            "pue": rng.uniform(1.05, 1.5),
            "electricity_price_usd_per_mwh": rng.uniform(30.0, 150.0),
            "fleets": [],
        }
        for i in range(rng.randint(1, 3))
    }
    fleets: dict[str, dict[str, Any]] = {}
    for i in range(rng.randint(1, 3)):
        mode = rng.choice(["own", "lease", "reserved", "cloud"])
        fleet: dict[str, Any] = {
            "procurement": mode,
            "vendor": rng.choice(["acme", "wafer", "lpu"]),
            "category": rng.choice(["gpu", "wafer_scale", "lpu", "cloud_asic"]),
            "performance": _performance(rng, rng.choice([60.0, 250.0, 1000.0])),
        }
        if mode == "own":
            fleet |= {
                "capex_usd": rng.uniform(5_000.0, 500_000.0),
                "lifetime_years": rng.choice([3, 4, 5]),
                "max_power_kw": rng.uniform(1.0, 100.0),
                "idle_power_kw": 0.5,
                "lead_time_months": rng.choice([0, 0, 1]),
            }
        else:
            fleet["hourly_usd"] = rng.uniform(0.3, 40.0)
            if mode == "lease":
                fleet |= {"max_power_kw": rng.uniform(1.0, 100.0), "idle_power_kw": 0.5}
            if mode in ("lease", "reserved"):
                fleet["term_months"] = rng.choice([1, 2, 3])
            if rng.random() < 0.5:
                fleet["quota_units"] = rng.uniform(1.0, 500.0)
        name = f"f{i}"
        fleets[name] = fleet
        if mode in ("own", "lease"):
            for site in rng.sample(list(sites), rng.randint(1, len(sites))):
                sites[site]["fleets"].append(name)
    fleets["fallback"] = {
        "procurement": "cloud",
        "vendor": "acme",
        "category": "cloud_asic",
        "hourly_usd": rng.uniform(2.0, 40.0),
        "performance": _performance(rng, 300.0),
    }
    workloads: dict[str, dict[str, Any]] = {}
    demand: dict[str, dict[str, Any]] = {}
    for i in range(rng.randint(1, 3)):
        name = f"w{i}"
        workloads[name] = {
            "model": MODEL,
            "max_ttft_ms": rng.choice([300.0, 1000.0, 5000.0]),
            "min_tokens_per_s_per_user": rng.choice([5.0, 20.0, 60.0]),
            "input_output_ratio": rng.choice([0.5, 3.0, 8.0]),
            "profile": {"preset": rng.choice(["flat", "business", "consumer"])},
        }
        if rng.random() < 0.4:
            workloads[name]["disaggregate"] = True
            workloads[name]["kv_bytes_per_token"] = rng.uniform(1e4, 4e5)
        demand[name] = {"kind": "series", "tokens": {m: rng.uniform(1e9, 5e11) for m in months}}
    data: dict[str, Any] = {
        "name": f"random-{seed}",
        "horizon": {
            "start": months[0],
            "periods": periods,
            "period_length": "month",
            "discount_rate": rng.uniform(0.0, 0.1),
        },
        "workloads": workloads,
        "demand": demand,
        "fleets": fleets,
        "policy": {"unserved_penalty_usd_per_mtok": rng.uniform(50.0, 1000.0)},
    }
    used = {name: site for name, site in sites.items() if site["fleets"]}
    if used:
        data["sites"] = used
        names = list(used)
        if len(names) > 1 and any(w.get("disaggregate") for w in workloads.values()) and rng.random() < 0.5:
            data["kv_links"] = [{"from": names[0], "to": names[1], "bandwidth_gb_s": rng.uniform(1.0, 400.0)}]
    if rng.random() < 0.5:
        data["time_slices"] = rng.choice([[0.3, 0.7], [0.1, 0.5, 0.4]])
    if rng.random() < 0.3:
        data["policy"]["category_share_limits"] = {"cloud_asic": rng.uniform(0.6, 0.95)}
    if rng.random() < 0.4:
        data["integer_units"] = True
    return data


def rich_scenarios() -> st.SearchStrategy[dict[str, Any]]:
    """Scenario dicts drawn by :func:`draw_scenario` from a hypothesis-chosen seed."""
    return st.integers(0, 2**32 - 1).map(draw_scenario)
