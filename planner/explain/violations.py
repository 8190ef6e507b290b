"""What an elastic re-solve's answer says, in a planner's words: the limits that give way (by how
much, in their own units, under their readable names) and the demand no limit could serve."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.build import Model
from planner.data import ModelData
from planner.explain.limits import LIMITS, SHARE_FAMILIES, demand_of, period_demand

VIOLATION_COLUMNS = [
    "family",
    "limit",
    "subject",
    "period",
    "constraint",
    "sense",
    "unit",
    "value",
    "violation",
    "relaxed_value",
    "relative",
    "fix",
]
UNSERVABLE_COLUMNS = ["period", "workload", "phase", "tokens_per_s", "reason"]

_NOT_KEYS = ("t", "k", "year", "rhs", "sense", "row")
"""Columns of a row frame that are not the subject a limit applies to."""


def grouped_violations(violations: pd.DataFrame) -> pd.DataFrame:
    """Violations per limit and subject over the periods (see :meth:`planner.explain.Explanation.grouped`)."""
    columns = [
        "family",
        "limit",
        "subject",
        "sense",
        "value",
        "unit",
        "periods",
        "first",
        "last",
        "largest_violation",
        "relaxed_value",
        "fix",
    ]
    if violations.empty:
        return pd.DataFrame(columns=columns)
    frame = violations.reset_index(drop=True)
    keys = ["family", "limit", "subject", "sense", "unit"]
    largest = frame.loc[frame.groupby(keys, sort=False)["violation"].idxmax()]
    spans = frame.groupby(keys, sort=False).agg(
        periods=("period", "size"), first=("period", "first"), last=("period", "last")
    )
    out = largest.merge(spans.reset_index(), on=keys).rename(columns={"violation": "largest_violation"})
    return out.sort_values("relative", ascending=False, kind="stable")[columns].reset_index(drop=True)


def violations(model: Model, slacks: pd.DataFrame, x: np.ndarray, noise: float) -> pd.DataFrame:
    """The slacks above ``noise`` (as a fraction of their limit) at the point ``x`` of the elastic
    LP, in their families' units.

    ``slacks`` has ``family``, ``position`` (the row's place in its family's frame), ``col`` (the
    slack's column in the elastic LP) and ``weight`` (one over the limit's size)."""
    data = model.data
    values = x[slacks["col"].to_numpy()]
    relative = values * slacks["weight"].to_numpy(dtype=float)
    real = (values > 1e-9) & (relative > noise)
    used = slacks[real].assign(slack=values[real], relative=relative[real])
    frames = []
    for family, chosen in used.groupby("family", sort=False):
        limit = LIMITS[str(family)]
        positions = chosen["position"].to_numpy()
        rows = model.constraints[str(family)].iloc[positions].reset_index(drop=True)
        names = np.asarray(model.names(str(family)), dtype=object)[positions]
        slack = chosen["slack"].to_numpy()
        value = rows["rhs"].to_numpy(dtype=float) * limit.to_unit
        violation = slack * limit.to_unit
        unit = np.full(len(rows), limit.unit, dtype=object)
        if family == "contract":
            measure = data.contracts.set_index(["contract", "t"])["measure"]
            unit = np.array(
                [
                    "MW" if measure[(c, t)] == "mw" else "units"
                    for c, t in zip(rows["contract"], rows["t"], strict=True)
                ],
                dtype=object,
            )
        elif family in SHARE_FAMILIES:
            limits = data.share_limits.set_index(["family", "group"])["limit"]
            value = np.array([limits[(family, g)] for g in rows["group"]]) * 100.0
            violation = 100.0 * slack / _served_total(model, x, rows["t"].to_numpy())
        elif family == "resilience_demand":
            # The rule asks a backup of rho times what is served: in tokens/s, like its shortfall.
            violation = slack * data.rate_unit
            value = (
                float(data.scenario.policy.vendor_loss_coverage or 0.0) * _served_rate(model, x, rows) * data.rate_unit
            )
        greater = (rows["sense"] == ">=").to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "family": family,
                    "limit": limit.what,
                    "subject": _subjects(rows),
                    "period": _periods(rows, data),
                    "constraint": names,
                    "sense": np.where(greater, "at least", "at most"),
                    "unit": unit,
                    "value": value,
                    "violation": violation,
                    "relaxed_value": np.where(greater, value - violation, value + violation),
                    "relative": chosen["relative"].to_numpy(),
                    "fix": [limit.fix.format(**_fields(row, data)) for row in rows.to_dict("records")],
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=VIOLATION_COLUMNS)
    return pd.concat(frames, ignore_index=True)[VIOLATION_COLUMNS]


def unservable(model: Model, x: np.ndarray) -> pd.DataFrame:
    """Demand still unserved at the point ``x`` once the limits may give way, with the reason."""
    data = model.data
    unserved = model.variables["unserved"]
    rate = model.value("unserved", x) * data.rate_unit
    wanted = demand_of(unserved, data) * data.rate_unit
    left = unserved.assign(tokens_per_s=rate)[rate > 1e-6 * np.maximum(wanted, 1.0)]
    if left.empty:
        return pd.DataFrame(columns=UNSERVABLE_COLUMNS)
    routed = set(zip(data.routes["workload"], data.routes["phase"], strict=True))
    reasons = [
        "no fleet can be in service by then (owned, leased and reserved fleets wait their lead time; no existing or "
        "on-demand units can serve it)"
        if (w, p) in routed
        else "no fleet meets the workload's latency targets (max_ttft_ms, min_tokens_per_s_per_user) for this model"
        for w, p in zip(left["workload"], left["phase"], strict=True)
    ]
    # Per period: average over the slices, as in the result's unserved table.
    frame = left.assign(
        period=left["t"].map(data.labels), reason=reasons, tokens_per_s=left["tokens_per_s"] * left["hours_share"]
    )
    out = frame.groupby(["period", "workload", "phase", "reason"], sort=False)["tokens_per_s"].sum().reset_index()
    return out[UNSERVABLE_COLUMNS]


def _served_total(model: Model, x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The served total of each period ``t`` the share rows compare against (LP rate units,
    hours-weighted across slices), read from its ``served`` column."""
    served = model.variables["served"]
    total = pd.Series(model.value("served", x), index=served["t"].to_numpy()).reindex(t).fillna(0.0).to_numpy()
    # A share of nothing served is measured against the demand, the most that could be served.
    return np.where(total > 1e-12, total, period_demand(model.data, t))


