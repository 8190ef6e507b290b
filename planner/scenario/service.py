"""The operating point a fleet serves a workload at, as the scenario's checks and the plan's data read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planner.scenario.fleet import Performance

INLINE_SOURCE = "the fleet's performance figures in the scenario"
"""The ``source`` of a point a scenario gives inline."""


@dataclass(frozen=True)
class ServicePoint:
    """The operating point a fleet serves a workload at, or why it cannot."""

    performance: Performance | None
    origin: str = ""
    """'scenario' (inline figures), 'roofline' or 'measured' (from the fleets package)."""
    basis: str = "scenario"
    """How the figures were obtained: 'scenario' (inline), or from the fleets package 'measured' (a published
    run), 'interpolated' (between two published runs) or 'estimated' (the roofline estimator)."""
    precision: str | None = None
    concurrency: int | None = None
    stack: str | None = None
    """The serving stack of the run (as its curve names it) or of the estimate (the fleet's
    ``serving_stack``); None where neither names one."""
    source: str = ""
    """Where the figures come from: the publication of a run (and its confidence), the two runs an
    interpolated point lies between, or what the estimate is (its calibration group, its draft model)."""
    reason: str | None = None

    def within(self, min_tokens_per_s_per_user: float, max_ttft_ms: float) -> ServicePoint:
        """This point if it meets the latency target, else a point saying why not."""
        perf = self.performance
        if perf is None:  # already a point that cannot serve, with its reason
            return self
        if perf.ttft_ms > max_ttft_ms:
            return ServicePoint(None, reason=f"time to first token {perf.ttft_ms:g} ms > {max_ttft_ms:g} ms")
        if perf.tokens_per_s_per_user < min_tokens_per_s_per_user:
            return ServicePoint(
                None, reason=f"{perf.tokens_per_s_per_user:g} tokens/s per user < {min_tokens_per_s_per_user:g}"
            )
        return self
