"""Build the capacity-planning LP from ``ModelData``: one ``add_<family>`` per constraint family.

Read ``docs/formulation.md`` beside this file's functions: each family here has the same name and
its math in the docstring. The LP works in scaled units so that coefficients stay within a few
orders of magnitude: rates in a unit of ``data.rate_unit`` tokens/s chosen from the demand
(Mtok/s for a large provider), the objective in a unit of ``model.money_unit`` USD chosen from its
cost coefficients, budgets and spend commitments in millions of USD, power in MW, hardware in
units.

>>> from planner import Scenario, default_scenario_path
>>> from planner.build import build
>>> from planner.data import ModelData
>>> model = build(ModelData.from_scenario(Scenario.from_yaml(default_scenario_path())))
>>> list(model.constraints)[:4]
['demand_balance', 'colocation', 'prefill_pairing', 'decode_pairing']
>>> "min_term" in model.constraints and "quota" in model.constraints
True
>>> model.constraints["power_limit"]["name"].iloc[0]
'power_limit[west,2026-01]'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pulp

from planner.data import ModelData

LP_FORMATS = {".mps": "mps", ".lp": "lp"}
"""File name endings :meth:`Model.write` knows, and the format each stands for."""

MUSD = 1e6
"""USD per LP money unit of the budget and spend-commitment rows (millions of USD)."""


@dataclass
class Model:
    """A built LP and the tables that map its variables and rows back to the scenario.

    Attributes
    ----------
    data
        The prepared scenario data.
    problem
        The PuLP problem, ready to solve or to write with ``problem.writeLP``.
    variables
        Per variable family (``serve``, ``unserved``, ``units``, ``build``), a frame with its index
        columns, ``name`` (readable, e.g. ``units[h100,phoenix,2026-01]``) and ``var``.
    constraints
        Per constraint family, a frame with its index columns, ``name`` and ``constraint``.
    cost_terms
        ``component, t, var, usd``: nominal USD in period ``t`` per LP unit of ``var`` (a
        variable may cost in several periods: a build pays its capital in each it serves).
    money_unit
        USD per unit of the objective (see :func:`money_unit`).
    """

    data: ModelData
    problem: pulp.LpProblem
    variables: dict[str, pd.DataFrame] = field(default_factory=dict)
    constraints: dict[str, pd.DataFrame] = field(default_factory=dict)
    # Empty, with its columns, until add_cost_terms fills it.
    cost_terms: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["component", "t", "var", "usd"]))
    money_unit: float = 1.0

    def ranges(self) -> pd.DataFrame:
        """Per constraint family (and the objective): rows, nonzeros, and the smallest and
        largest absolute coefficient and right-hand side, to judge the model's scaling."""
        rows = []
        for family, frame in self.constraints.items():
            coefs = np.array([abs(c) for row in frame["constraint"] for c in row.values() if c != 0], dtype=float)
            rhs = np.array([abs(c.constant) for c in frame["constraint"] if c.constant != 0], dtype=float)
            rows.append(_range_row(family, len(frame), coefs, rhs))
        objective = np.array([abs(c) for c in self.problem.objective.values() if c != 0], dtype=float)
        rows.append(_range_row("objective", 1, objective, np.array([])))
        return pd.DataFrame(rows)

    def write(self, path: str | Path) -> Path:
        """Write the LP as it is handed to the solver: MPS for a ``.mps`` file, CPLEX LP text for ``.lp``.

        Variables and rows keep their readable names (``units_h100_phoenix_2026_01``, ...); the
        objective is in ``money_unit`` USD, minimised. A whole-unit model is written with its
        integer variables marked.

        Raises
        ------
        ValueError
            If the file name ends in neither (see :data:`LP_FORMATS`).
        """
        path = Path(path)
        kind = LP_FORMATS.get(path.suffix.lower())
        if kind is None:
            raise ValueError(f"{path}: name the file .mps (MPS) or .lp (LP text)")
        if kind == "mps":
            self.problem.writeMPS(str(path))
        else:
            self.problem.writeLP(str(path))
        return path

    def size(self) -> dict[str, int]:
        """Number of variables, constraints and nonzero coefficients."""
        rows = [c for frame in self.constraints.values() for c in frame["constraint"]]
        return {
            "variables": int(sum(len(frame) for frame in self.variables.values())),
            "constraints": len(rows),
            "nonzeros": int(sum(len(c) for c in rows)),
        }


def _range_row(family: str, count: int, coefs: np.ndarray, rhs: np.ndarray) -> dict:
    return {
        "family": family,
        "rows": count,
        "nonzeros": len(coefs),
        "min_abs_coef": coefs.min() if len(coefs) else np.nan,
        "max_abs_coef": coefs.max() if len(coefs) else np.nan,
        "min_abs_rhs": rhs.min() if len(rhs) else np.nan,
        "max_abs_rhs": rhs.max() if len(rhs) else np.nan,
    }


def build(data: ModelData) -> Model:
    """Build the LP for ``data``; nothing is solved.

    The families, in the order of ``docs/formulation.md``: variables (with latency eligibility),
    demand balance, colocation, prefill and decode pairing, KV bandwidth, capacity, burst limit,
    stock, power limit, supply, quota, term growth, min term, budget, vendor share, provider share,
    category share, contract, resilience demand and capacity, expansion, adoption, cost terms, spend
    commitment, objective.
    """
    model = Model(data=data, problem=pulp.LpProblem(solver_name(data.scenario.name) or "plan", pulp.LpMinimize))
    add_variables(model, data)
    add_demand_balance(model, data)
    add_colocation(model, data)
    add_prefill_pairing(model, data)
    add_decode_pairing(model, data)
    add_kv_bandwidth(model, data)
    add_capacity(model, data)
    add_burst_limit(model, data)
    add_stock(model, data)
    add_power_limit(model, data)
    add_supply(model, data)
    add_quota(model, data)
    add_term_growth(model, data)
    add_min_term(model, data)
    add_budget(model, data)
    add_vendor_share(model, data)
    add_provider_share(model, data)
    add_category_share(model, data)
    add_contract(model, data)
    add_resilience_demand(model, data)
    add_resilience_capacity(model, data)
    add_expansion(model, data)
    add_adoption(model, data)
    add_cost_terms(model, data)
    add_spend_commitment(model, data)
    add_objective(model, data)
    return model


