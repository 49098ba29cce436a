"""Grouped sockets: groups per mode, actions expanded to sockets, per-socket observations averaged per group,
and a trained policy that does both."""

import logging
from pathlib import Path

import numpy as np
import pytest

from solarev.config import load_yaml
from solarev.env.fast import make_fast_env
from solarev.env.features import SOCKET_FEATURES
from solarev.env.socket_grouping import (
    AgentActions,
    GroupedSockets,
    battery_share,
    flat_level_discharge_kwh,
    group_means,
    group_observation,
    least_laxity_first,
    socket_groups,
)
from solarev.evaluate.runs import evaluate_policy
from solarev.rl.policy import load_policy
from solarev.rl.presets import load_agent_settings
from solarev.rl.training import RunSpec, train

REPO = Path(__file__).resolve().parents[1]
POWERS = np.array([2.0, 2.0, 3.0, 2.0])
BATTERIES = np.array([3.0, 6.0, 6.0, 3.0])


@pytest.mark.parametrize(
    ("grouping", "groups"),
    [
        ("socket", [0, 1, 2, 3]),
        ("power", [0, 0, 1, 0]),
        ("vehicle", [0, 1, 2, 0]),
        ("site", [0, 0, 0, 0]),
    ],
)
def test_socket_groups(grouping: str, groups: list[int]) -> None:
    assert socket_groups(grouping, POWERS, BATTERIES).tolist() == groups


@pytest.mark.parametrize(
    ("share", "energy"),
    [
        ([0.5, 0.25], [0.0, 0.5, 1.0, 0.5]),  # group 0: 1.5 kWh, the must (0.5) first, then laxity 0.5
        ([0.0, 0.0], [0.0, 0.5, 0.0, 0.0]),  # the must whatever the share
        ([1.0, 1.0], [1.0, 1.0, 1.0, 2.0]),  # everything at once
        ([0.9, 0.0], [0.7, 1.0, 1.0, 0.0]),  # 2.7 kWh: laxity 0.5, then 1, then the rest to laxity 3
    ],
)
def test_a_group_s_share_goes_to_the_must_then_the_least_laxity_first(share, energy) -> None:
    groups = np.array([0, 0, 0, 1])
    asap, must, laxity = (
        np.array([1.0, 1.0, 1.0, 2.0]),
        np.array([0.0, 0.5, 0.0, 0.0]),
        np.array([3, 1, 0.5, 2]),
    )
    np.testing.assert_allclose(least_laxity_first(np.array(share), groups, asap, must, laxity), energy)


def unmet_kwh_with_every_ev_action_off(env) -> float:
    env.reset(options={"window": 0})
    unmet, terminated = 0.0, False
    while not terminated:
        _, _, terminated, _, info = env.step(-np.ones(env.action_space.shape))
        unmet += info["ev_unmet_kwh"]
    return unmet


def test_a_grouped_agent_never_leaves_an_ev_short_that_it_could_charge(tiny_citylearn) -> None:
    """Sockets off: the plain env leaves EVs short, the grouped one still delivers what cannot wait."""
    site = tiny_citylearn.site
    groups = socket_groups("vehicle", site.socket_power_kw, site.socket_battery_kwh)
    assert unmet_kwh_with_every_ev_action_off(tiny_citylearn.env("test")) > 1.0
    grouped = GroupedSockets(tiny_citylearn.env("test"), AgentActions(groups))
    assert unmet_kwh_with_every_ev_action_off(grouped) == pytest.approx(0.0, abs=1e-3)


@pytest.mark.parametrize(
    ("action", "discharge_at_full_kwh", "share"),
    [
        (-0.5, 80.0, -0.5),  # `power`: -1 discharges the nominal power, 80 kWh a step
        (0.5, 10.0, 0.5),  # charging is a share of nominal power under every battery action
        (-1.0, 40.0, -0.5),  # -1 discharges what the battery action asks for, 40 of 80 kWh a step
        (-0.5, 40.0, -0.25),
        (-1.0, 200.0, -1.0),  # capped at nominal power
        (-1.0, -5.0, 0.0),  # a PV surplus: nothing to cover
    ],
)
def test_battery_share(action: float, discharge_at_full_kwh: float, share: float) -> None:
    assert battery_share(action, discharge_at_full_kwh, step_kwh=80.0) == pytest.approx(share)


