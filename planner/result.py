"""The outcome of a solve: a status, the objective and tidy tables whose columns carry their units."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner.build import Model
from planner.output import write_folder
from planner.scenario import Scenario
from planner.solvers.solution import DEFAULT_SOLVER
from planner.status import Status
from planner.tables import PENALTY, PLAN_COMPONENTS, plan_tables, tables_without_plan

if TYPE_CHECKING:
    from planner.plots import PlanPlots

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
        return cls(
            status=status,
            message=message,
            objective_usd=None,
            scenario=model.data.scenario,
            tables=tables_without_plan(model),
            model_size=model.size(),
            **_defaults(info),
        )

    @classmethod
    def from_model(
        cls, model: Model, x: np.ndarray, row_dual: np.ndarray, status: Status, message: str, **info: Any
    ) -> Result:
        """Read the plan from a solved model: the solver's point ``x`` (one value per LP column)
        and its row duals (``row_dual``, in the sign convention of :mod:`planner.solvers`)."""
        return cls(
            status=status,
            message=message,
            objective_usd=model.lp.objective(x) * model.money_unit,
            scenario=model.data.scenario,
            tables=plan_tables(model, x, row_dual),
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
