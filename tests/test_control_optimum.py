"""The LP optimum models CityLearn's world: its plan replayed in CityLearn gives its own CO2; ordering of
the three controllers; EV demand met. (Unservable sessions: test_env_schema, test_control_workflow.)"""

import numpy as np
import pytest

from solarev.control import CONTROLLERS
from solarev.control.lp import THROUGHPUT_PRICE, OptimumError
from solarev.control.optimum import Dispatch, solve_optimum
from solarev.env.episodes import week_windows
from solarev.env.gym_env import SolarEvEnv
from solarev.env.sessions import EpisodeSessions, episode_sessions, session_steps
from solarev.evaluate.controllers import evaluate_controller
from solarev.site.model import CHARGER_EFFICIENCY, Site


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


def plan_by_session(site: Site, dispatch: Dispatch) -> tuple[EpisodeSessions, np.ndarray, np.ndarray]:
    """The window's sessions, the energy each receives in the plan, and where (step, socket) an EV is
    plugged in."""
    sessions = episode_sessions(site, dispatch.window.start, dispatch.window.end)
    index, steps = session_steps(sessions.first, sessions.last)
    received = np.bincount(index, dispatch.ev_kwh[steps, sessions.socket[index]], len(sessions))
    plugged = np.zeros(dispatch.ev_kwh.shape, dtype=bool)
    plugged[steps, sessions.socket[index]] = True
    return sessions, received, plugged


def test_the_plan_keeps_every_constraint_of_the_lp(results, tiny_citylearn):
    """The module docstring's equations checked on the returned plan, apart from the modelling layer: a
    plan never charges and discharges in one step (the throughput price), so bess_kwh splits into both."""
    site = tiny_citylearn.site
    bess, eta, atol = site.bess, site.bess.one_way_efficiency, 1e-6
    for dispatch in results["optimum"][1]:
        window = dispatch.window
        charge, discharge = dispatch.bess_kwh.clip(min=0), (-dispatch.bess_kwh).clip(min=0)
        before = np.concatenate([[bess.initial_energy_kwh], dispatch.bess_energy_kwh[:-1]])
        np.testing.assert_allclose(
            dispatch.bess_energy_kwh, before + eta * charge - discharge / eta, atol=atol
        )
        assert (dispatch.bess_energy_kwh >= bess.min_energy_kwh - atol).all()
        assert (dispatch.bess_energy_kwh <= bess.capacity_kwh + atol).all()
        assert (np.abs(dispatch.bess_kwh) <= bess.power_kw * site.step_hours + atol).all()

        sessions, received, plugged = plan_by_session(site, dispatch)
        assert (dispatch.ev_kwh >= -atol).all()
        assert (dispatch.ev_kwh <= np.where(plugged, site.socket_step_kwh, 0) + atol).all()
        assert (dispatch.unmet_kwh >= -atol).all()
        np.testing.assert_allclose(received + dispatch.unmet_kwh, sessions.need_kwh, atol=atol)

        load, pv = site.load_kwh[window.start : window.end], site.pv_kwh[window.start : window.end]
        balance = load - pv + dispatch.bess_kwh + dispatch.ev_kwh.sum(axis=1) / CHARGER_EFFICIENCY
        np.testing.assert_allclose(dispatch.import_kwh, balance.clip(min=0), atol=atol)

        intensity = site.carbon_intensity_kg_per_kwh
        assert dispatch.co2_kg == pytest.approx(intensity * dispatch.import_kwh.sum(), rel=1e-9)
        weight = tiny_citylearn.config["env"]["unmet_energy_weight_kg_per_kwh"]
        throughput = THROUGHPUT_PRICE * intensity * np.abs(dispatch.bess_kwh).sum()
        expected = dispatch.co2_kg + weight * dispatch.unmet_kwh.sum() + throughput
        assert dispatch.objective == pytest.approx(expected, rel=1e-9)


def test_the_lp_objective_is_never_above_rule_based_co2(results):
    """rule_based meets every need, so its CO2 is a feasible plan's objective (less the throughput price)."""
    rule_based = results["rule_based"][0].kpis["co2_kg"]
    for dispatch in results["optimum"][1]:
        assert dispatch.objective <= rule_based[dispatch.window.label] * (1 + 1e-6)


def test_a_solve_that_is_not_optimal_raises_naming_the_window(tiny_citylearn):
    site = tiny_citylearn.site
    window = week_windows([0], site.steps_per_day, site.n_steps)[0]
    with pytest.raises(OptimumError, match=r"window 0 \(steps 0-168\): HiGHS: .*time_limit"):
        solve_optimum(site, window, 2.0, time_limit_s=0)
