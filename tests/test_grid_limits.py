"""The connection's import limit (grid.import_limit_kw): the LP plans within it and, where nothing can keep
the import under it, sheds building load at the lost-load weight instead of failing; the action layer keeps
every controller within it in CityLearn and the twin, and counts and prices what no action avoids."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from solarev.control.optimum import solve_optimum
from solarev.control.rule_tuned import RuleThresholds
from solarev.env.citylearn_env import SolarEvEnv
from solarev.env.construct import env_options, split_windows
from solarev.env.episodes import week_windows
from solarev.env.fast import FastSolarEvEnv
from solarev.env.gym_env import SiteEnv
from solarev.env.objective import Objective, lost_load_weight
from solarev.evaluate.controllers import evaluate_controller
from solarev.evaluate.runs import evaluate_policy
from solarev.site.model import Site


def with_import_limit(site: Site, limit_kw: float) -> Site:
    return replace(site, grid=replace(site.grid, import_limit_kw=limit_kw))


def net_load_kw(site: Site) -> np.ndarray:
    return (site.load_kwh - site.pv_kwh) / site.step_hours


@pytest.fixture(scope="module")
def week(tiny_citylearn):
    site = tiny_citylearn.site
    return week_windows([0], site.steps_per_day, site.n_steps)[0]


def test_a_limit_nothing_can_meet_sheds_load_instead_of_failing(tiny_citylearn, week):
    steps = slice(week.start, week.end)
    highest_kw = float(net_load_kw(tiny_citylearn.site)[steps].max())
    site = replace(tiny_citylearn.site, bess=replace(tiny_citylearn.site.bess, power_kw=0.25 * highest_kw))
    # Below the week's highest load minus PV by more than the battery can discharge: at that step no
    # dispatch keeps the import within the limit.
    limit_kw = highest_kw - site.bess.power_kw - 0.1 * highest_kw
    weight = tiny_citylearn.config["env"]["unmet_energy_weight"]
    dispatch = solve_optimum(
        with_import_limit(site, limit_kw), week, Objective("cost", 0.0), weight, time_limit_s=60
    )
    assert (dispatch.import_kwh <= limit_kw * site.step_hours + 1e-6).all()
    assert dispatch.shed_kwh.sum() >= 0.1 * highest_kw * site.step_hours - 1e-6
    assert (dispatch.shed_kwh <= site.load_kwh[steps] + 1e-6).all()
    # No more load is shed than the limit forces: where the limit leaves room, nothing is shed.
    unavoidable = net_load_kw(site)[steps] - site.bess.power_kw > limit_kw
    roomy = net_load_kw(site)[steps] < limit_kw - site.bess.power_kw
    assert unavoidable.any() and roomy.any()
    assert dispatch.shed_kwh[roomy].max() <= 1e-6


def test_lost_load_is_dearer_than_an_undelivered_ev_kwh():
    assert lost_load_weight(12.0) > 12.0


# Every scripted controller, the rule with thresholds that ignore the limit (greedy), and the MPC.
CONTROLLERS = ("uncontrolled", "rule_based", "rule_tuned", "rule_level", "optimum", "mpc")
GREEDY = RuleThresholds(import_threshold_kw=0.0, grid_charge_soc=1.0, offpeak_discharge=False)


def limited_envs(tiny_citylearn, limit_kw: float) -> dict[str, SiteEnv]:
    """The tiny site's test week under `limit_kw` in CityLearn and in the twin."""
    site = with_import_limit(tiny_citylearn.site, limit_kw)
    config = tiny_citylearn.config
    windows = split_windows(site, config["episodes"], "test")
    options = env_options(config["env"], "test")
    return {
        "citylearn": SolarEvEnv(site, tiny_citylearn.schema_path, windows, **options),
        "twin": FastSolarEvEnv(site, windows, **options),
    }


def full_power(env: SiteEnv):
    """The battery and every charger at full power."""
    return lambda observation: np.ones(env.action_space.shape, dtype=np.float32)


def test_every_controller_keeps_the_import_limit_in_both_simulators(tiny_citylearn):
    """A limit above the load less PV at every step but below the load with every charger at full power:
    the action layer keeps every controller within it, in CityLearn and the twin alike."""
    site = tiny_citylearn.site
    limit_kw = float(net_load_kw(site).max()) + 0.5
    assert limit_kw < float(net_load_kw(site).max() + site.socket_power_kw.sum())
    config = tiny_citylearn.config
    training = split_windows(site, config["episodes"], "training")
    kpis = {}
    for simulator, env in limited_envs(tiny_citylearn, limit_kw).items():
        for name in CONTROLLERS:
            evaluation, _ = evaluate_controller(name, env, config["control"], training, GREEDY)
            net = evaluation.timeseries["net_kwh"].to_numpy()
            assert net.max() <= limit_kw * site.step_hours + 1e-4, (simulator, name)
            assert (evaluation.kpis["import_over_limit_kwh"] <= 1e-4).all(), (simulator, name)
            kpis[simulator, name] = evaluation.kpis
    for name in CONTROLLERS:
        pd.testing.assert_frame_equal(kpis["citylearn", name], kpis["twin", name], rtol=1e-6)
    # The limit binds: charging everything at full power imports more without it, not with it.
    for simulator, env in limited_envs(tiny_citylearn, limit_kw).items():
        limited = evaluate_policy(env, full_power(env)).timeseries["net_kwh"].max()
        assert limited <= limit_kw * site.step_hours + 1e-4, simulator
    free_env = tiny_citylearn.env("test")
    free = evaluate_policy(free_env, full_power(free_env)).timeseries["net_kwh"].max()
    assert free > limit_kw * site.step_hours + 1.0


def test_an_import_no_action_avoids_is_counted_and_priced(tiny_citylearn):
    """Below the load less PV, the battery idle: what is imported above the limit is the KPI, and the
    reward pays it at the lost-load weight."""
    site = tiny_citylearn.site
    limit_kw = 0.5 * float(net_load_kw(site).max())
    env = limited_envs(tiny_citylearn, limit_kw)["twin"]
    evaluation, _ = evaluate_controller("uncontrolled", env, tiny_citylearn.config["control"])
    net = evaluation.timeseries["net_kwh"].to_numpy()
    over = np.maximum(net - limit_kw * site.step_hours, 0.0).sum()
    assert over > 1.0
    assert evaluation.kpis["import_over_limit_kwh"].sum() == pytest.approx(over)
