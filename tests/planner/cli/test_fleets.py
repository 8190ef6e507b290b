"""``planner fleets list``, ``show`` and ``compare`` through the CLI runner, on the shipped catalog."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fleets import load_catalog, operating_points
from planner.cli import app


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"COLUMNS": "250"})


def test_list_shows_every_catalog_system(runner):
    result = runner.invoke(app, ["fleets", "list"])
    assert result.exit_code == 0, result.output
    for name in load_catalog():
        assert name in result.stdout


def test_show_lists_every_figure_with_its_source_and_the_operating_points(runner):
    result = runner.invoke(app, ["fleets", "show", "dgx-h100", "--model", "llama-3.1-70b"])
    assert result.exit_code == 0, result.output
    system = load_catalog()["dgx-h100"]
    for name, figure in system.figures():
        assert name in result.stdout
        assert figure.confidence in result.stdout
    assert "Operating points for llama-3.1-70b" in result.stdout
    assert "estimated" in result.stdout


def test_show_of_an_unknown_system_suggests_a_name(runner):
    result = runner.invoke(app, ["fleets", "show", "dgx-h10"])
    assert result.exit_code == 2
    assert "unknown system 'dgx-h10': did you mean 'dgx-h100'" in result.stderr


def test_compare_lists_systems_meeting_a_tight_slo_and_explains_the_others(runner):
    result = runner.invoke(
        app, ["fleets", "compare", "--model", "llama-3.1-70b", "--slo-tps", "300", "--slo-ttft-ms", "500"]
    )
    assert result.exit_code == 0, result.output
    meeting = [line.split("│")[1].strip() for line in result.stdout.splitlines() if line.startswith("│")]
    explained = [
        line.split(":")[0]
        for line in result.stdout.splitlines()
        if "no operating point meets the SLO" in line or "needs" in line
    ]
    assert "cs-3" in meeting  # wafer-scale serves hundreds of tokens/s per user
    assert "dgx-h100" in explained
    assert set(meeting) | set(explained) == set(load_catalog())


def test_an_unknown_model_exits_2(runner):
    result = runner.invoke(app, ["fleets", "compare", "--model", "llama-4"])
    assert result.exit_code == 2
    assert "unknown model" in result.stderr


def test_compare_with_a_target_no_system_meets_says_so_and_why(runner):
    result = runner.invoke(app, ["fleets", "compare", "--slo-tps", "100000"])
    # Exit 1 by the command's own choice, not an exception escaping it (which also exits 1).
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "No catalog system serves llama-3.1-70b at >= 100000 tokens/s per user" in result.stderr
    # One reason per catalog system, and no table of systems on stdout.
    for name in load_catalog():
        assert f"  {name}: " in result.stderr
    assert result.stdout == ""


NIM = ["dgx-h100", "--model", "llama-3.1-70b", "--input-tokens", "5000", "--output-tokens", "500"]
"""The shape of the NVIDIA NIM runs on H100 in the catalog: a measured curve covers it."""


def _point(runner, *args: str):
    result = runner.invoke(app, ["fleets", "point", *NIM, *args, "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)


def test_point_json_has_the_figures_and_how_they_were_obtained(runner):
    answer = _point(runner, "--min-tokens-per-s-per-user", "20", "--max-ttft-ms", "1000")
    assert {"tokens_per_s", "tokens_per_s_per_user", "ttft_ms", "batch", "basis", "source"} <= set(answer)
    assert answer["basis"] == "interpolated" and answer["precision"] == "fp8"
    assert answer["tokens_per_s"] == pytest.approx(2980.48, abs=0.01)
    assert answer["tokens_per_s_per_user"] == pytest.approx(20)
    assert "NIM" in answer["source"]


def test_point_without_a_target_is_the_highest_throughput_point(runner):
    answer = _point(runner)
    table = operating_points("dgx-h100", "llama-3.1-70b", prompt_tokens=5000, output_tokens=500)
    measured = table[table["basis"] == "measured"]
    assert answer["basis"] == "measured"
    assert answer["tokens_per_s"] == pytest.approx(measured["output_tokens_per_s"].max())


def test_point_options_choose_the_batch_the_basis_and_the_precision(runner):
    assert _point(runner, "--batch", "100")["tokens_per_s"] == pytest.approx(2493.6)
    assert _point(runner, "--batch", "150")["basis"] == "interpolated"
    estimated = _point(runner, "--basis", "estimated")
    assert estimated["basis"] == "estimated" and "roofline" in estimated["source"]
    assert _point(runner, "--basis", "measured", "--max-ttft-ms", "700")["ttft_ms"] <= 700
    assert _point(runner, "--precision", "fp16")["precision"] == "fp16"  # no fp16 curve: estimated
    assert _point(runner, "--precision", "fp16")["basis"] == "estimated"


def test_point_prints_the_basis_and_source_as_text(runner):
    result = runner.invoke(app, ["fleets", "point", *NIM, "--min-tokens-per-s-per-user", "20"])
    assert result.exit_code == 0, result.output
    assert "basis: interpolated" in result.stdout and "NIM" in result.stdout


DRAFT = ["--draft-model", "llama-3.1-8b", "--draft-tokens", "3", "--acceptance-rate", "0.5"]
"""Llama 3.1 8B drafting three tokens a step, each accepted half the time: 1.875 tokens a step."""


def test_point_with_speculative_decoding_is_estimated_faster_per_user_and_says_how(runner):
    """The NIM curve answers without a draft; with one, the estimator does (the curve's runs are
    not speculative), one stream is faster, and the JSON gives the speculation's figures."""
    plain, drafted = _point(runner, "--batch", "1"), _point(runner, "--batch", "1", *DRAFT)
    assert plain["speculation"] is None
    assert drafted["speculation"] == {
        "draft_model": "llama-3.1-8b",
        "draft_tokens": 3,
        "acceptance_rate": 0.5,
        "tokens_per_step": pytest.approx(1.875),
    }
    assert drafted["basis"] == "estimated" and "speculative decoding" in drafted["source"]
    assert drafted["tokens_per_s_per_user"] > plain["tokens_per_s_per_user"]
    assert _point(runner, *DRAFT)["basis"] == "estimated"
    result = runner.invoke(app, ["fleets", "point", *NIM, *DRAFT])
    assert result.exit_code == 0, (result.output, result.exception)
    assert "speculative decoding: llama-3.1-8b drafts 3 tokens a step" in result.stdout
    assert "1.875 tokens per verification" in result.stdout


