"""Benchmark harness: where the time of a solve goes, at three sizes of synthetic scenario.

Run with ``python bench/run.py`` (or ``make bench``); ``--sizes small,large,xl`` chooses the
sizes (default small and large), ``--solvers highs,cbc`` the solvers (default both). Each size
and solver runs in a process of its own, so that its peak memory is its own, and prints:

- the phases of one solve, per solver: load (read and check the scenario file), data
  (``ModelData``), build (the LP as arrays), hand-off (HiGHS: ``passModel``; CBC: the MPS file
  written), solver alone (HiGHS: its ``run()`` on the passed model; CBC: the binary on the file),
  read-back (the answer into arrays) and tables (the ``Result`` tables);
- end to end over solver alone, the share of end to end that the planner adds (build, hand-off,
  read-back and tables), and peak memory;
- warm over cold re-solve time (HiGHS) for a changed cost and for a changed limit, the growth of
  the LP's nonzeros when each dimension is doubled, the build beside linopy's (when installed)
  and the array floor, and, at the small size, the rate of a sweep on 2 workers over 1 worker.

Before the sizes it prints the wall time of ``planner solve`` on the default scenario. It prints
ratios measured side by side in one run and never asserts a time: compare runs made on one
machine. ``--budget SECONDS`` repeats each measurement while its time lasts (at least once) and
reports the median.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: its sibling modules
from phases import (
    OVERHEAD,
    PHASES,
    build_comparison,
    default_solve_wall,
    nonzeros_growth,
    one_solve,
    repeated,
    sweep_seconds,
    warm_cold,
)
from synthetic import SIZES, scenario_dict

SOLVERS = {"highs": "HiGHS", "cbc": "CBC"}

PHASE_NOTES = {
    "build": "the LP as arrays",
    "hand-off": "HiGHS: passModel; CBC: the MPS file written",
    "solver alone": "HiGHS: run() on the passed model; CBC: the binary on the file",
    "read-back": "the answer into arrays",
    "tables": "Result tables",
}

SWEEP_RUNS = 200
"""Runs of the sweep timed on 1 and on 2 workers, at the small size."""

STUDY_SIZES = ("small", "large")
"""Sizes whose warm and cold re-solves are timed and whose nonzeros are measured with each
dimension doubled (at xl, each re-solve takes minutes and the doubled models would not fit here)."""

LABEL = 40
"""Width of the label column."""


def _scenario_file(folder: Path, size_name: str) -> Path:
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario_dict(SIZES[size_name]), sort_keys=False), encoding="utf-8")
    return path


def measure_solver(size_name: str, solver: str, budget_s: float) -> dict[str, Any]:
    """The phases of one size with one solver, and the process's peak memory (run in a process of its own)."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{size_name}-") as name:
        folder = Path(name)
        scenario_file = _scenario_file(folder, size_name)
        sizes: list[dict[str, int]] = []

        def measure() -> dict[str, float]:
            times, model_size = one_solve(scenario_file, solver, folder)
            sizes.append(model_size)
            return times

        phases, passes = repeated(budget_s, measure)
    return {
        "model": sizes[0],
        "passes": passes,
        "phases_s": phases,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,  # KiB on Linux
    }


def measure_extras(size_name: str, budget_s: float, sweep_runs: int) -> dict[str, Any]:
    """Warm and cold re-solves, nonzeros growth, the build comparison and (small) the sweeps."""
    from planner import Scenario
    from planner.build import build
    from planner.data import ModelData

    size = SIZES[size_name]
    data = ModelData.from_scenario(Scenario.model_validate(scenario_dict(size)))
    figures: dict[str, Any] = {"builds": build_comparison(data, budget_s)}  # first: timed in a fresh process
    studied = size_name in STUDY_SIZES
    figures["warm_cold"] = warm_cold(build(data)) if studied else None
    figures["growth"] = nonzeros_growth(size) if studied else None
    figures["sweep_s"] = None
    if size_name == "small":
        with tempfile.TemporaryDirectory(prefix="bench-sweep-") as name:
            scenario_file = _scenario_file(Path(name), size_name)
            figures["sweep_s"] = {
                "warm 1": sweep_seconds(scenario_file, sweep_runs, 1, warm=True),
                "warm 2": sweep_seconds(scenario_file, sweep_runs, 2, warm=True),
                "cold 1": sweep_seconds(scenario_file, sweep_runs, 1, warm=False),
            }
            figures["sweep_runs"] = sweep_runs
    return figures


