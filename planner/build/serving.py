"""Constraint families of serving: demand, the pairing of disaggregated phases, KV links,
capacity in each slice, and the backup allocation of the vendor-loss rule."""

from __future__ import annotations

import pandas as pd

from planner.build.model import Model, periods_frame
from planner.build.terms import lookup, terms
from planner.data import ModelData


def add_demand_balance(model: Model, data: ModelData) -> None:
    """``demand_balance[w,p,t,k]``: served plus unserved equals demand, in each slice ``k``.

    sum_{f,s} serve[w,p,f,s,t,k] + unserved[w,p,t,k] = D[w,p,t,k] / u

    with ``u`` the LP's rate unit in tokens/s (``data.rate_unit``).

    Its dual, divided by the period's seconds and discount factor, is the marginal cost of one more
    million tokens of that phase in that period ($/Mtok).
    """
    keys = ["workload", "phase", "t", "k"]
    rows = [terms(model.variables.coded["serve"]), terms(model.variables.coded["unserved"])]
    rhs = data.demand.assign(rhs=data.demand["tokens_per_s"] / data.rate_unit)
    model.add_rows("demand_balance", keys, rows, "==", rhs)


def add_prefill_pairing(model: Model, data: ModelData) -> None:
    """``prefill_pairing[w,g,a,t,k]``: a disaggregated workload's prefill on fleet ``g`` at site
    ``a`` is that of the outputs decoded from it, through ``pair``.

    serve[w,prefill,g,a,t,k] = r[w] * sum_{(f,b)} pair[w,(g,a),(f,b),t,k]

    Prefill on a placement that no allowed decode follows is thereby zero.
    """
    _pairing_rows(model, data, "prefill")


def add_decode_pairing(model: Model, data: ModelData) -> None:
    """``decode_pairing[w,f,b,t,k]``: a disaggregated workload's decode on fleet ``f`` at site
    ``b`` is that of the prompts prefilled for it, through ``pair``.

    serve[w,decode,f,b,t,k] = sum_{(g,a)} pair[w,(g,a),(f,b),t,k]

    Decode on a placement that no allowed prefill precedes is thereby zero.
    """
    _pairing_rows(model, data, "decode")


def _pairing_rows(model: Model, data: ModelData, phase: str) -> None:
    serve = model.variables.coded["serve"]
    keys = ["workload", "fleet", "site", "t", "k"]
    if not any(disaggregated(data).values()):  # no rows: their terms are not worked out
        model.add_rows(f"{phase}_pairing", keys, [], "==", serve[:0][keys].assign(rhs=0.0))
        return
    split = serve[lookup(serve["workload"], disaggregated(data))]
    pairs = model.variables.coded["pair"]
    coef = -pairs["input_output_ratio"].to_numpy() if phase == "prefill" else -1.0
    served = split[split["phase"] == phase]
    ends = pairs.rename(columns={f"{phase}_fleet": "fleet", f"{phase}_site": "site"})
    rows = [terms(served), terms(ends, coef)]
    model.add_rows(f"{phase}_pairing", keys, rows, "==", served[keys].assign(rhs=0.0))


def add_kv_bandwidth(model: Model, data: ModelData) -> None:
    """``kv_bandwidth[a,b,t,k]``: KV caches moved from site ``a`` to site ``b`` fit the link.

    sum_{w,g,f} pair[w,(g,a),(f,b),t,k] * r[w] * u * bytes[w] / 1e9 <= bandwidth[a,b]   (GB/s)
    """
    links = pd.DataFrame(
        [(link.from_site, link.to_site, link.bandwidth_gb_s) for link in data.scenario.kv_links],
        columns=["prefill_site", "decode_site", "rhs"],
    )
    rhs = links.merge(periods_frame(data), how="cross").merge(data.slices[["k"]], how="cross")
    keys = ["prefill_site", "decode_site", "t", "k"]
    if rhs.empty:  # no links: their terms are not worked out
        model.add_rows("kv_bandwidth", keys, [], "<=", rhs)
        return
    pairs = model.variables.coded["pair"]
    across = pairs[pairs["prefill_site"] != pairs["decode_site"]]
    gb = (across["input_output_ratio"] * across["kv_bytes_per_token"]).to_numpy() * data.rate_unit / 1e9
    model.add_rows("kv_bandwidth", keys, terms(across, gb), "<=", rhs)


def disaggregated(data: ModelData) -> dict[str, bool]:
    """Whether each workload runs its prefill and decode on fleets of their own."""
    return {name: w.disaggregate for name, w in data.scenario.workloads.items()}


def add_capacity(model: Model, data: ModelData) -> None:
    """``capacity[f,s,t,k]``: the units busy in each slice (without slices, in each workload's
    peak hour) fit in the available units.

    sum_{w,p} serve[w,p,f,s,t,k] * kappa[w] * u / R[f,m(w),p] <= a[f] * units[f,s,t]

    where ``R`` is one unit's throughput for that model and phase (tokens/s), ``kappa`` the
    workload's peak-to-average ratio (1 with time slices, which carry the shape themselves) and
    ``a`` the availability. Without slices the peaks of different workloads are taken to
    coincide, which errs on the side of enough capacity.

    With several slices on-demand cloud units are rented per slice: ``burst[f,s,t,k]`` replaces
    ``units`` in that slice's row (see :func:`add_burst_limit`).
    """
    serve = model.variables.coded["serve"]
    # Units serve every slice: each appears in the row of each slice, except on-demand cloud
    # units rented per slice (bursts), which serve only theirs.
    units_k = model.variables.coded["units"].merge(data.slices[["k"]], how="cross")
    bursts = model.variables.coded["burst"]
    held = units_k[~units_k["fleet"].isin(bursts["fleet"])]
    available = pd.concat([held, bursts.drop(columns=["hours_share"])], ignore_index=True)
    rows = [
        terms(serve, data.rate_unit * serve["peak_factor"].to_numpy() / serve["tokens_per_s_per_unit"].to_numpy()),
        terms(available, -lookup(available["fleet"], data.fleets["availability"])),
    ]
    rhs = units_k[["fleet", "site", "t", "k"]].assign(rhs=0.0)
    model.add_rows("capacity", ["fleet", "site", "t", "k"], rows, "<=", rhs)