# ------------------------------------------------------------------------------------ variables
def add_variables(model: Model, data: ModelData) -> None:
    """Create the decision variables, all non-negative.

    - ``serve[w,p,f,s,t]`` (rate units): rate of phase ``p`` of workload ``w`` served by fleet ``f``
      at site ``s`` in period ``t``; created only for latency-eligible pairs, i.e. where
      ``ttft[f,m(w)] <= max_ttft[w]`` and ``user_speed[f,m(w)] >= min_user_speed[w]``.
    - ``unserved[w,p,t]`` (rate units): demand left unserved.
    - ``units[f,s,t]`` (units): owned or leased units in service at site ``s``, or cloud units
      (on demand or reserved) rented in region ``s``, during period ``t``.
    - ``build[f,s,t]`` (units): owned units entering service at the start of period ``t``
      (ordered ``lead[f]`` periods earlier), so only for ``t >= lead[f]``.
    - ``start[f,s,t]`` (units): leased or reserved units taken at the start of period ``t``, each
      paid for at least ``term[f]`` periods; only for ``t >= lead[f]`` (taken ``lead[f]`` periods
      after they are ordered).
    - ``pair[w,(g,a),(f,b),t,k]`` (rate units of output tokens): for a disaggregated workload,
      the decode served by fleet ``f`` at ``b`` whose prompts were prefilled by fleet ``g`` at
      ``a`` (the same site, or two sites joined by a KV link).

    - ``blocks[s,t]`` (blocks): power blocks added to site ``s`` and in service in period ``t``
      (at most ``max_blocks``; none before the expansion's lead time).
    - ``adopt[v]`` (0 to 1): whether vendor ``v``'s platform is brought up.
    - ``burst[f,s,t,k]`` (units): with several time slices, on-demand cloud units rented during
      slice ``k`` only; ``units`` is then the most rented in any slice.

    With ``integer_units`` builds, lease and reservation starts, on-demand cloud units and power
    blocks are whole numbers and ``adopt`` is binary (a mixed-integer program).
    """
    t = _periods_frame(data)
    k = data.slices[["k", "hours_share"]]
    serve = data.routes.merge(t, how="cross").merge(k, how="cross")
    unserved = data.demand[["workload", "phase", "t", "k"]].merge(k, on="k")
    units = data.placements.merge(t, how="cross")
    own = units[units["procurement"] == "own"]
    build_rows = own[own["t"] >= own["fleet"].map(data.fleets["lead_periods"])]
    starts = units[units["fleet"].map(data.fleets["term_periods"]) > 0]
    starts = starts[starts["t"] >= starts["fleet"].map(data.fleets["lead_periods"])]
    pairs = data.pairs.merge(t, how="cross").merge(k, how="cross")
    blocks = data.expansions.reset_index()[["site"]].merge(t, how="cross")
    blocks = blocks[blocks["t"] >= blocks["site"].map(data.expansions["lead_periods"])]
    adopt = pd.DataFrame({"vendor": list(data.scenario.policy.adoption_usd)})
    # With several slices, on-demand cloud units can follow the load: rented per slice (not those
    # under a commitment, which are paid for the whole period whatever they serve).
    committed = {f for fleets in data.contracts["fleets"] for f in fleets}
    flexible = units[(units["procurement"] == "cloud") & ~units["fleet"].isin(committed)]
    bursts = flexible.merge(k, how="cross") if len(data.slices) > 1 else units[:0].assign(k=0, hours_share=1.0)
    whole = data.scenario.integer_units
    for family, frame, dims in (
        ("serve", serve, ["workload", "phase", "fleet", "site", "t", "k"]),
        ("unserved", unserved, ["workload", "phase", "t", "k"]),
        ("units", units, ["fleet", "site", "t"]),
        ("build", build_rows, ["fleet", "site", "t"]),
        ("start", starts, ["fleet", "site", "t"]),
        ("pair", pairs, ["workload", "prefill_site", "prefill_fleet", "decode_site", "decode_fleet", "t", "k"]),
        ("blocks", blocks, ["site", "t"]),
        ("adopt", adopt, ["vendor"]),
        ("burst", bursts, ["fleet", "site", "t", "k"]),
    ):
        frame = frame.reset_index(drop=True)
        names = _names(family, frame, dims, data)
        # Whole units: what is bought, leased or reserved, and what is rented on demand.
        integer = whole & (
            (family in ("build", "start", "blocks", "adopt", "burst"))
            | ((family == "units") & (frame.get("procurement") == "cloud"))
        )
        categories = np.broadcast_to(np.where(integer, pulp.LpInteger, pulp.LpContinuous), len(frame))
        upper = {
            "blocks": frame["site"].map(data.expansions["max_blocks"]).to_numpy() if family == "blocks" else None,
            "adopt": np.ones(len(frame)),
        }.get(family)
        uppers = upper if upper is not None else [None] * len(frame)
        frame = frame.assign(
            name=names,
            var=[
                model.problem.add_variable(solver_name(n), lowBound=0, upBound=u, cat=c)
                for n, c, u in zip(names, categories, uppers, strict=True)
            ],
        )
        model.variables[family] = frame


