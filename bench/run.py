"""Benchmark harness: where the time of a solve goes, at three sizes of synthetic scenario.

Run with ``python bench/run.py`` (or ``make bench``); ``--sizes small,large,xl`` chooses the
sizes (default small and large; xl, about a million variables, takes many minutes today).
Each size runs in a process of its own, so that its peak memory is its own, and prints:

- the phases of one solve: load (read and check the scenario file), data (``ModelData``), build
  (the PuLP model), write (the MPS file handed to CBC), solver alone (CBC on that file, with the
  planner's options), read-back (CBC's answer read onto the model: the solve minus the write and
  the solver, measured by difference) and tables (the ``Result`` tables);
- end to end over solver alone, peak memory (planner process, and the largest solver process),
  the throughput of a sweep on 2 workers over 1 worker, and warm over cold re-solve time;
- with several sizes, each one's size and times over the smallest's.

It prints ratios measured side by side in one run and never asserts a time: compare runs made on
one machine. ``--budget SECONDS`` repeats each size's solve while its time lasts (at least once)
and reports the median of each phase.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: its sibling module
from synthetic import SIZES, Size, scenario_dict

PHASES = ("load", "data", "build", "write", "solver alone", "read-back", "tables")
"""The phases of one solve, in order; each gets a line."""

PHASE_NOTES = {
    "write": "MPS file, the hand-off to CBC",
    "solver alone": "CBC on the written file",
    "read-back": "by difference: the solve minus write and solver",
    "tables": "Result tables",
}

SWEEP_RUNS = 4
"""Runs of the sweep timed on 1 and on 2 workers (a one-at-a-time sweep of a fleet's price)."""


def _mib(kib: int) -> float:
    return kib / 1024.0  # ru_maxrss is in KiB on Linux


def _run_watched(command: list[str]) -> tuple[float, float]:
    """Run ``command``; return its wall seconds and its peak resident memory in MiB.

    The peak is the kernel's high-water mark (``VmHWM``), sampled every 10 ms while it runs (the
    rusage of a child would count the memory of this process, copied at the fork).
    """
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak_kib = 0
    status = Path(f"/proc/{process.pid}/status")
    while True:
        try:
            process.wait(timeout=0.01)
            break
        except subprocess.TimeoutExpired:
            try:
                line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
                peak_kib = max(peak_kib, int(line.split()[1]))
            except (OSError, StopIteration):  # exited meanwhile, or no /proc: no sample
                pass
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{command[0]} failed with exit code {process.returncode}")
    return seconds, _mib(peak_kib)


def _solver_alone(model_file: Path, mip: bool) -> tuple[float, float]:
    """Seconds and peak MiB of CBC on the written file alone, with the options the planner gives it."""
    from planner.solve import CBC_OPTIONS, cbc_path

    cbc = cbc_path()
    if cbc is None:
        raise SystemExit("the CBC binary was not found: reinstall the project")
    options = [word for option in CBC_OPTIONS for word in (f"-{option.split()[0]}", *option.split()[1:])]
    solution = model_file.with_suffix(".sol")
    command = [cbc, str(model_file), *options, "-solve" if mip else "-initialSolve", "-solution", str(solution)]
    seconds, peak_mib = _run_watched(command)
    status = solution.read_text(encoding="utf-8").split(maxsplit=1)[0]
    if status != "Optimal":
        raise SystemExit(f"CBC alone did not solve {model_file}: {status}")
    return seconds, peak_mib


def _one_solve(scenario_file: Path, folder: Path) -> tuple[dict[str, float], dict[str, int]]:
    """Time each phase of one solve of ``scenario_file``; also return the model's size."""
    from planner import Scenario
    from planner.build import build
    from planner.data import ModelData
    from planner.solve import solve_model

    times: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        times[phase] = now - clock
        clock = now

    scenario = Scenario.from_yaml(scenario_file)
    lap("load")
    data = ModelData.from_scenario(scenario)
    lap("data")
    model = build(data)
    lap("build")
    model.write(folder / "model.mps")
    lap("write")
    times["solver alone"], times["solver peak MiB"] = _solver_alone(folder / "model.mps", bool(model.problem.isMIP()))
    clock = time.perf_counter()
    result = solve_model(model)
    solved = time.perf_counter() - clock
    if not result.is_optimal:
        raise SystemExit(f"the benchmark scenario did not solve: {result.status.value}: {result.message}")
    # solve_seconds covers PuLP's write, CBC and the read-back; the rest of solve_model is the tables.
    times["read-back"] = max(0.0, result.solve_seconds - times["write"] - times["solver alone"])
    times["tables"] = solved - result.solve_seconds
    # What a user waits for: load, data, build and the solve (not the separate write and CBC runs).
    times["end to end"] = times["load"] + times["data"] + times["build"] + solved
    return times, model.size()


def _sweep_seconds(scenario_file: Path, workers: int) -> float:
    from planner import Scenario
    from planner.sweep import Parameter, design, run_sweep

    base = Scenario.from_yaml(scenario_file)
    values = ",".join(f"x{0.8 + 0.4 * i / (SWEEP_RUNS - 1):.4g}" for i in range(SWEEP_RUNS))
    runs = design([Parameter.parse(f"fleets.f0.capex_usd={values}")], "oat", base)
    started = time.perf_counter()
    result = run_sweep(base, runs, workers=workers)
    seconds = time.perf_counter() - started
    if len(result.table) != len(runs):
        raise SystemExit(f"the sweep ran {len(result.table)} of {len(runs)} runs")
    return seconds


def measure(size: Size, budget_s: float) -> dict[str, Any]:
    """Every figure of one size (run in a process of its own)."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{size.name}-") as name:
        folder = Path(name)
        scenario_file = folder / "scenario.yaml"
        scenario_file.write_text(yaml.safe_dump(scenario_dict(size), sort_keys=False), encoding="utf-8")
        started = time.perf_counter()
        passes: list[dict[str, float]] = []
        while not passes or time.perf_counter() - started < budget_s:
            times, model_size = _one_solve(scenario_file, folder)
            passes.append(times)
        peak_planner_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        sweep = {workers: _sweep_seconds(scenario_file, workers) for workers in (1, 2)}
    phases = {phase: statistics.median(p[phase] for p in passes) for phase in (*PHASES, "end to end")}
    return {
        "size": size.name,
        "label": size.label(),
        "model": model_size,
        "passes": len(passes),
        "phases_s": phases,
        "end_to_end_s": phases.pop("end to end"),
        "peak_planner_mib": _mib(peak_planner_kib),
        "peak_solver_mib": max(p["solver peak MiB"] for p in passes),
        "sweep_s": sweep,
    }


def report(figures: dict[str, Any]) -> str:
    """The lines printed for one size."""
    model, phases = figures["model"], figures["phases_s"]
    lines = [
        f"{figures['size']}: {figures['label']}: {model['variables']:,} variables, {model['constraints']:,} "
        f"constraints, {model['nonzeros']:,} nonzeros (median of {figures['passes']} solve(s))"
    ]
    for phase in PHASES:
        note = f"  ({PHASE_NOTES[phase]})" if phase in PHASE_NOTES else ""
        lines.append(f"  {phase:<30}{phases[phase]:>9.3f} s{note}")
    solver = phases["solver alone"]
    lines.append(
        f"  {'end to end / solver alone':<30}{figures['end_to_end_s'] / solver:>9.1f}x  "
        f"({figures['end_to_end_s']:.3f} s / {solver:.3f} s)"
    )
    lines.append(
        f"  {'peak memory':<30}{figures['peak_planner_mib']:>9.0f} MiB planner, "
        f"{figures['peak_solver_mib']:.0f} MiB CBC alone"
    )
    one, two = figures["sweep_s"][1], figures["sweep_s"][2]
    lines.append(
        f"  {'sweep, 2 workers / 1 worker':<30}{one / two:>9.2f}x the runs per second  "
        f"({SWEEP_RUNS} runs: {one:.2f} s on 1 worker, {two:.2f} s on 2)"
    )
    lines.append(f"  {'warm / cold re-solve':<30}not available (every re-solve starts cold today)")
    return "\n".join(lines)


def growth(all_figures: list[dict[str, Any]]) -> str:
    """Each size's model size and times over the first size's: nonzeros should grow about as fast as
    the model, build and solve times show how far from linear they grow."""
    first = all_figures[0]
    lines = [f"Over {first['size']}: {'nonzeros':>10} {'build':>10} {'solver alone':>13} {'end to end':>11}"]
    for figures in all_figures[1:]:
        ratios = (
            figures["model"]["nonzeros"] / first["model"]["nonzeros"],
            figures["phases_s"]["build"] / first["phases_s"]["build"],
            figures["phases_s"]["solver alone"] / first["phases_s"]["solver alone"],
            figures["end_to_end_s"] / first["end_to_end_s"],
        )
        lines.append(
            f"  {figures['size']:<9} " + " ".join(f"{r:>{w}.1f}x" for r, w in zip(ratios, (9, 9, 12, 10), strict=True))
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="small,large", help=f"comma-separated, of {', '.join(SIZES)}")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds each size repeats its solve for")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # one size, figures as JSON on stdout
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(SIZES[args.child], args.budget)))
        return
    names = [name.strip() for name in args.sizes.split(",") if name.strip()]
    unknown = [name for name in names if name not in SIZES]
    if unknown or not names:
        parser.error(f"unknown size(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(SIZES)}")
    all_figures = []
    for name in names:
        child = subprocess.run(
            [sys.executable, __file__, "--child", name, "--budget", str(args.budget)],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        figures["sweep_s"] = {int(k): v for k, v in figures["sweep_s"].items()}
        all_figures.append(figures)
        print(report(figures), flush=True)
    if len(all_figures) > 1:
        print(growth(all_figures))


if __name__ == "__main__":
    main()
