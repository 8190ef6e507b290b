"""The LP's structure: names, eligibility, sparsity, and agreement with docs/formulation.md."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner import Scenario, example_path, solve
from planner import build as build_module
from planner.build import build
from planner.data import ModelData
from tests.conftest import fleet, scenario_dict

FORMULATION = Path(__file__).resolve().parents[2] / "docs" / "formulation.md"


def _model(make_scenario, *args, **kwargs):
    return build(ModelData.from_scenario(make_scenario(*args, **kwargs)))


def test_rows_and_variables_have_readable_and_solver_safe_names(make_scenario):
    model = _model(make_scenario, tokens_per_s=[1.0, 1.0])
    assert model.names("power_limit") == ["power_limit[s,2026-01]", "power_limit[s,2026-02]"]
    assert model.names("serve")[0] == "serve[w,decode,a,s,2026-01]"
    columns, rows = model.lp.column_names(), model.lp.row_names()
    assert len(columns) == model.lp.shape[1] and len(rows) == model.lp.shape[0]
    assert "power_limit[s,2026-02]" in rows and "units[a,s,2026-01]" in columns
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", build_module.solver_name(n)) for n in columns + rows)


def test_a_row_and_a_column_are_named_from_their_family(make_scenario):
    model = _model(make_scenario, tokens_per_s=[1.0, 1.0])
    power = model.constraints["power_limit"]
    assert model.describe_row(int(power["row"].iloc[1])) == "power_limit[s,2026-02]"
    units = model.variables["units"]
    assert model.describe_column(int(units["col"].iloc[0])) == "units[a,s,2026-01]"


def test_phases_that_run_together_share_one_column(make_scenario):
    """A workload that is not disaggregated gets a column per fleet, site and period for its
    decode rate; its prefill entry reads that column times the input:output ratio (2 here)."""
    model = _model(make_scenario, tokens_per_s=[1.0, 1.0], workloads={"w": {"input_output_ratio": 2.0}})
    serve = model.variables["serve"]
    prefill, decode = serve[serve["phase"] == "prefill"], serve[serve["phase"] == "decode"]
    assert len(prefill) == len(decode) == 2
    assert prefill["col"].to_list() == decode["col"].to_list()
    assert prefill["scale"].to_list() == [2.0, 2.0] and decode["scale"].to_list() == [1.0, 1.0]
    # The demand rows read the column once each: 1 for decode, 2 for prefill.
    rows = model.constraints["demand_balance"]
    matrix = model.lp.matrix
    for phase, coef in (("decode", 1.0), ("prefill", 2.0)):
        row = int(rows.loc[(rows["phase"] == phase) & (rows["t"] == 0), "row"].iloc[0])
        assert matrix[row, int(decode["col"].iloc[0])] == pytest.approx(coef)


def test_a_disaggregated_workload_keeps_a_column_per_phase(make_scenario):
    model = _model(make_scenario, workloads={"w": {"disaggregate": True}})
    serve = model.variables["serve"]
    assert serve["col"].is_unique and (serve["scale"] == 1.0).all()


def test_no_serve_variable_for_a_pair_that_misses_the_slo(make_scenario):
    slow = fleet()
    slow["performance"]["m"]["tokens_per_s_per_user"] = 5.0  # below the workload's 10 tokens/s
    model = _model(make_scenario, fleets={"ok": fleet(), "slow": slow})
    assert set(model.variables["serve"]["fleet"]) == {"ok"}
    assert set(model.variables["units"]["fleet"]) == {"ok", "slow"}


def test_builds_exist_only_after_the_lead_time(make_scenario):
    model = _model(make_scenario, tokens_per_s=[1.0] * 4, fleets={"a": fleet(lead_time_months=2)})
    assert model.variables["build"]["t"].to_list() == [2, 3]


def _row_lengths(model, family: str) -> np.ndarray:
    return np.diff(model.lp.matrix.indptr)[model.constraints[family]["row"].to_numpy()]


def test_stock_rows_have_at_most_four_nonzeros(make_scenario):
    model = _model(make_scenario, tokens_per_s=[1.0] * 24, fleets={"a": fleet(lifetime_years=0.5)})
    lengths = _row_lengths(model, "stock")
    assert max(lengths) == 4 and min(lengths) == 2


def _leased(term_months: int) -> dict:
    spec = fleet()
    for owned_only in ("capex_usd", "lifetime_years"):
        del spec[owned_only]
    return spec | {"procurement": "lease", "hourly_usd": 2.0, "term_months": term_months}


def test_term_rows_have_at_most_four_nonzeros_whatever_the_term(make_scenario):
    model = _model(make_scenario, tokens_per_s=[1.0] * 36, fleets={"a": _leased(24)})
    assert max(_row_lengths(model, "term_stock")) == 4
    assert max(_row_lengths(model, "min_term")) == 2


def test_nonzeros_grow_linearly_with_the_horizon(make_scenario):
    fleets = {"a": fleet(lifetime_years=1 / 6), "b": fleet(6_000, lifetime_years=0.25)}
    sizes = {n: _model(make_scenario, tokens_per_s=[1.0] * n, fleets=fleets).size()["nonzeros"] for n in (24, 48, 96)}
    assert sizes[96] / sizes[48] == pytest.approx(2.0, rel=0.03)
    assert sizes[48] / sizes[24] == pytest.approx(2.0, rel=0.03)


def test_nonzeros_grow_linearly_with_the_horizon_for_a_term_as_long_as_it(make_scenario):
    """A lease whose term is the whole horizon: the sum of the last T starts in every row would
    grow with the square of the horizon; the term stock does not."""
    sizes = {
        n: _model(make_scenario, tokens_per_s=[1.0] * n, fleets={"a": _leased(n)}).size()["nonzeros"] for n in (24, 48)
    }
    assert sizes[48] / sizes[24] == pytest.approx(2.0, rel=0.05)


def test_a_share_rule_adds_two_nonzeros_per_serve_column(make_scenario):
    """The served total's row and the group's own row: not one per serve column in every
    group's row."""
    fleets = {"a": fleet(vendor="v1"), "b": fleet(vendor="v2"), "c": fleet(vendor="v3")}
    plain = _model(make_scenario, tokens_per_s=[1.0] * 3, fleets=fleets)
    shared = _model(make_scenario, tokens_per_s=[1.0] * 3, fleets=fleets, policy={"max_vendor_share": 0.5})
    serve_columns = plain.variables["serve"]["col"].nunique()
    periods = 3
    added = shared.size()["nonzeros"] - plain.size()["nonzeros"]
    assert added == 2 * serve_columns + periods * (1 + 3)  # the total's -1, and -limit in each vendor row


