"""The ``fitted`` demand entry: a growth curve fitted to a history when the scenario loads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import TypeAdapter, ValidationError

from demand import DemandSpec, Fitted, planning_periods, project
from tests.demand.test_fit import TRUTHS, monthly_history


@pytest.fixture(scope="module")
def fitted_specs(tmp_path_factory):
    """Low, base and high ``fitted`` specs loaded from a SYNTHETIC CSV beside a scenario file."""
    folder = tmp_path_factory.mktemp("scenario")
    (folder / "data").mkdir()
    history = monthly_history(TRUTHS["logistic"], noise=0.04, seed=11)
    lines = ["# SYNTHETIC: a logistic curve with 4% lognormal noise", "period,tokens"]
    lines += [f"{row.label},{row.tokens!r}" for row in history.intervals().itertuples()]
    (folder / "data" / "usage.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    adapter = TypeAdapter(DemandSpec)
    return {
        band: adapter.validate_python(
            {"kind": "fitted", "history": {"csv": "data/usage.csv"}, "band": band, "samples": 40},
            context={"base_dir": folder},
        )
        for band in ("low", "base", "high")
    }


def test_fitted_loads_a_csv_relative_to_the_scenario_folder(fitted_specs):
    spec = fitted_specs["base"]
    assert isinstance(spec, Fitted)
    assert spec.history.csv.is_absolute() and spec.history.csv.name == "usage.csv"
    assert spec.result.family == "logistic"
    assert spec.anchor() == pd.Timestamp("2026-01-01")


def test_fitted_bands_are_ordered_in_every_period(fitted_specs):
    periods = planning_periods("2026-01", 48, "month")
    tokens = {band: project(spec, periods)["tokens"].to_numpy() for band, spec in fitted_specs.items()}
    assert (tokens["high"] >= tokens["base"]).all() and (tokens["base"] >= tokens["low"]).all()
    assert (tokens["high"] > tokens["low"]).all()
    assert np.array_equal(tokens["base"], fitted_specs["base"].result.spec.per_period(periods))


def test_fitted_high_band_is_the_bootstrap_quantile(fitted_specs):
    spec = fitted_specs["high"]
    periods = planning_periods("2029-01", 4, "quarter")
    band = spec.result.bands(periods, quantiles=(0.1, 0.5, 0.9), samples=40, seed=0)
    assert np.allclose(project(spec, periods)["tokens"], band["high"], rtol=1e-12)
    daily = spec.evaluate(["2029-06-15"])[0]
    assert fitted_specs["low"].evaluate(["2029-06-15"])[0] < daily
    assert project(spec, periods)["tokens_per_s"].iloc[0] > 0


def test_fitted_rejects_a_history_it_cannot_fit():
    with pytest.raises(
        ValidationError,
        match="cannot fit a growth curve to the demand history: the history has zero tokens for 2026-02",
    ):
        TypeAdapter(DemandSpec).validate_python(
            {
                "kind": "fitted",
                "history": {"tokens": {"2026-01": 1e12, "2026-02": 0.0, "2026-03": 2e12, "2026-04": 3e12}},
            }
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [("band", "median"), ("low_quantile", 0.6), ("high_quantile", 1.0), ("samples", 5), ("holdout", 0.3)],
)
def test_fitted_rejects_bad_settings(field, value):
    data = {"kind": "fitted", "history": {"tokens": {"2026-01": 1e12, "2026-02": 2e12, "2026-03": 3e12}}, field: value}
    with pytest.raises(ValidationError, match=field):
        TypeAdapter(DemandSpec).validate_python(data)