def _line(label: str, text: str) -> str:
    return f"  {label:<{LABEL}}{text}"


def _size_text(size: dict[str, int]) -> str:
    return f"{size['variables']:,} variables, {size['constraints']:,} constraints, {size['nonzeros']:,} nonzeros"


def report(size_name: str, by_solver: dict[str, dict[str, Any]], extras: dict[str, Any]) -> str:
    """The lines printed for one size."""
    first = next(iter(by_solver.values()))
    passes = ", ".join(f"{SOLVERS[s]} {f['passes']}" for s, f in by_solver.items())
    lines = [f"{size_name}: {SIZES[size_name].label()}: {_size_text(first['model'])} (solves: {passes})"]
    names = [s for s in SOLVERS if s in by_solver]

    def columns(values: dict[str, str]) -> str:
        return "".join(f"{values.get(s, '-'):>12}" for s in names)

    lines.append(_line("phase", columns(SOLVERS)))
    for phase in PHASES:
        note = f"  ({PHASE_NOTES[phase]})" if phase in PHASE_NOTES else ""
        lines.append(_line(phase, columns({s: f"{f['phases_s'][phase]:.3f} s" for s, f in by_solver.items()}) + note))
    ends = {s: f["phases_s"]["end to end"] for s, f in by_solver.items()}
    ratio = {s: f"{ends[s] / f['phases_s']['solver alone']:.2f}x" for s, f in by_solver.items()}
    shown = ", ".join(
        f"{SOLVERS[s]} {ends[s]:.3f} s; the solve path, timed whole: {by_solver[s]['phases_s']['solve path']:.3f} s"
        for s in names
    )
    lines.append(_line("end to end / solver alone", columns(ratio) + f"  (the phases summed: {shown})"))
    share = {s: f"{sum(f['phases_s'][p] for p in OVERHEAD) / ends[s]:.1%}" for s, f in by_solver.items()}
    lines.append(_line(" + ".join(OVERHEAD), columns(share) + "  of end to end"))
    peak = {s: f"{f['peak_mib']:.0f} MiB" for s, f in by_solver.items()}
    solver_peak = (
        f"  (the planner's process, HiGHS within it; the CBC binary alone: {by_solver['cbc']['phases_s']['solver peak MiB']:.0f} MiB)"
        if "cbc" in by_solver
        else "  (the planner's process, HiGHS within it)"
    )
    lines.append(_line("peak memory", columns(peak) + solver_peak))
    only = f"measured at {' and '.join(STUDY_SIZES)} only"
    for change, what in (
        ("cost", "the most-built fleet 10% dearer"),
        ("limit", "site s0's power cut to 90% of its draw"),
    ):
        if extras["warm_cold"] is None:
            lines.append(_line(f"warm / cold re-solve, changed {change}", only))
            continue
        w = extras["warm_cold"][change]
        lines.append(
            _line(
                f"warm / cold re-solve, changed {change}",
                f"{w['warm_s'] / w['cold_s']:.2f} ({w['cold_s'] / w['warm_s']:.1f}x faster warm; HiGHS, {what}: "
                f"warm {w['warm_s']:.3f} s, {w['warm_iterations']:.0f} iterations; "
                f"cold {w['cold_s']:.3f} s, {w['cold_iterations']:.0f})",
            )
        )
    growth = extras["growth"]
    lines.append(
        _line(
            "nonzeros growth, each dimension x2",
            ", ".join(f"{dim} {ratio:.2f}x" for dim, ratio in growth.items()) if growth else only,
        )
    )
    lines.extend(_build_lines(extras["builds"]))
    lines.append(_sweep_line(extras))
    return "\n".join(lines)


