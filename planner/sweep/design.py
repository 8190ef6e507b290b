"""The runs of a sweep: the values it varies (:class:`Parameter`) and the design that combines them.

A design is ``oat`` (one at a time around the base, for tornado charts), ``grid`` (every
combination), ``lhs`` (Latin hypercube) or ``mc`` (Monte Carlo) over stated distributions with a
seed. Every value a design sets is checked against the scenario before the first run.

>>> from planner import Scenario, default_scenario_path
>>> from planner.sweep import Parameter, design
>>> runs = design([Parameter.parse("fleets.h100.capex_usd=x0.5,x1.5")], "oat", Scenario.from_yaml(default_scenario_path()))
>>> runs["fleets.h100.capex_usd"].to_list()
[300000.0, 150000.0, 450000.0]
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from planner.errors import Problem, ScenarioError
from planner.overrides import check_path, get_value, with_values
from planner.scenario import Scenario

Design = Literal["oat", "grid", "lhs", "mc"]
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


@dataclass(frozen=True)
class Parameter:
    """One value to vary: its dotted path and either explicit values or a distribution.

    Attributes
    ----------
    path
        Dotted path, e.g. ``fleets.cs3.capex_usd``.
    values
        Explicit values; an entry ``("x", 1.3)`` means 1.3 times the base value. A switch such as
        ``integer_units`` takes ``True`` and ``False``.
    distribution
        For ``lhs`` and ``mc``: ``("uniform", lo, hi)``, ``("triangular", lo, mode, hi)`` or
        ``("lognormal", mu, sigma)`` of the value itself (bounds may be relative: ``("x", 0.7)``).
    """

    path: str
    values: tuple = ()
    distribution: tuple | None = None

    @classmethod
    def parse(cls, text: str) -> Parameter:
        """Parse ``path=spec``: ``x0.7,x1,x1.3`` (relative), ``100,200`` (absolute), ``0.05..0.15:5``
        (five evenly spaced values), ``uniform(x0.7,x1.3)``, ``triangular(a,m,b)``, ``lognormal(mu,sigma)``,
        or ``true,false`` for a switch.

        >>> Parameter.parse("a.b=0.05..0.15:3").values, Parameter.parse("integer_units=true,False").values
        ((0.05, 0.1, 0.15), (True, False))
        """
        path, _, spec = text.partition("=")
        path, spec = path.strip(), spec.strip()
        if not path or not spec:
            raise ValueError(f"{text!r}: write PATH=VALUES, e.g. fleets.cs3.capex_usd=x0.7,x1,x1.3")
        found = re.fullmatch(r"(uniform|triangular|lognormal)\((.*)\)", spec)
        if found:
            bounds = tuple(_value(v) for v in found.group(2).split(","))
            needed = {"uniform": 2, "triangular": 3, "lognormal": 2}[found.group(1)]
            if len(bounds) != needed:
                raise ValueError(f"{text!r}: {found.group(1)} takes {needed} numbers")
            return cls(path, distribution=(found.group(1), *bounds))
        found = re.fullmatch(rf"({_NUMBER})\.\.({_NUMBER}):(\d+)", spec)
        if found:
            lo, hi, n = float(found.group(1)), float(found.group(2)), int(found.group(3))
            if not 1 <= n <= MAX_RUNS:
                raise ValueError(f"{text!r}: take from 1 to {MAX_RUNS:,} evenly spaced values, not {n:,}")
            return cls(path, values=tuple(float(v) for v in np.linspace(lo, hi, n)))
        return cls(path, values=tuple(_value(v) for v in spec.split(",")))


def _value(text: str):
    text = text.strip()
    if text.startswith("x") and re.fullmatch(_NUMBER, text[1:]):
        return ("x", float(text[1:]))
    if re.fullmatch(_NUMBER, text):
        return float(text)
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise ValueError(f"{text!r} is not a number, a relative change such as x1.3, or true/false")


def _resolve(value, base: float) -> float:
    return base * value[1] if isinstance(value, tuple) else value


def _plain(value: Any) -> float | bool:
    """A value of a sweep table as the scenario takes it: a switch stays true or false."""
    return bool(value) if isinstance(value, bool | np.bool_) else float(value)


def format_value(value: Any, spec: str = "g") -> str:
    """A swept value as text: ``true``/``false`` for a switch, a number in the format ``spec``.

    >>> format_value(True), format_value(1200.0), format_value(1200.0, ",.6g")
    ('true', '1200', '1,200')
    """
    return str(bool(value)).lower() if isinstance(value, bool | np.bool_) else format(value, spec)


def _kind_problem(value: Any, parameter: Parameter) -> str | None:
    """Why ``parameter`` cannot vary a scenario value ``value`` (None if it can): numbers take
    numbers, relative changes and distributions; switches take true and false."""
    if value is None:
        return "is not set in this scenario; give it a value in the scenario, then vary it"
    switches = [isinstance(v, bool) for v in parameter.values]
    if isinstance(value, bool):
        if parameter.distribution is not None or not all(switches):
            return f"is a switch ({str(value).lower()}): vary it with true,false, not numbers or a distribution"
        return None
    if not isinstance(value, int | float):
        return f"only numbers and switches (true/false) can be varied; {parameter.path} is {value!r}"
    if any(switches):
        return f"is a number ({value:g}): true and false are for switches such as integer_units"
    return None


def check_parameters(scenario: Scenario, parameters: Iterable[Parameter]) -> None:
    """Reject every path that does not exist (with the closest names), or names neither a number
    nor a switch, or is given values of the other kind."""
    problems = [p for p in (check_path(scenario, param.path) for param in parameters) if p]
    if not problems:
        for param in parameters:
            value = get_value(scenario, param.path)
            why = _kind_problem(value, param)
            if why is not None:
                problems.append(Problem(path=param.path, message=why, value=value))
    if problems:
        raise ScenarioError(problems)


def design(
    parameters: list[Parameter],
    kind: Design,
    scenario: Scenario,
    *,
    samples: int = 20,
    seed: int = 0,
    cases: dict[str, dict[str, Any]] | None = None,
) -> pd.DataFrame:
    """The runs of a sweep: one row per run, one column per path, ``run`` (an id) and ``case``.

    ``oat`` gives the base run, then each parameter at each of its values with the others at
    base; ``grid`` every combination; ``lhs`` and ``mc`` ``samples`` draws from the
    distributions (a Latin hypercube stratifies each one), reproducible for a ``seed``. Each
    named case (e.g. ``{"high_demand": {"demand.total.band": "high"}}``, the demand bands of a
    fitted curve) adds a run with its values and the parameters at base.
    """
    check_parameters(scenario, parameters)
    problems = [p for values in (cases or {}).values() for p in (check_path(scenario, path) for path in values) if p]
    if problems:
        raise ScenarioError(problems)
    base = {p.path: _plain(get_value(scenario, p.path)) for p in parameters}
    if kind in ("oat", "grid"):
        missing = [p.path for p in parameters if not p.values]
        if missing:
            raise ValueError(f"{kind} needs explicit values for {', '.join(missing)}")
        values = {p.path: [_resolve(v, base[p.path]) for v in p.values] for p in parameters}
        size = run_count(kind, [len(v) for v in values.values()], samples)
        if size > MAX_RUNS:
            raise ScenarioError(
                [Problem(path="--vary", message=_too_many(kind, size, [len(v) for v in values.values()]))]
            )
        if kind == "oat":
            rows = [dict(base)] + [{**base, path: v} for path, vs in values.items() for v in vs if v != base[path]]
        else:
            rows = [dict(zip(values, combo, strict=True)) for combo in _product(list(values.values()))]
    else:
        drawn = [(p.path, p.distribution) for p in parameters if p.distribution]
        missing = [p.path for p in parameters if not p.distribution]
        if missing:
            raise ValueError(f"{kind} needs a distribution for {', '.join(missing)}, e.g. uniform(x0.7,x1.3)")
        problems = [
            Problem(path=p.path, message=why)
            for p in parameters
            if p.distribution and (why := distribution_problem(p.distribution, base[p.path])) is not None
        ]
        if samples > MAX_RUNS:
            problems.append(Problem(path="--samples", message=_too_many(kind, samples, []), value=samples))
        if problems:
            raise ScenarioError(problems)
        rng = np.random.default_rng(seed)
        quantiles = _lhs(rng, samples, len(parameters)) if kind == "lhs" else rng.random((samples, len(parameters)))
        rows = [
            {path: _draw(distribution, base[path], q) for (path, distribution), q in zip(drawn, row, strict=True)}
            for row in quantiles
        ]
    frame = pd.DataFrame(rows, columns=list(base)).drop_duplicates(ignore_index=True).assign(case="")
    # Every explicit value, and a distribution's smallest and largest draw (limits are ranges).
    tried = {
        path: sorted(set(frame[path])) if kind in ("oat", "grid") else [frame[path].min(), frame[path].max()]
        for path in base
    }
    problems = [
        Problem(path=path, message=f"the sweep sets it to {format_value(value)}: {message}")
        for path, values in tried.items()
        for value, message in value_problems(scenario, path, values)
    ]
    if problems:
        raise ScenarioError(problems)
    named = pd.DataFrame([{**base, "case": name} for name in (cases or {})], columns=[*base, "case"])
    frame = pd.concat([frame, named], ignore_index=True) if len(named) else frame
    frame.attrs["cases"] = dict(cases or {})
    stochastic = kind in ("lhs", "mc")
    frame.attrs["design"] = {
        "design": kind,
        "values": {
            p.path: [p.distribution[0], *(_resolve(v, base[p.path]) for v in p.distribution[1:])]
            if stochastic and p.distribution
            else [_resolve(v, base[p.path]) for v in p.values]
            for p in parameters
        },
        "samples": samples if stochastic else None,
        "seed": seed if stochastic else None,
    }
    return frame.assign(run=[f"run{i:04d}" for i in range(len(frame))])[["run", "case", *base]]


def value_problems(scenario: Scenario, path: str, values: Iterable[Any]) -> list[tuple[Any, str]]:
    """``(value, why)`` for each value of ``path`` that makes ``scenario`` invalid, so that a
    sweep stops before its first run rather than failing run by run."""
    found = []
    for value in values:
        try:
            with_values(scenario, {path: value})
        except ScenarioError as exc:
            found.append(
                (value, "; ".join(p.message if p.path == path else f"{p.path}: {p.message}" for p in exc.problems))
            )
    return found


def _product(lists: list[list]) -> list[tuple]:
    if not lists:
        return [()]
    return [(v, *rest) for v in lists[0] for rest in _product(lists[1:])]


def _lhs(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    # One draw in each of n equal strata per dimension, strata shuffled independently.
    cut = (np.arange(n)[:, None] + rng.random((n, d))) / n
    for j in range(d):
        cut[:, j] = rng.permutation(cut[:, j])
    return cut


MAX_RUNS = 100_000
"""The most runs a sweep may have: at a second a run, more than a day of solving."""


def run_count(kind: Any, counts: list[int], samples: int) -> int:
    """The number of runs of a design with ``counts`` explicit values per parameter (before
    dropping duplicates), or ``samples`` draws."""
    if kind == "oat":
        return 1 + sum(counts)
    if kind == "grid":
        return math.prod(counts)
    return samples


def _too_many(kind: Any, size: int, counts: list[int]) -> str:
    shown = f"{size:,}" if size < 1e15 else f"{size:.3g}"
    how = f" ({' x '.join(str(n) for n in counts)} values)" if kind == "grid" and counts else ""
    fix = "draw fewer samples" if kind in ("lhs", "mc") else "vary fewer values, or draw a sample with the lhs design"
    return f"this {kind} design has {shown} runs{how}; at most {MAX_RUNS:,} can be run: {fix}"


def distribution_problem(distribution: tuple, base: float) -> str | None:
    """Why a distribution (bounds relative to ``base`` resolved) cannot be drawn from, or None."""
    kind, *args = distribution
    values = [_resolve(a, base) for a in args]
    shown = f"{kind}({', '.join(f'{v:g}' for v in values)})"
    if not all(math.isfinite(v) for v in values):
        return f"{shown}: every number must be finite"
    if kind == "uniform" and not values[0] < values[1]:
        return f"{shown}: the low bound must be below the high bound"
    if kind == "triangular":
        lo, mode, hi = values
        if not lo < hi:
            return f"{shown}: the low bound must be below the high bound"
        if not lo <= mode <= hi:
            return f"{shown}: the mode (most likely value) must lie between the bounds"
    if kind == "lognormal":
        mu, sigma = values
        if not sigma > 0:
            return f"{shown}: sigma (the spread of the value's logarithm) must be above 0"
        if mu + 9 * sigma > math.log(sys.float_info.max):
            return (
                f"{shown}: its draws overflow (e^{mu:g} is the median); mu and sigma are of the natural "
                "logarithm of the value, e.g. lognormal(12.2, 0.1) for a median near 200,000"
            )
    return None


def _draw(distribution: tuple, base: float, q: float) -> float:
    from scipy import stats  # imported here: only stochastic designs need it

    kind, *args = distribution
    args = [_resolve(a, base) for a in args]
    if kind == "uniform":
        return float(args[0] + q * (args[1] - args[0]))
    if kind == "triangular":
        lo, mode, hi = args
        return float(stats.triang.ppf(q, (mode - lo) / (hi - lo), loc=lo, scale=hi - lo))
    return float(stats.lognorm.ppf(q, args[1], scale=math.exp(args[0])))
