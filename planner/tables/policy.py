"""The plan's policy table: each rule, its limit and the plan's figure, whether it binds and its marginal value; commitments at full draw."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.build import MUSD
from planner.tables.columns import FULL_DRAW, TABLE_COLUMNS
from planner.tables.common import (
    Plan,
    column_values,
    row_activities,
    row_duals,
    weighted_mean,
    with_period_labels,
)


def policy_table(model: Plan, draw: pd.DataFrame) -> pd.DataFrame:
    """Every policy row (vendor and category shares, contracts, budgets): its limit, the actual
    value, whether it binds, and what relaxing it by one unit would save (its marginal cost);
    contracts also what their committed power would cost drawn in full (from ``draw``, see
    :func:`_draw`).

    Shares are per percentage point of tokens served, contracts per MW or unit committed, budgets
    per USD (in present value); the others in the period's own dollars.
    """
    frames = []
    discount = model.data.periods["discount"].to_numpy()
    serve = model.variables["serve"]
    # Tokens served: each slice's rate weighs by its share of the hours.
    served = serve.assign(value=column_values(model, serve) * serve["hours_share"].to_numpy())
    total = served.groupby("t")["value"].sum()
    for family, column in (("vendor_share", "vendor"), ("provider_share", "provider"), ("category_share", "category")):
        rows = model.constraints[family]
        if rows.empty:
            continue
        group_of = model.data.fleets[column]
        mine = served.assign(group=served["fleet"].map(group_of)).groupby(["group", "t"])["value"].sum()
        t = rows["t"].to_numpy()
        totals = total.reindex(t).fillna(0.0).to_numpy()
        own = mine.reindex(list(zip(rows["group"], t, strict=True))).fillna(0.0).to_numpy()
        limit = model.data.share_limits.set_index(["family", "group"])["limit"]
        pi = row_duals(model, rows)
        frames.append(
            rows[["t"]].assign(
                policy=family,
                subject=rows["group"].to_numpy(),
                limit=[limit[(family, g)] for g in rows["group"]],
                actual=np.divide(own, totals, out=np.zeros_like(own), where=totals > 0),
                unit="percentage point of tokens served",
                binding=np.abs(pi) > 1e-9,
                marginal_usd_per_unit=-pi * totals * model.money_unit / discount[t] / 100.0 + 0.0,
            )
        )
    contracts = model.constraints["contract"]
    if not contracts.empty:
        pi = row_duals(model, contracts)
        t = contracts["t"].to_numpy()
        measures = model.data.contracts.set_index(["contract", "t"])["measure"]
        frames.append(
            contracts[["t"]].assign(
                policy="contract",
                subject=contracts["contract"].to_numpy(),
                limit=contracts["rhs"].to_numpy(),
                actual=row_activities(model, contracts),
                unit=[
                    "MW" if measures[(c, p)] == "mw" else "units" for c, p in zip(contracts["contract"], t, strict=True)
                ],
                binding=np.abs(pi) > 1e-9,
                marginal_usd_per_unit=pi * model.money_unit / discount[t] + 0.0,
                **full_draw_frame(model, contracts, draw),
            )
        )
    resilience = model.constraints["resilience_demand"]
    if not resilience.empty:
        pi = row_duals(model, resilience)
        # d(cost)/d(rho): each row's dual times the served rate it scales, summed per lost vendor.
        rho = model.data.scenario.policy.vendor_loss_coverage
        keys = ["workload", "phase", "t", "k"]
        rates = serve.assign(value=column_values(model, serve)).groupby(keys, as_index=False)["value"].sum()
        scaled = resilience[keys].merge(rates, on=keys, how="left")["value"].fillna(0.0)
        per_row = resilience.assign(weight=pi * scaled.to_numpy(), bound=np.abs(pi) > 1e-9)
        grouped = per_row.groupby(["vendor", "t"], as_index=False).agg(
            weight=("weight", "sum"), binding=("bound", "any")
        )
        t = grouped["t"].to_numpy()
        frames.append(
            grouped[["t"]].assign(
                policy="vendor_loss",
                subject="without " + grouped["vendor"],
                limit=rho,
                actual=np.nan,
                unit="percentage point of service covered",
                binding=grouped["binding"].to_numpy(),
                marginal_usd_per_unit=grouped["weight"].to_numpy() * model.money_unit / discount[t] / 100.0 + 0.0,
            )
        )
    frame = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["t", *TABLE_COLUMNS["policy"][1:]])
    )
    labelled = with_period_labels(model, frame) if len(frame) else frame.rename(columns={"t": "period"})
    budget = model.constraints["budget"]
    if not budget.empty:
        pi = row_duals(model, budget)
        spent = pd.DataFrame(
            {
                "period": budget["year"].astype(str).to_numpy(),
                "policy": "budget",
                "subject": "capital",
                "limit": budget["rhs"].to_numpy() * MUSD,
                "actual": row_activities(model, budget) * MUSD,
                "unit": "USD (present value)",
                "binding": np.abs(pi) > 1e-9,
                # The row counts millions of USD, the objective money units.
                "marginal_usd_per_unit": -pi * model.money_unit / MUSD + 0.0,
            }
        )
        labelled = pd.concat([labelled, spent], ignore_index=True)
    # Only contract rows carry the full-draw columns; the others leave them empty.
    return labelled.reindex(columns=TABLE_COLUMNS["policy"]).reset_index(drop=True)


def full_draw_frame(model: Plan, contracts: pd.DataFrame, draw: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per contract row: the committed IT MW (units times their average nameplate kW for a
    commitment in units), the period's hours, the electricity price where the covered units stand
    (weighted by their IT power; by placement while none stand), what the committed MW would cost
    drawn at full power all period (committed MW x hours x price, without and with PUE), and what
    the plan pays for the covered fleets' energy (nothing for a lease that includes it)."""
    data = model.data
    fleets_of = data.contracts.drop_duplicates("contract").set_index("contract")["fleets"]
    measures = dict(
        zip(zip(data.contracts["contract"], data.contracts["t"], strict=True), data.contracts["measure"], strict=True)
    )
    # On arrays: one row per contract and period, each picking a few placements out of the draw.
    fleet, at = draw["fleet"].to_numpy(), draw["t"].to_numpy()
    it_kw, units, pue = (draw[c].to_numpy(dtype=float) for c in ("it_kw", "units", "pue"))
    price, energy = draw["price_usd_per_mwh"].to_numpy(dtype=float), draw["energy_usd"].to_numpy(dtype=float)
    nameplate = draw["fleet"].map(data.fleets["max_power_kw"]).to_numpy(dtype=float)
    hours_of = data.periods["hours"].to_numpy(dtype=float)
    covers = {name: np.isin(fleet, list(fleets)) for name, fleets in fleets_of.items()}
    columns: dict[str, list[float]] = {k: [] for k in FULL_DRAW}
    for name, t, limit in zip(contracts["contract"], contracts["t"], contracts["rhs"], strict=True):
        covered = np.flatnonzero(covers[name] & (at == t))
        weight = it_kw[covered]
        if weight.sum() <= 0:
            weight = np.ones(len(covered))
        hours = float(hours_of[t])
        if len(covered):
            mean_price = weighted_mean(price[covered], weight)
            facility_price = weighted_mean(price[covered] * pue[covered], weight)
            in_service = units[covered].sum()
            kw_per_unit = it_kw[covered].sum() / in_service if in_service > 0 else float(nameplate[covered].mean())
        else:
            mean_price = facility_price = kw_per_unit = np.nan
        mw = float(limit) if measures[(name, t)] == "mw" else float(limit) * kw_per_unit / 1000.0
        columns["committed_it_mw"].append(mw)
        columns["hours"].append(hours)
        columns["electricity_usd_per_mwh"].append(mean_price)
        columns["full_draw_it_usd"].append(mw * hours * mean_price)
        columns["full_draw_facility_usd"].append(mw * hours * facility_price)
        columns["plan_energy_usd"].append(float(energy[covered].sum()))
    return {k: np.array(v, dtype=float) for k, v in columns.items()}