def test_model_size_counts_the_lp(make_scenario):
    model = _model(make_scenario)
    size = model.size()
    columns = sum(frame["col"].nunique() for frame in model.variables.values())
    assert size["variables"] == columns == model.lp.shape[1]
    assert size["constraints"] == sum(len(frame) for frame in model.constraints.values()) == model.lp.shape[0]
    assert size["nonzeros"] == model.lp.matrix.nnz


def _documented_families() -> dict[str, list[str]]:
    """Each constraint family headed in bold in docs/formulation.md, with its index symbols."""
    text = FORMULATION.read_text(encoding="utf-8")
    found = re.findall(r"\*\*([a-z_]+)\[([^\]]*)\]\*\*", text)
    return {name: index.split(",") for name, index in found}


def test_every_documented_family_is_built_by_its_own_adder(make_scenario, monkeypatch):
    """Every constraint family in docs/formulation.md is built by ``add_<family>``, that function
    builds that family alone, and no other family is built."""
    documented = _documented_families()
    adders = {name for name in dir(build_module) if name.startswith("add_")}
    # Variables, cost terms and the objective are no constraint family.
    assert adders - {"add_variables", "add_cost_terms", "add_objective"} == {f"add_{f}" for f in documented}
    made: dict[str, set[str]] = {}

    def recording(name, adder):
        def add(model, data):
            before = set(model.constraints)
            adder(model, data)
            made[name] = set(model.constraints) - before

        return add

    for name in adders:
        monkeypatch.setattr(build_module, name, recording(name, getattr(build_module, name)))
    model = _model(
        make_scenario, fleets={"a": fleet(max_build_units_per_period=5)}, policy={"capex_budget_usd_per_year": 1e9}
    )
    assert set(model.constraints) == set(documented)
    for family in documented:
        assert made[f"add_{family}"] == {family}, family


@pytest.fixture(scope="module")
def default_model():
    return build(ModelData.from_scenario(Scenario.from_yaml(example_path("default"))))


def test_documented_indices_are_those_of_the_rows(default_model):
    """Each family's index in docs/formulation.md has as many symbols as its rows have keys,
    slice ``k`` included (the row names leave ``k`` out when a period has one slice)."""
    documented = _documented_families()
    for family, index in documented.items():
        rows = default_model.constraints[family]
        if "rhs" in rows:
            keys = [c for c in rows.columns if c not in ("rhs", "sense", "row")]
            assert len(keys) == len(index), (family, index, keys)
        else:  # a family the scenario leaves out altogether: its adder's docstring states the index
            stated = re.match(rf"``{family}\[([^\]]*)\]``", getattr(build_module, f"add_{family}").__doc__ or "")
            assert stated and len(stated.group(1).split(",")) == len(index), (family, index)


def test_the_quoted_model_size_is_the_default_scenarios(default_model):
    """docs/formulation.md quotes the size of the default scenario's model; it is within 10% of the real one."""
    text = " ".join(FORMULATION.read_text(encoding="utf-8").split())
    quoted = re.search(r"the model has (?:about )?([\d,]+) variables, ([\d,]+) rows and ([\d,]+) nonzeros", text)
    assert quoted, "the size sentence is in the document"
    size = default_model.size()
    for figure, key in zip(quoted.groups(), ("variables", "constraints", "nonzeros"), strict=True):
        assert int(figure.replace(",", "")) == pytest.approx(size[key], rel=0.1), key


