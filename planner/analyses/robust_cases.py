"""The demand cases a robust plan must serve, each with its probability.

Three sources (see ``docs/analyses.md``, "Robust plans"):

- :func:`band_cases`: a fitted demand's ``low``, ``base`` and ``high`` bands (every ``kind: fitted``
  entry moved to the same band together), or, for a scenario without a fitted demand, its whole
  demand scaled by ``1 - spread``, 1 and ``1 + spread``. Probabilities 0.3, 0.4 and 0.3: Swanson's
  rule for a 10th, 50th and 90th percentile, the bands' default quantiles (the ``base`` band is the
  fitted curve, which stands in for the median).
- :func:`sweep_cases`: a sweep file's named cases (``sweep: cases:``), equally likely.
- :func:`sampled_cases`: Monte Carlo draws, equally likely. Each draw is a quantile ``q``, uniform
  on (0, 1): of the fitted bands' bootstrap (the whole path at that quantile, period by period), or
  without a fitted demand of a lognormal multiplier of the whole demand with median 1 whose 10th and
  90th percentiles are ``1 / (1 + spread)`` and ``1 + spread``.

>>> from planner import Scenario, default_scenario_path
>>> cases = band_cases(Scenario.from_yaml(default_scenario_path()))
>>> [(case.name, case.probability) for case in cases]
[('low', 0.3), ('base', 0.4), ('high', 0.3)]
>>> cases[2].how
'demand x1.25 (no fitted demand: scaled)'
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.data import ModelData

if TYPE_CHECKING:
    from planner.scenario import Scenario
    from planner.sweep import SweepFile

BAND_PROBABILITIES = {"low": 0.3, "base": 0.4, "high": 0.3}
"""Swanson's rule: weights of a 10th percentile, a median and a 90th percentile standing for a distribution."""

DEFAULT_SPREAD = 0.25
"""Without a fitted demand, how far the low and high cases scale demand (an assumption: +-25%)."""

_Z90 = 1.2815515655446004
"""The standard normal's 90th percentile."""


@dataclass(frozen=True)
class Case:
    """One demand case: its name, its probability, how it was made (one line), and its LP data."""

    name: str
    probability: float
    how: str
    data: ModelData


def fitted_entries(scenario: Scenario) -> list[str]:
    """Names of the scenario's demand entries fitted to a history (``kind: fitted``)."""
    return [name for name, entry in scenario.demand.items() if getattr(entry, "kind", None) == "fitted"]


def scaled(data: ModelData, factor: float) -> ModelData:
    """``data`` with every demand rate and token count times ``factor`` (the LP's rate unit kept)."""
    columns = ["tokens_per_s", "tokens", "peak_tokens_per_s"]
    demand = data.demand.copy()
    demand[columns] = demand[columns] * factor
    return replace(data, demand=demand)


def band_cases(scenario: Scenario, spread: float = DEFAULT_SPREAD) -> list[Case]:
    """The low, base and high demand cases of ``scenario`` (see the module docstring).

    Raises
    ------
    ValueError
        If ``spread`` is not between 0 and 1 (excluded).
    """
    from planner.overrides import with_values

    _check_spread(spread)
    fitted = fitted_entries(scenario)
    if fitted:
        cases = []
        for band, probability in BAND_PROBABILITIES.items():
            case = with_values(scenario, {f"demand.{name}.band": band for name in fitted})
            how = f"fitted demand ({', '.join(fitted)}) at its {band} band"
            cases.append(Case(band, probability, how, ModelData.from_scenario(case, checked=True)))
        return cases
    data = ModelData.from_scenario(scenario)
    factors = {"low": 1.0 - spread, "base": 1.0, "high": 1.0 + spread}
    return [
        Case(band, BAND_PROBABILITIES[band], f"demand x{factor:g} (no fitted demand: scaled)", scaled(data, factor))
        for band, factor in factors.items()
    ]


def sweep_cases(sweep: SweepFile, probabilities: dict[str, float] | None = None) -> list[Case]:
    """A sweep file's named cases, each its scenario with the case's values set; equally likely, or
    each with its given ``probabilities`` (case name to probability, every case once, summing to 1).

    Raises
    ------
    ValueError
        If the sweep file names no case, also varies values (``vary``), which would be left unread,
        or the probabilities do not give each case one probability above 0 that sum to 1.
    """
    from planner.overrides import with_values

    if not sweep.cases:
        raise ValueError("the sweep file names no case: add 'cases:' (name: {path: value}) to its 'sweep:' section")
    if sweep.parameters:
        varied = ", ".join(parameter.path for parameter in sweep.parameters)
        raise ValueError(
            f"the sweep file also varies {varied} (vary:), which a robust plan does not read: keep only its "
            "named cases, or write each value as a case"
        )
    chances = _probabilities(list(sweep.cases), probabilities)
    return [
        Case(
            name,
            chances[name],
            ", ".join(f"{path}={value}" for path, value in values.items()),
            ModelData.from_scenario(with_values(sweep.scenario, values), checked=True),
        )
        for name, values in sweep.cases.items()
    ]


