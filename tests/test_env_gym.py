"""The SB3-facing environment: spaces, observations, reward and episode sampling."""

import warnings

import numpy as np
import pytest
from stable_baselines3 import A2C
from stable_baselines3.common.env_checker import check_env

from solarev.control.baselines import rule_based
from solarev.env.features import window_timing
from solarev.env.forecasts import forecast_matrix
from solarev.env.objective import energy_term
from solarev.evaluate.runs import evaluate_policy
from solarev.rl.training import silent_logger


def test_sb3_check_env_passes_without_warnings(tiny_citylearn):
    env = tiny_citylearn.env("training")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env, warn=True)


def test_sb3_agent_trains_a_few_steps(tiny_citylearn):
    model = A2C("MlpPolicy", tiny_citylearn.env("training"), n_steps=8, seed=0, device="cpu")
    model.set_logger(silent_logger())
    model.learn(total_timesteps=16)


def random_episode(env, seed: int):
    rng = np.random.default_rng(seed)
    observation, _ = env.reset(options={"window": 0})
    observations, rewards, infos = [observation], [], []
    terminated = False
    while not terminated:
        observation, reward, terminated, truncated, info = env.step(
            rng.uniform(-1, 1, env.action_space.shape)
        )
        assert not truncated
        observations.append(observation)
        rewards.append(reward)
        infos.append(info)
    return np.array(observations), rewards, infos


def test_observations_stay_in_the_space_and_rewards_are_floats(tiny_citylearn):
    env = tiny_citylearn.env("test")
    observations, rewards, _ = random_episode(env, seed=1)
    assert observations.dtype == np.float32
    assert np.all(observations >= -1) and np.all(observations <= 1)
    assert len(rewards) == env.windows[0].n_steps
    assert all(type(reward) is float for reward in rewards)


def test_reward_is_the_added_objective_plus_weighted_shortfall_of_the_simulated_series(tiny_citylearn):
    """The returns sum to the episode's objective (time-of-use energy and the demand charge's window peak
    in the tiny config), less the building's own energy term, plus the unmet penalty."""
    env = tiny_citylearn.env("test")
    site = tiny_citylearn.site
    rng = np.random.default_rng(2)
    evaluation = evaluate_policy(env, lambda observation: rng.uniform(-1, 1, env.action_space.shape))
    _, rewards, infos = random_episode(env, seed=2)
    kpis = evaluation.kpis.iloc[0]
    weight = tiny_citylearn.config["env"]["unmet_energy_weight"]
    window = slice(env.window.start, env.window.end)
    grid = site.grid.over(window)
    building_term = energy_term(
        site.load_kwh[window] - site.pv_kwh[window],
        env.objective.import_weight(grid),
        env.objective,
        grid,
        1.0,
    ).sum()
    stored_value = env.objective.stored_energy_value(grid, site.bess.one_way_efficiency)
    objective = kpis["objective"] + stored_value * kpis["stored_energy_change_kwh"]  # before the ledger
    assert kpis["ev_unmet_kwh"] > 0  # random charging misses some EVs: the penalty is exercised
    assert kpis["demand_charge_usd"] > 0
    assert sum(info["ev_unmet_kwh"] for info in infos) == pytest.approx(kpis["ev_unmet_kwh"], rel=1e-6)
    assert sum(info["co2_kg"] for info in infos) == pytest.approx(kpis["co2_kg"], rel=1e-6)
    expected = -(objective - building_term + weight * kpis["ev_unmet_kwh"])
    assert sum(rewards) == pytest.approx(expected, rel=1e-5, abs=1e-3 * abs(objective) / len(rewards))


def test_surplus_observation_is_the_rule_based_battery_action(tiny_citylearn):
    env = tiny_citylearn.env("test")
    observation, _ = env.reset(options={"window": 0})
    policy = rule_based(env)
    names = env.observation_names
    seen = []
    terminated = False
    while not terminated:
        action = policy(observation)
        assert observation[names.index("surplus")] == pytest.approx(action[0], abs=1e-6)
        seen.append(action[0])
        observation, _, terminated, _, _ = env.step(action)
    assert min(seen) < 0 < max(seen)  # both charging and discharging steps were checked
    forecast = [observation[names.index(f"surplus_forecast_{k}")] for k in range(1, env.forecast_steps + 1)]
    assert all(-1 <= value <= 1 for value in forecast)