def _build_lines(builds: dict[str, Any]) -> list[str]:
    planner_s, floor_s = builds["planner_s"], builds["floor_s"]
    if builds["linopy_s"] is None:
        comparison = "skipped: linopy is not installed (pip install -e '.[bench]')"
        floor_note = f"planner's build {planner_s / floor_s:.1f}x it"
    else:
        linopy_s = builds["linopy_s"]
        same = builds["linopy_size"] == builds["planner_size"]
        comparison = (
            f"{linopy_s / planner_s:.2f}x  (linopy {linopy_s:.3f} s, planner {planner_s:.3f} s, each up to the LP "
            f"handed to HiGHS; linopy's LP: {_size_text(builds['linopy_size'])}"
            + (", the same as the planner's)" if same else f"; the planner's: {_size_text(builds['planner_size'])})")
        )
        floor_note = f"planner's build {planner_s / floor_s:.1f}x it, linopy's {linopy_s / floor_s:.1f}x"
    return [
        _line("build, linopy / planner", comparison),
        _line("array floor", f"{floor_s:.3f} s  (the LP from its triplets alone; {floor_note})"),
    ]


def _sweep_line(extras: dict[str, Any]) -> str:
    sweep = extras["sweep_s"]
    if sweep is None:
        return _line("sweep, 2 workers / 1 worker", "measured at the small size only")
    runs = extras["sweep_runs"]
    one, two, cold = sweep["warm 1"], sweep["warm 2"], sweep["cold 1"]
    return _line(
        "sweep, 2 workers / 1 worker",
        f"{one / two:.2f}x the runs per second  ({runs} runs warm: {one:.2f} s on 1 worker, {two:.2f} s on 2; "
        f"cold on 1 worker: {cold:.2f} s, warm {cold / one:.2f}x its rate)",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="small,large", help=f"comma-separated, of {', '.join(SIZES)}")
    parser.add_argument("--solvers", default="highs,cbc", help=f"comma-separated, of {', '.join(SOLVERS)}")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds each measurement repeats for")
    parser.add_argument("--sweep-runs", type=int, default=SWEEP_RUNS, help="runs of the sweep at the small size")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # SIZE:SOLVER or SIZE:extras, figures as JSON on stdout
    args = parser.parse_args(argv)
    if args.child:
        size_name, what = args.child.split(":")
        figures = (
            measure_extras(size_name, args.budget, args.sweep_runs)
            if what == "extras"
            else measure_solver(size_name, what, args.budget)
        )
        print(json.dumps(figures))
        return
    sizes = _choices(parser, "size", args.sizes, SIZES)
    solvers = _choices(parser, "solver", args.solvers, SOLVERS)
    if args.sweep_runs < 2:
        parser.error("--sweep-runs must be at least 2")
    wall_s, runs = default_solve_wall(min(args.budget, 10.0))
    load = os.getloadavg()[0]
    print(
        f"default scenario: planner solve {wall_s:.3f} s wall (median of {runs}, start-up included; "
        f"load average {load:.1f} on {os.cpu_count()} cores)"
    )
    for size_name in sizes:
        by_solver = {solver: _child(args, f"{size_name}:{solver}") for solver in solvers}
        print(report(size_name, by_solver, _child(args, f"{size_name}:extras")), flush=True)


def _choices(parser: argparse.ArgumentParser, kind: str, given: str, known: dict[str, Any]) -> list[str]:
    names = [name.strip() for name in given.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        parser.error(f"unknown {kind}(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(known)}")
    return names


def _child(args: argparse.Namespace, what: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", what, "--budget", str(args.budget)]
    child = subprocess.run(
        [*command, "--sweep-runs", str(args.sweep_runs)], check=True, stdout=subprocess.PIPE, text=True
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
