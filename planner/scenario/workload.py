"""A workload: a stream of requests for one model with one latency target."""

from __future__ import annotations

from pydantic import (
    Field,
)

from demand.profiles import Profile
from planner.ranges import (
    BYTES_PER_TOKEN,
    MILLISECONDS,
    SLO_TOKENS_PER_S_PER_USER,
    TOKEN_RATIO,
    TOKENS_PER_REQUEST,
    USD_PER_MTOK_MOVED,
)
from planner.scenario.base import (
    Input,
    Name,
    ShareInput,
)


class Workload(Input):
    """A stream of requests for one model with one latency target."""

    model: str = Field(
        description="Reference model served, e.g. 'llama-3.1-70b'; fleets list their performance per model."
    )
    demand: Name | None = Field(
        default=None, description="Key of this workload's entry in 'demand'; defaults to the workload's own name."
    )
    max_ttft_ms: MILLISECONDS = Field(
        description="Latency SLO: longest acceptable time to first token, in milliseconds."
    )
    min_tokens_per_s_per_user: SLO_TOKENS_PER_S_PER_USER = Field(
        description="Latency SLO: slowest acceptable output speed of one user's stream, in tokens per second."
    )
    input_output_ratio: TOKEN_RATIO = Field(
        description="Input (prompt) tokens per output token; splits demand into prefill and decode."
    )
    output_tokens_per_request: TOKENS_PER_REQUEST = Field(
        default=500.0,
        description="Average output tokens of one request; with input_output_ratio it sets the prompt length, which "
        "decides KV-cache memory and time to first token in the catalog's operating points.",
    )
    share: ShareInput | None = Field(
        default=None,
        description="Fraction of the demand entry this workload takes: a number, or points {period: fraction} "
        "interpolated linearly over time (e.g. agents from 0.1 to 0.4). Needed when several workloads share an "
        "entry, and then summing to one in every period; omitted for a workload that has its entry to itself.",
    )
    profile: Profile = Field(
        default_factory=lambda: Profile(preset="flat"),
        description="How the load varies over hours and weekdays; capacity is sized for its peak hour.",
    )
    disaggregate: bool = Field(
        default=False,
        description="Allow prefill and decode on different fleets at the same site (time to first token is then checked "
        "on the prefill fleet, per-user speed on the decode fleet). Default: both phases on one fleet, in the "
        "workload's input:output proportion.",
    )
    kv_bytes_per_token: BYTES_PER_TOKEN | None = Field(
        default=None,
        description="KV-cache bytes per prompt token moved between sites (for link bandwidth). Default: the reference "
        "model's at 16-bit (see fleets/models.yaml).",
    )
    kv_transfer_usd_per_mtok: USD_PER_MTOK_MOVED = Field(
        default=0.0,
        description="Cost of moving the KV cache of one million prompt tokens from the prefill fleet to a different "
        "decode fleet, in USD (network and serialization); applies to disaggregated workloads.",
    )
