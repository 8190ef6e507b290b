"""The outcome of a solve: a status, the objective and tidy tables whose columns carry their units."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner.build import MUSD, Model
from planner.build.costs import COMPONENTS
from planner.output import write_folder
from planner.scenario import Scenario
from planner.solvers.solution import DEFAULT_SOLVER
from planner.status import Status

if TYPE_CHECKING:
    from planner.plots import PlanPlots

PENALTY = "unserved_penalty"
PLAN_COMPONENTS = tuple(c for c in COMPONENTS if c != PENALTY)
"""The components of the plan's cost: what would be paid. The unserved penalty is not one: it is
the weight the objective puts on demand left unserved, a modelling choice that nobody pays."""
_TINY = 1e-9

_FULL_DRAW = (
    "committed_it_mw",
    "hours",
    "electricity_usd_per_mwh",
    "full_draw_it_usd",
    "full_draw_facility_usd",
    "plan_energy_usd",
)
"""The policy table's columns for a capacity commitment at full draw (empty on other rows)."""

TABLE_COLUMNS: dict[str, list[str]] = {
    "demand": ["period", "workload", "phase", "tokens_per_s", "peak_tokens_per_s", "tokens"],
    "builds": ["period", "order_period", "site", "fleet", "units"],
    "installed": ["period", "site", "fleet", "procurement", "units"],
    "allocation": [
        "period",
        "workload",
        "phase",
        "fleet",
        "site",
        "tokens_per_s",
        "tokens",
        "busy_units",
        "peak_busy_units",
        "concurrency",
    ],
    "power": [
        "period",
        "site",
        "reserved_mw",
        "drawn_it_mw",
        "drawn_facility_mw",
        "cap_mw",
        "expansion_mw",
        "marginal_usd_per_mw",
    ],
    "energy": [
        "period",
        "site",
        "fleet",
        "reserved_mw",
        "drawn_it_mw",
        "drawn_facility_mw",
        "energy_mwh",
        "energy_usd",
        "energy_included",
    ],
    "expansion": ["period", "site", "blocks", "new_blocks", "expansion_mw", "capital_usd"],
    "slices": ["period", "slice", "hours_share", "site", "fleet", "procurement", "units", "peak_busy_units"],
    "costs": ["period", "component", "usd", "discounted_usd"],
    "prices": ["period", "workload", "marginal_usd_per_mtok"],
    "unserved": ["period", "workload", "phase", "tokens_per_s", "tokens"],
    "operating_points": [
        "workload",
        "phase",
        "fleet",
        "origin",
        "precision",
        "concurrency",
        "tokens_per_s_per_unit",
        "tokens_per_s_per_user",
        "ttft_ms",
        "busy_unit_hours",
    ],
    "transfers": [
        "period",
        "workload",
        "prefill_site",
        "prefill_fleet",
        "decode_site",
        "decode_fleet",
        "prompt_tokens_per_s",
        "usd",
    ],
    "policy": [
        "period",
        "policy",
        "subject",
        "limit",
        "actual",
        "unit",
        "binding",
        "marginal_usd_per_unit",
        *_FULL_DRAW,
    ],
}
"""Every result table and its columns, in order."""

PLAN_MARKERS = ("summary.json", "scenario.yaml")
"""Files every written plan holds: a folder with them may be replaced by a new plan."""