# ------------------------------------------------------------------------------ constraint families
def add_demand_balance(model: Model, data: ModelData) -> None:
    """``demand_balance[w,p,t,k]``: served plus unserved equals demand, in each slice ``k``.

    sum_{f,s} serve[w,p,f,s,t,k] + unserved[w,p,t,k] = D[w,p,t,k] / u

    with ``u`` the LP's rate unit in tokens/s (``data.rate_unit``).

    Its dual, divided by the period's seconds and discount factor, is the marginal cost of one more
    million tokens of that phase in that period ($/Mtok).
    """
    keys = ["workload", "phase", "t", "k"]
    terms = pd.concat([_terms(model.variables["serve"], 1.0), _terms(model.variables["unserved"], 1.0)])
    rhs = data.demand.assign(rhs=data.demand["tokens_per_s"] / data.rate_unit)
    _add_rows(model, "demand_balance", keys, terms, "==", rhs)


def add_colocation(model: Model, data: ModelData) -> None:
    """``colocation[w,f,s,t]``: a workload that is not disaggregated has both phases on one fleet.

    serve[w,prefill,f,s,t] = r[w] * serve[w,decode,f,s,t]

    with ``r`` the workload's input:output ratio: each fleet prefills the prompts of the outputs
    it decodes.
    """
    serve = model.variables["serve"]
    together = serve[~serve["workload"].map(_disaggregated(data))]
    ratio = together["workload"].map(_ratios(data)).to_numpy()
    coef = np.where(together["phase"] == "prefill", 1.0, -ratio)
    keys = ["workload", "fleet", "site", "t", "k"]
    rhs = together[together["phase"] == "decode"][keys].assign(rhs=0.0)
    _add_rows(model, "colocation", keys, _terms(together, coef), "==", rhs)


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
    serve = model.variables["serve"]
    split = serve[serve["workload"].map(_disaggregated(data))]
    pairs = model.variables["pair"]
    coef = -pairs["workload"].map(_ratios(data)).to_numpy() if phase == "prefill" else -1.0
    keys = ["workload", "fleet", "site", "t", "k"]
    served = split[split["phase"] == phase]
    ends = pairs.rename(columns={f"{phase}_fleet": "fleet", f"{phase}_site": "site"})
    terms = pd.concat([_terms(served, 1.0), _terms(ends, coef)])
    _add_rows(model, f"{phase}_pairing", keys, terms, "==", served[keys].assign(rhs=0.0))


def add_kv_bandwidth(model: Model, data: ModelData) -> None:
    """``kv_bandwidth[a,b,t,k]``: KV caches moved from site ``a`` to site ``b`` fit the link.

    sum_{w,g,f} pair[w,(g,a),(f,b),t,k] * r[w] * u * bytes[w] / 1e9 <= bandwidth[a,b]   (GB/s)
    """
    pairs = model.variables["pair"]
    across = pairs[pairs["prefill_site"] != pairs["decode_site"]]
    gb = (across["input_output_ratio"] * across["kv_bytes_per_token"]).to_numpy() * data.rate_unit / 1e9
    links = pd.DataFrame(
        [(link.from_site, link.to_site, link.bandwidth_gb_s) for link in data.scenario.kv_links],
        columns=["prefill_site", "decode_site", "rhs"],
    )
    rhs = links.merge(_periods_frame(data), how="cross").merge(data.slices[["k"]], how="cross")
    _add_rows(model, "kv_bandwidth", ["prefill_site", "decode_site", "t", "k"], _terms(across, gb), "<=", rhs)


def _disaggregated(data: ModelData) -> dict[str, bool]:
    return {name: w.disaggregate for name, w in data.scenario.workloads.items()}


def _ratios(data: ModelData) -> dict[str, float]:
    return {name: w.input_output_ratio for name, w in data.scenario.workloads.items()}


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
    serve = model.variables["serve"]
    # Units serve every slice: each appears in the row of each slice, except on-demand cloud
    # units rented per slice (bursts), which serve only theirs.
    units_k = model.variables["units"].merge(data.slices[["k"]], how="cross")
    bursts = model.variables["burst"]
    held = units_k[~units_k["fleet"].isin(bursts["fleet"])]
    available = pd.concat([held, bursts.drop(columns=["hours_share"])], ignore_index=True)
    terms = pd.concat(
        [
            _terms(serve, data.rate_unit * serve["peak_factor"].to_numpy() / serve["tokens_per_s_per_unit"].to_numpy()),
            _terms(available, -available["fleet"].map(data.fleets["availability"]).to_numpy()),
        ]
    )
    rhs = units_k[["fleet", "site", "t", "k"]].assign(rhs=0.0)
    _add_rows(model, "capacity", ["fleet", "site", "t", "k"], terms, "<=", rhs)


def add_burst_limit(model: Model, data: ModelData) -> None:
    """``burst_limit[f,s,t,k]``: on-demand cloud units rented for slice ``k`` alone are within
    the period's rented ``units``, which carry the quota and commitments.

    burst[f,s,t,k] - units[f,s,t] <= 0
    """
    units_k = model.variables["units"].merge(data.slices[["k"]], how="cross")
    bursts = model.variables["burst"]
    keys = ["fleet", "site", "t", "k"]
    cover = pd.concat([_terms(bursts, 1.0), _terms(units_k[units_k["fleet"].isin(bursts["fleet"])], -1.0)])
    _add_rows(model, "burst_limit", keys, cover, "<=", bursts[keys].assign(rhs=0.0))


