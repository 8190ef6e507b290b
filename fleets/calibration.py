"""The roofline calibration shipped as data, so that no process refits it.

Fitting the efficiencies to the catalog (:func:`fleets.fitting.catalog_calibration`) takes about
0.6 s and gives the same figures every time, so they ship in ``fleets/calibration.json`` beside
a digest of what they were fitted on: every catalog system and reference model as validated.
:func:`shipped_efficiencies` returns them only while that digest matches; after the catalog or
the models change, the calibration is fitted again in the process (correct, only slower) until
the file is regenerated with::

    python -m fleets.calibration      (or: make calibration)

A test recomputes the fit and fails, naming that command, when the file is out of date.

>>> sorted(shipped_efficiencies() or {})[:2]
['all', 'cloud_asic']
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from importlib import resources
from pathlib import Path

from fleets.catalog import load_catalog
from fleets.fitting import catalog_calibration
from fleets.models import load_models
from fleets.roofline import Efficiency

REGENERATE = "python -m fleets.calibration"
"""The command that refits the calibration and rewrites the shipped file."""


def data_path() -> Path:
    """Where the shipped calibration lives (package data)."""
    return Path(str(resources.files("fleets").joinpath("calibration.json")))


def catalog_digest() -> str:
    """SHA-256 of every catalog system and reference model as validated (comments and layout of
    the YAML files do not count, any figure does)."""
    content = {
        "systems": {name: system.model_dump(mode="json") for name, system in load_catalog().items()},
        "models": {name: model.model_dump(mode="json") for name, model in load_models().items()},
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def fitted_content() -> dict:
    """What the shipped file should hold: the catalog's digest and the efficiencies fitted on it now."""
    calibration = catalog_calibration()
    return {
        "regenerate_with": REGENERATE,
        "catalog_digest": catalog_digest(),
        "efficiencies": {category: asdict(e) for category, e in sorted(calibration.efficiencies.items())},
    }


def shipped_efficiencies(path: Path | None = None) -> dict[str, Efficiency] | None:
    """The shipped efficiencies per category, or ``None`` when they were fitted on another catalog
    (or the file is missing) and must be fitted again."""
    try:
        content = json.loads((path or data_path()).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    if content.get("catalog_digest") != catalog_digest():
        return None
    return {category: Efficiency(**figures) for category, figures in content["efficiencies"].items()}


def write(path: Path | None = None) -> Path:
    """Refit the calibration on the catalog and write it to ``path`` (default: the shipped file)."""
    target = path or data_path()
    target.write_text(json.dumps(fitted_content(), indent=2) + "\n", encoding="utf-8")
    return target


if __name__ == "__main__":
    print(f"wrote {write()}")
