"""How far the roofline estimator is from measurements it was not fitted on.

Two sets of points, each estimated by a calibration that never saw it:

- **leave one system out**: every catalog system's measured runs, estimated with the
  efficiencies fitted on the other systems' runs only;
- **held out**: the public measurements in ``fleets/heldout.csv`` (with their sources), which
  no calibration reads, estimated with the calibration on the whole catalog.

The figure compared is the one a capacity plan rests on: system output tokens/s of one unit at
the run's per-user speed (read off the estimated front at that speed), or at its concurrency
when it published no per-user speed, or the highest throughput for an offline run (never with
more requests per unit than the run had). Runs that
publish only a per-user speed (SRAM systems) are compared on that speed, apart. Runs without a
published prompt length are listed as not scored: throughput depends strongly on it.

Prints one line per point, then the median and largest absolute error per category and overall
(target: median at most 15%, none beyond 40%). It asserts nothing::

    python bench/fidelity.py [--leave-out dgx-h100,cs-3] [--points]
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fleets.catalog import MeasuredPoint, System, load_catalog
from fleets.fitting import calibrate, catalog_calibration, layout_of, predict_point, stack_of
from fleets.layouts import Shape
from fleets.models import get_model
from fleets.roofline import Efficiency, efficiency_for, estimate, throughput_at

HELD_OUT = Path(__file__).resolve().parents[1] / "fleets" / "heldout.csv"
"""Public measurements that calibration never reads, one per line with its source."""

TARGET_MEDIAN = 0.15
TARGET_MAX = 0.40


@dataclass(frozen=True)
class Run:
    """A measured run to estimate, and in which layout it ran where the source says."""

    system: System
    point: MeasuredPoint
    chips_per_replica: int | None = None


def held_out_runs(path: Path = HELD_OUT) -> list[Run]:
    """The held-out file's runs (validated as catalog runs are)."""
    catalog = load_catalog()
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    runs = []
    for row in table.to_dict("records"):
        chips = row.pop("chips_per_replica")
        system = catalog[row.pop("system")]
        point = MeasuredPoint.model_validate({k: v for k, v in row.items() if v != ""})
        runs.append(Run(system, point, int(chips) if chips else None))
    return runs


def score(run: Run, efficiencies: dict[str, Efficiency]) -> dict | None:
    """The estimate of ``run``'s figure, or ``None`` when it cannot be scored (no prompt length)."""
    system, point = run.system, run.point
    model = get_model(point.model)
    chips_per_replica = run.chips_per_replica or layout_of(point)
    efficiency = efficiency_for(system, stack_of(point), efficiencies, point.precision)
    if point.decode_tokens_per_s is None:
        if point.tokens_per_s_per_user is None:
            return None
        measured, metric = point.tokens_per_s_per_user, "tokens/s per user"
        estimated = predict_point(system, model, point, efficiency)["tokens_per_s_per_user"]
        target = None
    elif point.input_tokens is None:
        return None
    else:
        measured, metric, target = point.decode_tokens_per_s, "tokens/s", point.tokens_per_s_per_user
        if target is not None or chips_per_replica is not None:
            shape = Shape(point.input_tokens, point.output_tokens or Shape.output_tokens)
            table = estimate(
                system,
                model,
                precision=point.precision,
                shape=shape,
                efficiency=efficiency,
                stack=stack_of(point),
                chips_per_replica=chips_per_replica,
            )
            if point.concurrency:  # the run had that many requests per unit, at most
                table = table[table["concurrency_per_unit"] <= point.concurrency]
            estimated = throughput_at(table, target)
        else:
            estimated = predict_point(system, model, point, efficiency)["output_tokens_per_s"]
    return {
        "system": system.name,
        "category": system.category,
        "model": model.name,
        "precision": point.precision,
        "shape": f"{point.input_tokens or '?'}/{point.output_tokens or '?'}",
        "concurrency": point.concurrency,
        "target": target,
        "metric": metric,
        "measured": measured,
        "estimated": estimated,
        "error": estimated / measured - 1.0 if not math.isnan(estimated) else math.inf,
    }