SQUARE = ["--input-tokens", "1024", "--output-tokens", "1024", "--min-tokens-per-s-per-user", "20"]
"""The shape of the InferenceX DeepSeek runs, at a speed their MI300X SGLang runs reach."""


def test_point_on_a_stack_uses_its_runs_or_its_calibration_and_says_which(runner):
    """MI300X's DeepSeek runs are SGLang's: --stack sglang answers with one, --stack atom (AMD's
    own engine, with no runs in the curve and no calibration group) with the estimator on the AMD
    calibration; --stack vllm on Llama 3.1 405B is estimated on
    vLLM's group at most 256 sequences at once, as the fleets package gives it."""
    from fleets import get_system
    from fleets.roofline import efficiency_for

    def point(*args: str) -> dict:
        result = runner.invoke(app, ["fleets", "point", "mi300x-8", *args, "--json"])
        assert result.exit_code == 0, (result.output, result.exception)
        return json.loads(result.stdout)

    sglang = point("--model", "deepseek-v3", *SQUARE, "--stack", "sglang")
    assert sglang["basis"] == "measured" and sglang["stack"] == "SGLang (InferenceX)"
    atom = point("--model", "deepseek-v3", *SQUARE, "--stack", "atom")
    assert atom["basis"] == "estimated" and atom["stack"] == "atom"
    assert (
        atom["source"] == "roofline estimate for atom, calibrated on group gpu/amd@fp8, atom having no group of its own"
    )
    shape = ["--model", "llama-3.1-405b", "--input-tokens", "500", "--output-tokens", "500"]
    vllm, plain = point(*shape, "--stack", "vllm"), point(*shape)
    assert vllm["stack"] == "vllm" and plain["stack"] is None
    assert vllm["batch"] == 256 < plain["batch"]
    assert efficiency_for(get_system("mi300x-8"), "vllm", precision="fp8") != efficiency_for(
        get_system("mi300x-8"), precision="fp8"
    )
    assert vllm["source"] == "roofline estimate for vllm, calibrated on group gpu/amd/vllm"
    result = runner.invoke(app, ["fleets", "point", "mi300x-8", *shape, "--stack", "vllm", "--batch", "512"])
    assert result.exit_code == 1 and "at batch 512" in result.stderr


