"""The calibration shipped as data matches a fit on the catalog as it is now."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from fleets import calibration, get_system
from fleets.fitting import catalog_calibration
from fleets.roofline import efficiency_for


def test_the_shipped_calibration_is_the_fit_on_the_current_catalog():
    """Fails when the catalog, the reference models or the fit change without the shipped file."""
    shipped = json.loads(calibration.data_path().read_text(encoding="utf-8"))
    stale = f"fleets/calibration.json is out of date: regenerate it with `{calibration.REGENERATE}`"
    assert shipped["catalog_digest"] == calibration.catalog_digest(), stale
    fitted = {category: asdict(e) for category, e in catalog_calibration().efficiencies.items()}
    assert shipped["efficiencies"].keys() == fitted.keys(), stale
    # The fit stops at its solver's tolerance, and the last digits of where it stops differ between
    # machines (another BLAS, another rounding order): 1e-6 was seen to fail on a refit of an unchanged
    # catalog. A change to the fit or the catalog that matters moves the figures by far more than 1e-4.
    for category, figures in fitted.items():
        assert shipped["efficiencies"][category] == pytest.approx(figures, rel=1e-4), stale


def test_estimates_use_the_shipped_figures():
    shipped = calibration.shipped_efficiencies()
    assert shipped is not None
    h100 = get_system("dgx-h100")
    assert efficiency_for(h100) == shipped["gpu/nvidia"]
    assert efficiency_for(h100, "tensorrt-llm") == shipped["gpu/nvidia/tensorrt-llm"]
    assert efficiency_for(h100, "no such stack") == shipped["gpu/nvidia"]
    # Each number format has its kernels: FP8 TensorRT-LLM runs have their own group, under the stack's,
    # and a format without runs of its own falls back to the stack, then to the vendor's format.
    assert efficiency_for(h100, "tensorrt-llm", precision="fp8") == shipped["gpu/nvidia/tensorrt-llm@fp8"]
    assert efficiency_for(h100, "nim", precision="fp8") == shipped["gpu/nvidia/nim"]
    assert efficiency_for(h100, None, precision="fp4") == shipped["gpu/nvidia@fp4"]
    # A category without its own runs uses the fit over all.
    assert (
        efficiency_for(h100.model_copy(update={"category": "lpu", "vendor": "x"}), None, {"all": shipped["all"]})
        == (shipped["all"])
    )


def test_figures_fitted_on_another_catalog_are_not_used(tmp_path):
    """A file whose digest is not the catalog's is ignored (the process fits again), as is a missing one."""
    content = json.loads(calibration.data_path().read_text(encoding="utf-8"))
    stale = tmp_path / "calibration.json"
    stale.write_text(json.dumps({**content, "catalog_digest": "0" * 64}), encoding="utf-8")
    assert calibration.shipped_efficiencies(stale) is None
    assert calibration.shipped_efficiencies(tmp_path / "missing.json") is None
    assert calibration.shipped_efficiencies(calibration.write(tmp_path / "fresh.json")) is not None


def test_the_digest_changes_with_any_figure(monkeypatch):
    from fleets import catalog

    before = calibration.catalog_digest()
    systems = catalog.load_catalog()
    name, system = next(iter(systems.items()))
    changed = system.model_copy(update={"chips": system.chips + 1})
    monkeypatch.setattr(calibration, "load_catalog", lambda: {**systems, name: changed})
    assert calibration.catalog_digest() != before