def leave_one_system_out(names: list[str] | None = None) -> tuple[pd.DataFrame, int]:
    """Each system's runs estimated by the calibration on the other systems; and how many runs
    could not be scored."""
    catalog = load_catalog()
    rows, unscored = [], 0
    for name, system in catalog.items():
        if not system.measured or (names and name not in names):
            continue
        others = [s.model_copy(update={"measured": []}) if s.name == name else s for s in catalog.values()]
        efficiencies = calibrate(others).efficiencies
        for point in system.measured:
            row = score(Run(system, point), efficiencies)
            unscored += row is None
            rows += [{**row, "set": "leave-one-out"}] if row else []
    return pd.DataFrame(rows), unscored


def held_out() -> tuple[pd.DataFrame, int]:
    """The held-out runs estimated by the calibration on the whole catalog."""
    efficiencies = catalog_calibration().efficiencies
    scored = [score(run, efficiencies) for run in held_out_runs()]
    return pd.DataFrame([{**row, "set": "held-out"} for row in scored if row]), sum(r is None for r in scored)


def summary(points: pd.DataFrame) -> pd.DataFrame:
    """Median and largest absolute error per category, and over all points."""
    frame = points.assign(abs_error=points["error"].abs())
    groups = [(category, group) for category, group in frame.groupby("category")] + [("all", frame)]
    return pd.DataFrame(
        [
            {
                "category": category,
                "points": len(group),
                "median": group["abs_error"].median(),
                "max": group["abs_error"].max(),
                "within 15%": int((group["abs_error"] <= 0.15).sum()),
            }
            for category, group in groups
        ]
    ).set_index("category")


def _percent(x: float) -> str:
    return "none" if math.isinf(x) else f"{100 * x:+.0f}%"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leave-out", help="only these catalog systems (comma-separated) in the leave-one-out set")
    parser.add_argument("--points", action="store_true", help="print every point, not only the summaries")
    args = parser.parse_args(argv)
    loso, loso_unscored = leave_one_system_out(args.leave_out.split(",") if args.leave_out else None)
    held, held_unscored = held_out()
    points = pd.concat([loso, held], ignore_index=True)
    if args.points:
        print(
            f"{'set':14} {'system':14} {'model':15} {'prec':5} {'shape':11} {'conc':>6} {'target':>7} "
            f"{'metric':17} {'measured':>10} {'estimated':>10} {'error':>6}"
        )
        for p in points.to_dict("records"):
            conc = "" if pd.isna(p["concurrency"]) else f"{p['concurrency']:.0f}"
            target = "" if p["target"] is None or pd.isna(p["target"]) else f"{p['target']:.1f}"
            print(
                f"{p['set']:14} {p['system']:14} {p['model']:15} {p['precision']:5} {p['shape']:11} {conc:>6} "
                f"{target:>7} {p['metric']:17} {p['measured']:10.1f} {p['estimated']:10.1f} {_percent(p['error']):>6}"
            )
    throughput = points[points["metric"] == "tokens/s"]
    for title, frame in (
        ("system tokens/s at the target, leave one system out", throughput[throughput["set"] == "leave-one-out"]),
        ("system tokens/s at the target, held-out file", throughput[throughput["set"] == "held-out"]),
        ("system tokens/s at the target, both", throughput),
        ("per-user speed (runs that publish only that)", points[points["metric"] != "tokens/s"]),
    ):
        print(f"\n{title}")
        if frame.empty:
            print("  no points")
            continue
        table = summary(frame)
        print(f"  {'category':12} {'points':>6} {'median':>7} {'max':>7} {'within 15%':>10}")
        for category, row in table.iterrows():
            print(
                f"  {category:12} {row['points']:6.0f} {100 * row['median']:6.0f}% {_max(row['max']):>7} "
                f"{row['within 15%']:10.0f}"
            )
    overall = summary(throughput).loc["all"]
    print(
        f"\nnot scored (no published prompt length): {loso_unscored + held_unscored}; target: median <= "
        f"{TARGET_MEDIAN:.0%}, none beyond {TARGET_MAX:.0%}: "
        f"{'met' if overall['median'] <= TARGET_MEDIAN and overall['max'] <= TARGET_MAX else 'not met'}"
    )


def _max(x: float) -> str:
    return "inf" if np.isinf(x) else f"{100 * x:.0f}%"


if __name__ == "__main__":
    main()
