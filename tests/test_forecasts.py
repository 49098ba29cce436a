"""The forecast layer (solarev.env.forecasts): row t of a forecast is made from data up to t only, for every
consumer that reads it in the realistic tier (the default): the agents' observation, the window_level
action, rule_level and the MPC. Each test changes everything measured after a step t (PV, load, weather, the
sessions arriving later) and checks that nothing the consumer does up to t changes; what a site knows in
advance (the published tariff, the clear-sky PV of astronomy, the demand windows) stays."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from conftest import TEST_CONFIG
from test_env_observation import WINDOW, episode_env_actions, episode_observations, sessions_changed_after

from solarev.control.mpc import MpcSettings, mpc
from solarev.control.rule_level import rule_level
from solarev.env.construct import split_windows
from solarev.env.fast import make_fast_env
from solarev.env.forecasts import (
    PERFECT,
    PERFECT_TIER,
    REALISTIC_TIER,
    Forecaster,
    level_ratio,
    local_day,
    tier,
)
from solarev.env.gym_env import Policy, SiteEnv
from solarev.env.socket_grouping import AgentActions, socket_groups
from solarev.site.model import Site

REALISTIC_ENV = TEST_CONFIG["env"]


def measured_after(site: Site, step: int, seed: int) -> Site:
    """The site with what is measured after `step` changed: PV, load and weather shuffled among the later
    steps (one permutation, which keeps the observation's scales), later arrivals changed."""
    future = np.arange(step + 1, site.n_steps)
    order = np.arange(site.n_steps)
    order[future] = np.random.default_rng(seed).permutation(future)
    return dataclasses.replace(
        site,
        pv_kwh=site.pv_kwh[order],
        load_kwh=site.load_kwh[order],
        weather=site.weather.iloc[order].set_axis(site.weather.index),
        sessions=sessions_changed_after(site.sessions, step),
    )


def first_window_step(site: Site) -> int:
    env = make_fast_env(site, TEST_CONFIG["episodes"], REALISTIC_ENV, "test")
    return int(np.argmax(env.in_charged_window[env.windows[WINDOW].start :]))


def actions_until(env: SiteEnv, policy: Policy, steps: int) -> list[bytes]:
    observation, _ = env.reset(seed=0, options={"window": WINDOW})
    actions = []
    for _ in range(steps):
        action = policy(observation)
        actions.append(np.asarray(action).tobytes())
        observation, _, terminated, _, _ = env.step(action)
        if terminated:
            break
    return actions


def assert_same_until(original: list[bytes], changed: list[bytes], step: int) -> None:
    assert original[: step + 1] == changed[: step + 1]
    assert original != changed, "the perturbation never shows: the test proves nothing"


@pytest.mark.parametrize("step", [0, 30, 100])
def test_the_observation_reads_no_measurement_after_its_step(tiny_citylearn, step: int) -> None:
    site, episodes = tiny_citylearn.site, TEST_CONFIG["episodes"]

    def observations(site: Site) -> np.ndarray:
        return episode_observations(make_fast_env(site, episodes, REALISTIC_ENV, "test"))

    start = make_fast_env(site, episodes, REALISTIC_ENV, "test").windows[WINDOW].start
    original, changed = observations(site), observations(measured_after(site, start + step, step))
    assert original[: step + 1].tobytes() == changed[: step + 1].tobytes()
    assert not np.array_equal(original, changed)


def test_window_level_reads_no_measurement_after_its_step(tiny_citylearn) -> None:
    site, episodes = tiny_citylearn.site, TEST_CONFIG["episodes"]
    actions = AgentActions(
        socket_groups("vehicle", site.socket_power_kw, site.socket_battery_kwh), "window_level"
    )

    def env_actions(site: Site) -> list[bytes]:
        return episode_env_actions(make_fast_env(site, episodes, REALISTIC_ENV, "test"), actions)

    step = first_window_step(site) + 2  # inside the window: the water-filling reads the forecasts
    start = make_fast_env(site, episodes, REALISTIC_ENV, "test").windows[WINDOW].start
    assert_same_until(env_actions(site), env_actions(measured_after(site, start + step, step)), step)


def test_rule_level_reads_no_measurement_after_its_step(tiny_citylearn) -> None:
    site, episodes = tiny_citylearn.site, TEST_CONFIG["episodes"]

    def controlled(site: Site) -> list[bytes]:
        env = make_fast_env(site, episodes, REALISTIC_ENV, "test")
        return actions_until(env, rule_level(env), env.windows[WINDOW].n_steps)

    step = first_window_step(site) + 2
    start = make_fast_env(site, episodes, REALISTIC_ENV, "test").windows[WINDOW].start
    assert_same_until(controlled(site), controlled(measured_after(site, start + step, step)), step)


def test_the_mpc_reads_no_measurement_after_its_step(tiny_citylearn) -> None:
    site, config = tiny_citylearn.site, TEST_CONFIG
    step = first_window_step(site) + 2
    training = split_windows(site, config["episodes"], "training")

    def controlled(site: Site) -> list[bytes]:
        env = make_fast_env(site, config["episodes"], REALISTIC_ENV, "test")
        settings = MpcSettings.from_config(
            config["control"]["mpc"], REALISTIC_ENV["forecasts"], site.step_hours
        )
        policy, _ = mpc(env, settings, Forecaster(site, settings.forecasts, training))
        return actions_until(env, policy, step + 12)

    start = make_fast_env(site, config["episodes"], REALISTIC_ENV, "test").windows[WINDOW].start
    assert_same_until(controlled(site), controlled(measured_after(site, start + step, step)), step)


def test_a_forecast_matrix_row_is_the_horizon_made_at_its_step(tiny_citylearn) -> None:
    site = tiny_citylearn.site
    forecaster = Forecaster(site, REALISTIC_ENV["forecasts"])
    for signal in ("pv", "load"):
        matrix = forecaster.ahead_matrix(signal, 6)
        for now in (0, 40, site.n_steps - 10):
            np.testing.assert_array_equal(matrix[now], forecaster.horizon(signal, now, 7)[1:])


def test_the_level_ratio_scales_last_weeks_load_by_todays() -> None:
    steps_per_day, period = 4, 8
    last_week = np.array([1.0, 2.0, 3.0, 4.0] * 2)
    values = np.concatenate([last_week, 1.5 * last_week])
    day = np.arange(len(values)) // steps_per_day
    ratio = level_ratio(values, period, day)
    np.testing.assert_array_equal(ratio[:period], 1.0)  # no past to compare with
    np.testing.assert_allclose(ratio[period:], 1.5)
    np.testing.assert_array_equal(
        level_ratio(values * np.r_[np.ones(8), 9 * np.ones(8)], period, day)[8:], 2.0
    )


def test_today_starts_at_local_midnight_under_daylight_saving() -> None:
    """Europe/Madrid's spring day has 23 hours: the next day still starts at its midnight."""
    time = pd.date_range("2023-03-25", periods=72, freq="h", tz="Europe/Madrid")
    day = local_day(time)
    assert np.bincount(day).tolist() == [24, 23, 24, 1]
    assert time[np.argmax(day == 2)].hour == 0


def test_the_tier_is_perfect_only_when_pv_load_and_arrivals_are() -> None:
    assert tier(PERFECT) == PERFECT_TIER
    assert tier(REALISTIC_ENV["forecasts"]) == REALISTIC_TIER
    assert tier({**PERFECT, "ev_arrivals": "expected"}) == REALISTIC_TIER
