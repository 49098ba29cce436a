"""Calendar months as billed: a test month's demand charge is the rate × the month's window maximum, not
pro-rated, in the KPIs, the LP optimum and the reward alike."""

from pathlib import Path

import numpy as np
import pytest
from conftest import TEST_CONFIG
from synthetic import SyntheticSite, write_synthetic_site

from solarev.control.optimum import solve_optimum
from solarev.env.fast import make_fast_env
from solarev.env.objective import Objective
from solarev.evaluate.controllers import evaluate_controller
from solarev.evaluate.kpis import PEAK_FORMAT
from solarev.site.model import Site, load_site, site_files

DAYS = 63  # nine weeks: January, February, and the first days of March
EPISODES = {
    "episode_days": 2,
    "training_weeks": [0, 1, 2],
    "validation_weeks": [3],
    "test_weeks": [],
    "test_months": [2],
}


@pytest.fixture(scope="module")
def two_months(tmp_path_factory: pytest.TempPathFactory) -> Site:
    spec = SyntheticSite(days=DAYS, time_step_minutes=TEST_CONFIG["site"]["time_step_minutes"])
    site_config = {**TEST_CONFIG["site"], "days": DAYS}
    resources = write_synthetic_site(spec, tmp_path_factory.mktemp("months") / "resources")
    return load_site(site_files(Path(resources)), site_config, TEST_CONFIG["bess"], TEST_CONFIG["grid"])


def test_a_test_month_is_billed_its_whole_demand_charge(two_months):
    env = make_fast_env(two_months, EPISODES, TEST_CONFIG["env"], "test")
    (february,) = env.windows
    assert february.n_steps == 28 * 24
    (charge,) = two_months.grid.demand_charges
    for name in ("uncontrolled", "optimum"):
        kpis = evaluate_controller(name, env, TEST_CONFIG["control"])[0].kpis.loc[2]
        peak_kw = kpis[PEAK_FORMAT.format(charge.name)]
        assert peak_kw > 0
        assert kpis["demand_charge_usd"] == pytest.approx(charge.usd_per_kw_month * peak_kw, rel=1e-12)


def test_the_month_the_lp_plans_is_the_month_the_kpis_bill(two_months):
    """The optimum plans the month's peak at the whole monthly rate; replayed, the KPIs bill that peak."""
    env = make_fast_env(two_months, EPISODES, TEST_CONFIG["env"], "test")
    (february,) = env.windows
    (charge,) = two_months.grid.demand_charges
    weight = TEST_CONFIG["env"]["unmet_energy_weight"]
    dispatch = solve_optimum(two_months, february, Objective.from_config(TEST_CONFIG["env"]), weight, 60)
    in_window = charge.in_window[february.start : february.end]
    planned_peak_kw = dispatch.import_kwh[in_window].max() / two_months.step_hours
    replayed = evaluate_controller("optimum", env, TEST_CONFIG["control"])[0].kpis.loc[2]
    assert replayed[PEAK_FORMAT.format(charge.name)] == pytest.approx(planned_peak_kw, rel=1e-5)
    assert replayed["demand_charge_usd"] == pytest.approx(charge.usd_per_kw_month * planned_peak_kw, rel=1e-5)


def test_the_reward_charges_a_months_peak_at_the_whole_monthly_rate(two_months):
    """The reward's demand term (each increase of the running peak × the rate) at the month's full rate on a
    test month, at a week's share of it on a validation week."""
    (charge,) = two_months.grid.demand_charges
    month = make_fast_env(two_months, EPISODES, TEST_CONFIG["env"], "test")
    month.reset(options={"window": 0})
    np.testing.assert_array_equal(month.demand_rates, [charge.usd_per_kw_month])
    week = make_fast_env(two_months, EPISODES, TEST_CONFIG["env"], "validation")
    week.reset(options={"window": 0})
    np.testing.assert_allclose(week.demand_rates, [charge.usd_per_kw_month * 7 / (365 / 12)])