def add_stock(model: Model, data: ModelData) -> None:
    """``stock[f,s,t]``: owned units carry over, arrive with builds and retire at end of life.

    units[t] - units[t-1] - build[t] + build[t - L[f]] = E[f,s,t] - E[f,s,t-1]

    with ``L`` the lifetime in periods, ``E`` the existing units still in service (``units[-1]``
    and ``E[-1]`` are zero, build terms outside the horizon are dropped). Each row has at most
    four nonzeros, so the model grows linearly with the horizon.
    """
    keys = ["fleet", "site", "t"]
    units = model.variables["units"]
    units = units[units["procurement"] == "own"]
    builds = model.variables["build"]
    horizon = len(data.periods)
    life = builds["fleet"].map(data.fleets["life_periods"]).to_numpy()
    terms = pd.concat(
        [
            _terms(units, 1.0),
            _terms(units.assign(t=units["t"] + 1), -1.0),
            _terms(builds, -1.0),
            _terms(builds.assign(t=builds["t"] + life), 1.0),
        ]
    )
    terms = terms[terms["t"] < horizon]
    existing = units[keys].merge(data.existing, on=keys, how="left").fillna({"units": 0.0})
    previous = existing.assign(t=existing["t"] + 1)[[*keys, "units"]].rename(columns={"units": "before"})
    rhs = existing.merge(previous, on=keys, how="left").fillna({"before": 0.0})
    rhs = rhs.assign(rhs=rhs["units"] - rhs["before"])
    _add_rows(model, "stock", keys, terms, "==", rhs)


def add_power_limit(model: Model, data: ModelData) -> None:
    """``power_limit[s,t]``: owned and leased units at full power, times PUE, fit the site's cap.

    sum_f units[f,s,t] * P[f] * PUE[s] / 1000 <= C[s,t] + B[s] * blocks[s,t]

    with ``P`` the maximum power of one unit (kW), ``C`` the cap (MW) and ``B`` the MW of one
    expansion block. The dual is the marginal value of one more MW in that period.
    """
    units = model.variables["units"]
    units = units[units["fleet"].map(data.fleets["at_site"])]
    coef = (
        units["fleet"].map(data.fleets["max_power_kw"]).to_numpy()
        * units["site"].map(data.sites["pue"]).to_numpy()
        / 1000.0
    )
    blocks = model.variables["blocks"]
    terms = pd.concat(
        [_terms(units, coef), _terms(blocks, -blocks["site"].map(data.expansions["block_mw"]).to_numpy())]
    )
    rhs = data.site_periods.assign(rhs=data.site_periods["cap_mw"])
    _add_rows(model, "power_limit", ["site", "t"], terms, "<=", rhs)


def add_supply(model: Model, data: ModelData) -> None:
    """``supply[f,t]``: units entering service per period are limited by what vendors deliver.

    sum_s build[f,s,t] <= B[f,t]
    """
    rhs = data.supply.assign(rhs=data.supply["units"])
    _add_rows(model, "supply", ["fleet", "t"], _terms(model.variables["build"], 1.0), "<=", rhs)


def add_quota(model: Model, data: ModelData) -> None:
    """``quota[f,t]``: rented units (leased, cloud or reserved) stay within the provider's quota.

    units[f,s,t] <= Q[f,t]
    """
    units = model.variables["units"]
    rented = units[units["procurement"] != "own"]
    rhs = data.quota.assign(rhs=data.quota["units"])
    _add_rows(model, "quota", ["fleet", "t"], _terms(rented, 1.0), "<=", rhs)


def add_term_growth(model: Model, data: ModelData) -> None:
    """``term_growth[f,s,t]``: leased and reserved units are taken in cohorts (``start``); units
    only grow by taking more.

    units[f,s,t] - units[f,s,t-1] - start[f,s,t] <= 0
    """
    keys = ["fleet", "site", "t"]
    starts = model.variables["start"]
    termed = _termed_units(model, data)
    growth = pd.concat([_terms(termed, 1.0), _terms(termed.assign(t=termed["t"] + 1), -1.0), _terms(starts, -1.0)])
    growth = growth[growth["t"] < len(data.periods)]
    _add_rows(model, "term_growth", keys, growth, "<=", termed[keys].assign(rhs=0.0))


def add_min_term(model: Model, data: ModelData) -> None:
    """``min_term[f,s,t]``: each cohort of leased or reserved units is kept at least ``T[f]``
    periods; the recent cohorts are still held.

    units[f,s,t] - sum_{k=0}^{T[f]-1} start[f,s,t-k] >= 0

    Each row has ``T[f] + 1`` nonzeros: linear in the horizon for a given term.
    """
    keys = ["fleet", "site", "t"]
    starts = model.variables["start"]
    termed = _termed_units(model, data)
    horizon = len(data.periods)
    term = starts["fleet"].map(data.fleets["term_periods"]).to_numpy()
    held = [_terms(termed, 1.0)]
    for k in range(int(term.max()) if len(term) else 0):
        # start[t-k] counts in row t while k < T[f]
        lagged = starts[term > k]
        held.append(_terms(lagged.assign(t=lagged["t"] + k), -1.0))
    terms = pd.concat(held)
    _add_rows(model, "min_term", keys, terms[terms["t"] < horizon], ">=", termed[keys].assign(rhs=0.0))


def _termed_units(model: Model, data: ModelData) -> pd.DataFrame:
    """The ``units`` of fleets with a minimum term (leased and reserved)."""
    units = model.variables["units"]
    return units[units["fleet"].map(data.fleets["term_periods"]) > 0]


