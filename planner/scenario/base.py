"""What every part of a scenario is made of: names, amounts over time, and the checked input model."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StringConstraints,
    Tag,
    ValidationError,
)

from planner.errors import (
    ScenarioError,
)
from planner.ranges import (
    MW,
    UNITS,
    USD_PER_MWH,
    USD_PER_YEAR,
    each_step,
)
from planner.validation import problems_from_validation

Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", max_length=64)]
"""Names of workloads, fleets and sites: a letter, then letters, digits, '_', '-' or '.'."""

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]

Procurement = Literal["own", "lease", "cloud", "reserved"]
AT_SITES = ("own", "lease")
"""Procurement modes whose units stand at the user's sites, under their power caps."""
Phase = Literal["both", "prefill", "decode"]
"""What a fleet serves of a workload: all of it, or one phase of a disaggregated workload."""


def _form(value: Any) -> str | None:
    """Which form a value over time is written in: one number, a mapping, or neither (None)."""
    if isinstance(value, dict):
        return "steps"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "number"
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return None
        return "number"
    return None


# The form is chosen from the value itself, so that a value that is neither is one problem with
# both forms explained, not one problem per form tried.
Schedule = Annotated[
    Annotated[NonNegative, Tag("number")] | Annotated[dict[str, NonNegative], Tag("steps")],
    Discriminator(
        _form,
        custom_error_type="schedule",
        custom_error_message="give one number, or steps as a mapping of period to value, e.g. {'2026-01': 20, '2027-01': 40}",
    ),
]
"""A value over time: one number for the whole horizon, or steps ``{period label: value}``.

Each step holds from its period until the next step; the first step must be at or before the
horizon's first period (write ``{'2026-01': 0, '2026-07': 300}`` for a site that opens in July),
and every step within the horizon.
"""
UnitsSchedule = Annotated[Schedule, each_step(UNITS)]
"""A number of units over time, within the plausible range of :data:`planner.ranges.UNITS`."""
PriceSchedule = Annotated[Schedule, each_step(USD_PER_MWH)]
"""An electricity price in USD per MWh over time, within :data:`planner.ranges.USD_PER_MWH`."""
SpendSchedule = Annotated[Schedule, each_step(USD_PER_YEAR)]
"""A spend in USD per year over time, within :data:`planner.ranges.USD_PER_YEAR`."""
MWSchedule = Annotated[Schedule, each_step(MW)]
"""Committed MW over time, within :data:`planner.ranges.MW`."""

ShareInput = Annotated[
    Annotated[float, Tag("number")] | Annotated[dict[str, float], Tag("steps")],
    Discriminator(
        _form,
        custom_error_type="share",
        custom_error_message="give a fraction (0.25 for 25%), or points as a mapping of period to fraction, e.g. {'2026-01': 0.1, '2027-01': 0.4}",
    ),
]
"""A workload's share of its demand entry (see :data:`demand.mix.Share`), checked by form like a schedule."""


class Input(BaseModel):
    # Assignments are validated, so that a value edited in a notebook is checked like one in a file;
    # checks across sections run again before the LP is built (see ``Scenario.revalidated``).
    model_config = ConfigDict(extra="forbid", validate_default=True, validate_assignment=True)
    _where: tuple = PrivateAttr(default=())
    """Where this entry is in its scenario (``("fleets", "h100")``), to name a rejected edit's field in full."""

    def __setattr__(self, name: str, value: Any) -> None:
        kept = self.__dict__.copy()
        try:
            super().__setattr__(name, value)
        except ValidationError as exc:
            # A check of the whole entry (after its fields passed) fails once the value is set:
            # put back what the entry held, so that a rejected value is not kept.
            self.__dict__.update(kept)
            problems = problems_from_validation(exc, type(self), data={name: value})
            where = ".".join(map(str, self._where))
            raise ScenarioError(
                [
                    replace(
                        p,
                        path=".".join(part for part in (where, p.path) if part),
                        value=None if isinstance(p.value, BaseModel) else p.value,  # the entry itself: no value
                    )
                    for p in problems
                ]
            ) from exc


def place(node: Any, where: tuple) -> None:
    """Tell every entry of a validated scenario where it is (see ``Input._where``)."""
    if isinstance(node, Input):
        node._where = where
        for name in type(node).model_fields:
            place(getattr(node, name), (*where, name))
    elif isinstance(node, dict):
        for key, child in node.items():
            place(child, (*where, key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            place(child, (*where, i))


def fill(model: BaseModel, name: str, value: Any) -> None:
    """Set a field from inside the model's own validator, without validating the assignment again
    (which would run that validator once more)."""
    model.__dict__[name] = value
