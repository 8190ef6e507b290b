"""Tests of the shipped system catalog and of its loader."""

from __future__ import annotations

import types
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

import fleets
from fleets import catalog as catalog_module
from fleets.catalog import Figure, System, UnknownSystemError, get_system, load_catalog

CATALOG_DIR = Path(fleets.__file__).parent / "catalog"
CATALOG_FILES = sorted(CATALOG_DIR.glob("*.yaml"))
EXPECTED_SYSTEMS = {"dgx-h100", "dgx-b200", "cs-3", "trn2-48xlarge", "p5-48xlarge"}
ALLOWED_CONFIDENCE = {"measured", "vendor", "estimate"}


def _raw(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _figures(system: System) -> Iterator[tuple[str, Figure]]:
    """Every Figure of a system, with a dotted path naming where it sits."""
    for field in System.model_fields:
        value = getattr(system, field)
        if isinstance(value, Figure):
            yield field, value
    for model_id, perf in system.performance.items():
        for field in type(perf).model_fields:
            yield f"performance.{model_id}.{field}", getattr(perf, field)


def _all_figures() -> list[tuple[str, str, Figure]]:
    return [(name, where, fig) for name, system in load_catalog().items() for where, fig in _figures(system)]


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    """Clear the loader's cache around a test that points it at another directory."""
    catalog_module._read_catalog.cache_clear()
    yield
    catalog_module._read_catalog.cache_clear()


def test_catalog_ships_the_expected_systems():
    assert {p.stem for p in CATALOG_FILES} >= EXPECTED_SYSTEMS
    assert set(load_catalog()) >= EXPECTED_SYSTEMS


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda p: p.name)
def test_every_file_validates_and_is_named_after_its_system(path: Path):
    system = System.model_validate(_raw(path))
    assert system.name == path.stem


def test_loader_returns_every_file_keyed_by_name_and_sorted():
    systems = load_catalog()
    assert list(systems) == sorted(p.stem for p in CATALOG_FILES)
    for name, system in systems.items():
        assert system.name == name


def test_every_figure_has_a_source_and_an_allowed_confidence():
    figures = _all_figures()
    assert figures
    for name, where, fig in figures:
        assert fig.source.strip(), f"{name}: {where} has an empty source"
        assert fig.confidence in ALLOWED_CONFIDENCE, f"{name}: {where} confidence {fig.confidence!r}"


def test_every_estimate_explains_its_derivation():
    for name, where, fig in _all_figures():
        if fig.confidence == "estimate":
            assert fig.note and fig.note.strip(), f"{name}: {where} is an estimate without a note"


def test_every_figure_is_positive():
    for name, where, fig in _all_figures():
        assert fig.value > 0, f"{name}: {where} = {fig.value}"


@pytest.mark.parametrize("name", sorted(EXPECTED_SYSTEMS))
def test_every_system_serves_the_reference_70b_model(name: str):
    assert "llama-3.1-70b" in get_system(name).performance


def test_system_throughput_is_at_least_per_user_speed():
    for name, system in load_catalog().items():
        for model_id, perf in system.performance.items():
            assert perf.decode_tokens_per_s.value >= perf.tokens_per_s_per_user.value, f"{name}/{model_id}"


def test_idle_power_does_not_exceed_max_power():
    for name, system in load_catalog().items():
        assert system.idle_power_kw.value <= system.max_power_kw.value, name


def test_bought_systems_have_capex_and_rented_ones_an_hourly_price():
    assert all(get_system(n).capex_usd is not None for n in ("dgx-h100", "dgx-b200", "cs-3"))
    for name in ("trn2-48xlarge", "p5-48xlarge"):
        system = get_system(name)
        assert system.hourly_usd is not None and system.capex_usd is None, name
    assert get_system("p5-48xlarge").hourly_usd.value == pytest.approx(98.32)


def test_wafer_scale_is_faster_per_user_than_gpus_at_serving_batch():
    wafer = get_system("cs-3").performance["llama-3.1-70b"]
    for name in ("dgx-h100", "dgx-b200", "p5-48xlarge"):
        gpu = get_system(name).performance["llama-3.1-70b"]
        assert wafer.tokens_per_s_per_user.value > 5 * gpu.tokens_per_s_per_user.value, name
        assert wafer.ttft_ms.value < gpu.ttft_ms.value, name


def test_unknown_system_suggests_the_closest_name():
    with pytest.raises(UnknownSystemError) as caught:
        get_system("dgx-h10")
    assert "'dgx-h100'" in str(caught.value)
    assert caught.value.suggestions[0] == "dgx-h100"
    assert isinstance(caught.value, KeyError)


def test_system_without_any_price_fails_validation():
    data = _raw(CATALOG_DIR / "dgx-h100.yaml")
    data.pop("capex_usd", None)
    data.pop("hourly_usd", None)
    with pytest.raises(ValidationError, match="capex_usd"):
        System.model_validate(data)


def test_system_with_idle_above_max_power_fails_validation():
    data = _raw(CATALOG_DIR / "dgx-h100.yaml")
    data["idle_power_kw"] = dict(data["max_power_kw"], value=data["max_power_kw"]["value"] + 1)
    with pytest.raises(ValidationError, match="idle_power_kw"):
        System.model_validate(data)


def test_figure_with_unknown_confidence_fails_validation():
    with pytest.raises(ValidationError):
        Figure.model_validate({"value": 1.0, "source": "somewhere (2025)", "confidence": "rumour"})


def test_loader_rejects_a_file_named_differently_from_its_system(tmp_path, monkeypatch, fresh_cache):
    package_dir = tmp_path / "fleets"
    (package_dir / "catalog").mkdir(parents=True)
    (package_dir / "catalog" / "dgx-h100-copy.yaml").write_text(
        (CATALOG_DIR / "dgx-h100.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    # Point the loader's package lookup at the temporary package; the loop, parsing and check are the real ones.
    monkeypatch.setattr(catalog_module, "resources", types.SimpleNamespace(files=lambda package: package_dir))
    with pytest.raises(ValueError, match="dgx-h100-copy.yaml"):
        load_catalog()


def test_loader_accepts_a_matching_file_in_the_same_setup(tmp_path, monkeypatch, fresh_cache):
    package_dir = tmp_path / "fleets"
    (package_dir / "catalog").mkdir(parents=True)
    (package_dir / "catalog" / "cs-3.yaml").write_text(
        (CATALOG_DIR / "cs-3.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (package_dir / "catalog" / "README.txt").write_text("not a system", encoding="utf-8")
    monkeypatch.setattr(catalog_module, "resources", types.SimpleNamespace(files=lambda package: package_dir))
    assert list(load_catalog()) == ["cs-3"]