@pytest.mark.parametrize(
    ("import_kwh", "energy_kwh", "step_kwh", "discharge_kwh"),
    [
        ([10.0, 8.0, 6.0], 5.0, 100.0, 3.5),  # level 6.5: 3.5 now and 1.5 next
        ([6.0, 8.0, 10.0], 5.0, 100.0, 0.0),  # the level 6.5 lies above this step's import
        ([10.0, 10.0], 100.0, 3.0, 3.0),  # at most a step's energy at nominal power
        ([2.0, 1.0], 100.0, 10.0, 2.0),  # energy to spare: down to zero import, never an export
        ([10.0, 8.0], 0.0, 10.0, 0.0),  # nothing stored
        ([], 5.0, 10.0, 0.0),  # outside a window
    ],
)
def test_flat_level_discharge(
    import_kwh: list, energy_kwh: float, step_kwh: float, discharge_kwh: float
) -> None:
    discharge = flat_level_discharge_kwh(np.array(import_kwh), energy_kwh, step_kwh)
    assert discharge == pytest.approx(discharge_kwh)


def test_flat_level_discharge_spends_the_energy_on_one_level() -> None:
    """Discharging each step by the function, the import ahead as forecast, spends the energy given and
    leaves every discharging step at one level, the highest of the steps left alone never above it."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        ahead = rng.uniform(0.0, 100.0, rng.integers(2, 12))
        energy, step_kwh = rng.uniform(0.0, 150.0), rng.uniform(5.0, 60.0)
        discharges, left = [], energy
        for t in range(len(ahead)):
            discharges.append(flat_level_discharge_kwh(ahead[t:], left, step_kwh))
            left -= discharges[-1]
        discharges = np.array(discharges)
        assert discharges.sum() == pytest.approx(min(energy, np.minimum(ahead, step_kwh).sum()), abs=1e-6)
        after = ahead - discharges
        level = after[(discharges > 1e-9) & (discharges < step_kwh - 1e-9)]
        if len(level):
            assert np.ptp(level) == pytest.approx(0.0, abs=1e-6)
            assert after[discharges <= 1e-9].max(initial=0.0) <= level[0] + 1e-6


def exported_discharge_kwh(env) -> float:
    """kWh exported at steps where the battery discharges, with the battery's action -1 throughout."""
    env.reset(options={"window": 0})
    terminated = False
    while not terminated:
        _, _, terminated, _, _ = env.step(-np.ones(env.action_space.shape))
    record = env.unwrapped.episode_record()
    return float(-record.net_kwh[(record.bess_kwh < 0) & (record.net_kwh < 0)].sum())


def test_a_net_import_battery_action_never_exports_its_discharge(tiny_citylearn) -> None:
    """Full discharge as a share of power exports where the load is small; as a share of the import, it
    covers the import and stops there."""
    site = tiny_citylearn.site
    groups = socket_groups("vehicle", site.socket_power_kw, site.socket_battery_kwh)
    by_power = GroupedSockets(tiny_citylearn.env("test"), AgentActions(groups, "power"))
    by_import = GroupedSockets(tiny_citylearn.env("test"), AgentActions(groups, "net_import"))
    assert exported_discharge_kwh(by_power) > 1.0
    assert exported_discharge_kwh(by_import) == pytest.approx(0.0, abs=1e-3)


def test_grouped_observation_averages_each_socket_feature_over_its_group() -> None:
    groups = socket_groups("power", POWERS, BATTERIES)  # sockets 0, 1, 3 | socket 2
    site_values = [0.25, -0.5]
    per_socket = [[1, 0, 1, 0], [0.2, 0.4, 0.6, 0.8], [-1, 1, 0.5, 0]]  # one row per socket feature
    observation = np.array([*site_values, *np.ravel(per_socket)], dtype=np.float32)
    grouped = group_observation(observation, group_means(groups))
    expected = [*site_values, 1 / 3, 1, 1.4 / 3, 0.6, 0, 0.5]
    np.testing.assert_allclose(grouped, expected, rtol=1e-6)
    assert len(SOCKET_FEATURES) == len(per_socket)
    batch = group_observation(np.stack([observation, observation]), group_means(groups))
    np.testing.assert_allclose(batch, [expected, expected], rtol=1e-6)


