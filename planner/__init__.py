"""planner: a capacity-planning optimizer for AI inference fleets.

A scenario (validated input) becomes ``ModelData`` (pandas tables), then a linear program
(``build``), then a ``Result`` (``solve``) with tidy tables whose columns carry their units.

>>> from planner import Scenario, solve, default_scenario_path
>>> result = solve(Scenario.from_yaml(default_scenario_path()))
>>> result.status
<Status.OPTIMAL: 'optimal'>
"""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.analyses.alternatives import Alternatives, alternatives
    from planner.analyses.breakeven import breakeven
    from planner.analyses.frontier import frontier
    from planner.analyses.robust import robust
    from planner.analyses.stress import Stress, stress
    from planner.errors import Problem, ScenarioError
    from planner.explain import Explanation, explain
    from planner.result import Result, Status
    from planner.scenario import Scenario
    from planner.solve import solve
    from planner.sweep import SweepResult, sweep

# Loaded on first use, so that a command pays only for what it runs (the explain and sweep
# machinery, pandas and the solvers stay unloaded for ``planner --help``).
_LAZY = {
    "Alternatives": "planner.analyses.alternatives",
    "alternatives": "planner.analyses.alternatives",
    "Stress": "planner.analyses.stress",
    "stress": "planner.analyses.stress",
    "Explanation": "planner.explain",
    "explain": "planner.explain",
    "Problem": "planner.errors",
    "ScenarioError": "planner.errors",
    "Result": "planner.result",
    "Status": "planner.result",
    "Scenario": "planner.scenario",
    "robust": "planner.analyses.robust",
    "solve": "planner.solve",
    "SweepResult": "planner.sweep",
    "sweep": "planner.sweep",
    "breakeven": "planner.analyses.breakeven",
    "frontier": "planner.analyses.frontier",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'planner' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """The package, whose ``solve``, ``explain`` and ``sweep`` stay the functions of those names.

    Loading a submodule makes it an attribute of its package: ``planner.solve`` would become the
    module once anything imported it, and ``from planner import solve`` would then give a module.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__all__ = [
    "Alternatives",
    "Explanation",
    "Problem",
    "Result",
    "Scenario",
    "ScenarioError",
    "Status",
    "Stress",
    "SweepResult",
    "alternatives",
    "breakeven",
    "default_scenario_path",
    "example_path",
    "examples",
    "explain",
    "frontier",
    "robust",
    "solve",
    "stress",
    "sweep",
]


def examples() -> list[str]:
    """Names of the example scenarios shipped with the package (``default`` among them)."""
    from importlib import resources

    folder = resources.files("planner").joinpath("examples")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def example_path(name: str) -> Path:
    """Path of the shipped example scenario ``name``.

    Raises
    ------
    KeyError
        If there is no such example; the message lists the known ones.
    """
    from importlib import resources

    if name not in examples():
        raise KeyError(f"no example {name!r}; known: {', '.join(examples())}")
    return Path(str(resources.files("planner").joinpath("examples", f"{name}.yaml")))


def default_scenario_path() -> Path:
    """Path of the built-in default scenario (what ``planner solve`` runs without a file)."""
    return example_path("default")
