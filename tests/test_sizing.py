"""Battery sizing by optimisation (solarev.control.sizing): the joint LP of size and dispatch, the sweep, and
the battery the site gets under each bess.sizing mode."""

import copy
import json
from dataclasses import replace

import pandas as pd
import pytest
from conftest import REPO, TEST_CONFIG, TinySite

from solarev.config import ConfigError, load_yaml, validate_config
from solarev.control.optimum import solve_optimum
from solarev.control.sizing import (
    CapitalCost,
    capital_cost,
    capital_recovery_factor,
    optimal_size,
    sized_at,
    sizing_site,
    sizing_table,
    sizing_weeks,
    sizing_windows,
)
from solarev.control.sizing_bound import rule_based_saving
from solarev.env.objective import Objective
from solarev.site.bess import SizingError, chosen_battery, size_battery, sweep_capacities
from solarev.site.model import site_files

WEEKS = [0, 1, 2]
OBJECTIVE = Objective.from_config(TEST_CONFIG["env"])
UNMET_WEIGHT = TEST_CONFIG["env"]["unmet_energy_weight"]
LARGEST_KWH = 100.0
FREE = CapitalCost(0.0, 0.0)
SCHEMA = REPO / "config" / "schema.yaml"


@pytest.fixture
def site(tiny_site: TinySite):
    config = tiny_site.config
    return sizing_site(site_files(tiny_site.resources), config["site"], config["bess"], config["grid"])


def optimum_at(site, cost: CapitalCost):
    return optimal_size(site, WEEKS, cost, LARGEST_KWH, OBJECTIVE, UNMET_WEIGHT, 60)


def point(site, cost: CapitalCost, capacity_kwh: float):
    return sized_at(site, WEEKS, cost, capacity_kwh, OBJECTIVE, UNMET_WEIGHT, 60)


def test_capital_recovery_factor():
    assert capital_recovery_factor(0.08, 12) == pytest.approx(0.132695, abs=1e-6)
    assert capital_recovery_factor(0.0, 10) == pytest.approx(0.1)


def test_capital_cost_annualises_capital_and_adds_fixed_om():
    capital = {
        "usd_per_kwh": 300,
        "usd_per_kw": 250,
        "fixed_om_usd_per_kw_year": 10,
        "lifetime_years": 10,
        "discount_rate": 0.0,
    }
    assert capital_cost(capital) == CapitalCost(30.0, 35.0)


def test_sweep_capacities_include_no_battery_and_the_stop():
    assert sweep_capacities({"start": 100, "stop": 300, "step": 100}) == [0.0, 100.0, 200.0, 300.0]
    assert sweep_capacities([50, 25]) == [0.0, 25.0, 50.0]


def test_sizing_weeks_are_evenly_spaced_among_the_training_weeks():
    assert sizing_weeks([0, 1, 2, 3, 5, 6, 7, 9, 10], 3) == [0, 5, 10]
    assert sizing_weeks([4, 2], None) == [2, 4]
    assert sizing_weeks([1, 2], 5) == [1, 2]


def test_a_sweep_point_is_the_sum_of_the_optimums_weekly_lps(site):
    """Joined weeks with their own peaks and restarts: the same LP as the optimum's, week by week."""
    sized = point(site, FREE, 20.0)
    weekly = replace(site, bess=replace(site.bess, capacity_kwh=20.0, power_kw=sized.power_kw))
    total = sum(
        solve_optimum(weekly, window, OBJECTIVE, UNMET_WEIGHT, 60).objective
        for window in sizing_windows(weekly, WEEKS)
    )
    assert sized.annual_operating * len(WEEKS) / 52 == pytest.approx(total, rel=1e-6)


def test_zero_capital_cost_picks_the_largest_useful_battery(site):
    best = optimum_at(site, FREE)
    assert 0 < best.capacity_kwh < LARGEST_KWH
    # Nothing to gain beyond it, something to lose below it.
    assert point(site, FREE, LARGEST_KWH).annual_operating == pytest.approx(best.annual_operating, rel=1e-6)
    assert point(site, FREE, 0.9 * best.capacity_kwh).annual_operating > best.annual_operating + 1.0