# ------------------------------------------------------------------------------ solver names
def _read_back(name: str) -> str:
    """The readable name a solver name was made from (the inverse of ``solver_name``)."""
    out, i = [], 0
    while i < len(name):
        if name[i] != "_":
            out.append(name[i])
            i += 1
        elif name[i + 1] == "_":
            out.append("_")
            i += 2
        else:
            end = name.index("_", i + 1)
            out.append(chr(int(name[i + 1 : end], 16)))
            i = end + 1
    return "".join(out)


@given(st.text(max_size=40))
def test_a_solver_name_is_safe_and_reads_back_to_its_name(name):
    safe = build_module.solver_name(name)
    assert re.fullmatch(r"[A-Za-z0-9_]*", safe)
    assert _read_back(safe) == name  # so two distinct names never share a solver name


@pytest.mark.parametrize(("cheap", "dear"), [("a-b", "a_b"), ("a_b", "a-b"), ("a.b", "a-b")])
def test_fleets_whose_names_differ_only_in_punctuation_are_planned_apart(make_scenario, cheap, dear):
    """10,000 tokens/s (1:1) take 10 units of either; the cheap one at $1,000 a unit-month, and
    100 kW for 744 h at $100/MWh: $7,440 of energy."""
    result = solve(make_scenario(fleets={cheap: fleet(12_000.0), dear: fleet(24_000.0)}))
    assert result.status.value == "optimal"
    assert result.objective_usd == pytest.approx(10_000 + 7_440)
    assert result.builds.groupby("fleet")["units"].sum().to_dict() == pytest.approx({cheap: 10.0})


def test_workloads_x_1_and_x_dot_1_are_served_apart(make_scenario):
    """Each workload's 10,000 tokens/s take 10 units: 20 units, $20,000 and $14,880 of energy."""
    data = scenario_dict()
    data["workloads"] = dict.fromkeys(("x.1", "x_1"), data["workloads"]["w"])
    data["demand"] = dict.fromkeys(("x.1", "x_1"), data["demand"]["w"])
    result = solve(Scenario.from_dict(data))
    assert result.status.value == "optimal"
    assert result.objective_usd == pytest.approx(20_000 + 14_880)
    served = result.allocation.groupby("workload")["tokens_per_s"].sum()
    assert served.to_dict() == pytest.approx({"x.1": 10_000.0, "x_1": 10_000.0})


def test_vendors_differing_only_in_punctuation_each_keep_their_share_limit(make_scenario):
    """At most 60% of the tokens per vendor: 'acme-co' and 'acme_co' are two vendors, so
    the cheap one serves 60% (6 units at $1,000) and the dear one the rest (4 at $2,000), with
    $7,440 of energy for the ten."""
    fleets = {"f1": fleet(12_000.0, vendor="acme-co"), "f2": fleet(24_000.0, vendor="acme_co")}
    result = solve(make_scenario(fleets=fleets, policy={"max_vendor_share": 0.6}))
    assert result.status.value == "optimal"
    assert result.objective_usd == pytest.approx(6 * 1_000 + 4 * 2_000 + 7_440)


def test_a_fleet_and_site_pair_that_joins_alike_is_planned_apart(make_scenario):
    """Fleet 'a_b' at site 'c' and fleet 'a' at site 'b_c': once joined with underscores both
    read 'a_b_c'; each fleet is cheap only where it may stand, 10 units of 'a' serve it all."""
    fleets = {"a_b": fleet(24_000.0), "a": fleet(12_000.0)}
    sites = {
        name: {"power_mw": 1000.0, "pue": 1.0, "electricity_price_usd_per_mwh": 100.0, "fleets": [allowed]}
        for name, allowed in (("c", "a_b"), ("b_c", "a"))
    }
    result = solve(Scenario.from_dict({**scenario_dict(fleets=fleets), "sites": sites}))
    assert result.status.value == "optimal"
    assert result.objective_usd == pytest.approx(10_000 + 7_440)


def test_disaggregated_pairs_that_join_alike_are_planned_apart(make_scenario):
    """At site 's', prefill on 'a_s' and decode on 'c', or prefill on 'a' and decode on 's_c':
    once joined with underscores both pairs read 's_a_s_s_c'. Every fleet is alike: 10 units."""
    fleets = {name: fleet() for name in ("a_s", "c", "a", "s_c")}
    result = solve(make_scenario(fleets=fleets, workloads={"w": {"disaggregate": True}}))
    assert result.status.value == "optimal"
    assert result.objective_usd == pytest.approx(10_000 + 7_440)


def test_the_model_as_a_pulp_problem_solves_to_the_plans_objective(default_model):
    """For notebook users who want PuLP: the same LP, readable names made solver-safe."""
    import pulp

    from planner.solve import solve_model
    from planner.solvers import cbc_path

    problem = default_model.to_pulp()
    assert problem.get_constraint_by_name(build_module.solver_name("power_limit[west,2026-01]")) is not None
    problem.solve(pulp.COIN_CMD(path=cbc_path(), msg=False))
    assert pulp.LpStatus[problem.status] == "Optimal"
    plan = solve_model(default_model)
    assert pulp.value(problem.objective) * default_model.money_unit == pytest.approx(plan.objective_usd, rel=1e-7)
