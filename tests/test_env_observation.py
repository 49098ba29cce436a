"""The agents' observation holds no future information beyond its declared forecasts, in the perfect-forecast
tier (env.forecasts perfect, the widest it can see): the site's records (PV, load, prices, carbon) more
than env.forecast_steps steps ahead, and EV sessions that arrive after a step, can change without changing
one bit of the observations up to that step, on the twin and in CityLearn. The realistic tier, whose
forecasts read the past only, is tested per consumer in tests/test_forecasts.py.

The observation scales its features by constants of the whole site data (the largest PV, load and import
weight, the longest session). The perturbations keep those constants, by permuting future records among
themselves and keeping the longest sessions: what a site declares about itself is not a forecast."""

import dataclasses

import numpy as np
import pytest
from conftest import TEST_CONFIG

from solarev.env.citylearn_env import make_env
from solarev.env.fast import make_fast_env
from solarev.env.forecasts import PERFECT
from solarev.env.gym_env import SiteEnv
from solarev.env.schema import write_citylearn_site
from solarev.env.socket_grouping import BATTERY_ACTIONS, AgentActions, socket_groups
from solarev.site.model import Sessions, Site

WINDOW = 0  # the test week
ACTION_SEED = 7
PERFECT_ENV = TEST_CONFIG["env"] | {"forecasts": PERFECT}


def sessions_changed_after(sessions: Sessions, step: int) -> Sessions:
    """Sessions arriving after `step` bring half their energy, and all but the longest ones never come."""
    duration = sessions.end - sessions.start
    later = sessions.start > step
    kept = ~later | (duration == duration.max())
    energy = np.where(later, sessions.energy_kwh / 2, sessions.energy_kwh)
    return Sessions(
        session_id=sessions.session_id[kept],
        socket=sessions.socket[kept],
        start=sessions.start[kept],
        end=sessions.end[kept],
        energy_kwh=energy[kept],
    )


def perturbed_after(site: Site, step: int, forecast_steps: int, seed: int) -> Site:
    """The site with every per-step record after step + forecast_steps shuffled (one permutation for all,
    so that every quantity derived per step is shuffled alike) and the sessions arriving after `step`
    changed."""
    future = np.arange(step + forecast_steps + 1, site.n_steps)
    order = np.arange(site.n_steps)
    order[future] = np.random.default_rng(seed).permutation(future)
    grid = dataclasses.replace(
        site.grid,
        carbon_kg_per_kwh=site.grid.carbon_kg_per_kwh[order],
        import_usd_per_kwh=site.grid.import_usd_per_kwh[order],
    )
    return dataclasses.replace(
        site,
        pv_kwh=site.pv_kwh[order],
        pv_clear_sky_kwh=site.pv_clear_sky_kwh[order],
        load_kwh=site.load_kwh[order],
        weather=site.weather.iloc[order].set_axis(site.weather.index),
        sessions=sessions_changed_after(site.sessions, step),
        grid=grid,
    )


def episode_observations(env: SiteEnv) -> np.ndarray:
    """Every observation of the test week under a fixed sequence of random actions."""
    actions = np.random.default_rng(ACTION_SEED)
    observations = [env.reset(seed=0, options={"window": WINDOW})[0]]
    terminated = False
    while not terminated:
        observation, _, terminated, _, _ = env.step(actions.uniform(-1, 1, env.action_space.shape))
        observations.append(observation)
    return np.array(observations)


def assert_no_future_information(original: np.ndarray, perturbed: np.ndarray, step: int) -> None:
    assert original[: step + 1].tobytes() == perturbed[: step + 1].tobytes()
    assert not np.array_equal(original, perturbed), "the perturbation never shows: the test proves nothing"


@pytest.mark.parametrize("objective", ["co2", "cost"])
@pytest.mark.parametrize("step", [0, 30, 100])
def test_the_twin_observes_no_future_beyond_its_forecasts(tiny_citylearn, objective: str, step: int) -> None:
    config = tiny_citylearn.config
    env_config = config["env"] | {"objective": objective, "forecasts": PERFECT}
    site = tiny_citylearn.site

    def observations(site: Site) -> np.ndarray:
        return episode_observations(make_fast_env(site, config["episodes"], env_config, "test"))

    env = make_fast_env(site, config["episodes"], env_config, "test")
    start = env.windows[WINDOW].start
    perturbed = perturbed_after(site, start + step, env.forecast_steps, seed=step)
    assert_no_future_information(observations(site), observations(perturbed), step)


def test_citylearn_observes_no_future_beyond_its_forecasts(tiny_citylearn, tmp_path) -> None:
    config, step = tiny_citylearn.config, 30
    env = make_env(tiny_citylearn.site, tiny_citylearn.schema_path, config["episodes"], PERFECT_ENV, "test")
    perturbed_site = perturbed_after(
        tiny_citylearn.site, env.windows[WINDOW].start + step, env.forecast_steps, 0
    )
    schema = write_citylearn_site(perturbed_site, config["env"]["random_seed"], tmp_path)
    perturbed = make_env(perturbed_site, schema, config["episodes"], PERFECT_ENV, "test")
    assert_no_future_information(episode_observations(env), episode_observations(perturbed), step)


def episode_env_actions(env: SiteEnv, actions: AgentActions) -> list[bytes]:
    """Per step of the test week: the env's action translated by `actions` and the import window_level looks
    ahead at. The agent's battery charges fully outside demand-charge windows and discharges fully in them,
    its EV actions are a fixed sequence of random ones."""
    agent_actions = np.random.default_rng(ACTION_SEED)
    env.reset(seed=0, options={"window": WINDOW})
    steps, terminated = [], False
    while not terminated:
        battery = -1.0 if env.in_charged_window[env.window.start + env.step_index] else 1.0
        env_action = actions.env_action(
            env, np.append(battery, agent_actions.uniform(-1, 1, actions.means.shape[1]))
        )
        steps.append(env_action.tobytes() + env.window_import_ahead_kwh(0.0).tobytes())
        _, _, terminated, _, _ = env.step(env_action)
    return steps


@pytest.mark.parametrize("battery_action", BATTERY_ACTIONS)
def test_the_agents_actions_read_no_future_beyond_the_forecasts(tiny_citylearn, battery_action) -> None:
    """What the agent's action does (solarev.env.socket_grouping; window_level looks over the rest of a
    demand-charge window) reads nothing beyond the forecasts either: up to the first window step, the env's
    actions and what window_level looks at are the same with the records after the step's forecasts and
    the later arrivals changed."""
    config, site = tiny_citylearn.config, tiny_citylearn.site
    actions = AgentActions(
        socket_groups("vehicle", site.socket_power_kw, site.socket_battery_kwh), battery_action
    )

    def env_actions(site: Site) -> list[bytes]:
        return episode_env_actions(make_fast_env(site, config["episodes"], PERFECT_ENV, "test"), actions)

    env = make_fast_env(site, config["episodes"], PERFECT_ENV, "test")
    start = env.windows[WINDOW].start
    step = int(np.argmax(env.in_charged_window[start:]))
    original = env_actions(site)
    changed = env_actions(perturbed_after(site, start + step, env.forecast_steps, seed=step))
    assert original[: step + 1] == changed[: step + 1]
    assert original != changed, "the perturbation never shows: the test proves nothing"