def test_point_exits_1_when_no_point_meets_the_target(runner):
    result = runner.invoke(app, ["fleets", "point", *NIM, "--min-tokens-per-s-per-user", "60", "--basis", "measured"])
    assert result.exit_code == 1
    assert "No measured operating point of dgx-h100" in result.stderr
    assert result.stdout == ""
    result = runner.invoke(app, ["fleets", "point", *NIM, "--min-tokens-per-s-per-user", "100000", "--json"])
    assert result.exit_code == 1 and result.stdout == ""


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ["dgx-h10", "--model", "llama-3.1-70b", "--input-tokens", "5", "--output-tokens", "5"],
            "did you mean 'dgx-h100'",
        ),
        (["dgx-h100", "--model", "llama-3-70b", "--input-tokens", "5", "--output-tokens", "5"], "unknown model"),
        ([*NIM, "--precision", "fp6"], "fp6"),
        ([*NIM, "--basis", "guessed"], "guessed"),
        ([*NIM, "--batch", "0"], "--batch"),
        (["dgx-h100", "--model", "llama-3.1-70b", "--output-tokens", "5"], "--input-tokens"),
        (
            [
                "groq-rack",
                "--model",
                "deepseek-v3",
                "--precision",
                "fp16",
                "--input-tokens",
                "5",
                "--output-tokens",
                "5",
            ],
            "cannot be served",
        ),
        ([*NIM, "--draft-model", "llama-3.1-8b"], "give --draft-tokens and --acceptance-rate too"),
        ([*NIM, *DRAFT[:4]], "give --acceptance-rate too"),
        ([*NIM, *DRAFT[:2], "--draft-tokens", "0", "--acceptance-rate", "0.5"], "greater than or equal to 1"),
        ([*NIM, *DRAFT[:2], "--draft-tokens", "17", "--acceptance-rate", "0.5"], "less than or equal to 16"),
        ([*NIM, *DRAFT[:4], "--acceptance-rate", "1"], "less than 1"),
        ([*NIM, *DRAFT[:4], "--acceptance-rate", "0"], "greater than 0"),
        ([*NIM, "--draft-model", "llama-3.1-8", *DRAFT[2:]], "unknown model 'llama-3.1-8'"),
        ([*NIM, "--draft-model", "llama-3.1-405b", *DRAFT[2:]], "must be smaller than the model it drafts for"),
        ([*NIM, "--stack", "trtllm"], "did you mean 'tensorrt-llm'? known: atom, jetstream, neuron, nim, sglang"),
        (
            ["mi300x-8", *NIM[1:], "--stack", "tensorrt-llm"],
            "tensorrt-llm does not run on AMD hardware (mi300x-8); stacks that do: atom, sglang, vllm",
        ),
        (["cs-3", *NIM[1:], "--stack", "vllm"], "runs its maker's own software: omit the stack"),
        ([*NIM, *DRAFT, "--basis", "measured"], "do not record speculative decoding"),
    ],
)
def test_point_rejects_bad_input_with_exit_2(runner, args, fragment):
    result = runner.invoke(app, ["fleets", "point", *args])
    assert result.exit_code == 2, (result.output, result.exception)
    assert fragment in result.stderr