def test_grouped_agent_trains_and_its_policy_drives_every_socket(tiny_citylearn, tmp_path: Path) -> None:
    settings = load_agent_settings(REPO / "config" / "agents.yaml", "test", "a2c")
    groups = socket_groups(
        "power", tiny_citylearn.site.socket_power_kw, tiny_citylearn.site.socket_battery_kwh
    )
    grouped_env = GroupedSockets(tiny_citylearn.env("training"), AgentActions(groups))
    n_groups = groups.max() + 1
    assert grouped_env.action_space.shape == (1 + n_groups,)
    observation, _ = grouped_env.reset(seed=0)
    assert grouped_env.observation_space.contains(observation)
    n_observations = len(tiny_citylearn.env("training").observation_names)
    assert len(observation) == n_observations - len(SOCKET_FEATURES) * (len(groups) - n_groups)
    spec = RunSpec(
        settings,
        seed=0,
        total_timesteps=20,
        checkpoint_every=20,
        eval_every=20,
        run_dir=tmp_path,
        action_groups=groups,
    )
    train(
        lambda seed: tiny_citylearn.env("training"),
        spec,
        evaluate_policy_fn=lambda policy_on: {"objective": 0.0, "co2_kg": 0.0},
        device="cpu",
        log=logging.getLogger("test"),
    )
    record = load_yaml(tmp_path / "config.yaml")
    assert record["action_groups"] == groups.tolist()
    assert record["hyperparameters"]["battery_action"] == settings.battery_action == "window_level"
    env = tiny_citylearn.env("test")
    action = load_policy(tmp_path, env)(env.reset()[0])
    assert action.shape == env.action_space.shape
    assert len(evaluate_policy(env, load_policy(tmp_path, env)).kpis) == len(env.windows)


def window_peak_kw(env, battery_action: str) -> float:
    """The test week's largest import in a charged window, the battery at -1 in the windows and charging
    from the PV surplus outside them, every EV at full power."""
    twin = env.unwrapped
    groups = socket_groups("vehicle", twin.site.socket_power_kw, twin.site.socket_battery_kwh)
    actions = AgentActions(groups, battery_action)
    twin.reset(options={"window": 0})
    terminated = False
    while not terminated:
        now = twin.window.start + twin.step_index
        charge = max(twin.surplus_kwh(), 0.0) / twin.bess_step_kwh
        battery = -1.0 if twin.in_charged_window[now] else min(charge, 1.0)
        action = actions.env_action(twin, np.array([battery] + [1.0] * (groups.max() + 1)))
        _, _, terminated, _, _ = twin.step(action)
    record = twin.episode_record()
    in_window = twin.in_charged_window[twin.window.start : twin.window.end]
    return float(record.net_kwh[in_window].max() / twin.site.step_hours)


def test_a_window_level_battery_action_flattens_the_window(tiny_citylearn) -> None:
    """Full discharge in each charged window: a share of the import empties the battery on the window's
    first steps and leaves its later peak; holding the import at the level the stored energy can keep over
    the window ahead shaves the peak."""
    config = tiny_citylearn.config
    env = make_fast_env(tiny_citylearn.site, config["episodes"], config["env"], "test")
    assert window_peak_kw(env, "window_level") < window_peak_kw(env, "net_import")


def test_window_level_is_net_import_where_the_objective_charges_no_window(tiny_citylearn) -> None:
    """Under the co2 objective no demand-charge window is charged: the two battery actions translate every
    agent action alike, so the CO2 config's agents train and score the same under either."""
    config = tiny_citylearn.config
    env = make_fast_env(tiny_citylearn.site, config["episodes"], config["env"] | {"objective": "co2"}, "test")
    groups = socket_groups("vehicle", env.site.socket_power_kw, env.site.socket_battery_kwh)
    by_import, by_level = AgentActions(groups, "net_import"), AgentActions(groups, "window_level")
    agent_actions = np.random.default_rng(0)
    env.reset(options={"window": 0})
    terminated = False
    while not terminated:
        action = agent_actions.uniform(-1, 1, 1 + groups.max() + 1)
        env_action = by_level.env_action(env, action)
        np.testing.assert_array_equal(env_action, by_import.env_action(env, action))
        _, _, terminated, _, _ = env.step(env_action)
    assert not env.in_charged_window.any()
