"""Plausible ranges of a scenario's numbers, one per unit.

A number far outside what any real plan holds is a typing or unit mistake. Left in, it either makes
the plan meaningless or breaks the solver: 1e308 USD becomes infinity once multiplied, a throughput of
1e-308 tokens/s makes a coefficient of 1e308, a term of ten million months makes rows with ten million
entries. Each field's type therefore states the range of its unit, with the reason, and a value
outside it is reported at the field.

>>> from pydantic import TypeAdapter
>>> TypeAdapter(USD_PER_UNIT).validate_python(300_000.0)
300000.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, get_args

from pydantic import AfterValidator, Field

from planner.errors import FieldError


def plausible(unit: str, high: float, why: str, *, low: float = 0.0, low_why: str = "", positive: bool = False):
    """A float type of ``unit`` that must be finite, non-negative (``positive``: above zero) and,
    when not zero, from ``low`` to ``high``; ``why`` (and ``low_why``) say where the bounds come from.
    """

    def check(value: float) -> float:
        if value > high:
            raise FieldError(
                f"{value:g} {unit} is more than any plausible figure ({why}, so at most {high:g}); check the number "
                "and its unit",
                value=value,
            )
        if 0 < value < low:
            raise FieldError(
                f"{value:g} {unit} is less than any plausible figure ({low_why}, so at least {low:g}); check the "
                "number and its unit",
                value=value,
            )
        return value

    bound = Field(gt=0, allow_inf_nan=False) if positive else Field(ge=0, allow_inf_nan=False)
    return Annotated[float, bound, AfterValidator(check)]


def each_step(kind: Any) -> AfterValidator:
    """A validator of a value over time (one number, or steps by period label) that checks every
    number against the range of ``kind`` (a type made by :func:`plausible`), reporting a step at its label."""
    check: Callable[[Any], Any] = next(meta.func for meta in get_args(kind)[1:] if isinstance(meta, AfterValidator))  # type: ignore[assignment]

    def steps(schedule: Any) -> Any:
        if not isinstance(schedule, dict):
            return check(schedule)
        for label, value in schedule.items():
            try:
                check(value)
            except FieldError as exc:
                raise FieldError(str(exc), field=(label,), value=value) from None
        return schedule

    return AfterValidator(steps)


USD_PER_UNIT = plausible(
    "USD per unit", 1e9, "the dearest unit, a wafer-scale system or a full GPU rack, costs a few million USD"
)
USD_PER_UNIT_YEAR = plausible(
    "USD per unit and year", 1e8, "support, space and staff for one unit cost a fraction of its price a year"
)
USD_PER_UNIT_HOUR = plausible(
    "USD per unit and hour", 1e5, "renting the largest unit, a full rack, costs a few hundred USD an hour"
)
USD_PER_MWH = plausible(
    "USD per MWh", 1e5, "wholesale power prices spike to a few thousand USD per MWh at their very highest"
)
USD_PER_MTOK = plausible(
    "USD per million tokens",
    1e6,
    "the dearest models sell at under a thousand USD per million tokens",
    low=1e-6,
    low_why="below a millionth of a dollar per million tokens the figure is a mistaken unit",
    positive=True,
)
USD_PER_MTOK_MOVED = plausible(
    "USD per million tokens moved", 1e4, "moving a prompt's KV cache costs far less than serving it"
)
USD_PER_YEAR = plausible("USD per year", 1e13, "the largest data-centre programmes spend a few hundred billion a year")
USD_ONCE = plausible("USD", 1e12, "a one-off cost above the largest companies' yearly capital spending")
MONTHS_OF_TERM = plausible("months", 120, "leases and reservations run one to five years")
MONTHS_OF_LEAD = plausible("months", 240, "hardware arrives within a year or two, a new power block in a few years")
YEARS_OF_LIFE = plausible(
    "years",
    50,
    "servers serve 3 to 6 years, power and buildings a few decades",
    low=1 / 12,
    low_why="nothing is bought to serve less than a month",
    positive=True,
)
UNITS = plausible("units", 1e8, "the world's accelerator servers number a few million")
TOKENS_PER_S_PER_UNIT = plausible(
    "tokens/s per unit",
    1e9,
    "the fastest rack serves a few million tokens per second",
    low=0.01,
    low_why="a unit serving less than one token in 100 seconds is a mistaken unit, e.g. tokens per hour",
    positive=True,
)
SLO_TOKENS_PER_S_PER_USER = plausible(
    "tokens/s per user", 1e5, "the fastest single stream runs at a few thousand tokens per second"
)
TOKENS_PER_S_PER_USER = plausible(
    "tokens/s per user",
    1e5,
    "the fastest single stream runs at a few thousand tokens per second",
    low=0.01,
    low_why="a stream slower than one token in 100 seconds is a mistaken unit",
    positive=True,
)
MILLISECONDS = plausible(
    "ms",
    1e8,
    "a day, the longest batch deadline, is 86.4 million ms",
    low=1e-3,
    low_why="no answer starts within a microsecond",
    positive=True,
)
TOKENS_PER_REQUEST = plausible(
    "tokens per request",
    1e7,
    "the longest contexts hold a few million tokens",
    low=1,
    low_why="a request holds a token",
    positive=True,
)
TOKEN_RATIO = plausible(
    "input tokens per output token",
    1e5,
    "even retrieval with long documents reads at most tens of thousands of tokens per token written",
    low=1e-5,
    low_why="requests read at least a token per hundred thousand written",
    positive=True,
)
BYTES_PER_TOKEN = plausible(
    "bytes per token",
    1e8,
    "the largest models' KV cache holds a few MB per token",
    low=1,
    low_why="a KV cache holds a byte per token",
    positive=True,
)
GB_PER_S = plausible(
    "GB/s",
    1e6,
    "the largest links between sites carry tens of TB/s",
    low=1e-3,
    low_why="below a MB/s a link moves no useful KV cache",
    positive=True,
)
MW = plausible("MW", 1e5, "all the sites of the largest operators together draw tens of thousands of MW")
MW_OF_BLOCK = plausible(
    "MW",
    20_000,
    "the largest campuses plan a few thousand MW",
    low=0.01,
    low_why="a block smaller than 10 kW is kW taken for MW",
    positive=True,
)

MAX_TOKENS_PER_DAY = 1e16
"""Most tokens a demand entry may have per day: over 1,000 times the largest published daily volume
(:data:`demand.plausibility.LARGEST_PUBLISHED_TOKENS_PER_DAY`, 8.6e12 at OpenAI's API in October 2025),
which no plan will meet; a figure beyond it is a unit or growth-rate mistake. It keeps sums over any
horizon finite. Above 100 times that volume ``validate`` and ``solve`` warn (:mod:`demand.plausibility`)."""