def add_budget(model: Model, data: ModelData) -> None:
    """``budget[y]``: capital paid for units entering service in calendar year ``y`` fits the budget.

    sum_{f,s,t in y} build[f,s,t] * K[f] / 1e6 <= Budget[y] / 1e6
    """
    builds = model.variables["build"]
    coef = builds["fleet"].map(data.fleets["capex_usd"]).to_numpy() / MUSD
    terms = _terms(builds, coef).assign(year=data.periods["year"].to_numpy()[builds["t"].to_numpy()])
    rhs = data.budget.assign(rhs=data.budget["usd"] / MUSD)
    _add_rows(model, "budget", ["year"], terms, "<=", rhs)


def add_vendor_share(model: Model, data: ModelData) -> None:
    """``vendor_share[v,t]``: one hardware vendor's units (owned or rented) serve at most its share of
    the tokens served.

    sum_{w,p,(f,s): vendor(f)=v} serve[w,p,f,s,t] <= L[v] * sum_{w,p,f,s} serve[w,p,f,s,t]
    """
    _share_rows(model, data, "vendor_share", data.fleets["vendor"])


def add_provider_share(model: Model, data: ModelData) -> None:
    """``provider_share[r,t]``: the units bought or rented from one provider serve at most its share
    of the tokens served.

    sum_{w,p,(f,s): provider(f)=r} serve[w,p,f,s,t] <= L[r] * sum_{w,p,f,s} serve[w,p,f,s,t]
    """
    _share_rows(model, data, "provider_share", data.fleets["provider"])


def add_category_share(model: Model, data: ModelData) -> None:
    """``category_share[c,t]``: one hardware category serves at most its share of the tokens served.

    sum_{w,p,(f,s): category(f)=c} serve[w,p,f,s,t] <= L[c] * sum_{w,p,f,s} serve[w,p,f,s,t]
    """
    _share_rows(model, data, "category_share", data.fleets["category"])


def _share_rows(model: Model, data: ModelData, family: str, group_of_fleet: pd.Series) -> None:
    limits = data.share_limits[data.share_limits["family"] == family]
    serve = model.variables["serve"]
    group = serve["fleet"].map(group_of_fleet)
    # Each row holds every serve variable: -L on all of them, +1 more on the group's own.
    hours = serve["hours_share"].to_numpy()  # tokens served in a slice weigh by its hours
    frames = [
        _terms(serve, (np.where(group == name, 1.0, 0.0) - limit) * hours).assign(group=name)
        for name, limit in zip(limits["group"], limits["limit"], strict=True)
    ]
    terms = pd.concat(frames, ignore_index=True) if frames else _terms(serve, 0.0).assign(group="")[:0]
    rhs = limits[["group"]].merge(_periods_frame(data), how="cross").assign(rhs=0.0)
    _add_rows(model, family, ["group", "t"], terms, "<=", rhs)


def add_contract(model: Model, data: ModelData) -> None:
    """``contract[c,t]``: committed capacity stays in service (take-or-pay: it is paid for
    whether it serves or not).

    sum_{(f,s) in c} units[f,s,t] * P[f] / 1000 >= M[c,t]   (a commitment in MW of IT power)
    sum_{(f,s) in c} units[f,s,t] >= N[c,t]                 (a commitment in units)
    """
    units = model.variables["units"]
    frames = []
    for name, measure, fleets in data.contracts.drop_duplicates("contract")[
        ["contract", "measure", "fleets"]
    ].itertuples(index=False):
        covered = units[units["fleet"].isin(fleets)]
        coef = covered["fleet"].map(data.fleets["max_power_kw"]).to_numpy() / 1000.0 if measure == "mw" else 1.0
        frames.append(_terms(covered, coef).assign(contract=name))
    terms = pd.concat(frames, ignore_index=True) if frames else _terms(units, 0.0).assign(contract="")[:0]
    rhs = data.contracts.assign(rhs=data.contracts["minimum"])
    _add_rows(model, "contract", ["contract", "t"], terms, ">=", rhs)


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
    if rho is None:
        model.variables["backup"] = pd.DataFrame(
            columns=["vendor", "workload", "phase", "fleet", "site", "t", "name", "var"]
        )
        model.constraints["resilience_demand"] = pd.DataFrame(columns=["vendor", "name", "constraint"])
        return
    exempt = set(data.scenario.policy.vendor_loss_exempt)
    serve = model.variables["serve"]
    serve = serve[~serve["workload"].isin(exempt)]
    vendor_of = serve["fleet"].map(data.fleets["vendor"])
    vendors = sorted(set(data.fleets["vendor"]))
    candidates = pd.concat([serve[vendor_of != v].assign(vendor=v) for v in vendors], ignore_index=True)
    dims = ["vendor", "workload", "phase", "fleet", "site", "t", "k"]
    names = _names("backup", candidates, dims, data)
    backup = candidates.drop(columns=["name", "var"]).assign(
        name=names, var=[model.problem.add_variable(solver_name(n), lowBound=0) for n in names]
    )
    model.variables["backup"] = backup
    # Measured against what is served, not the demand, so that a shortage the plan cannot avoid
    # does not also make the rule impossible.
    served = pd.concat([serve.assign(vendor=v) for v in vendors], ignore_index=True)
    keys = ["vendor", "workload", "phase", "t", "k"]
    terms = pd.concat([_terms(backup, 1.0), _terms(served, -rho)])
    _add_rows(model, "resilience_demand", keys, terms, ">=", served[keys].drop_duplicates().assign(rhs=0.0))


