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
from fleets.catalog import Figure, MeasuredPoint, System, UnknownSystemError, get_system, load_catalog, stack_problem
from fleets.models import load_models
from tests.fleets.conftest import make_system

CATALOG_DIR = Path(fleets.__file__).parent / "catalog"
CATALOG_FILES = sorted(CATALOG_DIR.glob("*.yaml"))
EXPECTED_SYSTEMS = {
    "dgx-h100",
    "dgx-h200",
    "dgx-b200",
    "gb200-nvl72",
    "mi300x-8",
    "p5-48xlarge",
    "gb300-nvl72",
    "mi355x-8",
    "trn2-ultraserver",
    "cs-3",
    "groq-rack",
    "tpu-v5e-8",
    "tpu-v6e-8",
    "inf2-48xlarge",
    "trn2-48xlarge",
    "tpu7x-4",
    "trn3-ultraserver",
    "groq3-lpx",
}
ALLOWED_CONFIDENCE = {"measured", "vendor", "estimate"}
PRECISION_ORDER = ("fp16", "fp8", "fp4")  # shrinking number formats: peak FLOP/s may only grow along it


def _raw(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _all_figures() -> list[tuple[str, str, Figure]]:
    return [(name, where, fig) for name, system in load_catalog().items() for where, fig in system.figures()]


def _all_points() -> list[tuple[str, int, MeasuredPoint]]:
    return [(name, i, point) for name, system in load_catalog().items() for i, point in enumerate(system.measured)]


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


def test_figures_lists_every_figure_field_and_each_precision():
    system = get_system("dgx-b200")
    where = {name for name, _ in system.figures()}
    assert {
        "max_power_kw",
        "idle_power_kw",
        "memory_gb",
        "memory_bandwidth_tb_s",
        "lifetime_years",
        "capex_usd",
    } <= where
    assert {f"peak_tflops.{p}" for p in system.peak_tflops} <= where


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
    for name, i, point in _all_points():
        if point.confidence == "estimate":
            assert point.note and point.note.strip(), f"{name}: measured[{i}] is an estimate without a note"


def test_every_figure_is_positive():
    for name, where, fig in _all_figures():
        assert fig.value > 0, f"{name}: {where} = {fig.value}"


def test_idle_power_does_not_exceed_max_power():
    for name, system in load_catalog().items():
        assert system.idle_power_kw.value <= system.max_power_kw.value, name


def test_peak_flops_grow_or_stay_as_precision_shrinks():
    for name, system in load_catalog().items():
        served = [p for p in PRECISION_ORDER if p in system.peak_tflops]
        values = [system.peak_tflops[p].value for p in served]
        assert values == sorted(values), (
            f"{name}: peak TFLOP/s {dict(zip(served, values, strict=True))} fall as precision shrinks"
        )


def test_every_measured_point_has_a_source_and_an_allowed_confidence():
    points = _all_points()
    assert points
    for name, i, point in points:
        assert point.source.strip(), f"{name}: measured[{i}] has an empty source"
        assert point.confidence in ALLOWED_CONFIDENCE, f"{name}: measured[{i}] confidence {point.confidence!r}"


def test_measured_points_name_a_reference_model():
    models = set(load_models())
    for name, i, point in _all_points():
        assert point.model in models, f"{name}: measured[{i}] names unknown model {point.model!r}"


def test_per_user_speed_does_not_exceed_system_throughput():
    # A single stream is the exception: its per-user speed counts decode time only, while the run's
    # throughput also spends the prefills and the gaps between requests, so it can fall a little below.
    checked = 0
    for name, i, point in _all_points():
        if point.decode_tokens_per_s is None or point.tokens_per_s_per_user is None or point.concurrency == 1:
            continue
        assert point.tokens_per_s_per_user <= point.decode_tokens_per_s, f"{name}: measured[{i}]"
        checked += 1
    assert checked


def test_gpu_servers_carry_published_runs_on_the_reference_70b_models():
    for name in ("dgx-h100", "dgx-h200", "dgx-b200", "gb200-nvl72", "mi300x-8"):
        models = {point.model for point in get_system(name).measured}
        assert models & {"llama-2-70b", "llama-3.1-70b"}, name


def test_bought_systems_have_capex_and_rented_ones_an_hourly_price():
    for name in ("dgx-h100", "dgx-h200", "dgx-b200", "gb200-nvl72", "mi300x-8", "cs-3"):
        assert get_system(name).capex_usd is not None, name
    for name in ("trn2-48xlarge", "p5-48xlarge"):
        system = get_system(name)
        assert system.hourly_usd is not None and system.capex_usd is None, name
    # After AWS's June 2025 cut of up to 45% on the $98.32/h on-demand price.
    assert get_system("p5-48xlarge").hourly_usd.value == pytest.approx(98.32 * 0.55, abs=0.01)


NEW_IN_2026 = ("gb300-nvl72", "mi355x-8", "trn2-ultraserver", "tpu7x-4", "trn3-ultraserver", "groq3-lpx")


@pytest.mark.parametrize("name", NEW_IN_2026)
def test_the_current_systems_validate_with_a_source_for_every_figure(name):
    system = get_system(name)
    fields = {field.split(".")[0] for field, _ in system.figures()}
    assert {"max_power_kw", "idle_power_kw", "memory_gb", "memory_bandwidth_tb_s", "peak_tflops"} <= fields, name
    assert fields & {"capex_usd", "hourly_usd"} or system.price_by_quote, name
    for field, figure in system.figures():
        assert len(figure.source) > 10, (name, field)
        assert figure.confidence != "estimate" or figure.note, (name, field)


def test_rack_and_ultraserver_figures_follow_from_their_chips():
    """Hand-checked: GB300 NVL72 is 72 x 288 GB and 72 x 15 PFLOPS dense FP4; a Trn2 UltraServer is four
    trn2.48xlarge instances; an 8-GPU MI355X platform is 8 x 288 GB at 8 TB/s."""
    gb300, ultra, trn2, mi355x = (
        get_system(n) for n in ("gb300-nvl72", "trn2-ultraserver", "trn2-48xlarge", "mi355x-8")
    )
    assert gb300.memory_gb.value == 72 * 288 and gb300.peak_tflops["fp4"].value == 72 * 15_000
    assert ultra.chips == 4 * trn2.chips
    assert ultra.memory_bandwidth_tb_s.value == pytest.approx(4 * trn2.memory_bandwidth_tb_s.value)
    assert ultra.hourly_usd.value == pytest.approx(4 * trn2.hourly_usd.value)
    assert (mi355x.memory_gb.value, mi355x.memory_bandwidth_tb_s.value) == (8 * 288, 8 * 8)
    # A TPU7x VM is 4 chips of 192 GiB at 7,380 GB/s; a Trn3 Gen2 UltraServer 144 Trainium3 of 144 GB at 4.9 TB/s.
    tpu7x, trn3 = get_system("tpu7x-4"), get_system("trn3-ultraserver")
    assert tpu7x.memory_gb.value == pytest.approx(4 * 192 * 2**30 / 1e9, abs=0.1)
    assert tpu7x.memory_bandwidth_tb_s.value == pytest.approx(4 * 7.38)
    assert tpu7x.peak_tflops["fp8"].value == 2 * tpu7x.peak_tflops["fp16"].value == 4 * 4614
    assert trn3.memory_gb.value == 144 * 144 and trn3.memory_bandwidth_tb_s.value == pytest.approx(144 * 4.9, rel=1e-3)
    assert trn3.peak_tflops["fp8"].value == pytest.approx(144 * 2517, rel=2e-3)


def test_cloud_hardware_names_its_maker_as_vendor_and_the_cloud_as_provider():
    for name in ("tpu-v5e-8", "tpu-v6e-8"):
        system = get_system(name)
        assert (system.vendor, system.provider) == ("Google", "Google Cloud"), name


def test_corrected_figures():
    # CS-3 at the ~$1.36M per system its maker's IPO filing implies, not $2.5M.
    assert get_system("cs-3").capex_usd.value == pytest.approx(1_360_000)
    # Groq's LLMPerf speed, 150 tokens in 150 / 185 s with 0.22 s to the first token, is 254 tokens/s streaming.
    groq = next(p for p in get_system("groq-rack").measured if p.model == "llama-2-70b")
    assert groq.tokens_per_s_per_user == pytest.approx(150 / (150 / 185 - 0.22), abs=0.5)
    assert groq.ttft_ms == 220
    # The audited MLPerf v5.0 DGX H100 result replaces the v4.1 one.
    h100 = get_system("dgx-h100")
    assert not any("v4.1" in p.source and p.concurrency is None for p in h100.measured)
    assert any(p.decode_tokens_per_s == pytest.approx(31306.8) for p in h100.measured)
    # NIM runs: four 2-GPU replicas per server.
    nim = [p for p in h100.measured if "NIM" in p.source]
    assert nim and all(p.chips_per_replica == 2 for p in nim)


def test_mlperf_runs_carry_their_datasets_mean_prompt_length():
    for name, system in load_catalog().items():
        for point in system.measured:
            if "MLPerf" in point.source:
                assert point.input_tokens is not None, (name, point.source)


def test_usual_precisions_are_ones_the_system_computes_at():
    usual = {name: s.usual_precision for name, s in load_catalog().items() if s.usual_precision}
    assert usual["dgx-h100"] == "fp8" and usual["gb200-nvl72"] == "fp4" and "cs-3" not in usual
    with pytest.raises(ValidationError, match="usual_precision fp4"):
        make_system(usual_precision="fp4")


def test_api_prices_blend_input_and_output_at_the_request_shape():
    groq = get_system("groq-rack").api_prices[0]
    # 1,000 tokens in at $0.59 and 250 out at $0.79 per million: (590 + 197.5) / 1,250 = $0.63 per million.
    assert groq.blended_usd_per_mtok(1000, 250) == pytest.approx(0.63)
    assert {p.model for p in get_system("cs-3").api_prices} == {"llama-3.1-70b", "llama-3.1-8b"}


def test_a_reserved_price_undercuts_on_demand():
    for name, system in load_catalog().items():
        if system.reserved_hourly_usd is not None:
            assert system.hourly_usd is not None, name
            assert system.reserved_hourly_usd.value < system.hourly_usd.value, name


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
    # Sold by quote: valid once it says who quotes; a priced system cannot also be "by quote".
    quoted = System.model_validate({**data, "price_by_quote": "the maker's sales team"})
    assert quoted.capex_usd is None and quoted.hourly_usd is None
    with pytest.raises(ValidationError, match="without a published price"):
        System.model_validate({**_raw(CATALOG_DIR / "dgx-h100.yaml"), "price_by_quote": "the maker's sales team"})


def test_the_systems_sold_by_quote_are_those_without_a_public_price():
    quoted = {name for name, system in load_catalog().items() if system.price_by_quote}
    assert quoted == {"tpu7x-4", "trn3-ultraserver", "groq3-lpx"}
    for name in ("tpu7x-4", "trn3-ultraserver"):
        assert "account team" in get_system(name).price_by_quote
    # An LPX rack is NVIDIA's, but runs Groq's compiler and software: no GPU serving stack runs on it.
    assert stack_problem(get_system("groq3-lpx"), "vllm") == (
        "vllm does not run on NVIDIA lpu hardware (groq3-lpx); it runs its maker's own software: omit the stack"
    )


def test_system_with_idle_above_max_power_fails_validation():
    data = _raw(CATALOG_DIR / "dgx-h100.yaml")
    data["idle_power_kw"] = dict(data["max_power_kw"], value=data["max_power_kw"]["value"] + 1)
    with pytest.raises(ValidationError, match="idle_power_kw"):
        System.model_validate(data)


def test_figure_with_unknown_confidence_fails_validation():
    with pytest.raises(ValidationError):
        Figure.model_validate({"value": 1.0, "source": "somewhere (2025)", "confidence": "rumour"})


def test_measured_point_without_any_figure_fails_validation():
    with pytest.raises(ValidationError, match="measured point needs"):
        MeasuredPoint.model_validate(
            {"model": "llama-3.1-70b", "precision": "fp8", "source": "somewhere (2025)", "confidence": "vendor"}
        )


def test_the_old_performance_block_is_rejected():
    data = _raw(CATALOG_DIR / "dgx-h100.yaml")
    data["performance"] = {"llama-3.1-70b": {}}
    with pytest.raises(ValidationError, match="performance"):
        System.model_validate(data)


def test_loader_rejects_a_file_named_differently_from_its_system(tmp_path, monkeypatch, fresh_cache):
    package_dir = tmp_path / "fleets"
    (package_dir / "catalog").mkdir(parents=True)
    (package_dir / "catalog" / "dgx-h100-copy.yaml").write_text(
        (CATALOG_DIR / "dgx-h100.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    # Point the loader's package lookup at the temporary package; the loop, parsing and check are the real ones.
    monkeypatch.setattr(catalog_module, "resources", types.SimpleNamespace(files=lambda package: package_dir))
    with pytest.raises(ValueError, match=r"dgx-h100-copy\.yaml"):
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
