"""Reference language models: the figures that decide memory, bandwidth and compute per token.

>>> from fleets.models import get_model
>>> model = get_model("llama-3.1-70b")
>>> model.kv_cache_bytes_per_token("fp16")  # 2 (K and V) x 80 layers x 8 heads x 128 x 2 bytes
327680.0
"""

from __future__ import annotations

import difflib
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it: ten times faster on the catalog's and models' files
(80 ms of every command's start-up otherwise)."""

Precision = Literal["fp16", "fp8", "fp4"]
"""Number formats of weights and KV cache: 16-bit (fp16 or bf16), 8-bit (fp8 or int8), 4-bit."""

BYTES_PER_VALUE: dict[str, float] = {"fp16": 2.0, "fp8": 1.0, "fp4": 0.5625}
"""Bytes per stored value. 4-bit values carry their block's scale: NVFP4 stores one 8-bit (E4M3)
scale per 16 values, 4.5 bits a value (NVIDIA technical blog, "Introducing NVFP4 for efficient and
accurate low-precision inference", June 2025, developer.nvidia.com/blog); the catalog's 4-bit runs
are NVFP4."""


class ModelSpec(BaseModel):
    """One reference model's published configuration."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Model identifier used by workloads and fleets, e.g. 'llama-3.1-70b'.")
    description: str = Field(description="What the model is.")
    total_params: float = Field(gt=0, description="All parameters, including every expert (count).")
    active_params: float = Field(
        gt=0, description="Parameters used for one token (count); equals total_params for a dense model."
    )
    layers: int = Field(gt=0, description="Transformer layers.")
    hidden_size: int = Field(gt=0, description="Width of the residual stream.")
    attention_heads: int = Field(gt=0, description="Query heads per layer.")
    kv_heads: int = Field(
        gt=0, description="Key/value heads per layer (fewer than attention_heads with grouped-query attention)."
    )
    head_dim: int = Field(gt=0, description="Dimension of one attention head.")
    experts: int | None = Field(default=None, gt=0, description="Routed experts per layer (mixture-of-experts models).")
    experts_per_token: int | None = Field(default=None, gt=0, description="Routed experts used per token.")
    kv_cache_bytes_per_token_fp16: float | None = Field(
        default=None,
        gt=0,
        description="KV-cache bytes per token at 16-bit when the attention is not standard (latent attention).",
    )
    precision: Precision = Field(description="Precision the model is usually served at.")
    source: str = Field(min_length=3, description="Where the configuration is published.")

    @model_validator(mode="after")
    def _consistent(self) -> ModelSpec:
        if self.active_params > self.total_params:
            raise ValueError("active_params exceeds total_params")
        if (self.experts is None) != (self.experts_per_token is None):
            raise ValueError("give both experts and experts_per_token, or neither")
        if (
            self.experts is not None
            and self.experts_per_token is not None
            and not self.experts_per_token < self.experts
        ):
            raise ValueError("experts_per_token must be fewer than experts")
        return self

    def weight_bytes(self, precision: Precision) -> float:
        """Bytes of all weights at ``precision``."""
        return self.total_params * BYTES_PER_VALUE[precision]

    def weight_bytes_read(self, batch: float, precision: Precision) -> float:
        """Bytes of weights one decode step reads for ``batch`` sequences.

        A dense model reads every weight once per step. A mixture-of-experts model reads its shared
        part and the experts its tokens are routed to: with ``k`` of ``E`` experts per token, a
        step of ``b`` tokens touches on average ``E * (1 - (1 - k/E) ** b)`` experts per layer.
        """
        if self.experts is None or self.experts_per_token is None:  # dense (the validator sets both or neither)
            return self.weight_bytes(precision)
        per_expert = (self.total_params - self.active_params) / (self.experts - self.experts_per_token)
        shared = self.active_params - self.experts_per_token * per_expert
        touched = self.experts * (1.0 - (1.0 - self.experts_per_token / self.experts) ** batch)
        return (shared + touched * per_expert) * BYTES_PER_VALUE[precision]

    def kv_cache_bytes_per_token(self, precision: Precision) -> float:
        """KV-cache bytes per token of context, at ``precision`` (at most 16-bit)."""
        scale = BYTES_PER_VALUE[precision] / 2.0
        if self.kv_cache_bytes_per_token_fp16 is not None:
            return self.kv_cache_bytes_per_token_fp16 * scale
        return 2.0 * self.layers * self.kv_heads * self.head_dim * BYTES_PER_VALUE[precision]

    def flops_per_token(self, context_tokens: float = 0.0) -> float:
        """Floating-point operations for one token: 2 per active parameter, plus attention over
        ``context_tokens`` earlier tokens (2 multiply-adds per head dimension per layer and head)."""
        attention = 4.0 * self.layers * self.attention_heads * self.head_dim * context_tokens
        return 2.0 * self.active_params + attention


class UnknownModelError(KeyError):
    """Raised for a model name the reference list does not hold."""

    def __init__(self, name: str, known: list[str]):
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"did you mean {', '.join(repr(c) for c in close)}?" if close else f"known models: {', '.join(known)}"
        super().__init__(f"unknown model {name!r}: {hint}")

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return self.args[0]

    def __reduce__(self):
        return (Exception, (self.args[0],))


@cache
def _read_models() -> dict[str, ModelSpec]:
    # Read once per process: package data does not change while it runs.
    text = resources.files("fleets").joinpath("models.yaml").read_text(encoding="utf-8")
    return {name: ModelSpec(name=name, **entry) for name, entry in yaml.load(text, Loader=SAFE_LOADER).items()}


def load_models() -> dict[str, ModelSpec]:
    """Every reference model, by name (a new dict each call; the specs are frozen)."""
    return dict(_read_models())


def get_model(name: str) -> ModelSpec:
    """The reference model ``name``.

    Raises
    ------
    UnknownModelError
        If there is none; the message suggests close names.
    """
    models = _read_models()
    if name not in models:
        raise UnknownModelError(name, sorted(models))
    return models[name]
