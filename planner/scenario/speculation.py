"""Speculative decoding on a fleet: a draft model, how many tokens it proposes a step, how often
they are accepted, and why a fleet's entries cannot be used."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import (
    Field,
    field_validator,
)

from fleets import (
    Speculation,
    UnknownModelError,
    get_model,
    load_models,
)
from fleets.layouts import draft_problem
from planner.errors import (
    unknown_name,
)
from planner.scenario.base import (
    Input,
)

MAX_DRAFT_TOKENS = 16
"""Most tokens a draft may propose per step. Serving stacks propose a handful (vLLM's examples 5);
beyond a dozen even a draft accepted 80% of the time adds under 0.07 tokens a step, while each
drafted token costs a draft step and a token of verification."""

AcceptanceRate = Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)]
"""The probability that the served model accepts a drafted token: a fraction strictly between 0 and 1."""


class SpeculativeDecoding(Input):
    """Speculative decoding of one model on a fleet: a smaller draft model proposes tokens that the
    served model verifies together in one step.

    A step yields ``(1 - a^(k+1)) / (1 - a)`` tokens per sequence (``k`` drafted tokens, each accepted
    with probability ``a`` until the first rejection: Leviathan, Kalman and Matias, "Fast Inference
    from Transformers via Speculative Decoding", ICML 2023, arXiv:2211.17192) and costs a
    verification of ``k + 1`` tokens plus ``k`` draft steps; the draft's weights and KV cache take
    memory beside the served model's.
    """

    draft_model: str = Field(
        description="Reference model that drafts (fleets/models.yaml), smaller than the served model, e.g. "
        "'llama-3.1-8b' for 'llama-3.1-70b'; served at the fleet's precision on the same chips. It must share the "
        "served model's tokenizer, which the planner cannot check.",
    )
    draft_tokens: int = Field(
        ge=1,
        le=MAX_DRAFT_TOKENS,
        description=f"Tokens the draft proposes per step (a count, 1 to {MAX_DRAFT_TOKENS}), verified together by the "
        "served model.",
    )
    acceptance_rate: AcceptanceRate = Field(
        description="Probability that the served model accepts each drafted token (a fraction strictly between 0 "
        "and 1, e.g. 0.7 for 70%), until the first rejection; measure it on your own traffic: it depends on the "
        "draft, the served model and the prompts.",
    )

    @field_validator("draft_model")
    @classmethod
    def _known_draft(cls, name: str) -> str:
        try:
            get_model(name)
        except UnknownModelError as exc:
            raise ValueError(f"{exc} (a draft model is a reference model of fleets/models.yaml)") from None
        return name

    def speculation(self) -> Speculation:
        """The estimator's :class:`fleets.Speculation` for these figures."""
        return Speculation(self.draft_model, self.draft_tokens, self.acceptance_rate)


def speculation_problems(system: Any, performance: Any, entries: Any) -> Iterator[tuple[tuple, str, Any]]:
    """Why a fleet's ``speculative_decoding`` entries cannot be used, as ``(location in the fleet,
    message, value)``.

    On plain values (a parsed file's) as well as a validated fleet's, so that the loader reports
    every entry's problem in one run (:func:`planner.scenario.checks.entry_problems`); an unknown
    draft model is its field's own check.
    """
    if not isinstance(entries, dict) or not entries:
        return
    if system is None:
        yield (
            ("speculative_decoding",),
            "speculative decoding changes a catalog system's estimated operating points, and this fleet names no "
            "'system'; name one, or give inline 'performance' figures measured with speculative decoding instead",
            None,
        )
        return
    models = load_models()
    for model, entry in entries.items():
        where = ("speculative_decoding", model)
        if isinstance(performance, dict) and model in performance:
            yield (
                where,
                f"'performance' gives this fleet's figures for {model!r} inline, and they replace the catalog's "
                "points that speculative decoding would change; give inline figures measured with speculative "
                "decoding and remove this entry, or remove the inline figures",
                None,
            )
        elif model not in models:
            yield where, f"{unknown_name('model', model, sorted(models))} (fleets/models.yaml)", model
        else:
            draft = entry.get("draft_model") if isinstance(entry, dict) else None
            problem = (
                draft_problem(models[model], models[draft]) if isinstance(draft, str) and draft in models else None
            )
            if problem:
                yield (*where, "draft_model"), problem, draft
