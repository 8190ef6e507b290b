"""Reference models: the published configurations and the sizing figures derived from them."""

from __future__ import annotations

import re

import pytest

from fleets.models import UnknownModelError, get_model, load_models


def test_the_reference_models_are_there():
    assert {"llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "deepseek-v3"} <= set(load_models())
    assert any(m.experts for m in load_models().values()), "at least one mixture-of-experts model"


def test_kv_cache_per_token_by_hand():
    """Llama 3.1 70B: 2 (K, V) x 80 layers x 8 KV heads x 128 x 2 bytes = 327,680 bytes at fp16."""
    model = get_model("llama-3.1-70b")
    assert model.kv_cache_bytes_per_token("fp16") == 327_680
    assert model.kv_cache_bytes_per_token("fp8") == 163_840


def test_latent_attention_uses_its_published_cache_size():
    assert get_model("deepseek-v3").kv_cache_bytes_per_token("fp16") == 576 * 61 * 2


def test_weights_and_flops_by_hand():
    model = get_model("llama-3.1-8b")
    assert model.weight_bytes("fp8") == 8.03e9
    assert model.weight_bytes("fp4") == 8.03e9 * 0.5625  # NVFP4: 4 bits and an 8-bit scale per 16 values
    assert model.flops_per_token() == 2 * 8.03e9
    assert model.flops_per_token(1000) == 2 * 8.03e9 + 4 * 32 * 32 * 128 * 1000


def test_an_unknown_model_suggests_a_close_name():
    with pytest.raises(UnknownModelError, match=re.escape("did you mean 'llama-3.1-70b'")):
        get_model("llama-3.1-70")
