"""Operating points on a named serving stack: its calibration group, its limits, its curve rows."""

from __future__ import annotations

import typing

import numpy as np
import pandas as pd
import pytest

from fleets import best_point, get_model, get_system, load_catalog, operating_points
from fleets.catalog import ServingStack, stack_named
from fleets.curves import curve_files, curve_points, run_stack
from fleets.fitting import stack_of
from fleets.points import default_precision, point_at_batch
from fleets.roofline import _catalog_efficiencies, calibration_group, efficiency_for, estimate

STACKS = set(typing.get_args(ServingStack))
SQUARE = {"prompt_tokens": 1024, "output_tokens": 1024}
"""The request shape of the InferenceX DeepSeek runs."""


def test_every_stack_the_calibration_the_catalog_and_the_curves_name_can_be_asked_for():
    groups = {key.split("@")[0].split("/")[2] for key in _catalog_efficiencies() if key.count("/") == 2}
    catalog = {stack_of(p) for s in load_catalog().values() for p in s.measured} - {None}
    curves = {
        run_stack(stack if isinstance(stack, str) else None, source)
        for system, model, _ in curve_files()
        for stack, source in curve_points(system, model)[["stack", "source"]].itertuples(index=False)
    }
    assert groups == {"nim", "tensorrt-llm", "vllm"}
    assert groups | catalog | (curves - {None}) == STACKS


@pytest.mark.parametrize(
    ("text", "stack"),
    [
        ("TensorRT-LLM (InferenceX)", "tensorrt-llm"),
        ("Dynamo + TensorRT-LLM, disaggregated (InferenceX)", "tensorrt-llm"),
        ("Dynamo + SGLang, disaggregated (InferenceX)", "sglang"),
        ("SGLang + MoRI, disaggregated (InferenceX)", "sglang"),
        ("vLLM (ROCm)", "vllm"),
        ("ATOM (InferenceX)", "atom"),
    ],
)
def test_a_curve_rows_stack_is_its_engine(text, stack):
    assert run_stack(text, "") == stack
    assert stack_named("MLPerf Inference v5.0, closed division") is None


def test_a_vllm_fleet_on_mi300x_takes_the_vllm_calibration_and_its_256_sequence_cap():
    system, model = get_system("mi300x-8"), get_model("llama-3.1-405b")
    precision = default_precision(system, model)
    assert calibration_group(system, "vllm", precision=precision) == "gpu/amd/vllm"
    by_hand = estimate(
        system, model, precision=precision, efficiency=efficiency_for(system, "vllm", precision=precision), stack="vllm"
    )
    table = operating_points("mi300x-8", "llama-3.1-405b", stack="vllm")
    estimated = table[table["basis"] == "estimated"].reset_index(drop=True)
    for name in ("concurrency", "decode_tokens_per_s", "prefill_tokens_per_s", "ttft_ms"):
        np.testing.assert_allclose(estimated[name].to_numpy(float), by_hand[name].to_numpy(float), rtol=1e-12)
    assert set(estimated["stack"]) == {"vllm"}
    assert set(estimated["source"]) == {"roofline estimate for vllm, calibrated on group gpu/amd/vllm"}
    # vLLM runs 256 sequences at once; without a stack memory alone limits the batch.
    plain = operating_points("mi300x-8", "llama-3.1-405b")
    assert estimated["decode_tokens_per_s"][0] != plain["decode_tokens_per_s"][0]
    assert estimated["concurrency"].max() == 256 < plain["concurrency"].max()
    assert point_at_batch("mi300x-8", "llama-3.1-405b", 512, stack="vllm") is None
    assert point_at_batch("mi300x-8", "llama-3.1-405b", 256, stack="vllm")["stack"] == "vllm"
    assert point_at_batch("mi300x-8", "llama-3.1-405b", 512)["concurrency"] == 512


def test_a_stack_without_a_group_of_its_own_takes_its_vendors_and_says_so():
    table = operating_points("mi300x-8", "llama-3.1-405b", stack="sglang")
    assert set(table["source"]) == {
        "roofline estimate for sglang, calibrated on group gpu/amd@fp8, sglang having no group of its own"
    }
    plain = operating_points("mi300x-8", "llama-3.1-405b")
    pd.testing.assert_series_equal(table["decode_tokens_per_s"], plain["decode_tokens_per_s"])


def test_only_the_curve_rows_of_the_fleets_stack_are_used():
    """MI300X's DeepSeek curve has SGLang runs only: an SGLang fleet uses them, a TensorRT-LLM
    fleet falls back to the estimator; B200's has four stacks, each row used by one of them."""
    sglang = operating_points("mi300x-8", "deepseek-v3", **SQUARE, stack="sglang")
    trt = operating_points("mi300x-8", "deepseek-v3", **SQUARE, stack="tensorrt-llm")
    plain = operating_points("mi300x-8", "deepseek-v3", **SQUARE)
    measured = plain[plain["basis"] == "measured"]
    assert len(measured) and set(measured["stack"]) == {"SGLang (InferenceX)"}
    assert len(sglang[sglang["basis"] == "measured"]) == len(measured)
    assert set(trt["basis"]) == {"estimated"}
    assert best_point(trt, 20, 5000)["basis"] == "estimated"
    b200 = {s: operating_points("dgx-b200", "deepseek-v3", **SQUARE, stack=s) for s in ("tensorrt-llm", "sglang")}
    whole = operating_points("dgx-b200", "deepseek-v3", **SQUARE)
    rows = {s: t[t["basis"] == "measured"] for s, t in b200.items()}
    assert set(rows["tensorrt-llm"]["stack"]) == {
        "TensorRT-LLM (InferenceX)",
        "Dynamo + TensorRT-LLM, disaggregated (InferenceX)",
    }
    assert sum(map(len, rows.values())) == (whole["basis"] == "measured").sum()


def test_a_catalog_run_counts_on_the_stack_its_source_names():
    """dgx-h100's Llama 3.1 70B runs are the catalog's (no stack column): NIM's are NIM's."""
    shape = {"prompt_tokens": 5000, "output_tokens": 500}
    nim = operating_points("dgx-h100", "llama-3.1-70b", **shape, stack="nim")
    rows = nim[nim["basis"] == "measured"]
    assert len(rows) and all(stack_named(source) == "nim" for source in rows["source"])


def test_every_catalog_run_naming_its_stack_names_it_in_its_source_too():
    """A fleet's stack matches a catalog run by its source (a curve holds no stack field for
    catalog runs): a run whose ``stack`` field its source contradicts would be matched wrongly."""
    wrong = [
        (system.name, point.source)
        for system in load_catalog().values()
        for point in system.measured
        if point.stack is not None and stack_named(point.source) != point.stack
    ]
    assert wrong == []


def test_every_serving_stack_says_which_vendors_it_runs_on():
    """A stack added to ServingStack without its vendors would pass every system unchecked."""
    from typing import get_args

    from fleets import ServingStack, get_system, stack_problem
    from fleets.catalog import STACK_VENDORS

    assert set(STACK_VENDORS) == set(get_args(ServingStack))
    assert stack_problem(get_system("dgx-h100"), "tensorrt-llm") is None
    assert stack_problem(get_system("trn2-48xlarge"), "neuron") is None
    assert stack_problem(get_system("tpu-v6e-8"), "jetstream") is None
    assert "stacks that do: neuron, vllm" in stack_problem(get_system("trn2-48xlarge"), "sglang")
    assert "omit the stack" in stack_problem(get_system("groq-rack"), "vllm")