def test_window_timing_counts_steps_to_the_window_and_within_it():
    in_window = np.array([0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0], dtype=bool)
    to_open, left = window_timing(in_window, steps_per_day=4)
    # No window after step 9: capped at a day.
    np.testing.assert_allclose(to_open, [2, 1, 0, 0, 0, 3, 2, 1, 0, 0, 4, 4] / np.array(4.0))
    np.testing.assert_allclose(left, [0, 0, 3, 2, 1, 0, 0, 0, 2, 1, 0, 0] / np.array(3.0))


def fleet_episode(env, ev_kwh: np.ndarray) -> np.ndarray:
    """[ev_pressure, ev_must_now] at each step of the test week with the EVs asking for `ev_kwh` a step,
    checking each step's headroom under the running peak on the way: the running peak plus this step's
    surplus (EVs at once), in the battery's energy per step."""
    observation, _ = env.reset(options={"window": 0})
    names = env.observation_names
    charge = env.site.grid.demand_charges[0].name
    fleet = []
    terminated = False
    while not terminated:
        headroom = (env.peak_kw[0] * env.site.step_hours + env.surplus_kwh()) / env.bess_step_kwh
        assert observation[names.index(f"peak_headroom_{charge}")] == pytest.approx(
            np.clip(headroom, -1, 1), abs=1e-6
        )
        fleet.append([observation[names.index("ev_pressure")], observation[names.index("ev_must_now")]])
        if not env.plugged_now.any():
            assert fleet[-1] == [0, 0]
        observation, _, terminated, _, _ = env.step(env.action_from_energy(0.0, ev_kwh))
    return np.array(fleet)


def test_peak_headroom_and_the_fleet_s_need_follow_the_episode(tiny_citylearn):
    env = tiny_citylearn.env("test")
    idle = fleet_episode(env, np.zeros(env.site.n_sockets))
    full = fleet_episode(env, env.site.socket_step_kwh)
    assert ((idle >= 0) & (idle <= 1)).all() and ((full >= 0) & (full <= 1)).all()
    # Left uncharged, the EVs' need presses harder as their departures near.
    assert (idle >= full - 1e-6).all() and (idle > full + 0.1).any()


def test_training_windows_are_sampled_reproducibly_from_the_seed(tiny_citylearn):
    env = tiny_citylearn.env("training")
    first = [env.reset(seed=3)[1]["window"]] + [env.reset()[1]["window"] for _ in range(5)]
    again = [env.reset(seed=3)[1]["window"]] + [env.reset()[1]["window"] for _ in range(5)]
    assert first == again
    assert len(set(first)) > 1
    week_zero_days = range(7 - tiny_citylearn.config["episodes"]["episode_days"] + 1)
    assert set(first) <= set(week_zero_days)


def test_observation_shows_pv_forecast_and_plugged_sockets(tiny_citylearn):
    env = tiny_citylearn.env("test")
    site = tiny_citylearn.site
    observation, _ = env.reset(options={"window": 0})
    names = env.observation_names
    start = env.window.start
    pv_scale = site.pv_kwh.max()
    for _ in range(12):
        observation, *_ = env.step(env.action_space.sample())
    step = env.step_index
    forecast = [observation[names.index(f"pv_forecast_{k}")] for k in range(1, env.forecast_steps + 1)]
    made_now = env.forecaster.horizon("pv", start + step, env.forecast_steps + 1)[1:]
    np.testing.assert_allclose(forecast, made_now / pv_scale, rtol=1e-6)
    plugged = [observation[names.index(f"plugged_{s}")] for s in range(site.n_sockets)]
    np.testing.assert_array_equal(plugged, env.plugged_now)


def test_ev_action_minus_one_is_off_and_plus_one_is_full_power(tiny_citylearn):
    env = tiny_citylearn.env("test")
    site = tiny_citylearn.site
    env.reset(options={"window": 0})
    while not env.plugged_now.any():
        env.step(-np.ones(env.action_space.shape))
    socket = int(np.argmax(env.plugged_now))
    off = -np.ones(env.action_space.shape)
    step = env.step_index
    env.step(off)
    assert env.chargers[socket].electricity_consumption[step] == 0
    while not env.plugged_now[socket]:
        env.step(off)
    need = env.remaining[socket]
    full = off.copy()
    full[1 + socket] = 1.0
    step = env.step_index
    env.step(full)
    delivered = env.chargers[socket].electricity_consumption[step]
    assert delivered == pytest.approx(min(need, site.socket_step_kwh[socket]), rel=1e-5)


def test_forecasts_repeat_the_last_value_past_the_end():
    values = np.arange(5.0)
    np.testing.assert_array_equal(forecast_matrix(values, 2), [[1, 2], [2, 3], [3, 4], [4, 4], [4, 4]])
    assert forecast_matrix(values, 0).shape == (5, 0)
