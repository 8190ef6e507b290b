"""The two-stage stochastic LP: one plan of purchases shared by every case, serving adapted per case.

Each case's LP is built as usual (:func:`planner.build.build`); the LPs are stacked block-diagonally
and their first-stage columns merged into one, so that every case's rows read the same purchase:

    minimize    (1 - w) * sum_c p_c * Z_c  +  w * CVaR_alpha(Z)
    Z_c = cost_c @ (x_first, y_c)          (case c's objective: plan cost plus unserved penalty)
    subject to  case c's rows on (x_first, y_c), for every case c

with the CVaR in Rockafellar and Uryasev's linear form, ``eta + sum_c p_c u_c / (1 - alpha)``,
``u_c >= Z_c - eta``, ``u_c >= 0`` (only with ``alpha``). First stage (:data:`FIRST_STAGE`): what
is bought, leased, reserved or committed: builds of owned units, lease and reservation starts and
the units held within their terms, the units in service of leased and reserved fleets, power
blocks and platform adoption. Owned units in service follow from the builds (the stock rows of each
case). Second stage, per case: serving, unserved demand, on-demand cloud units and bursts, KV
pairs, vendor-loss backup and take-or-pay shortfall. With ``shared_until`` only first-stage columns of periods before it
are merged (and adoption): later purchases adapt to the case too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner.build import Model
from planner.lp import LinearProgram

FIRST_STAGE = ("build", "start", "held", "blocks", "adopt", "units")
"""Variable families decided once for all cases (``units`` only of leased and reserved fleets)."""

PENALTY = "unserved_penalty"


def first_stage(model: Model) -> pd.DataFrame:
    """The first-stage entries of a built case: ``family, key`` (the entry's readable name),
    ``fleet, site, t`` (where they apply; ``t`` is -1 for adoption, which has no period) and ``col``."""
    frames = []
    for family in FIRST_STAGE:
        frame = model.variables[family]
        if family == "units":
            frame = frame[frame["procurement"].isin(["lease", "reserved"])]
        keys = np.array(model.names(family), dtype=object)[frame.index.to_numpy()]
        frames.append(
            pd.DataFrame(
                {
                    "family": family,
                    "key": keys,
                    "fleet": frame["fleet"].to_numpy(dtype=object) if "fleet" in frame else None,
                    "site": frame["site"].to_numpy(dtype=object) if "site" in frame else None,
                    "t": frame["t"].to_numpy(dtype=np.int64) if "t" in frame else -1,
                    "col": frame["col"].to_numpy(dtype=np.int64),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class TwoStage:
    """The stacked LP of several cases.

    Attributes
    ----------
    lp
        The program, in units of ``money_unit`` USD.
    money_unit
        USD per unit of the objective.
    shared
        The merged first-stage entries (:func:`first_stage` columns), ``col`` their stacked column.
    columns
        Per case, the stacked column of each of its own columns.
    """

    lp: LinearProgram
    money_unit: float
    shared: pd.DataFrame
    columns: list[np.ndarray]


def stack(
    models: list[Model],
    probabilities: list[float],
    *,
    shared_until: int | None = None,
    cvar_alpha: float | None = None,
    cvar_weight: float = 1.0,
) -> TwoStage:
    """The two-stage LP of ``models`` (one per case) with these probabilities (see the module docstring).

    Raises
    ------
    ValueError
        If the cases do not have the same first-stage decisions (other fleets, sites or horizon).
    """
    shared = _shared(models, shared_until)
    unit = models[0].money_unit
    n_shared = len(shared)
    blocks, maps, costs = [], [], [np.zeros(n_shared)]
    lower, upper = np.full(n_shared, -np.inf), np.full(n_shared, np.inf)
    integer = np.zeros(n_shared, dtype=bool)
    row_lower, row_upper = [], []
    width = n_shared
    offset = 0.0
    for model, p in zip(models, probabilities, strict=True):
        lp = model.lp
        at = shared[["key"]].merge(first_stage(model)[["key", "col"]], on="key", how="left")["col"].to_numpy()
        recourse = np.ones(lp.shape[1], dtype=bool)
        recourse[at] = False
        mapping = np.empty(lp.shape[1], dtype=np.int64)
        mapping[at] = np.arange(n_shared)
        mapping[recourse] = width + np.arange(recourse.sum())
        width += int(recourse.sum())
        maps.append(mapping)
        scale = model.money_unit / unit
        costs[0] += p * scale * lp.cost[at]
        costs.append(p * scale * lp.cost[recourse])
        offset += p * scale * lp.offset
        lower[:] = np.maximum(lower, lp.lower[at])
        upper[:] = np.minimum(upper, lp.upper[at])
        integer |= lp.integer[at]
        coo = lp.matrix.tocoo()
        blocks.append((coo.row, mapping[coo.col], coo.data, lp.shape[0]))
        row_lower.append(lp.row_lower)
        row_upper.append(lp.row_upper)
    col_lower, col_upper, col_integer = np.empty(width), np.empty(width), np.zeros(width, dtype=bool)
    col_lower[:n_shared], col_upper[:n_shared], col_integer[:n_shared] = lower, upper, integer
    for model, mapping in zip(models, maps, strict=True):
        mine = mapping >= n_shared
        col_lower[mapping[mine]] = model.lp.lower[mine]
        col_upper[mapping[mine]] = model.lp.upper[mine]
        col_integer[mapping[mine]] = model.lp.integer[mine]
    cost = np.concatenate(costs)
    rows, cols, coefs, first = [], [], [], 0
    for r, c, v, count in blocks:
        rows.append(r + first)
        cols.append(c)
        coefs.append(v)
        first += count
    lp = LinearProgram.from_triplets(
        np.concatenate(rows),
        np.concatenate(cols),
        np.concatenate(coefs),
        cost=cost,
        lower=col_lower,
        upper=col_upper,
        integer=col_integer,
        row_lower=np.concatenate(row_lower),
        row_upper=np.concatenate(row_upper),
        offset=offset,
    )
    if cvar_alpha is not None:
        lp = _with_cvar(lp, models, maps, probabilities, unit, cvar_alpha, cvar_weight)
    return TwoStage(lp=lp, money_unit=unit, shared=shared.assign(col=np.arange(n_shared)), columns=maps)


def _shared(models: list[Model], shared_until: int | None) -> pd.DataFrame:
    """The first-stage entries common to every case, checked to be the same in each."""
    first = first_stage(models[0])
    for i, model in enumerate(models[1:], start=2):
        other = first_stage(model)
        if set(other["key"]) != set(first["key"]):
            extra = sorted(set(other["key"]) ^ set(first["key"]))[:3]
            raise ValueError(
                f"case {i} has other purchase decisions than case 1 (e.g. {', '.join(extra)}): cases may change "
                "demand and figures, not the fleets, sites or horizon"
            )
    if shared_until is not None:
        first = first[(first["t"] < shared_until) | (first["family"] == "adopt")]
    return first.drop(columns="col").reset_index(drop=True)


def _with_cvar(
    lp: LinearProgram,
    models: list[Model],
    maps: list[np.ndarray],
    probabilities: list[float],
    unit: float,
    alpha: float,
    weight: float,
) -> LinearProgram:
    """``lp`` with its expected-cost objective made ``(1 - weight) * E[Z] + weight * CVaR_alpha(Z)``:
    columns ``eta`` (free) and ``u_c`` (one per case), rows ``u_c + eta - Z_c >= 0``."""
    n, cases = lp.shape[1], len(models)
    eta, tails = n, n + 1 + np.arange(cases)
    rows, cols, coefs = [], [], []
    for c, (model, mapping) in enumerate(zip(models, maps, strict=True)):
        case_cost = model.lp.cost * model.money_unit / unit
        nonzero = np.flatnonzero(case_cost)
        rows += [np.full(len(nonzero) + 2, c)]
        cols += [np.concatenate([mapping[nonzero], [eta, tails[c]]])]
        coefs += [np.concatenate([-case_cost[nonzero], [1.0, 1.0]])]
    extra = sp.csr_matrix(
        (np.concatenate(coefs), (np.concatenate(rows), np.concatenate(cols))), shape=(cases, n + 1 + cases)
    )
    matrix = sp.vstack([sp.hstack([lp.matrix, sp.csr_matrix((lp.shape[0], 1 + cases))]), extra]).tocsr()
    p = np.asarray(probabilities, dtype=float)
    offsets = np.array([m.lp.offset * m.money_unit / unit for m in models])
    cost = np.concatenate([(1.0 - weight) * lp.cost, [weight], weight * p / (1.0 - alpha)])
    return LinearProgram.from_matrix(
        matrix,
        cost=cost,
        lower=np.concatenate([lp.lower, [-np.inf], np.zeros(cases)]),
        upper=np.concatenate([lp.upper, np.full(1 + cases, np.inf)]),
        integer=np.concatenate([lp.integer, np.zeros(1 + cases, dtype=bool)]),
        row_lower=np.concatenate([lp.row_lower, offsets]),
        row_upper=np.concatenate([lp.row_upper, np.full(cases, np.inf)]),
        offset=(1.0 - weight) * lp.offset,
    )


def risk(values: np.ndarray, probabilities: np.ndarray, cvar_alpha: float | None, cvar_weight: float = 1.0) -> float:
    """What the two-stage LP minimizes, for case objectives ``values``: their expectation, or with
    ``cvar_alpha`` ``(1 - w) * E + w * CVaR_alpha``. The CVaR of a discrete distribution is
    ``min_eta eta + E[(Z - eta)+] / (1 - alpha)``, convex and piecewise linear in ``eta`` with its
    kinks at the values: the least over them is exact.

    >>> round(risk(np.array([1.0, 2.0, 10.0]), np.array([0.3, 0.4, 0.3]), None), 6)
    4.1
    >>> round(risk(np.array([1.0, 2.0, 10.0]), np.array([0.3, 0.4, 0.3]), 0.5), 6)
    6.8
    """
    values, probabilities = np.asarray(values, dtype=float), np.asarray(probabilities, dtype=float)
    mean = float(probabilities @ values)
    if cvar_alpha is None:
        return mean
    tail = min(eta + probabilities @ np.maximum(values - eta, 0.0) / (1.0 - cvar_alpha) for eta in values)
    return (1.0 - cvar_weight) * mean + cvar_weight * float(tail)


@dataclass(frozen=True)
class Outcome:
    """How one plan fares in one case: the solver's status and, with a plan, present-value USD of
    the objective (plan cost plus the unserved penalty), the plan cost, the penalty, and the tokens
    left unserved over the horizon; ``first`` the first-stage values by key (for a plan's own solve)."""

    status: str
    objective_usd: float = float("nan")
    plan_cost_usd: float = float("nan")
    unserved_penalty_usd: float = float("nan")
    unserved_tokens: float = float("nan")
    first: dict[str, float] | None = None


def outcome(model: Model, x: np.ndarray, first: pd.DataFrame | None = None) -> Outcome:
    """The costs and shortfall of ``model`` at its LP point ``x`` (``first``: its
    :func:`first_stage` entries, if at hand)."""
    data, terms = model.data, model.cost_terms
    discount = data.periods["discount"].to_numpy()[terms["t"].to_numpy(dtype=np.int64)]
    usd = discount * terms["usd"].to_numpy(dtype=float) * x[terms["col"].to_numpy(dtype=np.int64)]
    penalty = (terms["component"] == PENALTY).to_numpy()
    unserved = model.variables["unserved"]
    seconds = data.periods["seconds"].to_numpy()[unserved["t"].to_numpy(dtype=np.int64)]
    # Unserved rates are bounded below by zero; a solver's round-off below it is no shortfall.
    rates = np.maximum(model.value("unserved", x), 0.0)
    tokens = rates * data.rate_unit * seconds * unserved["hours_share"].to_numpy()
    first = first_stage(model) if first is None else first
    return Outcome(
        status="optimal",
        objective_usd=float(usd.sum()),
        plan_cost_usd=float(usd[~penalty].sum()),
        unserved_penalty_usd=float(usd[penalty].sum()),
        unserved_tokens=float(tokens.sum()),
        first=dict(zip(first["key"], x[first["col"].to_numpy()], strict=True)),
    )


def with_plan(model: Model, plan: dict[str, float], first: pd.DataFrame | None = None) -> LinearProgram:
    """``model``'s LP with the first-stage columns named in ``plan`` fixed at its values (clipped to
    the case's bounds, so that a solver's value a hair outside them stays feasible); whole-unit
    columns stay whole. ``first``: the model's :func:`first_stage` entries, if at hand."""
    first = first_stage(model) if first is None else first
    first = first[first["key"].isin(list(plan))]
    cols = first["col"].to_numpy()
    lp = model.lp
    values = np.clip(np.array([plan[k] for k in first["key"]], dtype=float), lp.lower[cols], lp.upper[cols])
    values = np.where(lp.integer[cols], np.round(values), values)
    lower, upper = lp.lower.copy(), lp.upper.copy()
    lower[cols] = upper[cols] = values
    return replace(lp, lower=lower, upper=upper)