def add_resilience_capacity(model: Model, data: ModelData) -> None:
    """``resilience_capacity[v,f,s,t,k]``: the backup without vendor ``v`` (made by
    :func:`add_resilience_demand`) fits in the other vendors' units, counted as ``capacity`` is.

    sum_{w,p} backup[v,w,p,f,s,t,k] * kappa[w] * u / R[f,m(w),p] <= a[f] * units[f,s,t]
    """
    if data.scenario.policy.vendor_loss_coverage is None:
        model.constraints["resilience_capacity"] = pd.DataFrame(columns=["vendor", "name", "constraint"])
        return
    backup = model.variables["backup"]
    vendors = sorted(set(data.fleets["vendor"]))
    units = model.variables["units"].merge(data.slices[["k"]], how="cross")
    others = pd.concat(
        [units[units["fleet"].map(data.fleets["vendor"]) != v].assign(vendor=v) for v in vendors], ignore_index=True
    )
    terms = pd.concat(
        [
            _terms(
                backup, data.rate_unit * backup["peak_factor"].to_numpy() / backup["tokens_per_s_per_unit"].to_numpy()
            ),
            _terms(others, -others["fleet"].map(data.fleets["availability"]).to_numpy()),
        ]
    )
    keys = ["vendor", "fleet", "site", "t", "k"]
    _add_rows(model, "resilience_capacity", keys, terms, "<=", others[keys].assign(rhs=0.0))


def add_expansion(model: Model, data: ModelData) -> None:
    """``expansion[s,t]``: power blocks, once added, stay.

    blocks[s,t] - blocks[s,t-1] >= 0
    """
    blocks = model.variables["blocks"]
    terms = pd.concat([_terms(blocks, 1.0), _terms(blocks.assign(t=blocks["t"] + 1), -1.0)])
    _add_rows(
        model,
        "expansion",
        ["site", "t"],
        terms[terms["t"] < len(data.periods)],
        ">=",
        blocks[["site", "t"]].assign(rhs=0.0),
    )


def add_adoption(model: Model, data: ModelData) -> None:
    """``adoption[v,t,k]``: a vendor's fleets serve only if its platform is adopted.

    sum_{w,p,(f,s): vendor(f)=v} serve[w,p,f,s,t,k] <= (sum_{w,p} D[w,p,t,k] / u) * adopt[v]

    The total demand bounds what any vendor could serve, so the bound is as tight as it can be.
    """
    adopt = model.variables["adopt"]
    serve = model.variables["serve"]
    serve = serve[serve["fleet"].map(data.fleets["vendor"]).isin(adopt["vendor"])]
    total = data.demand.groupby(["t", "k"])["tokens_per_s"].sum() / data.rate_unit
    cap = adopt.merge(_periods_frame(data), how="cross").merge(data.slices[["k"]], how="cross")
    bound = total.reindex(list(zip(cap["t"], cap["k"], strict=True))).to_numpy()
    terms = pd.concat(
        [_terms(serve.assign(vendor=serve["fleet"].map(data.fleets["vendor"])), 1.0), _terms(cap, -bound)]
    )
    _add_rows(model, "adoption", ["vendor", "t", "k"], terms, "<=", cap[["vendor", "t", "k"]].assign(rhs=0.0))


