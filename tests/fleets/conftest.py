"""Synthetic systems (made up for tests, not catalog data) with round numbers."""

from __future__ import annotations

import pytest

from fleets.catalog import System


def figure(value: float) -> dict:
    return {"value": value, "source": "synthetic test system", "confidence": "estimate", "note": "made up for a test"}


def make_system(**overrides) -> System:
    """100 GB of memory at 1 TB/s, 1 PFLOP/s at fp16 and 2 at fp8, one chip, 1 kW."""
    data = {
        "name": "synthetic",
        "vendor": "test",
        "category": "gpu",
        "unit": "one test accelerator",
        "chips": 1,
        "max_power_kw": figure(1.0),
        "idle_power_kw": figure(0.25),
        "memory_gb": figure(100.0),
        "memory_kind": "hbm",
        "memory_bandwidth_tb_s": figure(1.0),
        "peak_tflops": {"fp16": figure(1000.0), "fp8": figure(2000.0)},
        "interconnect": "none",
        "capex_usd": figure(10_000.0),
        "lifetime_years": figure(4.0),
    }
    data.update(overrides)
    return System.model_validate(data)


@pytest.fixture
def system() -> System:
    return make_system()
