"""Synthetic scenarios of a chosen size, for the benchmark harness (made-up figures, not real data).

Growing demand for a few workloads, owned fleets of eight kinds (speeds, prices, lives and lead
times cycle) at several sites, and one cloud fleet: every constraint family the default scenario
uses, at a size set by periods x fleets x workloads x sites.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Size:
    """The dimensions of a synthetic scenario."""

    name: str
    periods: int
    fleets: int
    workloads: int
    sites: int

    def label(self) -> str:
        return f"{self.periods} periods x {self.fleets} fleets x {self.workloads} workloads x {self.sites} sites"


SIZES = {
    size.name: size
    for size in (
        Size("small", periods=24, fleets=4, workloads=3, sites=2),
        Size("large", periods=78, fleets=24, workloads=16, sites=4),
        Size("xl", periods=84, fleets=40, workloads=24, sites=8),
    )
}
"""small: 996 variables; large: 110,304; xl: about 5.4 times large by its dimensions (see
docs/performance.md)."""


def _owned_fleet(i: int, sites: int) -> dict[str, Any]:
    kind = i % 8  # eight kinds of hardware, repeated with small price differences
    return {
        "procurement": "own",
        "vendor": f"v{i % 3}",
        "category": "gpu",
        "capex_usd": 200_000 + 50_000 * kind + 1_000 * (i // 8),
        "max_power_kw": 8 + kind,
        "idle_power_kw": 2,
        "lifetime_years": 1 + kind % 4,
        "lead_time_months": kind % 4,
        "max_build_units_per_period": 400 * sites,
        "performance": {
            "m": {
                "prefill_tokens_per_s": 30_000 + 5_000 * kind,
                "decode_tokens_per_s": 10_000 + 3_000 * kind,
                "tokens_per_s_per_user": 20 + 40 * kind,
                "ttft_ms": 900 - 60 * kind,
            }
        },
    }


def scenario_dict(size: Size) -> dict[str, Any]:
    """The scenario of ``size`` as a dict (what a YAML file would hold)."""
    fleets = {f"f{i}": _owned_fleet(i, size.sites) for i in range(size.fleets)}
    owned = list(fleets)
    fleets["rent"] = {
        "procurement": "cloud",
        "vendor": "cloud",
        "category": "cloud_asic",
        "hourly_usd": 40.0,
        "quota_units": 2000 * size.sites,
        "performance": {
            "m": {
                "prefill_tokens_per_s": 40_000,
                "decode_tokens_per_s": 12_000,
                "tokens_per_s_per_user": 20,
                "ttft_ms": 1000,
            }
        },
    }
    return {
        "name": f"bench-{size.name}",
        "description": f"synthetic benchmark scenario: {size.label()}",
        "horizon": {"start": "2026-01", "periods": size.periods, "period_length": "month"},
        "workloads": {
            f"w{j}": {
                "model": "m",
                "max_ttft_ms": 1000,
                # Within the fastest fleet's speed at any size (4 fleets serve up to 140 tokens/s per user).
                "min_tokens_per_s_per_user": 10 + 30 * (j % min(6, size.fleets)),
                "input_output_ratio": 1 + j % 4,
            }
            for j in range(size.workloads)
        },
        "demand": {
            f"w{j}": {
                "kind": "exponential",
                "start": "2026-01",
                "tokens_per_day": 1e11 * (1 + j % 5) * size.sites,
                "rate": 0.03,
                "per": "month",
            }
            for j in range(size.workloads)
        },
        "fleets": fleets,
        "sites": {
            f"s{k}": {
                "power_mw": {"2026-01": 100 + 20 * k, "2027-01": 300},
                "pue": 1.1 + 0.05 * (k % 3),
                "electricity_price_usd_per_mwh": 50 + 5 * (k % 4),
                "fleets": owned,
            }
            for k in range(size.sites)
        },
    }