def _served_rate(model: Model, x: np.ndarray, rows: pd.DataFrame) -> np.ndarray:
    """Rate served (LP units) for each row's workload, phase, period and slice; the prefill of a
    workload whose phases run together is read from its decode column, times the ratio."""
    serve = model.variables["serve"]
    keys = ["workload", "phase", "t", "k"]
    rates = serve[keys].assign(rate=model.value("serve", x)).groupby(keys, as_index=False)["rate"].sum()
    return rows[keys].merge(rates, on=keys, how="left")["rate"].fillna(0.0).to_numpy()


def _subjects(rows: pd.DataFrame) -> list[str]:
    keys = [c for c in rows.columns if c not in _NOT_KEYS]
    if {"prefill_site", "decode_site"} <= set(keys):
        return [f"{a} -> {b}" for a, b in zip(rows["prefill_site"], rows["decode_site"], strict=True)]
    return ["/".join(str(row[c]) for c in keys) or "all" for row in rows.to_dict("records")]


def _periods(rows: pd.DataFrame, data: ModelData) -> list[str]:
    if "year" in rows:
        return rows["year"].astype(str).tolist()
    return rows["t"].map(data.labels).astype(str).tolist()


def _fields(row: dict, data: ModelData) -> dict:
    """The row's keys as ``fix`` needs them, with ``period`` as a label."""
    fields = {k: v for k, v in row.items() if k not in ("rhs", "sense", "row")}
    if "contract" in row:
        measure = data.contracts.set_index(["contract", "t"])["measure"][(row["contract"], row["t"])]
        fields["minimum"] = "min_mw" if measure == "mw" else "min_units"
    if "t" in row:
        fields["period"] = data.labels[row["t"]]
    elif "year" in row:
        fields["period"] = str(row["year"])
    return fields
