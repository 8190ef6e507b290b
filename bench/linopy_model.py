"""The planner's LP formulated in linopy, from the same ``ModelData`` frames, to compare build times.

Each family of ``docs/formulation.md`` that the benchmark scenarios use is written as a linopy
user would write a sparse model: one flat variable per family (its entries are the rows of an
index frame built from ``ModelData``, as :mod:`planner.build` builds them), and each constraint
family as one expression of terms grouped by row and summed (``LinearExpression.groupby``).
The objective reads the cost of each column from the planner's own ``model.cost_terms`` (its
computation is timed in the planner's build, not here, which flatters linopy a little).

Formulated: demand balance (the prefill of a workload whose phases run together read from its
decode column, as in the planner), capacity, stock, power limit, supply, quota, term growth,
term stock, min term, budget, the served total and the vendor, provider and category shares
against it, and contracts. Not formulated, and refused by :func:`build_linopy`: disaggregated
pairs and KV links, site expansion, platform adoption, per-slice cloud bursts, the vendor-loss
backup, spend commitments (none of which the synthetic scenarios use).

``python bench/linopy_model.py small`` prints both sizes and build times for one size.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.build import MUSD, Model
from planner.build.terms import positions
from planner.data import ModelData

_SIGNS = {"<=": "__le__", ">=": "__ge__", "==": "__eq__"}


@dataclass
class _Family:
    """A linopy variable and the index frame of its entries (``pos``: the entry's position in the
    variable, ``scale``: what that position's value is multiplied by)."""

    variable: Any
    entries: pd.DataFrame


def unsupported(data: ModelData) -> list[str]:
    """What in ``data`` this formulation leaves out (empty for the synthetic scenarios)."""
    policy = data.scenario.policy
    found = {
        "disaggregated workloads (pairs, KV links)": len(data.pairs) > 0,
        "site expansion": len(data.expansions) > 0,
        "platform adoption": bool(policy.adoption_usd),
        "several time slices": len(data.slices) > 1,
        "the vendor-loss rule": policy.vendor_loss_coverage is not None,
        "spend commitments": len(data.spend_commitments) > 0,
    }
    return [what for what, present in found.items() if present]


def build_linopy(data: ModelData, model: Model) -> Any:
    """The LP of ``data`` as a ``linopy.Model`` (``model``, the planner's build of the same data,
    gives only the objective's coefficients, see the module docstring).

    Raises
    ------
    ValueError
        If the scenario uses a family not formulated here (:func:`unsupported`).
    """
    import linopy

    missing = unsupported(data)
    if missing:
        raise ValueError(f"the linopy comparison does not formulate {', '.join(missing)}")
    m = linopy.Model()
    t = pd.DataFrame({"t": np.arange(len(data.periods))})
    k = data.slices[["k", "hours_share"]]
    fleets = data.fleets
    v: dict[str, _Family] = {}

    def variables(name: str, entries: pd.DataFrame, integer: bool = False) -> _Family:
        entries = entries.reset_index(drop=True)
        variable = m.add_variables(
            lower=0.0, coords=[pd.RangeIndex(len(entries), name=f"{name}_i")], name=name, integer=integer
        )
        v[name] = _Family(variable, entries.assign(pos=np.arange(len(entries)), scale=1.0))
        return v[name]

    # Variables, as planner.build.variables makes them.
    whole = bool(data.scenario.integer_units)
    serve = data.routes.merge(t, how="cross").merge(k, how="cross")
    split = serve["workload"].map({n: w.disaggregate for n, w in data.scenario.workloads.items()}).to_numpy(bool)
    ratio = serve["workload"].map({n: w.input_output_ratio for n, w in data.scenario.workloads.items()})
    owns = split | (serve["phase"] == "decode").to_numpy()
    own_serve = variables("serve", serve[owns])
    folded = serve[~owns].reset_index(drop=True)
    keys = ["workload", "fleet", "site", "t", "k"]
    decode = own_serve.entries[~split[owns]].reset_index(drop=True)
    at = positions(folded, decode, keys)
    folded = folded.assign(pos=decode["pos"].to_numpy()[at], scale=ratio[~owns].to_numpy(dtype=float))
    own_serve.entries = pd.concat([own_serve.entries, folded], ignore_index=True)
    variables("unserved", data.demand[["workload", "phase", "t", "k"]].merge(k, on="k"))
    units = data.placements.merge(t, how="cross")
    variables("units", units, integer=False)
    lead = fleets["lead_periods"]
    own = units[units["procurement"] == "own"]
    variables("build", own[own["t"] >= own["fleet"].map(lead)], integer=whole)
    termed = units[units["fleet"].map(fleets["term_periods"]) > 0]
    variables("start", termed[termed["t"] >= termed["fleet"].map(lead)], integer=whole)
    variables("held", termed)
    variables("served", t if len(data.share_limits) else t[:0])

    def terms(family: str, entries: pd.DataFrame | None = None, coef: Any = 1.0) -> tuple[_Family, pd.DataFrame]:
        frame = v[family].entries if entries is None else entries
        return v[family], frame.assign(coef=np.asarray(coef, dtype=float) * frame["scale"].to_numpy())

    def rows(
        name: str, keys: list[str], parts: list[tuple[_Family, pd.DataFrame]], sense: str, rhs: pd.DataFrame
    ) -> None:
        """One row per ``rhs`` row that has terms: the sum of the ``parts`` terms sharing its keys."""
        import xarray as xr

        table = rhs[[*keys, "rhs"]].reset_index(drop=True)
        located = [(family, frame, positions(frame, table, keys)) for family, frame in parts]
        used = np.zeros(len(table), dtype=bool)
        for _, _, at in located:
            used[at[at >= 0]] = True
        renumber = np.cumsum(used) - 1
        pieces = []
        for family, frame, at in located:
            inside = at >= 0
            if not inside.any():
                continue
            dim = f"{family.variable.name}_i"
            picked = family.variable.isel({dim: xr.DataArray(frame["pos"].to_numpy()[inside], dims="term")})
            coef = xr.DataArray(frame["coef"].to_numpy()[inside], dims="term")
            pieces.append(((coef * picked).drop_vars(dim, errors="ignore"), renumber[at[inside]]))
        if not pieces:
            return
        expression = linopy.merge([p for p, _ in pieces], dim="term")
        row = xr.DataArray(np.concatenate([r for _, r in pieces]), dims="term", name=f"{name}_row")
        grouped = expression.groupby(row).sum()
        bound = xr.DataArray(
            table["rhs"].to_numpy(dtype=float)[used], dims=f"{name}_row", coords={f"{name}_row": np.arange(used.sum())}
        )
        m.add_constraints(getattr(grouped, _SIGNS[sense])(bound), name=name)

    # demand_balance
    rhs = data.demand.assign(rhs=data.demand["tokens_per_s"] / data.rate_unit)
    rows("demand_balance", ["workload", "phase", "t", "k"], [terms("serve"), terms("unserved")], "==", rhs)
    # capacity
    s = v["serve"].entries
    units_k = v["units"].entries.drop(columns=["pos", "scale"]).merge(data.slices[["k"]], how="cross")
    units_k = units_k.merge(v["units"].entries[["fleet", "site", "t", "pos", "scale"]], on=["fleet", "site", "t"])
    per_unit = data.rate_unit * s["peak_factor"].to_numpy() / s["tokens_per_s_per_unit"].to_numpy()
    rows(
        "capacity",
        ["fleet", "site", "t", "k"],
        [
            terms("serve", s, per_unit),
            terms("units", units_k, -units_k["fleet"].map(fleets["availability"]).to_numpy()),
        ],
        "<=",
        units_k[["fleet", "site", "t", "k"]].assign(rhs=0.0),
    )
    # stock
    u = v["units"].entries
    u = u[u["procurement"] == "own"]
    b = v["build"].entries
    life = b["fleet"].map(fleets["life_periods"]).to_numpy()
    stock_keys = ["fleet", "site", "t"]
    existing = u[stock_keys].merge(data.existing, on=stock_keys, how="left").fillna({"units": 0.0})
    previous = existing.assign(t=existing["t"] + 1)[[*stock_keys, "units"]].rename(columns={"units": "before"})
    stock_rhs = existing.merge(previous, on=stock_keys, how="left").fillna({"before": 0.0})
    parts = [
        terms("units", u),
        terms("units", u.assign(t=u["t"] + 1), -1.0),
        terms("build", b, -1.0),
        terms("build", b.assign(t=b["t"] + life)),
    ]
    rows("stock", stock_keys, parts, "==", stock_rhs.assign(rhs=stock_rhs["units"] - stock_rhs["before"]))
    # power_limit
    at_site = v["units"].entries[v["units"].entries["fleet"].map(fleets["at_site"])]
    power = at_site["fleet"].map(fleets["max_power_kw"]).to_numpy() * at_site["site"].map(data.sites["pue"]).to_numpy()
    rhs = data.site_periods.assign(rhs=data.site_periods["cap_mw"])
    rows("power_limit", ["site", "t"], [terms("units", at_site, power / 1000.0)], "<=", rhs)
    # supply, quota
    rows("supply", ["fleet", "t"], [terms("build")], "<=", data.supply.assign(rhs=data.supply["units"]))
    rented = v["units"].entries[v["units"].entries["procurement"] != "own"]
    rows("quota", ["fleet", "t"], [terms("units", rented)], "<=", data.quota.assign(rhs=data.quota["units"]))
    # term_growth, term_stock, min_term
    tu = v["units"].entries[v["units"].entries["fleet"].map(fleets["term_periods"]) > 0]
    held, starts = v["held"].entries, v["start"].entries
    term = starts["fleet"].map(fleets["term_periods"]).to_numpy()
    zero = tu[stock_keys].assign(rhs=0.0)
    rows(
        "term_growth",
        stock_keys,
        [terms("units", tu), terms("units", tu.assign(t=tu["t"] + 1), -1.0), terms("start", coef=-1.0)],
        "<=",
        zero,
    )
    parts = [
        terms("held"),
        terms("held", held.assign(t=held["t"] + 1), -1.0),
        terms("start", coef=-1.0),
        terms("start", starts.assign(t=starts["t"] + term)),
    ]
    rows("term_stock", stock_keys, parts, "==", held[stock_keys].assign(rhs=0.0))
    rows("min_term", stock_keys, [terms("units", tu), terms("held", coef=-1.0)], ">=", zero)
    # budget
    years = b.assign(year=data.periods["year"].to_numpy()[b["t"].to_numpy()])
    capex = b["fleet"].map(fleets["capex_usd"]).to_numpy() / MUSD
    rows("budget", ["year"], [terms("build", years, capex)], "<=", data.budget.assign(rhs=data.budget["usd"] / MUSD))
    # served_total and the share rules
    if len(data.share_limits):
        served = v["served"].entries
        rows(
            "served_total",
            ["t"],
            [terms("serve", s, s["hours_share"].to_numpy()), terms("served", coef=-1.0)],
            "==",
            served[["t"]].assign(rhs=0.0),
        )
        for family, column in (
            ("vendor_share", "vendor"),
            ("provider_share", "provider"),
            ("category_share", "category"),
        ):
            limits = data.share_limits[data.share_limits["family"] == family]
            grouped = s.assign(group=s["fleet"].map(fleets[column]))
            share_rhs = limits[["group", "limit"]].merge(t, how="cross").assign(rhs=0.0)
            totals = served.merge(share_rhs, on="t")
            parts = [
                terms("serve", grouped, grouped["hours_share"].to_numpy()),
                terms("served", totals, -totals["limit"].to_numpy()),
            ]
            rows(family, ["group", "t"], parts, "<=", share_rhs)
    # contract
    contract_parts = []
    for name, measure, covered_fleets in data.contracts.drop_duplicates("contract")[
        ["contract", "measure", "fleets"]
    ].itertuples(index=False):
        covered = v["units"].entries[v["units"].entries["fleet"].isin(covered_fleets)].assign(contract=name)
        coef = covered["fleet"].map(fleets["max_power_kw"]).to_numpy() / 1000.0 if measure == "mw" else 1.0
        contract_parts.append(terms("units", covered, coef))
    if contract_parts:
        rows("contract", ["contract", "t"], contract_parts, ">=", data.contracts.assign(rhs=data.contracts["minimum"]))
    m.add_objective(_objective(m, v, model))
    return m


def _objective(m: Any, families: dict[str, _Family], model: Model) -> Any:
    """The planner's objective on the linopy variables: each family's entries own their positions
    in the planner's order, so a position's cost is that of the planner's column."""
    import linopy
    import xarray as xr

    cost = model.lp.cost
    pieces = []
    for name, family in families.items():
        frame = model.variables[name]
        owners = frame["col"].to_numpy()[~frame["col"].duplicated().to_numpy()]
        if len(owners) != family.variable.shape[0]:
            raise AssertionError(f"{name}: {family.variable.shape[0]} linopy entries for {len(owners)} planner columns")
        if len(owners):
            pieces.append(xr.DataArray(cost[owners], dims=f"{name}_i") * family.variable)
    return linopy.merge([p.sum() for p in pieces], cls=linopy.LinearExpression)


def linopy_size(m: Any) -> dict[str, int]:
    """Variables, constraints and nonzeros of a linopy model, read from its matrices."""
    matrix = m.matrices.A
    return {"variables": int(matrix.shape[1]), "constraints": int(matrix.shape[0]), "nonzeros": int(matrix.nnz)}


def timed_build(data: ModelData, model: Model) -> tuple[float, dict[str, int]]:
    """Seconds to formulate ``data`` in linopy and hand it to HiGHS (``to_highspy``), and its size."""
    from planner.solvers.highs import stdout_silenced

    started = time.perf_counter()
    m = build_linopy(data, model)
    with stdout_silenced():  # HiGHS prints its banner as linopy makes its Highs object
        m.to_highspy()
    return time.perf_counter() - started, linopy_size(m)


def main(argv: list[str]) -> None:
    """Print linopy's and the planner's size and build time for one synthetic size."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from synthetic import SIZES, scenario_dict

    from planner import Scenario
    from planner.build import build

    data = ModelData.from_scenario(Scenario.model_validate(scenario_dict(SIZES[argv[0] if argv else "small"])))
    started = time.perf_counter()
    model = build(data)
    ours = time.perf_counter() - started
    seconds, size = timed_build(data, model)
    print(f"planner: {model.size()} built in {ours:.3f} s")
    print(f"linopy:  {size} built and handed to HiGHS in {seconds:.3f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