def add_cost_terms(model: Model, data: ModelData) -> None:
    """What each decision costs, per cost component and period (nominal USD per LP unit): the
    terms of the objective, also read by spend commitments and the result's cost table.

    - capital: build[f,s,tau] * K[f] * CRF(rate, life[f]) * years[t] in each period ``t`` the
      units serve, ``tau <= t < tau + L[f]``, inside the horizon. Existing units were bought
      before the plan: their capital is sunk and not counted. Charging the annualized cost only
      for the periods a unit serves inside the horizon keeps late builds from looking cheap (no
      end-of-horizon bias). Charging it to the purchase, not to ``units`` minus a constant for
      the existing units, keeps a small plan's cost from being the difference of two large ones.
    - fixed_opex: units[f,s,t] * O[f] * years[t] (owned and leased units at sites).
    - energy: for units at sites, hours[t] * PUE[s] * price[s,t] / 1000 * (idle[f] * units[f,s,t]
      + (P[f] - idle[f]) * busy[f,s,t]), with ``busy`` the average busy units (as in
      ``capacity`` without the peak factor): energy is paid on the average load. Not for a lease
      with ``energy_included``: its hourly price already pays for its electricity.
    - rental: units[f,s,t] * hourly[f] * hours[t] (leased, cloud and reserved units), or for
      on-demand cloud units rented per slice, burst[f,s,t,k] * hourly[f] * hours[t] * eta[k].
    - unserved_penalty: unserved[w,p,t,k] * u * seconds[t] * eta[k] / 1e6 * penalty (USD per Mtok).
    - kv_transfer: pair[w,(g,a),(f,b),t,k] * r[w] * u * seconds[t] * eta[k] / 1e6 * kv cost
      (USD per Mtok of prompt) for pairs of different fleets or sites.
    - expansion: blocks[s,t] * block cost * CRF(rate, block life) * years[t].
    - adoption: adopt[v] * one-off cost, in the first period (no discounting).

    Busy units and energy are per slice ``k``, weighted by its share of the hours ``eta[k]``.
    """
    fleets, periods = data.fleets, data.periods
    units = model.variables["units"]
    at_site = units[units["fleet"].map(fleets["at_site"])]
    # A lease whose hourly price covers its electricity pays no energy here (its rental does).
    metered = at_site[~at_site["fleet"].map(fleets["energy_included"]).astype(bool)]
    bursts = model.variables["burst"]
    # Cloud units rented per slice pay for their slice's hours; the period's units are then free.
    held_rented = units[(units["procurement"] != "own") & ~units["fleet"].isin(bursts["fleet"])]
    serve = model.variables["serve"]
    serve_metered = serve[serve["fleet"].map(fleets["at_site"] & ~fleets["energy_included"].astype(bool))]
    pairs = model.variables["pair"]
    pairs = pairs[pairs["kv_usd_per_mtok"] > 0]

    def per_period(frame, column):
        return periods[column].to_numpy()[frame["t"].to_numpy()]

    def energy_usd_per_mwh_hour(frame):
        prices = (
            frame[["site", "t"]].merge(data.site_periods, on=["site", "t"], how="left")["price_usd_per_mwh"].to_numpy()
        )
        return per_period(frame, "hours") * frame["site"].map(data.sites["pue"]).to_numpy() * prices / 1000.0

    # One row per build and period its units serve: the capital each period's payment recovers.
    builds = model.variables["build"]
    serving = builds.loc[builds.index.repeat(builds["fleet"].map(fleets["life_periods"]).to_numpy())]
    serving = serving.assign(t=serving["t"] + serving.groupby(level=0).cumcount())
    serving = serving[serving["t"] < len(periods)]
    idle_kw = metered["fleet"].map(fleets["idle_power_kw"]).to_numpy()
    busy_kw = (
        serve_metered["fleet"].map(fleets["max_power_kw"]) - serve_metered["fleet"].map(fleets["idle_power_kw"])
    ).to_numpy()
    busy_units = data.rate_unit / serve_metered["tokens_per_s_per_unit"].to_numpy()
    terms = pd.concat(
        [
            _cost(
                serving,
                "capital",
                serving["fleet"].map(fleets["capital_usd_per_year"]).to_numpy() * per_period(serving, "years"),
            ),
            _cost(
                at_site,
                "fixed_opex",
                at_site["fleet"].map(fleets["opex_usd_per_year"]).to_numpy() * per_period(at_site, "years"),
            ),
            _cost(metered, "energy", idle_kw * energy_usd_per_mwh_hour(metered)),
            _cost(
                serve_metered,
                "energy",
                busy_kw * busy_units * serve_metered["hours_share"].to_numpy() * energy_usd_per_mwh_hour(serve_metered),
            ),
            _cost(
                held_rented,
                "rental",
                held_rented["fleet"].map(fleets["hourly_usd"]).to_numpy() * per_period(held_rented, "hours"),
            ),
            _cost(
                bursts,
                "rental",
                bursts["fleet"].map(fleets["hourly_usd"]).to_numpy()
                * per_period(bursts, "hours")
                * bursts["hours_share"].to_numpy(),
            ),
            _cost(
                model.variables["unserved"],
                "unserved_penalty",
                per_period(model.variables["unserved"], "seconds")
                * model.variables["unserved"]["hours_share"].to_numpy()
                * data.rate_unit
                / 1e6
                * data.penalty_usd_per_mtok,
            ),
            _cost(
                model.variables["blocks"],
                "expansion",
                model.variables["blocks"]["site"].map(data.expansions["capital_usd_per_year"]).to_numpy()
                * per_period(model.variables["blocks"], "years"),
            ),
            _cost(
                model.variables["adopt"].assign(t=0),
                "adoption",
                model.variables["adopt"]["vendor"].map(data.scenario.policy.adoption_usd).to_numpy(),
            ),
            _cost(
                pairs,
                "kv_transfer",
                (pairs["input_output_ratio"] * pairs["kv_usd_per_mtok"] * pairs["hours_share"]).to_numpy()
                * per_period(pairs, "seconds")
                * data.rate_unit
                / 1e6,
            ),
        ],
        ignore_index=True,
    )
    model.cost_terms = terms


def add_spend_commitment(model: Model, data: ModelData) -> None:
    """``spend_commitment[c,y]``: the covered fleets' costs in calendar year ``y`` (capital
    recovery, opex, energy, rental), plus a take-or-pay shortfall, reach the committed spend.

    sum_{terms of covered fleets in y} usd * x / 1e6 + shortfall[c,y] >= S[c,y] / 1e6

    The shortfall is paid as the ``take_or_pay`` cost component in the year's first period.
    """
    commitments = data.spend_commitments
    if commitments.empty:
        model.variables["shortfall"] = commitments.assign(name=[], var=[])
        model.constraints["spend_commitment"] = pd.DataFrame(columns=["contract", "year", "rhs", "name", "constraint"])
        return
    names = _names("shortfall", commitments, ["contract", "year"], data)
    shortfall = commitments.assign(
        name=names, var=[model.problem.add_variable(solver_name(n), lowBound=0) for n in names]
    )
    model.variables["shortfall"] = shortfall
    terms = model.cost_terms
    spend = terms[terms["component"].isin(["capital", "fixed_opex", "energy", "rental"])]
    frames = []
    for name, fleets in commitments.drop_duplicates("contract")[["contract", "fleets"]].itertuples(index=False):
        covered = spend[spend["fleet"].isin(fleets)]
        frames.append(
            covered.assign(
                contract=name, year=data.periods["year"].to_numpy()[covered["t"].to_numpy()], coef=covered["usd"] / MUSD
            )
        )
    rows = pd.concat([*frames, shortfall.assign(coef=1.0)], ignore_index=True) if frames else shortfall.assign(coef=1.0)
    _add_rows(
        model, "spend_commitment", ["contract", "year"], rows, ">=", commitments.assign(rhs=commitments["usd"] / MUSD)
    )
    model.cost_terms = pd.concat(
        [
            terms,
            pd.DataFrame(
                {
                    "component": "take_or_pay",
                    "t": shortfall["t"].to_numpy(),
                    "var": shortfall["var"].to_numpy(),
                    "usd": MUSD,
                    "fleet": None,
                }
            ),
        ],
        ignore_index=True,
    )


