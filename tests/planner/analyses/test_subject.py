import pytest

from planner import Scenario, solve
from planner.analyses.subject import Subject, fleets_of, parse_subject, served_shares, subject_share
from tests.conftest import cloud_fleet, fleet, scenario_dict


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    # Owning costs $1,000 of capital and $730 of energy a unit-month; renting the same speed $3,650.
    fleets = {"a": fleet(), "b": fleet(vendor="other"), "rent": cloud_fleet(hourly_usd=5.0)}
    return Scenario.from_dict(scenario_dict(fleets=fleets))


def test_parse_subject_reads_each_kind_and_lists_what_is_known(scenario):
    assert parse_subject("fleet:a", scenario) == Subject("fleet", "a")
    assert parse_subject("category:cloud_asic", scenario) == Subject("category", "cloud_asic")
    with pytest.raises(ValueError, match="KIND:NAME"):
        parse_subject("a", scenario)
    with pytest.raises(ValueError, match="known: acme, other, skyco"):
        parse_subject("vendor:nobody", scenario)
    with pytest.raises(ValueError, match="KIND one of fleet, vendor"):
        parse_subject("site:s", scenario, kinds=("fleet", "vendor"))


def test_fleets_of_each_kind(scenario):
    assert fleets_of(Subject("vendor", "acme"), scenario) == ["a"]
    assert fleets_of(Subject("category", "gpu"), scenario) == ["a", "b"]
    assert fleets_of(Subject("site", "s"), scenario) == ["a", "b"]


def test_the_cheaper_owned_fleets_serve_every_token(scenario):
    result = solve(scenario)
    assert served_shares(result, "category") == pytest.approx({"cloud_asic": 0.0, "gpu": 1.0})
    assert served_shares(result, "site") == pytest.approx({"s": 1.0})
    assert subject_share(result, Subject("vendor", "skyco")) == 0.0
    shares = served_shares(result, "fleet")
    assert sum(shares.values()) == pytest.approx(1.0) and shares["rent"] == 0.0


def test_rented_tokens_count_at_the_cloud_site():
    only_rented = Scenario.from_dict(scenario_dict(fleets={"rent": cloud_fleet()}))
    assert served_shares(solve(only_rented), "site")["cloud"] == pytest.approx(1.0)
