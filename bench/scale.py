"""Measure how model size, build time and solve time grow with the horizon and the fleet count.

Run with ``.venv/bin/python bench/scale.py``. It prints one row per size and the ratios to the
smallest size: nonzeros should grow linearly in periods x placements (ratio ~ size ratio).
"""

from __future__ import annotations

import time

from planner import Scenario
from planner.build import build
from planner.data import ModelData
from planner.solve import solve_model


def synthetic(periods: int, fleets: int, workloads: int) -> Scenario:
    """A synthetic scenario (not real data): growing demand, owned fleets at two sites, one cloud."""
    fleet_specs = {
        f"f{i}": {
            "procurement": "own",
            "vendor": f"v{i % 3}",
            "category": "gpu",
            "capex_usd": 200_000 + 50_000 * i,
            "max_power_kw": 8 + i,
            "idle_power_kw": 2,
            "lifetime_years": 1 + i % 4,
            "lead_time_months": i % 4,
            "max_build_units_per_period": 400,
            "performance": {
                "m": {
                    "prefill_tokens_per_s": 30_000 + 5_000 * i,
                    "decode_tokens_per_s": 10_000 + 3_000 * i,
                    "tokens_per_s_per_user": 20 + 40 * i,
                    "ttft_ms": 900 - 60 * i,
                }
            },
        }
        for i in range(fleets)
    }
    fleet_specs["rent"] = {
        "procurement": "cloud",
        "vendor": "cloud",
        "category": "cloud_asic",
        "hourly_usd": 40.0,
        "quota_units": 2000,
        "performance": {
            "m": {
                "prefill_tokens_per_s": 40_000,
                "decode_tokens_per_s": 12_000,
                "tokens_per_s_per_user": 20,
                "ttft_ms": 1000,
            }
        },
    }
    owned = [name for name in fleet_specs if name != "rent"]
    return Scenario.from_dict(
        {
            "name": f"bench-{periods}x{fleets}x{workloads}",
            "horizon": {"start": "2026-01", "periods": periods, "period_length": "month"},
            "workloads": {
                f"w{j}": {
                    "model": "m",
                    "max_ttft_ms": 1000,
                    "min_tokens_per_s_per_user": 10 + 30 * j,
                    "input_output_ratio": 1 + j,
                }
                for j in range(workloads)
            },
            "demand": {
                f"w{j}": {
                    "kind": "exponential",
                    "start": "2026-01",
                    "tokens_per_day": 2e11 * (j + 1),
                    "rate": 0.03,
                    "per": "month",
                }
                for j in range(workloads)
            },
            "fleets": fleet_specs,
            "sites": {
                "a": {
                    "power_mw": {"2026-01": 100, "2027-01": 300},
                    "pue": 1.2,
                    "electricity_price_usd_per_mwh": 60,
                    "fleets": owned,
                },
                "b": {"power_mw": 200, "pue": 1.1, "electricity_price_usd_per_mwh": 50, "fleets": owned},
            },
        }
    )


def main() -> None:
    sizes = [(36, 4, 3), (72, 4, 3), (144, 4, 3), (36, 8, 6), (72, 8, 6)]
    base = None
    print(
        f"{'periods x fleets x workloads':>30} {'variables':>10} {'rows':>8} {'nonzeros':>9} {'build s':>8} {'solve s':>8}   ratios to first row (nonzeros, build, solve)"
    )
    for periods, fleets, workloads in sizes:
        scenario = synthetic(periods, fleets, workloads)
        started = time.perf_counter()
        model = build(ModelData.from_scenario(scenario))
        built = time.perf_counter() - started
        result = solve_model(model)
        size = model.size()
        row = (size["nonzeros"], built, result.solve_seconds)
        base = base or row
        ratios = ", ".join(f"{a / b:5.2f}" for a, b in zip(row, base, strict=True))
        print(
            f"{periods:>12} x {fleets:>2} x {workloads:>2}{'':>9} {size['variables']:>10} {size['constraints']:>8} {size['nonzeros']:>9} {built:>8.2f} {result.solve_seconds:>8.2f}   {ratios}   [{result.status}]"
        )


if __name__ == "__main__":
    main()