def sampled_cases(scenario: Scenario, samples: int, seed: int = 0, spread: float = DEFAULT_SPREAD) -> list[Case]:
    """``samples`` Monte Carlo draws of demand, equally likely (see the module docstring).

    Raises
    ------
    ValueError
        If ``samples`` is below 1 or ``spread`` not between 0 and 1 (excluded).
    """
    from scipy.stats import norm

    from planner.overrides import with_values

    if samples < 1:
        raise ValueError(f"draw at least one case, not {samples}")
    _check_spread(spread)
    # Quantiles kept off 0 and 1, where a bootstrap quantile or a lognormal is unbounded.
    quantiles = np.random.default_rng(seed).uniform(0.01, 0.99, samples)
    fitted = fitted_entries(scenario)
    data = None if fitted else ModelData.from_scenario(scenario)
    sigma = np.log1p(spread) / _Z90
    cases = []
    for i, q in enumerate(quantiles):
        name = f"draw{i + 1}"
        if fitted:
            band = "low" if q < 0.5 else "high" if q > 0.5 else "base"  # base: the fitted curve
            values: dict[str, Any] = {f"demand.{entry}.band": band for entry in fitted}
            if band != "base":
                values |= {f"demand.{entry}.{band}_quantile": float(q) for entry in fitted}
            drawn = ModelData.from_scenario(with_values(scenario, values), checked=True)
            how = f"fitted demand at its {q:.3f} quantile"
        else:
            assert data is not None
            factor = float(np.exp(sigma * norm.ppf(q)))
            drawn, how = scaled(data, factor), f"demand x{factor:.3f} (quantile {q:.3f} of a lognormal)"
        cases.append(Case(name, 1.0 / samples, how, drawn))
    return cases


def _probabilities(names: list[str], given: dict[str, float] | None) -> dict[str, float]:
    """Each case's probability: ``given`` checked (every case once, each above 0, summing to 1
    within 1e-9), or equal ones."""
    if given is None:
        return dict.fromkeys(names, 1.0 / len(names))
    unknown, missing = sorted(set(given) - set(names)), [n for n in names if n not in given]
    problems = [f"no case {', '.join(map(repr, unknown))} in the sweep file"] if unknown else []
    problems += [f"no probability for {', '.join(map(repr, missing))}"] if missing else []
    problems += [
        f"{name}={p:g} is not a probability above 0 and at most 1" for name, p in given.items() if not 0 < p <= 1
    ]
    total = sum(given.values())
    if not problems and abs(total - 1.0) > 1e-9:
        problems.append(f"the probabilities sum to {total:g}, not 1")
    if problems:
        raise ValueError("; ".join(problems) + f" (cases: {', '.join(names)})")
    return dict(given)


def mean_value_data(base: ModelData, cases: list[Case]) -> ModelData:
    """``base`` with its demand replaced by the cases' probability-weighted mean demand: the
    expected-value problem's data (all else is ``base``'s, the scenario as given).

    Raises
    ------
    ValueError
        If the cases' demand tables do not list the same workloads, phases, periods and slices.
    """
    keys = ["t", "k", "workload", "phase"]
    columns = ["tokens_per_s", "tokens", "peak_tokens_per_s"]
    frame = base.demand.set_index(keys)
    total = frame[columns] * 0.0
    for case in cases:
        demand = case.data.demand.set_index(keys)
        if not demand.index.sort_values().equals(frame.index.sort_values()):
            raise ValueError(
                f"case {case.name!r} plans other workloads or periods than the scenario: cases may change demand "
                "and figures, not the workloads or the horizon"
            )
        total = total + demand[columns].reindex(frame.index) * case.probability
    mean = frame.copy()
    mean[columns] = total / sum(case.probability for case in cases)
    return replace(base, demand=mean.reset_index()[base.demand.columns])


def _check_spread(spread: float) -> None:
    if not 0.0 < spread < 1.0:
        raise ValueError(f"give the spread as a fraction between 0 and 1, e.g. 0.25 for +-25%, not {spread}")