def add_objective(model: Model, data: ModelData) -> None:
    """Minimize the present value of all costs, in units of ``M`` USD.

    sum_t delta[t] * (capital + fixed_opex + energy + rental + kv_transfer + expansion + adoption
                      + take_or_pay + unserved_penalty)[t] / M

    with the terms of :func:`add_cost_terms` and :func:`add_spend_commitment`,
    ``delta[t] = (1 + rate) ** -(years from the horizon start to the start of t)`` and
    ``M = money_unit(...)`` of the discounted coefficients of the decisions (every component but
    the unserved penalty), kept as ``model.money_unit``.
    """
    terms = model.cost_terms
    assert terms is not None, "add_cost_terms runs before add_objective"
    usd = data.periods["discount"].to_numpy()[terms["t"].to_numpy()] * terms["usd"].to_numpy(dtype=float)
    # The penalty is a modelling weight, often a million times a decision's cost: a unit taken from
    # it would shrink a whole unit's cost below the solvers' tolerances (see solve.mip_tolerances).
    model.money_unit = money_unit(usd[(terms["component"] != "unserved_penalty").to_numpy()])
    objective = pulp.LpAffineExpression()
    for var, coef in zip(terms["var"], usd / model.money_unit, strict=True):
        objective.addterm(var, coef)
    model.problem.setObjective(objective)


def money_unit(usd: np.ndarray) -> float:
    """USD per unit of the objective: the power of ten nearest the median nonzero cost
    coefficient, so that coefficients sit around 1 whatever the plan's size. A fixed unit (say
    millions of USD) would push a small plan's costs below the solvers' optimality tolerance
    (1e-7), where they stop telling a cheaper plan from a dearer one.

    >>> money_unit(np.array([6_000.0, 12_000.0, 2.7e8])), money_unit(np.array([0.02, 1_000.0, 0.0, 0.03])), money_unit(np.array([]))
    (10000.0, 0.01, 1.0)
    >>> money_unit(np.array([1e-300]))
    0.001
    """
    nonzero = np.abs(usd[usd != 0])
    if not len(nonzero):
        return 1.0
    # Within a thousandth of a dollar and a billion: beyond, the plan itself is out of scale.
    return float(10.0 ** np.clip(np.round(np.log10(np.median(nonzero))), -3, 9))


# -------------------------------------------------------------------------------------- helpers
def _periods_frame(data: ModelData) -> pd.DataFrame:
    return pd.DataFrame({"t": np.arange(len(data.periods))})


def _names(family: str, frame: pd.DataFrame, dims: list[str], data: ModelData) -> list[str]:
    """Readable names such as ``capacity[h100,phoenix,2026-01]`` (period and slice labels, not
    positions; the slice only when a period has several)."""
    slices = data.slices.set_index("k")["slice"]
    dims = [d for d in dims if d != "k" or len(slices) > 1]
    columns = [
        frame[d].map(data.labels) if d == "t" else frame[d].map(slices) if d == "k" else frame[d].astype(str)
        for d in dims
    ]
    return [f"{family}[{','.join(parts)}]" for parts in zip(*columns, strict=True)]


def solver_name(name: str) -> str:
    """The solver-safe form of a readable name: only letters, digits and underscores.

    Distinct names stay distinct (fleets ``a-b`` and ``a_b``, or fleet ``a_b`` at site ``c`` and
    fleet ``a`` at site ``b_c``): an underscore is written twice and any other character as
    ``_<hex code>_``, which reads back one way only.

    >>> solver_name("power_limit[west,2026-01]"), solver_name("x[a-b]"), solver_name("x[a_b]")
    ('power__limit_5b_west_2c_2026_2d_01_5d_', 'x_5b_a_2d_b_5d_', 'x_5b_a__b_5d_')
    """
    return re.sub(r"[^A-Za-z0-9]", lambda c: "__" if c.group() == "_" else f"_{ord(c.group()):x}_", name)


def _terms(variables: pd.DataFrame, coef) -> pd.DataFrame:
    """A variable frame (index columns and ``var``) with a ``coef`` column for a constraint."""
    return variables.drop(columns=["name"]).assign(coef=coef)


def _cost(variables: pd.DataFrame, component: str, usd) -> pd.DataFrame:
    fleet = variables["fleet"].to_numpy() if "fleet" in variables else None
    return pd.DataFrame(
        {
            "component": component,
            "t": variables["t"].to_numpy(),
            "var": variables["var"].to_numpy(),
            "usd": usd,
            "fleet": fleet,
        }
    )


_SENSES = {"<=": pulp.LpConstraintLE, ">=": pulp.LpConstraintGE, "==": pulp.LpConstraintEQ}


def _add_rows(model: Model, family: str, keys: list[str], terms: pd.DataFrame, sense: str, rhs: pd.DataFrame) -> None:
    """Add one constraint per row of ``rhs`` that has terms: sum of ``coef * var`` over the terms
    sharing its ``keys``, compared to its ``rhs``. Repeated variables in a row are summed."""
    expressions: dict[tuple, pulp.LpAffineExpression] = {}
    for key, var, coef in zip(terms[keys].itertuples(index=False, name=None), terms["var"], terms["coef"], strict=True):
        expressions.setdefault(key, pulp.LpAffineExpression()).addterm(var, coef)
    rows = rhs[[*keys, "rhs"]].reset_index(drop=True)
    has_terms = [key in expressions for key in rows[keys].itertuples(index=False, name=None)]
    rows = rows.loc[np.array(has_terms, dtype=bool)].reset_index(drop=True)
    names = _names(family, rows, keys, model.data)
    constraints = []
    for key, value, name in zip(rows[keys].itertuples(index=False, name=None), rows["rhs"], names, strict=True):
        constraint = pulp.LpConstraint(expressions[key], _SENSES[sense], solver_name(name), float(value))
        model.problem.addConstraint(constraint)
        constraints.append(constraint)
    model.constraints[family] = rows.assign(name=names, constraint=constraints)