def test_precision_changes_what_list_and_compare_evaluate(runner):
    usual = runner.invoke(app, ["fleets", "compare", "--slo-tps", "20", "--slo-ttft-ms", "2000"])
    wide = runner.invoke(app, ["fleets", "compare", "--slo-tps", "20", "--slo-ttft-ms", "2000", "--precision", "fp16"])
    assert usual.exit_code == 0 and wide.exit_code == 0, (usual.output, wide.output)
    h100 = [line for line in usual.stdout.splitlines() if line.startswith("│ dgx-h100 ")]
    h100_wide = [line for line in wide.stdout.splitlines() if line.startswith("│ dgx-h100 ")]
    assert "fp8" in h100[0] and "fp16" in h100_wide[0] and h100 != h100_wide
    listed = runner.invoke(app, ["fleets", "list", "--precision", "fp16"])
    assert listed.exit_code == 0
    assert "fp8" not in listed.stdout.split("┡")[1].split("└")[0]  # every system evaluated at 16-bit


def test_list_sets_the_public_api_price_beside_the_estimate_with_its_source(runner):
    result = runner.invoke(app, ["fleets", "list"])
    assert result.exit_code == 0
    priced = [
        name for name, system in load_catalog().items() if any(p.model == "llama-3.1-70b" for p in system.api_prices)
    ]
    assert priced, "the catalog knows public API prices for llama-3.1-70b"
    for name in priced:
        assert f"API price for {name}:" in result.stdout


def test_list_and_compare_on_a_stack_use_its_points_and_name_the_systems_it_does_not_run_on(runner):
    from fleets import best_point
    from fleets.economics import request_tokens_per_s

    args = ["--slo-tps", "20", "--slo-ttft-ms", "2000"]
    compared = runner.invoke(app, ["fleets", "compare", *args, "--stack", "vllm"])
    assert compared.exit_code == 0, compared.output
    assert "llama-3.1-70b on vllm" in compared.stdout
    assert "cs-3: vllm does not run on Cerebras hardware" in compared.stdout
    # MI300X on vLLM takes the gpu/amd/vllm calibration: another point than with no stack named.
    shape = {"prompt_tokens": 1000, "output_tokens": 250}
    on_vllm = best_point(operating_points("mi300x-8", "llama-3.1-70b", **shape, stack="vllm"), 20, 2000)
    plain = best_point(operating_points("mi300x-8", "llama-3.1-70b", **shape), 20, 2000)
    rate, plain_rate = (
        request_tokens_per_s(p["prefill_tokens_per_s"], p["decode_tokens_per_s"], 1000, 250) for p in (on_vllm, plain)
    )
    assert f"{rate:,.0f}" != f"{plain_rate:,.0f}"
    mi300x = next(line for line in compared.stdout.splitlines() if line.startswith("│ mi300x-8 "))
    assert f" {rate:,.0f} " in mi300x
    listed = runner.invoke(app, ["fleets", "list", "--stack", "tensorrt-llm"])
    assert listed.exit_code == 0, listed.output
    assert "mi300x-8: tensorrt-llm does not run on AMD hardware" in listed.stdout
    mi300x = next(line for line in listed.stdout.splitlines() if line.startswith("│ mi300x-8 "))
    assert mi300x.rstrip("│ ").endswith("-")  # no figures on a stack the hardware does not run


def test_an_unknown_stack_exits_2_naming_the_known_ones(runner):
    result = runner.invoke(app, ["fleets", "compare", "--stack", "vlm"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "vllm" in result.output


def test_a_system_sold_by_quote_is_listed_without_a_cost_and_shown_with_who_quotes(runner):
    listed = runner.invoke(app, ["fleets", "list"])
    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.stdout.splitlines() if line.startswith("│ tpu7x-4 "))
    assert "by quote" in row and "estimated" in row
    shown = runner.invoke(app, ["fleets", "show", "tpu7x-4"])
    assert shown.exit_code == 0, shown.output
    assert "sold by quote: Google Cloud, through an account team" in " ".join(shown.stdout.split())
