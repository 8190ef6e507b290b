"""The scenario: one planning question, its sections checked against each other."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from demand import DemandSpec
from planner.errors import (
    ScenarioError,
    locate,
)
from planner.scenario.base import (
    Fraction,
    Input,
    Name,
    place,
)
from planner.scenario.checks import entry_problems, reference_problems
from planner.scenario.cross import (
    adoption_problems,
    calendar_problems,
    link_problems,
    mix_problems,
    model_problems,
    resilience_problems,
    service_problems,
    slice_problems,
)
from planner.scenario.fleet import Fleet
from planner.scenario.horizon import Horizon
from planner.scenario.policy import Contract, KvLink, Policy
from planner.scenario.site import Site
from planner.scenario.workload import Workload
from planner.validation import problems_from_validation
from planner.yamlio import load_yaml_file


class Scenario(Input):
    """One planning question: horizon, workloads and their demand, hardware options, sites and policy.

    Build one with :meth:`from_yaml` (errors then name the file and line) or from a dict with
    :meth:`from_dict`; both raise :class:`~planner.errors.ScenarioError` listing every problem.
    """

    name: str = Field(default="scenario", description="Short name shown in reports.")
    description: str = Field(default="", description="What question this scenario answers.")
    horizon: Horizon = Field(description="The planning calendar.")
    workloads: dict[Name, Workload] = Field(min_length=1, description="Workloads by name.")
    demand: dict[Name, DemandSpec] = Field(min_length=1, description="Token demand (input plus output) per demand key.")
    fleets: dict[Name, Fleet] = Field(min_length=1, description="Hardware options by name.")
    sites: dict[Name, Site] = Field(default_factory=dict, description="Sites for owned fleets, by name.")
    policy: Policy = Field(
        default_factory=Policy, description="Budgets, penalties and limits on vendors and categories."
    )
    contracts: dict[Name, Contract] = Field(default_factory=dict, description="Capacity commitments, by name.")
    kv_links: list[KvLink] = Field(
        default_factory=list,
        description="Links between sites over which disaggregated workloads may move KV caches. Omitted: prefill and "
        "decode of a request share a site.",
    )
    time_slices: list[Fraction] | None = Field(
        default=None,
        min_length=1,
        description="Plan each period in slices of the week's hours, busiest first, as shares of the hours summing to "
        "one (e.g. [0.1, 0.5, 0.4]: peak, shoulder, off-peak): capacity must carry every slice, energy is paid per "
        "slice. Omitted: capacity is sized for each workload's peak hour and energy for the average.",
    )
    integer_units: bool = Field(
        default=False,
        description="Buy, lease, reserve and rent whole units (a mixed-integer program, slower); marginal prices then come "
        "from the linear program with those decisions fixed.",
    )
    _passed: str | None = PrivateAttr(default=None)
    """The scenario's content, as text, when it last passed every check (see :meth:`check_unedited`)."""

    @model_validator(mode="after")
    def _cross_check(self) -> Scenario:
        sections = self.model_dump(include={"workloads", "demand", "fleets", "sites", "contracts"})
        problems = [
            *reference_problems(sections),
            *calendar_problems(self),
            *mix_problems(self),
            *model_problems(self),
            *service_problems(self),
            *resilience_problems(self),
            *adoption_problems(self),
            *slice_problems(self),
            *link_problems(self),
        ]
        if problems:
            raise ValidationError.from_exception_data(
                "Scenario",
                [
                    InitErrorDetails(
                        type=PydanticCustomError("scenario", msg.replace("{", "(").replace("}", ")")),
                        loc=loc,
                        input=value,
                    )
                    for loc, msg, value in problems
                ],
            )
        place(self, ())
        self._passed = _content(self)
        return self

    def demand_key(self, workload: str) -> str:
        """The ``demand`` entry that feeds ``workload``."""
        return self.workloads[workload].demand or workload

    # ----------------------------------------------------------------- loading
    @classmethod
    def from_dict(
        cls, data: Any, *, base_dir: Path | str = ".", file: Path | None = None, text: str | None = None
    ) -> Scenario:
        """Validate a scenario given as plain data.

        Parameters
        ----------
        data
            The parsed scenario (a mapping).
        base_dir
            Folder against which relative paths (demand CSV files) are resolved.
        file, text
            The file and its text, only to locate problems by line.

        Raises
        ------
        ScenarioError
            Listing every problem found.
        """
        if not isinstance(data, dict):
            message = "a scenario is a mapping of sections (horizon, workloads, ...); write each section as a top-level 'name:' line"
            raise ScenarioError([locate((), message, type(data).__name__, file, text)])
        try:
            return cls.model_validate(data, context={"base_dir": Path(base_dir)})
        except ValidationError as exc:
            problems = problems_from_validation(exc, cls, file, text, data, Path(base_dir))
            if not any(error["type"] == "scenario" for error in exc.errors()):
                # Field errors stop pydantic before the cross-checks; check the names anyway so
                # that one run reports a misspelt reference together with a bad value.
                reported = {problem.path for problem in problems}
                problems += [
                    problem
                    for loc, message, value in reference_problems(data)
                    if (problem := locate(loc, message, value, file, text)).path not in reported
                ]
                said = {(problem.path, problem.message) for problem in problems}
                problems += [
                    problem
                    for loc, message, value in entry_problems(data)
                    if ((problem := locate(loc, message, value, file, text)).path, problem.message) not in said
                ]
            raise ScenarioError(problems) from exc

    @classmethod
    def from_yaml(cls, path: Path | str) -> Scenario:
        """Load and validate a scenario file; relative paths in it are read from its folder.

        Raises
        ------
        ScenarioError
            Listing every problem found, with file and line.
        """
        path = Path(path)
        data, text = load_yaml_file(path)
        return cls.from_dict(data, base_dir=path.parent, file=path, text=text)

    def revalidated(self) -> Scenario:
        """This scenario checked again as a whole, as :meth:`from_dict` checks a file's content.

        Assignments to a field are checked at once, but the checks across fields and sections
        (references, calendars, latency eligibility) run only when the scenario is built: an edit
        inside a section such as ``scenario.sites["west"].fleets = ["h10"]`` (no such fleet) is
        caught here. :meth:`planner.data.ModelData.from_scenario` (and so :func:`planner.solve`,
        ``explain`` and ``inspect``) runs it before building the LP when the scenario was edited
        (:meth:`check_unedited`).

        Raises
        ------
        ScenarioError
            Listing every problem, as the loader lists them.
        """
        return type(self).from_dict(self.model_dump(mode="python"))

    def check_unedited(self) -> None:
        """Check the scenario again as a whole (as :meth:`revalidated`) unless its content is what
        last passed every check.

        The checks depend on the content alone, so a scenario unchanged since it was loaded passes
        them again: comparing its content (a dump, as text) takes well under a millisecond, checking
        it again tens of milliseconds. Any edit, made by assignment or inside a list or mapping,
        changes the text and the scenario is checked again. :meth:`planner.data.ModelData.from_scenario`
        calls this before building the LP.

        Raises
        ------
        ScenarioError
            Listing every problem, as the loader lists them.
        """
        if self._passed is None or self._passed != _content(self):
            self.revalidated()

    def to_yaml(self) -> str:
        """The scenario with every default and catalog figure filled in, as YAML."""
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def _content(scenario: Scenario) -> str:
    """A scenario's content as text: equal for two scenarios whose dumps are equal value for value
    and type for type (``repr`` tells ``1`` from ``1.0`` and ``True``, which ``==`` does not)."""
    return repr(scenario.model_dump(mode="python"))
