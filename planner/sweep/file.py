"""A sweep described in YAML: a ``sweep:`` section beside a scenario, checked before anything runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.errors import Problem, ScenarioError, closest, locate
from planner.overrides import check_path, get_value, with_values
from planner.scenario import Scenario
from planner.sweep.design import (
    MAX_RUNS,
    Design,
    Parameter,
    _kind_problem,
    _resolve,
    _too_many,
    distribution_problem,
    format_value,
    run_count,
    value_problems,
)
from planner.yamlio import load_yaml_file

DESIGNS = ("oat", "grid", "lhs", "mc")
_SWEEP_FIELDS = ("design", "samples", "seed", "vary", "cases")


@dataclass
class SweepFile:
    """A sweep described in YAML: a ``sweep:`` section beside a scenario's sections, or beside
    ``scenario: PATH`` (read from the sweep file's folder).

    ``sweep`` holds ``design``, ``samples``, ``seed``, ``vary`` (path: values, as on the
    command line) and ``cases`` (name: {path: value}).
    """

    scenario: Scenario
    parameters: list[Parameter]
    design: Design = "oat"
    samples: int = 20
    seed: int = 0
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_yaml(cls, path: str | Path) -> SweepFile:
        """Read a sweep file and check it against its scenario before anything runs.

        Raises
        ------
        ScenarioError
            Listing every problem at once, each with the file and line: of the scenario, of
            the ``sweep`` section (unknown fields, a design, sample count or seed that is not
            one, values that cannot be read, paths that name no number of the scenario, values
            that do not suit the design, cases the scenario rejects).
        """
        path = Path(path)
        data, text = load_yaml_file(path, "sweep")
        problems: list[Problem] = []

        def report(loc: tuple, message: str, value: Any = None) -> None:
            problems.append(locate(loc, message, value, path, text))

        spec = data.get("sweep") if isinstance(data, dict) else None
        if not isinstance(spec, dict):
            got = "" if spec is None else f", not {'a list' if isinstance(spec, list) else type(spec).__name__}"
            raise ScenarioError(
                [
                    locate(
                        ("sweep",),
                        f"a sweep file has a 'sweep:' section: a mapping of {', '.join(_SWEEP_FIELDS)}{got}",
                        None,
                        path,
                        text,
                    )
                ]
            )
        data = {key: value for key, value in data.items() if key != "sweep"}
        design, samples, seed = _check_settings(spec, report)
        parameters = _read_vary(spec.get("vary"), report)
        cases = _read_cases(spec.get("cases"), report)
        scenario = _sweep_scenario(data, path, text, problems, report)
        if scenario is not None:
            _check_against(scenario, design, parameters, cases, report)
        if problems or scenario is None:  # an unreadable scenario has reported its problems
            raise ScenarioError(problems)
        return cls(scenario, list(parameters.values()), design, samples, seed, cases)


def _check_settings(spec: dict, report: Callable[..., None]) -> tuple[Any, int, int]:
    """The design, samples and seed of a ``sweep:`` section, reporting what is wrong with them."""
    meant = set()
    for key in spec:
        if key not in _SWEEP_FIELDS:
            close = closest(key, _SWEEP_FIELDS)
            meant.add(close)
            report(
                ("sweep", key),
                "unknown field"
                + (f"; did you mean {close!r}?" if close else f"; valid here: {', '.join(_SWEEP_FIELDS)}"),
            )
    design = spec.get("design", "oat")
    if design not in DESIGNS:
        close = closest(design, DESIGNS)
        hint = f"did you mean {close!r}? " if close else ""
        report(
            ("sweep", "design"),
            f"unknown design; {hint}use oat (one at a time), grid (every combination), lhs (Latin hypercube) or mc (Monte Carlo)",
            design,
        )
        design = None
    elif "design" not in spec and "design" in meant:
        design = None  # misspelt: which design was meant is unknown, so values are not checked against one
    counts = {}
    for key, default, least, most in (("samples", 20, 1, MAX_RUNS), ("seed", 0, 0, None)):
        value = spec.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < least or (most and value > most):
            report(
                ("sweep", key),
                f"give a whole number of at least {least}"
                + (f" and at most {most:,} (runs drawn by lhs and mc)" if key == "samples" else ""),
                value,
            )
            value = default
        counts[key] = value
    return design, counts["samples"], counts["seed"]


def _read_vary(vary: Any, report: Callable[..., None]) -> dict[str, Parameter]:
    """The parameters of ``vary:`` by path, reporting each that cannot be read."""
    if vary is None:
        return {}
    if not isinstance(vary, dict):
        report(("sweep", "vary"), "give a mapping of path to values, e.g. 'fleets.cs3.capex_usd: x0.7,x1,x1.3'", vary)
        return {}
    parameters = {}
    for key, values in vary.items():
        if isinstance(values, list | dict) or values is None:
            report(
                ("sweep", "vary", key),
                "write the values as one text, as on the command line: 'x0.7,x1,x1.3', '0.05..0.15:5' or 'uniform(x0.7,x1.3)'",
                values if values is None else str(values),
            )
            continue
        try:
            parameters[str(key)] = Parameter.parse(f"{key}={values}")
        except ValueError as exc:
            report(
                ("sweep", "vary", key),
                f"{exc}; write e.g. 'x0.7,x1,x1.3', '0.05..0.15:5' or 'uniform(x0.7,x1.3)'",
                values,
            )
    return parameters


def _read_cases(cases: Any, report: Callable[..., None]) -> dict[str, dict[str, Any]]:
    """The named cases of ``cases:``, reporting each that is not a mapping of path to value."""
    if cases is None:
        return {}
    if not isinstance(cases, dict):
        report(
            ("sweep", "cases"),
            "give a mapping of case name to {path: value}, e.g. 'high: {demand.total.band: high}'",
            cases,
        )
        return {}
    read = {}
    for name, values in cases.items():
        if not isinstance(values, dict) or not values:
            report(
                ("sweep", "cases", name),
                "give the case's values as a mapping of path to value, e.g. {demand.total.band: high}",
                values,
            )
            continue
        read[str(name)] = {str(key): value for key, value in values.items()}
    return read


def _sweep_scenario(
    data: dict, path: Path, text: str, problems: list[Problem], report: Callable[..., None]
) -> Scenario | None:
    """The scenario of a sweep file (inline, or from ``scenario: PATH``), or None if it is invalid."""
    if "scenario" not in data:
        try:
            return Scenario.from_dict(data, base_dir=path.parent, file=path, text=text)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            return None
    given = data["scenario"]
    for key in data:
        if key != "scenario":
            report(
                (key,),
                "a sweep file with 'scenario:' takes the whole scenario from that file; move this section there, or drop 'scenario:'",
            )
    if not isinstance(given, str) or not given:
        report(("scenario",), "give the path of a scenario file, read from the sweep file's folder", given)
        return None
    source = path.parent / given
    if not source.is_file():
        report(("scenario",), f"no scenario file at {source}; the path is read from the sweep file's folder", given)
        return None
    try:
        return Scenario.from_yaml(source)
    except ScenarioError as exc:
        problems.extend(exc.problems)
        return None


def _check_against(
    scenario: Scenario, design: Any, parameters: dict[str, Parameter], cases: dict[str, dict[str, Any]], report
) -> None:
    """Report the paths of ``vary`` and ``cases`` that name no number of ``scenario``, values that do
    not suit the design, and case values the scenario rejects."""
    for key, parameter in parameters.items():
        problem = check_path(scenario, parameter.path)
        if problem is not None:
            report(("sweep", "vary", key), problem.message)
            continue
        value = get_value(scenario, parameter.path)
        why = _kind_problem(value, parameter)
        if why is not None:
            report(("sweep", "vary", key), why)
        elif design in ("oat", "grid") and parameter.distribution is not None:
            report(
                ("sweep", "vary", key),
                f"the {design} design takes explicit values, e.g. x0.7,x1,x1.3; a distribution is for the lhs or mc design",
            )
        elif design in ("lhs", "mc") and parameter.distribution is None:
            report(
                ("sweep", "vary", key),
                f"the {design} design draws from a distribution, e.g. uniform(x0.7,x1.3); explicit values are for the oat or grid design",
            )
        elif parameter.distribution is not None:
            why = distribution_problem(parameter.distribution, float(value))
            if why is not None:
                report(("sweep", "vary", key), why)
        elif parameter.values:
            values = [_resolve(v, value) for v in parameter.values]
            for bad, why in value_problems(scenario, parameter.path, values):
                report(("sweep", "vary", key), f"the sweep sets {parameter.path} to {format_value(bad)}: {why}")
    counts = [len(p.values) for p in parameters.values() if p.values]
    if design in ("oat", "grid") and run_count(design, counts, 0) > MAX_RUNS:
        report(("sweep", "vary"), _too_many(design, run_count(design, counts, 0), counts))
    for name, settings in cases.items():
        for key, value in settings.items():
            problem = check_path(scenario, key)
            if problem is not None:
                report(("sweep", "cases", name, key), problem.message)
                continue
            try:
                with_values(scenario, {key: value})
            except ScenarioError as exc:
                said = "; ".join(p.message if p.path == key else f"{p.path}: {p.message}" for p in exc.problems)
                report(("sweep", "cases", name, key), said, value)