def test_prohibitive_capital_cost_picks_no_battery(site):
    best = optimum_at(site, CapitalCost(1e5, 1e5))
    assert best.capacity_kwh == pytest.approx(0, abs=1e-6)
    assert best.power_kw == pytest.approx(0, abs=1e-6)
    with pytest.raises(SizingError, match=r"^bess.sizing: optimal gives no battery"):
        chosen_battery(size_battery(100, 0.8, 0.95, 1.2, 10, 2.75), "optimal", 0.0, 0.0)


def test_joint_lp_and_sweep_agree_on_the_best_size(site):
    cost = capital_cost(TEST_CONFIG["bess"]["capital"])
    step = 10.0
    points = [
        point(site, cost, capacity) for capacity in sweep_capacities({"start": 0, "stop": 100, "step": step})
    ]
    table = sizing_table([vars(result) for result in points])
    best_swept = table.loc[table["net_benefit_usd"].idxmax(), "capacity_kwh"]
    best = optimum_at(site, cost)
    assert abs(best.capacity_kwh - best_swept) <= step
    # The joint LP's total is at least as good as every point of the sweep.
    assert best.annual_total <= min(result.annual_total for result in points) + 1e-6 * abs(best.annual_total)


def test_rule_based_dispatch_saves_less_than_the_lp(site):
    """The two bounds of the battery's value at one size: rule_based dispatch on the twin, the LP's."""
    sized = point(site, FREE, 20.0)
    lp_saving = point(site, FREE, 0.0).annual_operating - sized.annual_operating
    lower = rule_based_saving(site, WEEKS, 20.0, sized.power_kw, TEST_CONFIG["env"])
    assert 0 < lower < lp_saving


def test_rule_sizing_leaves_the_rules_battery_unchanged():
    rule = size_battery(1030, 0.8, 0.95, 1.2, 10, 2.75)
    assert chosen_battery(rule, "rule", None, None) == rule
    fixed = chosen_battery(rule, "fixed", 500.0, 250.0)
    assert (fixed["capacity_kwh"], fixed["power_kw"], fixed["sizing"]) == (500.0, 250.0, "fixed")
    assert (fixed["rule_capacity_kwh"], fixed["rule_power_kw"]) == (pytest.approx(1632), 593)


def test_optimal_sizing_needs_the_cost_objective():
    config = copy.deepcopy(load_yaml(REPO / "config" / "iquitos_co2.yaml"))
    config["bess"]["sizing"] = "optimal"
    with pytest.raises(ConfigError, match=r"^bess.sizing: 'optimal' .* env.objective: cost"):
        validate_config(config, SCHEMA)


def test_optimal_sizing_flows_into_bess_json(tmp_path):
    """The workflow on the tiny site: bess.json carries the joint LP's size, inside the sweep of
    config/test.yaml and within one step of the curve's best point."""
    from snakemake_runner import run_with_config

    config = copy.deepcopy(TEST_CONFIG)
    config["bess"]["sizing"] = "optimal"
    result, workdir = run_with_config(config, tmp_path, "resources/bess.json", "resources/bess_sizing.csv")
    assert result.returncode == 0, result.stderr[-3000:]
    battery = json.loads((workdir / "resources" / "bess.json").read_text())
    optimum = json.loads((workdir / "resources" / "bess_optimal.json").read_text())
    assert (battery["sizing"], battery["capacity_kwh"]) == ("optimal", optimum["capacity_kwh"])
    assert battery["rule_capacity_kwh"] > 0
    curve = pd.read_csv(workdir / "resources" / "bess_sizing.csv")
    best_swept = curve.loc[curve["net_benefit_usd"].idxmax(), "capacity_kwh"]
    assert 0 < best_swept < curve["capacity_kwh"].max()  # an interior optimum: the agreement means something
    assert abs(optimum["capacity_kwh"] - best_swept) <= config["bess"]["sweep_kwh"]["step"]
    assert (workdir / "results" / "figures" / "bess_sizing.png").is_file()
