"""Build the capacity-planning LP from ``ModelData``: one ``add_<family>`` per constraint family.

Read ``docs/formulation.md`` beside the adders: each family there has the same name here and its
math in the docstring. The LP is assembled as arrays (:class:`planner.lp.LinearProgram`); the
index frames of :class:`Model` map its columns and rows back to the scenario. It works in scaled
units so that coefficients stay within a few orders of magnitude: rates in a unit of
``data.rate_unit`` tokens/s chosen from the demand (Mtok/s for a large provider), the objective
in a unit of ``model.money_unit`` USD chosen from its cost coefficients, budgets and spend
commitments in millions of USD, power in MW, hardware in units.

>>> from planner import Scenario, default_scenario_path
>>> from planner.build import build
>>> from planner.data import ModelData
>>> model = build(ModelData.from_scenario(Scenario.from_yaml(default_scenario_path())))
>>> list(model.constraints)[:3]
['demand_balance', 'prefill_pairing', 'decode_pairing']
>>> "min_term" in model.constraints and "quota" in model.constraints
True
>>> model.names("power_limit")[0]
'power_limit[west,2026-01]'
"""

from __future__ import annotations

from planner.build.costs import add_cost_terms, add_objective, money_unit
from planner.build.model import LP_FORMATS, MUSD, Model
from planner.build.names import solver_name
from planner.build.policy import (
    add_adoption,
    add_budget,
    add_category_share,
    add_contract,
    add_provider_share,
    add_served_total,
    add_spend_commitment,
    add_vendor_share,
)
from planner.build.serving import (
    add_burst_limit,
    add_capacity,
    add_decode_pairing,
    add_demand_balance,
    add_kv_bandwidth,
    add_prefill_pairing,
    add_resilience_capacity,
    add_resilience_demand,
)
from planner.build.stock import (
    add_expansion,
    add_min_term,
    add_power_limit,
    add_quota,
    add_stock,
    add_supply,
    add_term_growth,
    add_term_stock,
)
from planner.build.variables import add_variables
from planner.data import ModelData

__all__ = ["LP_FORMATS", "MUSD", "Model", "build", "money_unit", "solver_name"]


def build(data: ModelData) -> Model:
    """Build the LP for ``data``; nothing is solved.

    The families, in the order of ``docs/formulation.md``: variables (with latency eligibility),
    demand balance, prefill and decode pairing, KV bandwidth, capacity, burst limit, stock, power
    limit, supply, quota, term growth, term stock, min term, budget, served total, vendor share,
    provider share, category share, contract, resilience demand and capacity, expansion,
    adoption, cost terms, spend commitment, objective (which finishes the LP).
    """
    model = Model(data=data)
    add_variables(model, data)
    add_demand_balance(model, data)
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
    add_term_stock(model, data)
    add_min_term(model, data)
    add_budget(model, data)
    add_served_total(model, data)
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
