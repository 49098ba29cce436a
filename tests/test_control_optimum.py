"""The LP optimum models CityLearn's world: its plan replayed in CityLearn gives its own CO2; ordering of
the three controllers; EV demand met. (Unservable sessions: test_env_schema, test_control_workflow.)"""

import numpy as np
import pytest

from solarev.control import CONTROLLERS
from solarev.control.optimum import solve_optimum, solve_optimum_matrices
from solarev.env.episodes import week_windows
from solarev.env.gym_env import SolarEvEnv
from solarev.evaluate.controllers import evaluate_controller


@pytest.fixture(scope="module")
def every_week(tiny_citylearn) -> SolarEvEnv:
    """All three weeks of the tiny site as evaluation episodes (the test config holds out only one)."""
    site = tiny_citylearn.site
    env_config = tiny_citylearn.config["env"]
    return SolarEvEnv(
        site,
        tiny_citylearn.schema_path,
        week_windows(range(site.n_steps // (7 * site.steps_per_day)), site.steps_per_day, site.n_steps),
        forecast_steps=env_config["forecast_steps"],
        unmet_weight_kg_per_kwh=env_config["unmet_energy_weight_kg_per_kwh"],
        sample=False,
    )


@pytest.fixture(scope="module")
def results(every_week, tiny_citylearn):
    return {
        name: evaluate_controller(name, every_week, tiny_citylearn.config["control"]) for name in CONTROLLERS
    }


def test_replaying_the_plan_in_citylearn_gives_the_lp_co2(results):
    evaluation, dispatches = results["optimum"]
    for dispatch in dispatches:
        replayed = evaluation.kpis.loc[dispatch.window.label, "co2_kg"]
        assert replayed == pytest.approx(dispatch.co2_kg, rel=1e-3)  # the required bound is 1%


def test_replayed_battery_follows_the_plan(results, tiny_citylearn):
    evaluation, dispatches = results["optimum"]
    capacity = tiny_citylearn.site.bess.capacity_kwh
    for dispatch in dispatches:
        soc = evaluation.timeseries["bess_soc"].where(
            evaluation.timeseries["episode"] == dispatch.window.label, drop=True
        )
        np.testing.assert_allclose(soc * capacity, dispatch.bess_energy_kwh, atol=1e-3 * capacity)


def test_co2_falls_from_uncontrolled_to_rule_based_to_optimum_every_week(results):
    co2 = {name: results[name][0].kpis["co2_kg"] for name in CONTROLLERS}
    tolerance = 1e-6 * co2["uncontrolled"]
    assert (co2["uncontrolled"] >= co2["rule_based"] - tolerance).all()
    assert (co2["rule_based"] >= co2["optimum"] - tolerance).all()
    assert (co2["uncontrolled"] > co2["optimum"]).all()


def test_every_controller_meets_all_ev_demand(results):
    delivered = {name: results[name][0].kpis["ev_delivered_kwh"] for name in CONTROLLERS}
    for name in CONTROLLERS:
        assert (results[name][0].kpis["ev_unmet_kwh"] == 0).all(), name
        np.testing.assert_allclose(delivered[name], delivered["uncontrolled"], rtol=1e-5)
    assert all((dispatch.unmet_kwh < 1e-6).all() for dispatch in results["optimum"][1])


def test_the_linopy_model_equals_the_hand_assembled_matrices(every_week, tiny_citylearn):
    weight = tiny_citylearn.config["env"]["unmet_energy_weight_kg_per_kwh"]
    for window in every_week.windows:
        model = solve_optimum(tiny_citylearn.site, window, weight, time_limit_s=60)
        matrices = solve_optimum_matrices(tiny_citylearn.site, window, weight, time_limit_s=60)
        assert model.objective == pytest.approx(matrices.objective, rel=1e-6)
        assert model.co2_kg == pytest.approx(matrices.co2_kg, rel=1e-6)
