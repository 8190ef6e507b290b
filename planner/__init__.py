"""planner: a capacity-planning optimizer for AI inference fleets.

A scenario (validated input) becomes ``ModelData`` (pandas tables), then a linear program
(``build``), then a ``Result`` (``solve``) with tidy tables whose columns carry their units.

>>> from planner import Scenario, solve, default_scenario_path
>>> result = solve(Scenario.from_yaml(default_scenario_path()))
>>> result.status
<Status.OPTIMAL: 'optimal'>
"""

from importlib import resources
from pathlib import Path

from planner.errors import Problem, ScenarioError
from planner.explain import Explanation, explain
from planner.result import Result, Status
from planner.scenario import Scenario
from planner.solve import solve
from planner.sweep import SweepResult, sweep

__all__ = [
    "Explanation",
    "Problem",
    "Result",
    "Scenario",
    "ScenarioError",
    "Status",
    "SweepResult",
    "default_scenario_path",
    "example_path",
    "examples",
    "explain",
    "solve",
    "sweep",
]


def examples() -> list[str]:
    """Names of the example scenarios shipped with the package (``default`` among them)."""
    folder = resources.files("planner").joinpath("examples")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def example_path(name: str) -> Path:
    """Path of the shipped example scenario ``name``.

    Raises
    ------
    KeyError
        If there is no such example; the message lists the known ones.
    """
    if name not in examples():
        raise KeyError(f"no example {name!r}; known: {', '.join(examples())}")
    return Path(str(resources.files("planner").joinpath("examples", f"{name}.yaml")))


def default_scenario_path() -> Path:
    """Path of the built-in default scenario (what ``planner solve`` runs without a file)."""
    return example_path("default")
