"""One rule on EV delivery for every controller (solarev.env.objective): the unmet-energy penalty exceeds
what a kWh not delivered can save, a config below it stops before any job, and under it the LP optimum
(the controller that would exploit a cheap shortfall first) leaves no EV short that it could charge."""

import dataclasses

import pytest
from conftest import REPO, TEST_CONFIG

from solarev.config import ConfigError, load_yaml
from solarev.control.optimum import solve_optimum
from solarev.env.episodes import week_windows
from solarev.env.objective import Objective, check_ev_delivery, undelivered_kwh_saving


def test_the_default_tariffs_floor_is_its_demand_charge_arithmetic() -> None:
    """A test month bills the whole 19 USD/kW-month; one kWh in a 30-minute step is 2 kW of peak, so with
    the dearest import (0.228 USD/kWh) a kWh not delivered saves 38.228 USD."""
    config = load_yaml(REPO / "config" / "config.yaml")
    check_ev_delivery(config)  # the shipped weight is above the floor
    below = config | {"env": config["env"] | {"unmet_energy_weight": 38.0}}
    with pytest.raises(ConfigError, match=r"^env\.unmet_energy_weight: 38 is not above 38\.23 USD"):
        check_ev_delivery(below)


@pytest.mark.parametrize("name", ["arequipa_workplace", "iquitos_co2", "arequipa_workplace_test", "test"])
def test_every_shipped_config_prices_a_shortfall_above_its_saving(name: str) -> None:
    check_ev_delivery(load_yaml(REPO / "config" / f"{name}.yaml"))


def test_no_ev_is_left_short_to_lower_the_bill(tiny_citylearn) -> None:
    """Under the floor the optimum sheds EV energy in the demand window (the test can fail); above it, none
    of what it could deliver."""
    site = tiny_citylearn.site
    site = dataclasses.replace(site, grid=dataclasses.replace(site.grid, import_limit_kw=float("inf")))
    objective = Objective.from_config(TEST_CONFIG["env"])
    week = week_windows(TEST_CONFIG["episodes"]["test_weeks"], site.steps_per_day, site.n_steps)[0]
    grid = site.grid.over(slice(week.start, week.end))
    floor = undelivered_kwh_saving(objective, grid, week.billed_months(site.step_hours), site.step_hours)
    cheap = solve_optimum(site, week, objective, 0.2 * floor, 60)
    priced = solve_optimum(site, week, objective, TEST_CONFIG["env"]["unmet_energy_weight"], 60)
    assert cheap.unmet_kwh.sum() > 0.1
    assert priced.unmet_kwh.sum() == pytest.approx(0.0, abs=1e-6)