@dataclass
class Result:
    """A solved (or failed) plan.

    Attributes
    ----------
    status, message
        How the solve ended, in words a planner can act on.
    objective_usd
        What the solver minimised, in present-value USD: the plan's cost plus the unserved
        penalty, a modelling weight (``None`` without a plan). The plan's cost is
        :attr:`plan_cost_usd`.
    scenario
        The scenario, with defaults and catalog figures filled in.
    tables
        The tidy tables named in :data:`TABLE_COLUMNS`; also reachable as attributes
        (``result.allocation``). Power and energy, in nominal USD:

        - ``power``, per site and period: ``reserved_mw``, the units at nameplate times PUE (what
          the cap binds: ``reserved_mw <= cap_mw + expansion_mw``), ``cap_mw`` as given and
          ``expansion_mw`` from the blocks in service; ``drawn_it_mw`` and ``drawn_facility_mw``
          (with PUE), the power drawn on average; ``marginal_usd_per_mw`` of more cap.
        - ``energy``, per period, site and owned or leased fleet: the same reserved and drawn MW,
          ``energy_mwh`` (facility draw times hours) and ``energy_usd`` (times the site's price),
          which add up to the ``energy`` cost component; zero USD where ``energy_included`` (a
          lease whose hourly price pays for its electricity).
        - ``expansion``, per period and site that may expand: ``blocks`` in service,
          ``new_blocks`` added that period, the ``expansion_mw`` they add and their
          ``capital_usd`` (the site's part of the ``expansion`` cost component).
        - ``policy`` rows of capacity commitments also carry ``committed_it_mw``, the period's
          ``hours``, the ``electricity_usd_per_mwh`` where the covered units stand, what the
          committed MW would cost drawn at full load (``full_draw_it_usd`` = MW x hours x price,
          ``full_draw_facility_usd`` with PUE) and ``plan_energy_usd``, what the plan pays for the
          covered fleets' energy; other rows leave them empty.
    solver, solver_version, solve_seconds, build_seconds, model_size
        How the answer was obtained.
    gap
        With whole units (a mixed-integer program): how far the plan's cost may be above the
        best possible, as a fraction of it (``(cost - bound) / cost``); at a time limit it says
        how good the plan found is. ``None`` for a linear program, or when the solver did not say.
    mip_gap
        With whole units: the gap within which the plan is called optimal (``solve(mip_gap=)``);
        ``None`` for a linear program.
    """

    status: Status
    message: str
    objective_usd: float | None
    scenario: Scenario
    tables: dict[str, pd.DataFrame]
    solver: str
    solver_version: str | None
    solve_seconds: float
    build_seconds: float
    model_size: dict[str, int] = field(default_factory=dict)
    gap: float | None = None
    mip_gap: float | None = None

    @property
    def is_optimal(self) -> bool:
        """True when the plan is proven least-cost (with whole units: within ``mip_gap`` of it)."""
        return self.status is Status.OPTIMAL

    @property
    def has_plan(self) -> bool:
        """True when there are plan tables to read (optimal, or best found at the time limit)."""
        return self.objective_usd is not None

    @property
    def plan_cost_usd(self) -> float | None:
        """Present value in USD of what the plan would pay: capital, running costs, rental,
        transfers, expansion, adoption and take-or-pay, without the unserved penalty (``None``
        without a plan). The headline cost; the nominal total is in :meth:`summary`."""
        return self._cost_usd(PLAN_COMPONENTS, "discounted_usd")

    @property
    def unserved_penalty_usd(self) -> float | None:
        """Present value in USD of the unserved penalty in the objective: a modelling weight
        on demand left unserved, not a payment (``None`` without a plan)."""
        return self._cost_usd((PENALTY,), "discounted_usd")

    def _cost_usd(self, components: tuple[str, ...], column: str) -> float | None:
        if not self.has_plan:
            return None
        costs = self.tables["costs"]
        return float(costs.loc[costs["component"].isin(components), column].sum())

    @property
    def plot(self) -> PlanPlots:
        """The plan's charts (matplotlib, from the ``plots`` extra): ``result.plot.power()`` and the
        others of :data:`planner.plots.PLAN_CHARTS`, each returning its axes."""
        from planner.plots import PlanPlots

        return PlanPlots(self)

    def _repr_html_(self) -> str:
        """The summary and a few charts, for Jupyter (:func:`planner.html.result_html`)."""
        from planner.html import result_html

        return result_html(self)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    # ------------------------------------------------------------------ construction
    @classmethod
    def without_plan(cls, model: Model, status: Status, message: str, **info: Any) -> Result:
        """A result that carries only the demand table and why there is no plan."""
        tables = {name: pd.DataFrame(columns=columns) for name, columns in TABLE_COLUMNS.items()}
        tables["demand"] = _demand(model)
        tables["operating_points"] = _operating_points(model, None)
        return cls(
            status=status,
            message=message,
            objective_usd=None,
            scenario=model.data.scenario,
            tables=_typed(tables),
            model_size=model.size(),
            **_defaults(info),
        )

    @classmethod
    def from_model(
        cls, model: Model, x: np.ndarray, row_dual: np.ndarray, status: Status, message: str, **info: Any
    ) -> Result:
        """Read the plan from a solved model: the solver's point ``x`` (one value per LP column)
        and its row duals (``row_dual``, in the sign convention of :mod:`planner.solvers`)."""
        plan = _Plan(model, x, row_dual, model.lp.row_activity(x))
        draw = _draw(plan)  # read by the energy, power and policy tables
        tables = {
            "demand": _demand(model),
            "builds": _builds(plan),
            "installed": _installed(plan),
            "allocation": _allocation(plan),
            "power": _power(plan, draw),
            "energy": _energy(plan, draw),
            "expansion": _expansion(plan),
            "slices": _slices(plan),
            "costs": _costs(plan),
            "prices": _prices(plan),
            "unserved": _unserved(plan),
            "operating_points": _operating_points(model, plan),
            "transfers": _transfers(plan),
            "policy": _policy(plan, draw),
        }
        return cls(
            status=status,
            message=message,
            objective_usd=model.lp.objective(x) * model.money_unit,
            scenario=model.data.scenario,
            tables=_typed(tables),
            model_size=model.size(),
            **_defaults(info),
        )

    # ------------------------------------------------------------------ reporting
    def summary(self) -> dict[str, Any]:
        """The headline numbers as plain JSON-ready data.

        ``plan_cost_usd`` (present value) and ``nominal_plan_cost_usd`` are what the plan would
        pay, ``cost_by_component_usd`` and ``plan_cost_by_period`` their parts; the shortfall
        stands beside them in tokens (``unserved_tokens``), as a share of demand and per
        workload and period (``unserved``). ``unserved_penalty_usd`` is the objective's weight on
        that shortfall, not a cost; ``objective_usd`` is the plan cost plus that weight.
        """
        plan = self.has_plan
        return {
            "scenario": self.scenario.name,
            "status": self.status.value,
            "message": self.message,
            "plan_cost_usd": self.plan_cost_usd,
            "nominal_plan_cost_usd": self._cost_usd(PLAN_COMPONENTS, "usd"),
            "cost_by_component_usd": self._by_component("discounted_usd") if plan else None,
            "nominal_cost_by_component_usd": self._by_component("usd") if plan else None,
            "plan_cost_by_period": self._by_period() if plan else None,
            "demand_tokens": float(self.tables["demand"]["tokens"].sum()),
            **self._shortfall(),
            "unserved_penalty_usd": self.unserved_penalty_usd,
            "objective_usd": self.objective_usd,
            "units_in_service_at_end": self._fleet_at_end() if plan else None,
            **(self._mix() if plan else {}),
            "capacity_commitments": self._commitments() if plan else None,
            "periods": f"{self.scenario.horizon.periods} x {self.scenario.horizon.period_length} from {self.scenario.horizon.start}",
            "solver": self.solver,
            "solver_version": self.solver_version,
            "build_seconds": round(self.build_seconds, 3),
            "solve_seconds": round(self.solve_seconds, 3),
            "gap": self.gap,
            "mip_gap": self.mip_gap,
            "model_size": self.model_size,
        }

    def _by_component(self, column: str) -> dict[str, float]:
        """USD per component of the plan's cost (the penalty is not one), over the horizon."""
        totals = self.tables["costs"].groupby("component")[column].sum()
        return {c: float(totals.get(c, 0.0)) for c in PLAN_COMPONENTS}

    def _by_period(self) -> list[dict[str, Any]]:
        """The plan's cost per period, nominal (``usd``) and present value (``discounted_usd``)."""
        costs = self.tables["costs"]
        paid = costs[costs["component"] != PENALTY].groupby("period", sort=False)[["usd", "discounted_usd"]].sum()
        return [
            {"period": str(period), "usd": float(row.usd), "discounted_usd": float(row.discounted_usd)}
            for period, row in paid.iterrows()
        ]

    def _shortfall(self) -> dict[str, Any]:
        """Demand left unserved: tokens, share of demand, and tokens per workload and period."""
        if not self.has_plan:
            return {"unserved_tokens": None, "unserved_share_of_demand": None, "unserved": None}
        demand = float(self.tables["demand"]["tokens"].sum())
        unserved = self.tables["unserved"]
        tokens = float(unserved["tokens"].sum())
        rows = unserved.groupby(["workload", "period"], sort=False, as_index=False)["tokens"].sum()
        return {
            "unserved_tokens": tokens,
            "unserved_share_of_demand": tokens / demand if demand else 0.0,
            "unserved": [
                {"workload": str(w), "period": str(p), "tokens": float(t)}
                for w, p, t in zip(rows["workload"], rows["period"], rows["tokens"], strict=True)
                if t > 0
            ],
        }

    def _fleet_at_end(self) -> dict[str, Any]:
        """Units in service (owned, leased or rented) per fleet in the horizon's last period."""
        installed = self.tables["installed"]
        if installed.empty:
            return {"period": None, "units_by_fleet": {}}
        last = installed["period"].iloc[-1]
        units = installed[installed["period"] == last].groupby("fleet", sort=False)["units"].sum()
        return {"period": str(last), "units_by_fleet": {str(f): float(u) for f, u in units.items()}}

    def _mix(self) -> dict[str, Any]:
        """Who serves the tokens, what the last token of each workload costs, which rules bind."""
        allocation = self.tables["allocation"]
        fleets = self.scenario.fleets
        served = {
            key: {
                k: float(v)
                for k, v in allocation.groupby(
                    allocation["fleet"].map({f: getattr(fleet, key) for f, fleet in fleets.items()})
                )["tokens"]
                .sum()
                .items()
            }
            for key in ("vendor", "category")
        }
        prices = self.tables["prices"]
        volume = self.tables["demand"].groupby(["period", "workload"], as_index=False)["tokens"].sum()
        weighted = prices.merge(volume, on=["period", "workload"])
        average = (
            weighted.assign(cost=weighted["marginal_usd_per_mtok"] * weighted["tokens"])
            .groupby("workload")[["cost", "tokens"]]
            .sum()
        )
        policy = self.tables["policy"]
        bound = policy[policy["binding"].astype(bool)]
        binding = bound.groupby(["policy", "subject", "unit"]).agg(
            periods=("period", "size"), saving=("marginal_usd_per_unit", "sum")
        )
        return {
            "served_tokens_by_vendor": served["vendor"],
            "served_tokens_by_category": served["category"],
            "average_marginal_usd_per_mtok": {
                w: float(r.cost / r.tokens) if r.tokens else None for w, r in average.iterrows()
            },
            # What relaxing each binding rule by one unit (point, MW, unit, USD) in every period it
            # binds would save, summed: the cost of the rule at the margin.
            "binding_policies": [
                {
                    "policy": p,
                    "subject": s,
                    "periods_binding": int(periods),
                    "unit": u,
                    "marginal_usd_per_unit_all_periods": float(saving),
                }
                for (p, s, u), periods, saving in zip(binding.index, binding["periods"], binding["saving"], strict=True)
            ],
        }

    def _commitments(self) -> dict[str, dict[str, Any]]:
        """Per capacity commitment, what its committed power would cost drawn at full load, beside
        what the plan pays for the covered fleets' energy (nominal USD, from the ``policy`` table).

        ``full_draw_*_usd_per_year`` is the largest committed MW over a year of 8,760 hours at the
        electricity price (and PUE) of the first period it is committed in full (``*_it_*`` before
        PUE, ``*_facility_*`` with it); ``full_draw_*_usd`` sums committed MW x hours x price over
        the horizon. ``energy_included``: every covered fleet's price already pays for its power.
        """
        policy = self.tables["policy"]
        rows = policy[policy["policy"] == "contract"]
        out = {}
        for name, group in rows.groupby("subject", sort=False):
            contract = self.scenario.contracts[str(name)]
            covered = [f for f, fleet in self.scenario.fleets.items() if contract.covers(f, fleet)]
            entry: dict[str, Any] = dict.fromkeys(
                (
                    "committed_it_mw_peak",
                    "electricity_usd_per_mwh",
                    "pue",
                    "full_draw_it_usd_per_year",
                    "full_draw_facility_usd_per_year",
                )
            )
            known = group.dropna(subset=["committed_it_mw", "electricity_usd_per_mwh"])
            if len(known):
                peak = known.iloc[int(np.argmax(known["committed_it_mw"].to_numpy()))]
                per_year = float(peak["committed_it_mw"] * 8760 * peak["electricity_usd_per_mwh"])
                pue = float(peak["full_draw_facility_usd"] / peak["full_draw_it_usd"]) if per_year else None
                entry |= {
                    "committed_it_mw_peak": float(peak["committed_it_mw"]),
                    "electricity_usd_per_mwh": float(peak["electricity_usd_per_mwh"]),
                    "pue": pue,
                    "full_draw_it_usd_per_year": per_year,
                    "full_draw_facility_usd_per_year": per_year * pue if pue is not None else None,
                }
            out[str(name)] = entry | {
                "full_draw_it_usd": float(group["full_draw_it_usd"].sum()),
                "full_draw_facility_usd": float(group["full_draw_facility_usd"].sum()),
                "plan_energy_usd": float(group["plan_energy_usd"].sum()),
                "energy_included": bool(covered) and all(self.scenario.fleets[f].energy_included for f in covered),
            }
        return out

    def to_dir(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write every table as CSV, ``summary.json`` and the resolved ``scenario.yaml`` to the folder ``path``.

        The folder appears whole or not at all, and a replaced plan stays whole until the new one
        takes its place; see :mod:`planner.output` for how, and for the other errors it raises.

        Raises
        ------
        FileExistsError
            If ``path`` exists and ``overwrite`` is false.
        """
        write_folder(path, self.write_files, overwrite=overwrite, markers=PLAN_MARKERS)
        return Path(path)

    def write_files(self, folder: Path) -> None:
        """Write the plan's files into the existing ``folder`` as they come (:meth:`to_dir` does it atomically).

        ``summary.json`` holds :meth:`summary` and ``scenario_sha256``, the digest of the
        ``scenario.yaml`` written beside it."""
        for name, table in self.tables.items():
            table.to_csv(folder / f"{name}.csv", index=False)
        scenario = self.scenario.to_yaml()
        # The digest of the scenario as written lets `planner verify` tell a scenario edited since.
        summary = self.summary() | {"scenario_sha256": scenario_digest(scenario)}
        (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        (folder / "scenario.yaml").write_text(scenario, encoding="utf-8")


def scenario_digest(text: str) -> str:
    """SHA-256 (hex) of a scenario file's text, as stored in a written plan's ``summary.json``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _defaults(info: dict[str, Any]) -> dict[str, Any]:
    return {"solver": DEFAULT_SOLVER, "solver_version": None, "solve_seconds": 0.0, "build_seconds": 0.0} | info


@dataclass(frozen=True)
class _Plan:
    """A built model with the solver's point: what the table functions read."""

    model: Model
    x: np.ndarray
    row_dual: np.ndarray
    activity: np.ndarray

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)


