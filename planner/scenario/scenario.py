"""The scenario: one planning question, its sections checked against each other."""

from __future__ import annotations

import math
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

from demand import DemandSpec, ExplicitSeries, parse_period, project, seconds_per_period
from demand.mix import mix_table, share_values
from demand.periods import parse_label
from fleets import (
    UnknownModelError,
    get_model,
    load_models,
)
from planner.errors import (
    ScenarioError,
    closest,
    locate,
    unknown_name,
)
from planner.ranges import (
    MAX_TOKENS_PER_DAY,
)
from planner.scenario.base import (
    Fraction,
    Input,
    Name,
    Phase,
    place,
)
from planner.scenario.checks import entry_problems, reference_problems
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
            *self._check_calendar(),
            *self._check_mix(),
            *self._check_models(),
            *self._check_service(),
            *self._check_resilience(),
            *self._check_adoption(),
            *self._check_slices(),
            *self._check_links(),
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

    def _check_calendar(self):
        periods = self.horizon.calendar()
        first, last = periods[0], periods[-1]
        length = self.horizon.period_length

        def steps(value, loc, before="add '{first}: 0' if nothing is available before"):
            if not isinstance(value, dict):
                return
            if not value:
                yield loc, "empty schedule; give a number or at least one step", value
                return
            labels = {}
            for label in value:
                try:
                    labels[label] = parse_period(label, length)
                except ValueError as exc:
                    yield (*loc, label), str(exc), label
            early = min(labels, key=labels.__getitem__) if labels else None
            if early is not None and labels[early] > first:
                yield (
                    loc,
                    f"the first step must be at or before the horizon start {first}, or the periods before it have no "
                    f"value; {before.format(first=first)}",
                    early,
                )
            for label, period in labels.items():
                if period > last and not (label == early and period > first):
                    yield (
                        (*loc, label),
                        f"this step starts after the horizon ends ({last}), so it would never apply; remove it, correct "
                        "its date, or lengthen the horizon",
                        label,
                    )

        for name, site in self.sites.items():
            yield from steps(site.power_mw, ("sites", name, "power_mw"))
            yield from steps(
                site.electricity_price_usd_per_mwh,
                ("sites", name, "electricity_price_usd_per_mwh"),
                "add a step '{first}: PRICE' with the price from the start",
            )
        for name, fleet in self.fleets.items():
            yield from steps(fleet.max_build_units_per_period, ("fleets", name, "max_build_units_per_period"))
            yield from steps(fleet.quota_units, ("fleets", name, "quota_units"))
            for i, existing in enumerate(fleet.existing):
                if existing.retire_after is not None:
                    loc = ("fleets", name, "existing", i, "retire_after")
                    try:
                        retired = parse_period(existing.retire_after, length)
                    except ValueError as exc:
                        yield loc, str(exc), existing.retire_after
                        continue
                    if retired < first:
                        yield (
                            loc,
                            (
                                f"these units retire before the horizon starts ({first}), so they would serve no period; "
                                "correct the date or remove the entry"
                            ),
                            existing.retire_after,
                        )
        for name, contract in self.contracts.items():
            for field in ("min_mw", "min_units", "min_spend_usd_per_year"):
                yield from steps(getattr(contract, field), ("contracts", name, field))
            yield from self._check_coverage(name, contract)
        for key, spec in self.demand.items():
            yield from self._check_demand(key, spec, periods)

    def _check_coverage(self, name: str, contract: Contract):
        if any(contract.covers(f, fleet) for f, fleet in self.fleets.items()):
            return
        if contract.fleet is not None:
            return  # an unknown fleet name: reported by reference_problems
        field = next(f for f in ("vendor", "provider", "category") if getattr(contract, f) is not None)
        given = getattr(contract, field)
        known = sorted({str(getattr(fleet, field)) for fleet in self.fleets.values()})
        close = closest(given, known)
        hint = f"; did you mean {close!r}?" if close else ";"
        yield (
            ("contracts", name, field),
            f"no fleet is covered by this commitment: no fleet has {field} {given!r}{hint} the fleets have: {', '.join(known)}",
            given,
        )

    def _check_demand(self, key: str, spec, periods):
        loc = ("demand", key)
        series = spec if isinstance(spec, ExplicitSeries) else None
        if series is not None and series.tokens is not None:
            bad = False
            for label in series.tokens:
                try:
                    parse_label(label)
                except ValueError as exc:
                    bad = True
                    yield (*loc, "tokens", label), str(exc), label
            if bad:
                return
        source = f"{series.csv.name}: " if series is not None and series.csv is not None else ""
        try:
            tokens = project(spec, periods)["tokens"]
        except (ValueError, OverflowError) as exc:
            yield loc, source + str(exc) + self._coverage(series, periods), None
            return
        if not all(math.isfinite(t) for t in tokens):
            yield (
                loc,
                "the projection overflows; check the starting volume (tokens per day, at most "
                f"{MAX_TOKENS_PER_DAY:g}), the growth rate and its unit ('per')",
                None,
            )
            return
        per_day = tokens.to_numpy() / (seconds_per_period(periods) / 86_400.0)
        worst = int(per_day.argmax())
        if per_day[worst] > MAX_TOKENS_PER_DAY:
            yield (
                loc,
                f"{per_day[worst]:.3g} tokens per day in {periods[worst]} is more than any plausible demand (over 1,000 "
                f"times the largest published volume, 8.6e12 a day, so at most {MAX_TOKENS_PER_DAY:g} a day); check the "
                "figures, their unit (tokens, not bytes or requests) and the growth rate",
                None,
            )

    @staticmethod
    def _coverage(series: ExplicitSeries | None, periods) -> str:
        """What a series covers beside the horizon, when that is why it cannot be projected."""
        if series is None:
            return ""
        try:
            table = series.intervals()
        except ValueError:
            return ""  # the labels themselves are wrong: the message says which
        return (
            f"; the series runs from {table['label'].iloc[0]} to {table['label'].iloc[-1]} and the horizon from {periods[0]} "
            f"to {periods[-1]}: give tokens for every period of the horizon, or move the horizon"
        )

    def _check_mix(self):
        periods = self.horizon.calendar()
        users: dict[str, list[str]] = {}
        for name in self.workloads:
            users.setdefault(self.demand_key(name), []).append(name)
        broken = set()
        for name, workload in self.workloads.items():
            if workload.share is None:
                continue
            try:
                share_values(workload.share, periods)
            except ValueError as exc:
                broken.add(name)
                yield ("workloads", name, "share"), str(exc), None  # the message shows the value
        for key, names in users.items():
            if len(names) == 1 or broken & set(names):
                continue
            shares = {n: share for n in names if (share := self.workloads[n].share) is not None}
            missing = [n for n in names if n not in shares]
            if missing:
                yield (
                    ("workloads", missing[0], "share"),
                    f"demand entry {key!r} feeds {', '.join(names)}: give each of them a 'share'",
                    None,
                )
                continue
            try:
                mix_table(shares, periods)
            except ValueError as exc:
                yield ("workloads",), f"shares of demand entry {key!r} ({', '.join(names)}): {exc}", None

    def _check_links(self):
        for i, link in enumerate(self.kv_links):
            for end in ("from_site", "to_site"):
                name = getattr(link, end)
                if name not in self.sites and name not in {f.region for f in self.fleets.values()}:
                    yield ("kv_links", i, end.removesuffix("_site")), unknown_name("site", name, list(self.sites)), name
        for name, workload in self.workloads.items():
            if workload.disaggregate and self.kv_links and workload.kv_bytes_per_token is None:
                try:
                    get_model(workload.model)
                except UnknownModelError:
                    yield (
                        ("workloads", name, "kv_bytes_per_token"),
                        "needed to move KV caches between sites: the model is not a reference model",
                        None,
                    )

    def _check_slices(self):
        if self.time_slices is not None and abs(sum(self.time_slices) - 1.0) > 1e-6:
            yield (
                ("time_slices",),
                f"the shares of the hours must sum to 1, not {sum(self.time_slices):g}",
                self.time_slices,
            )

    def _check_adoption(self):
        if self.policy.adoption_usd and not self.integer_units:
            yield (
                ("policy", "adoption_usd"),
                "adoption costs need integer_units: true (a platform is adopted or not)",
                None,
            )
        # A rule for a vendor (or provider) no fleet has would bind nothing, silently: a misspelt name.
        for field, kind in (
            ("adoption_usd", "vendor"),
            ("vendor_share_limits", "vendor"),
            ("provider_share_limits", "provider"),
        ):
            names = sorted({str(getattr(fleet, kind)) for fleet in self.fleets.values()})
            for name in getattr(self.policy, field):
                if name not in names:
                    close = closest(name, names)
                    hint = f"; did you mean {close!r}?" if close else ";"
                    yield (
                        ("policy", field, name),
                        f"no fleet of this {kind}{hint} {kind}s: {', '.join(names)}",
                        name,
                    )

    def _check_models(self):
        listed = {model for fleet in self.fleets.values() for model in fleet.performance}
        known = sorted(listed | set(load_models()))
        for name, workload in self.workloads.items():
            if workload.model not in known:
                close = closest(workload.model, known)
                hint = f"did you mean {close!r}? " if close else ""
                yield (
                    ("workloads", name, "model"),
                    f"unknown model; {hint}No fleet gives 'performance' for it and it is not a reference model "
                    f"(fleets/models.yaml); known: {', '.join(known)}",
                    workload.model,
                )

    def _check_resilience(self):
        if self.policy.vendor_loss_coverage is None:
            return
        for i, name in enumerate(self.policy.vendor_loss_exempt):
            if name not in self.workloads:
                yield ("policy", "vendor_loss_exempt", i), unknown_name("workload", name, list(self.workloads)), name
        for name, workload in self.workloads.items():
            if name in self.policy.vendor_loss_exempt:
                continue
            phases: tuple[Phase, ...] = ("prefill", "decode") if workload.disaggregate else ("both",)
            for phase in phases:
                vendors = {
                    fleet.vendor
                    for fleet in self.fleets.values()
                    if fleet.service_point(workload, phase).performance is not None
                }
                if len(vendors) == 1:
                    (only,) = vendors
                    yield (
                        ("policy", "vendor_loss_coverage"),
                        f"workload {name!r} can only be served by {only}'s hardware, so losing {only} leaves nothing to cover it; "
                        f"add it to vendor_loss_exempt or add a fleet of another vendor that meets its SLO",
                        None,
                    )
                    break

    def _check_service(self):
        known = {model for fleet in self.fleets.values() for model in fleet.performance} | set(load_models())
        for name, workload in self.workloads.items():
            if workload.model not in known:
                continue  # an unknown model: reported by _check_models
            phases: tuple[Phase, ...] = ("prefill", "decode") if workload.disaggregate else ("both",)
            for phase in phases:
                reasons = {
                    fleet_name: fleet.service_point(workload, phase).reason for fleet_name, fleet in self.fleets.items()
                }
                if all(reasons.values()):
                    detail = "; ".join(f"{f}: {why}" for f, why in reasons.items())
                    what = "this workload" if phase == "both" else f"the {phase} of this workload"
                    yield (
                        ("workloads", name),
                        f"no fleet can serve {what} within its SLO ({detail}); relax the SLO or add a fleet",
                        None,
                    )

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