def add_burst_limit(model: Model, data: ModelData) -> None:
    """``burst_limit[f,s,t,k]``: on-demand cloud units rented for slice ``k`` alone are within
    the period's rented ``units``, which carry the quota and commitments.

    burst[f,s,t,k] - units[f,s,t] <= 0
    """
    bursts = model.variables.coded["burst"]
    keys = ["fleet", "site", "t", "k"]
    if bursts.empty:  # no rows: their terms are not worked out
        model.add_rows("burst_limit", keys, [], "<=", bursts[keys].assign(rhs=0.0))
        return
    units_k = model.variables.coded["units"].merge(data.slices[["k"]], how="cross")
    cover = [terms(bursts), terms(units_k[units_k["fleet"].isin(bursts["fleet"])], -1.0)]
    model.add_rows("burst_limit", keys, cover, "<=", bursts[keys].assign(rhs=0.0))


RESILIENCE_DEMAND_KEYS = ["vendor", "workload", "phase", "t", "k"]
RESILIENCE_CAPACITY_KEYS = ["vendor", "fleet", "site", "t", "k"]


def _no_rows(keys: list[str]) -> pd.DataFrame:
    """A family's right-hand sides when the scenario has none of its rows."""
    return pd.DataFrame({**{key: pd.Series([], dtype=object) for key in keys}, "rhs": pd.Series([], dtype=float)})


def add_resilience_demand(model: Model, data: ModelData) -> None:
    """``resilience_demand[v,w,p,t,k]``: without any one vendor ``v``, the other vendors' units
    could still serve a share ``rho`` of what every covered workload is served.

    For each vendor ``v`` a second allocation ``backup[v,w,p,f,s,t,k]`` over the other vendors'
    fleets (made here) must satisfy

    sum_{(f,s): vendor(f) != v} backup[v,w,p,f,s,t,k] >= rho * sum_{f,s} serve[w,p,f,s,t,k]

    and fit in their units (:func:`add_resilience_capacity`). The backup is a test the installed
    capacity must pass, not a plan: it costs nothing, and it does not keep a workload's phases on
    one fleet (slightly optimistic for such workloads).
    """
    rho = data.scenario.policy.vendor_loss_coverage
    serve = model.variables.coded["serve"]
    if rho is None:
        model.add_columns("backup", serve[:0].assign(vendor=""))
        model.add_rows("resilience_demand", RESILIENCE_DEMAND_KEYS, [], ">=", _no_rows(RESILIENCE_DEMAND_KEYS))
        return
    exempt = set(data.scenario.policy.vendor_loss_exempt)
    serve = serve[~serve["workload"].isin(exempt)]
    vendor_of = lookup(serve["fleet"], data.fleets["vendor"])
    vendors = sorted(set(data.fleets["vendor"]))
    candidates = pd.concat([serve[vendor_of != v].assign(vendor=v) for v in vendors], ignore_index=True)
    backup = model.add_columns("backup", candidates.drop(columns=["col", "scale"]))
    # Measured against what is served, not the demand, so that a shortage the plan cannot avoid
    # does not also make the rule impossible.
    keys = RESILIENCE_DEMAND_KEYS
    rows = [terms(backup), *(terms(serve, -rho, vendor=v) for v in vendors)]
    rhs = serve[keys[1:]].drop_duplicates().merge(pd.DataFrame({"vendor": vendors}), how="cross")
    model.add_rows("resilience_demand", keys, rows, ">=", rhs[keys].assign(rhs=0.0))


def add_resilience_capacity(model: Model, data: ModelData) -> None:
    """``resilience_capacity[v,f,s,t,k]``: the backup without vendor ``v`` (made by
    :func:`add_resilience_demand`) fits in the other vendors' units, counted as ``capacity`` is.

    sum_{w,p} backup[v,w,p,f,s,t,k] * kappa[w] * u / R[f,m(w),p] <= a[f] * units[f,s,t]
    """
    if data.scenario.policy.vendor_loss_coverage is None:
        model.add_rows("resilience_capacity", RESILIENCE_CAPACITY_KEYS, [], "<=", _no_rows(RESILIENCE_CAPACITY_KEYS))
        return
    backup = model.variables.coded["backup"]
    vendors = sorted(set(data.fleets["vendor"]))
    units = model.variables.coded["units"].merge(data.slices[["k"]], how="cross")
    vendor_of = lookup(units["fleet"], data.fleets["vendor"])
    available = -lookup(units["fleet"], data.fleets["availability"])
    per_unit = data.rate_unit * backup["peak_factor"].to_numpy() / backup["tokens_per_s_per_unit"].to_numpy()
    rows = [terms(backup, per_unit)]
    rows += [terms(units[vendor_of != v], available[vendor_of != v], vendor=v) for v in vendors]
    keys = RESILIENCE_CAPACITY_KEYS
    others = pd.concat([units[vendor_of != v][keys[1:]].assign(vendor=v) for v in vendors], ignore_index=True)
    model.add_rows("resilience_capacity", keys, rows, "<=", others[keys].assign(rhs=0.0))