def _value(model: _Plan, frame: pd.DataFrame) -> np.ndarray:
    values = model.x[frame["col"].to_numpy(dtype=np.int64)] * frame["scale"].to_numpy(dtype=float)
    values[np.abs(values) < _TINY] = 0.0  # CBC reports -0.0 and round-off as tiny values
    return values


def _label(model: Model | _Plan, frame: pd.DataFrame) -> pd.DataFrame:
    """Replace period positions ``t`` by labels in a ``period`` column placed first."""
    labelled = frame.assign(period=frame["t"].map(model.data.labels)).drop(columns=["t"])
    return labelled[["period", *[c for c in labelled.columns if c != "period"]]]


def _table(model: Model | _Plan, frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """``frame`` as the result table ``name``: its columns in order, ``period`` the label of each
    position ``t``, rows numbered from 0.

    Built from the columns' arrays in one step: on tables of a few hundred rows, pandas' per-call
    cost of assigning, dropping and reordering columns is most of the time.
    """
    labels = model.data.labels.array
    t = frame["t"].to_numpy(dtype=np.int64)
    return pd.DataFrame({c: labels[t] if c == "period" else frame[c].array for c in TABLE_COLUMNS[name]})


def _over_slices(frame: pd.DataFrame, keys: list[str], model: Model | _Plan, peak: str | None = None) -> pd.DataFrame:
    """Per-slice rates to a period's average: ``tokens_per_s`` (and other rates) weigh each slice
    by its share of the hours; ``tokens`` add up; ``peak`` takes the busiest slice.

    Every frame read here has one row per key and slice: with a single slice of all the hours
    (no ``time_slices``), each row is its own period's figure, read without grouping.
    """
    rates = [c for c in ("tokens_per_s", "prompt_tokens_per_s", "busy_units") if c in frame]
    sums = dict.fromkeys([*rates, *(c for c in ("tokens", "usd") if c in frame)], "sum")
    if peak:
        sums[peak] = "max"
    if len(model.data.slices) == 1:
        return frame[[*keys, *sums]].reset_index(drop=True)
    hours = frame["k"].map(model.data.slices.set_index("k")["hours_share"]).to_numpy()
    weighted = frame.assign(**{c: frame[c] * hours for c in rates})
    return weighted.groupby(keys, sort=False, as_index=False).agg(sums)


def _demand(model: Model) -> pd.DataFrame:
    frame = _over_slices(model.data.demand, ["workload", "phase", "t"], model, peak="peak_tokens_per_s")
    return _table(model, frame, "demand")


def _builds(model: _Plan) -> pd.DataFrame:
    builds = model.variables["build"]
    frame = builds[["fleet", "site", "t"]].assign(units=_value(model, builds))
    frame = frame[frame["units"] > 0]
    lead = frame["fleet"].map(model.data.fleets["lead_periods"])
    frame = frame.assign(order_period=(frame["t"] - lead).map(model.data.labels))
    return _table(model, frame, "builds")


def _installed(model: _Plan) -> pd.DataFrame:
    units = model.variables["units"]
    frame = units[["fleet", "site", "procurement", "t"]].assign(units=_value(model, units))
    return _table(model, frame, "installed")


def _allocation(model: _Plan) -> pd.DataFrame:
    serve = model.variables["serve"]
    rate = _value(model, serve) * model.data.rate_unit
    seconds = model.data.periods["seconds"].to_numpy()[serve["t"].to_numpy()]
    busy = rate / serve["tokens_per_s_per_unit"].to_numpy()
    frame = serve[["workload", "phase", "fleet", "site", "t", "k"]].assign(
        tokens_per_s=rate,
        tokens=rate * seconds * serve["hours_share"].to_numpy(),
        busy_units=busy,
        peak_busy_units=busy * serve["peak_factor"].to_numpy(),
    )
    frame = _over_slices(frame, ["workload", "phase", "fleet", "site", "t"], model, peak="peak_busy_units")
    frame = frame[frame["tokens_per_s"] > 0]
    # The operating point served at: requests in flight per replica (empty for inline figures).
    points = model.data.routes.drop_duplicates(["workload", "phase", "fleet"])[
        ["workload", "phase", "fleet", "concurrency"]
    ]
    frame = frame.merge(points, on=["workload", "phase", "fleet"], how="left")
    return _table(model, frame, "allocation")


def _slices(model: _Plan) -> pd.DataFrame:
    """Per period, slice, site and fleet: the units that serve in the slice (the period's units, or
    for on-demand cloud units rented per slice, the slice's own) and the units busy in it, as the
    ``capacity`` rows count them (each workload at the slice's load; without time slices, each at
    its own peak hour)."""
    data = model.data
    units = model.variables["units"]
    bursts = model.variables["burst"]
    held = units.merge(data.slices[["k"]], how="cross")
    held = held[~held["fleet"].isin(bursts["fleet"])]
    procurement = units.drop_duplicates("fleet").set_index("fleet")["procurement"]
    available = pd.concat(
        [
            held[["fleet", "site", "t", "k", "procurement"]].assign(units=_value(model, held)),
            bursts[["fleet", "site", "t", "k"]].assign(
                procurement=bursts["fleet"].map(procurement), units=_value(model, bursts)
            ),
        ],
        ignore_index=True,
    )
    serve = model.variables["serve"]
    busy = (
        serve[["fleet", "site", "t", "k"]]
        .assign(
            peak_busy_units=_value(model, serve)
            * data.rate_unit
            * serve["peak_factor"].to_numpy()
            / serve["tokens_per_s_per_unit"].to_numpy()
        )
        .groupby(["fleet", "site", "t", "k"], as_index=False)["peak_busy_units"]
        .sum()
    )
    frame = available.merge(busy, on=["fleet", "site", "t", "k"], how="left").fillna({"peak_busy_units": 0.0})
    frame = frame.merge(data.slices[["k", "slice", "hours_share"]], on="k")
    frame = frame.sort_values(["t", "k", "site", "fleet"], kind="stable").drop(columns=["k"])
    return _table(model, frame, "slices")


def _draw(model: _Plan) -> pd.DataFrame:
    """Per owned or leased placement and period: power reserved (nameplate, with PUE), IT power
    drawn on average (idle draw of every unit plus the busy draw above it, each slice weighted by
    its hours), the facility energy that draws and what the plan pays for it (nothing for a lease
    whose hourly price includes electricity). The same arithmetic as the energy cost terms."""
    data = model.data
    fleets = data.fleets
    keys = ["fleet", "site", "t"]
    units = model.variables["units"]
    units = units[units["fleet"].map(fleets["at_site"])]
    serve = model.variables["serve"]
    serve = serve[serve["fleet"].map(fleets["at_site"])]
    busy = serve[keys].assign(
        busy=_value(model, serve)
        * data.rate_unit
        / serve["tokens_per_s_per_unit"].to_numpy()
        * serve["hours_share"].to_numpy()
    )
    frame = (
        units[keys]
        .assign(units=_value(model, units))
        .merge(busy.groupby(keys, as_index=False)["busy"].sum(), on=keys, how="left")
        .fillna({"busy": 0.0})
    )
    max_kw = frame["fleet"].map(fleets["max_power_kw"]).to_numpy(dtype=float)
    idle_kw = frame["fleet"].map(fleets["idle_power_kw"]).to_numpy(dtype=float)
    pue = frame["site"].map(data.sites["pue"]).to_numpy(dtype=float)
    price = frame[["site", "t"]].merge(data.site_periods, on=["site", "t"], how="left")["price_usd_per_mwh"].to_numpy()
    hours = data.periods["hours"].to_numpy()[frame["t"].to_numpy()]
    included = frame["fleet"].map(fleets["energy_included"]).astype(bool).to_numpy()
    drawn_it = (idle_kw * frame["units"].to_numpy() + (max_kw - idle_kw) * frame["busy"].to_numpy()) / 1000.0
    energy_mwh = drawn_it * pue * hours
    return frame.assign(
        reserved_mw=frame["units"].to_numpy() * max_kw * pue / 1000.0,
        it_kw=frame["units"].to_numpy() * max_kw,
        drawn_it_mw=drawn_it,
        drawn_facility_mw=drawn_it * pue,
        energy_mwh=energy_mwh,
        energy_usd=np.where(included, 0.0, energy_mwh * price),
        energy_included=included,
        pue=pue,
        price_usd_per_mwh=price,
        hours=hours,
    )


def _energy(model: _Plan, draw: pd.DataFrame) -> pd.DataFrame:
    """Per period, site and owned or leased fleet: ``draw`` (from :func:`_draw`) as a result table."""
    return _table(model, draw, "energy")


def _blocks(model: _Plan) -> pd.DataFrame:
    """Per site with an expansion and period: power blocks in service (none before the lead time)."""
    data = model.data
    grid = data.expansions.reset_index()[["site"]].merge(pd.DataFrame({"t": np.arange(len(data.periods))}), how="cross")
    blocks = model.variables["blocks"]
    built = blocks[["site", "t"]].assign(blocks=_value(model, blocks))
    return grid.merge(built, on=["site", "t"], how="left").fillna({"blocks": 0.0})


def _expansion(model: _Plan) -> pd.DataFrame:
    """Blocks in service and newly added per site and period, the MW they add to the cap and
    their capital recovery that period (the site's part of the ``expansion`` cost component)."""
    data = model.data
    frame = _blocks(model)
    years = data.periods["years"].to_numpy()[frame["t"].to_numpy()]
    frame = frame.assign(
        new_blocks=(frame["blocks"] - frame.groupby("site")["blocks"].shift(fill_value=0.0)).clip(lower=0.0),
        expansion_mw=frame["blocks"] * frame["site"].map(data.expansions["block_mw"]).to_numpy(),
        capital_usd=frame["blocks"] * frame["site"].map(data.expansions["capital_usd_per_year"]).to_numpy() * years,
    )
    return _table(model, frame, "expansion")


def _power(model: _Plan, draw: pd.DataFrame) -> pd.DataFrame:
    """Per site and period: power reserved for the units at nameplate (with PUE), which the cap
    binds, beside the power drawn on average (``draw``, from :func:`_draw`); the cap as given and
    the MW its blocks add."""
    rows = model.constraints["power_limit"]
    pi = _duals(model, rows)
    discount = model.data.periods["discount"].to_numpy()[rows["t"].to_numpy()]
    keys = ["site", "t"]
    draw = draw.groupby(keys)[["reserved_mw", "drawn_it_mw", "drawn_facility_mw"]].sum()
    blocks = _blocks(model)
    added = pd.Series(
        blocks["blocks"].to_numpy() * blocks["site"].map(model.data.expansions["block_mw"]).to_numpy(),
        index=pd.MultiIndex.from_frame(blocks[keys]),
    )
    index = list(zip(rows["site"], rows["t"], strict=True))
    # A <= row's dual is <= 0 when minimizing; a planner reads the saving from one more MW.
    frame = rows[keys].assign(
        **{c: draw[c].reindex(index).fillna(0.0).to_numpy() for c in draw.columns},
        cap_mw=rows["rhs"].to_numpy(),
        expansion_mw=added.reindex(index).fillna(0.0).to_numpy() if len(added) else 0.0,
        marginal_usd_per_mw=-pi * model.money_unit / discount + 0.0,
    )
    return _table(model, frame, "power")


_NUMBERS = (
    "usd",
    "tokens",
    "mw",
    "units",
    "ms",
    "hours",
    "mtok",
    "unit",
    "s",
    "user",
    "concurrency",
    "limit",
    "actual",
    "mwh",
    "blocks",
)
"""Last words of the column names that hold numbers (``tokens_per_s``, ``marginal_usd_per_unit``...);
the policy table's ``unit`` column itself names a unit."""


def _typed(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Number columns as floats, also in empty tables (where pandas would leave them as objects)."""
    typed = {}
    for name, table in tables.items():
        untyped = {
            c: float
            for c in table.columns
            if c != "unit" and c.split("_")[-1] in _NUMBERS and not pd.api.types.is_numeric_dtype(table[c])
        }
        typed[name] = table.astype(untyped) if untyped else table  # astype copies even when nothing changes
    return typed


def _costs(model: _Plan) -> pd.DataFrame:
    terms = model.cost_terms
    variable = terms[["component", "t"]].assign(
        usd=terms["usd"].to_numpy(dtype=float) * model.x[terms["col"].to_numpy(dtype=np.int64)]
    )
    frame = variable.groupby(["t", "component"])["usd"].sum().reset_index()
    grid = pd.MultiIndex.from_product([range(len(model.data.periods)), COMPONENTS], names=["t", "component"]).to_frame(
        index=False
    )
    frame = grid.merge(frame, on=["t", "component"], how="left").fillna({"usd": 0.0})
    frame = frame.assign(discounted_usd=frame["usd"] * model.data.periods["discount"].to_numpy()[frame["t"].to_numpy()])
    return _table(model, frame, "costs")


def _prices(model: _Plan) -> pd.DataFrame:
    """Marginal cost of one more million (input plus output) tokens of a workload.

    A request's prefill and decode come together, in the workload's input:output proportion, so
    the price weighs the two phases' duals by their shares; the duals of one phase alone are not
    meaningful when both phases must run on one fleet.
    """
    rows = model.constraints["demand_balance"]
    pi = _duals(model, rows)
    ratio = (
        rows["workload"]
        .map({name: w.input_output_ratio for name, w in model.data.scenario.workloads.items()})
        .to_numpy()
    )
    share = np.where(rows["phase"] == "prefill", ratio / (1 + ratio), 1 / (1 + ratio))
    # One more token per second on average raises each slice's rate by its load factor.
    demand = model.data.demand
    average = _over_slices(demand, ["workload", "phase", "t"], model).set_index(["workload", "phase", "t"])[
        "tokens_per_s"
    ]
    level = (
        demand.set_index(["workload", "phase", "t", "k"])["tokens_per_s"]
        / average.reindex(list(zip(demand["workload"], demand["phase"], demand["t"], strict=True))).to_numpy()
    )
    load = (
        level.fillna(1.0)
        .reindex(list(zip(rows["workload"], rows["phase"], rows["t"], rows["k"], strict=True)))
        .to_numpy()
    )
    frame = (
        rows[["workload", "t"]]
        .assign(weighted=pi * share * load)
        .groupby(["workload", "t"], sort=False, as_index=False)["weighted"]
        .sum(min_count=1)  # a plan without duals has no price (NaN), not a price of zero
    )
    periods = model.data.periods
    t = frame["t"].to_numpy()
    # One LP rate unit held over period t is rate_unit * seconds / 1e6 million tokens.
    mtok = model.data.rate_unit * periods["seconds"].to_numpy()[t] / 1e6
    frame = frame.assign(
        marginal_usd_per_mtok=frame["weighted"] * model.money_unit / (periods["discount"].to_numpy()[t] * mtok) + 0.0
    )
    return _table(model, frame, "prices")


def _unserved(model: _Plan) -> pd.DataFrame:
    unserved = model.variables["unserved"]
    rate = _value(model, unserved) * model.data.rate_unit
    seconds = model.data.periods["seconds"].to_numpy()[unserved["t"].to_numpy()]
    frame = unserved[["workload", "phase", "t", "k"]].assign(
        tokens_per_s=rate, tokens=rate * seconds * unserved["hours_share"].to_numpy()
    )
    frame = _over_slices(frame, ["workload", "phase", "t"], model)
    frame = frame[frame["tokens_per_s"] > 0]
    return _table(model, frame, "unserved")


def _operating_points(model: Model, plan: _Plan | None) -> pd.DataFrame:
    """The operating point each fleet serves each workload's phase at (one row per triple), and
    the unit-hours the plan spends there over the horizon (empty without a plan)."""
    keys = ["workload", "phase", "fleet"]
    routes = model.data.routes.drop_duplicates(keys)
    hours = pd.Series(dtype=float)
    if plan is not None:
        serve = model.variables["serve"]
        periods = model.data.periods
        busy = _value(plan, serve) * model.data.rate_unit / serve["tokens_per_s_per_unit"].to_numpy()
        unit_hours = busy * serve["hours_share"].to_numpy() * periods["hours"].to_numpy()[serve["t"].to_numpy()]
        hours = serve[keys].assign(busy_unit_hours=unit_hours).groupby(keys)["busy_unit_hours"].sum()
    frame = routes.assign(
        busy_unit_hours=hours.reindex(list(zip(*(routes[k] for k in keys), strict=True))).to_numpy()
        if plan is not None
        else np.nan
    )
    return frame[TABLE_COLUMNS["operating_points"]].reset_index(drop=True)


def _transfers(model: _Plan) -> pd.DataFrame:
    """Prompts of disaggregated workloads prefilled on one fleet and decoded on another."""
    pairs = model.variables["pair"]
    rate = _value(model, pairs) * model.data.rate_unit * pairs["input_output_ratio"].to_numpy()
    seconds = model.data.periods["seconds"].to_numpy()[pairs["t"].to_numpy()]
    hours = pairs["hours_share"].to_numpy()
    keys = ["workload", "prefill_site", "prefill_fleet", "decode_site", "decode_fleet", "t"]
    frame = pairs[[*keys, "k"]].assign(
        prompt_tokens_per_s=rate, usd=rate * hours * seconds / 1e6 * pairs["kv_usd_per_mtok"].to_numpy()
    )
    frame = _over_slices(frame, keys, model)
    moved = (frame["prefill_fleet"] != frame["decode_fleet"]) | (frame["prefill_site"] != frame["decode_site"])
    frame = frame[(frame["prompt_tokens_per_s"] > 0) & moved]
    return _table(model, frame, "transfers")


def _policy(model: _Plan, draw: pd.DataFrame) -> pd.DataFrame:
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
    served = serve.assign(value=_value(model, serve) * serve["hours_share"].to_numpy())
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
        pi = _duals(model, rows)
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
        pi = _duals(model, contracts)
        t = contracts["t"].to_numpy()
        measures = model.data.contracts.set_index(["contract", "t"])["measure"]
        frames.append(
            contracts[["t"]].assign(
                policy="contract",
                subject=contracts["contract"].to_numpy(),
                limit=contracts["rhs"].to_numpy(),
                actual=_activity(model, contracts),
                unit=[
                    "MW" if measures[(c, p)] == "mw" else "units" for c, p in zip(contracts["contract"], t, strict=True)
                ],
                binding=np.abs(pi) > 1e-9,
                marginal_usd_per_unit=pi * model.money_unit / discount[t] + 0.0,
                **_full_draw(model, contracts, draw),
            )
        )
    resilience = model.constraints["resilience_demand"]
    if not resilience.empty:
        pi = _duals(model, resilience)
        # d(cost)/d(rho): each row's dual times the served rate it scales, summed per lost vendor.
        rho = model.data.scenario.policy.vendor_loss_coverage
        keys = ["workload", "phase", "t", "k"]
        rates = serve.assign(value=_value(model, serve)).groupby(keys, as_index=False)["value"].sum()
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
    labelled = _label(model, frame) if len(frame) else frame.rename(columns={"t": "period"})
    budget = model.constraints["budget"]
    if not budget.empty:
        pi = _duals(model, budget)
        spent = pd.DataFrame(
            {
                "period": budget["year"].astype(str).to_numpy(),
                "policy": "budget",
                "subject": "capital",
                "limit": budget["rhs"].to_numpy() * MUSD,
                "actual": _activity(model, budget) * MUSD,
                "unit": "USD (present value)",
                "binding": np.abs(pi) > 1e-9,
                # The row counts millions of USD, the objective money units.
                "marginal_usd_per_unit": -pi * model.money_unit / MUSD + 0.0,
            }
        )
        labelled = pd.concat([labelled, spent], ignore_index=True)
    # Only contract rows carry the full-draw columns; the others leave them empty.
    return labelled.reindex(columns=TABLE_COLUMNS["policy"]).reset_index(drop=True)


def _full_draw(model: _Plan, contracts: pd.DataFrame, draw: pd.DataFrame) -> dict[str, np.ndarray]:
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
    columns: dict[str, list[float]] = {k: [] for k in _FULL_DRAW}
    for name, t, limit in zip(contracts["contract"], contracts["t"], contracts["rhs"], strict=True):
        covered = np.flatnonzero(covers[name] & (at == t))
        weight = it_kw[covered]
        if weight.sum() <= 0:
            weight = np.ones(len(covered))
        hours = float(hours_of[t])
        if len(covered):
            mean_price = _weighted(price[covered], weight)
            facility_price = _weighted(price[covered] * pue[covered], weight)
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


def _weighted(values: np.ndarray, weights: np.ndarray) -> float:
    """Weighted mean; exactly the value when all are equal (one site), free of round-off."""
    return float(values[0]) if np.all(values == values[0]) else float(np.average(values, weights=weights))


def _duals(model: _Plan, rows: pd.DataFrame) -> np.ndarray:
    return model.row_dual[rows["row"].to_numpy(dtype=np.int64)]


def _activity(model: _Plan, rows: pd.DataFrame) -> np.ndarray:
    """Each row's value at the plan (its terms, without the right-hand side)."""
    return model.activity[rows["row"].to_numpy(dtype=np.int64)]
