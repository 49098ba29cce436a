"""Grouped sockets: the agent sets one charging action per group of sockets instead of one per socket, and
every socket of a group gets it (docs/design.md "EV model": the action space may group sockets, the simulated
physics stays per socket). The battery's action, first, stays as it is. The per-socket observations
(solarev.env.features.SOCKET_FEATURES, the observation's last blocks) are averaged over the same groups: an
agent that cannot act on one socket gains nothing from watching it, and 3 × 128 per-socket values beside
~40 site values blurred the battery's decisions (measured in docs/tuning.md).

A group's action is the share of its plugged-in EVs' energy at full power (asap: until each one's need is
met) to deliver this step, mapped from [-1, 1] to [0, 1] like a socket's. Within the group the energy goes
first to what an EV must take now to be full when due (solarev.env.gym_env.SiteEnv.must_charge_kwh, given
whatever the share), then to the EVs in increasing laxity (the steps an EV can still wait), each up to its
full power: least laxity first, the order rule_tuned charges in. One action per group can then defer the
EVs that can wait without leaving the others short (with the same action on every socket of a group,
measured in docs/tuning.md, SAC left 25-190 kWh a week of EV demand unmet at Iquitos).

Groups (agents.yaml `ev_action_groups`): socket (none: one action per socket), power (one per charger
power), vehicle (one per charger power and vehicle battery, i.e. per vehicle class: at Iquitos the same
groups as power; at the workplace of config/arequipa_workplace.yaml, where employees and visitors share
11 kW chargers, one for the cars that stay the day and one for the short visits), site (one for all
sockets).

The battery's action (agents.yaml `battery_action`): `power`, the env's own, charges or discharges that share
of the battery's nominal power; `net_import` charges the same way but discharges that share of what the
site would import this step without the battery (load - PV + the EVs' energy of this action), capped at
the nominal power. With `power` an agent that discharges where the load is small against the battery's
power exports energy that the tariff does not credit (at the workplace of config/arequipa_workplace.yaml
the night load is about 55 kW against 155 kW, measured in docs/tuning.md); with `net_import`, -1 covers
the site's import exactly and no discharge is exported. `window_level` is `net_import` except inside a
demand-charge window the objective charges for, where -1 discharges what holds the import down to the one
level that the battery's deliverable energy can hold it at over the rest of the window in sight (water-
filling over SiteEnv.window_import_ahead_kwh: load - PV from the observation's forecasts, the EVs as now).
Holding the window's import flat is then one constant action; with `net_import` the share that flattens
it changes every step and depends on the evening ahead, and the agents' window peaks stayed 60-100 kW above
the optimum's (measured in docs/tuning.md).
"""

from dataclasses import dataclass
from functools import cached_property

import gymnasium as gym
import numpy as np

from solarev.config import check_choice
from solarev.env.features import SOCKET_FEATURES
from solarev.env.gym_env import SiteEnv
from solarev.site.model import CHARGER_EFFICIENCY

EV_ACTION_GROUPS = ("socket", "power", "vehicle", "site")
BATTERY_ACTIONS = ("power", "net_import", "window_level")


def socket_groups(grouping: str, socket_power_kw: np.ndarray, socket_battery_kwh: np.ndarray) -> np.ndarray:
    """Each socket's group index, groups numbered from 0."""
    check_choice(grouping, EV_ACTION_GROUPS, "ev_action_groups")
    if grouping == "socket":
        return np.arange(len(socket_power_kw))
    if grouping == "power":
        return np.unique(socket_power_kw, return_inverse=True)[1]
    if grouping == "vehicle":
        ratings = np.column_stack([socket_power_kw, socket_battery_kwh])
        return np.unique(ratings, axis=0, return_inverse=True)[1].ravel()
    return np.zeros(len(socket_power_kw), dtype=int)  # site


def least_laxity_first(
    share: np.ndarray, groups: np.ndarray, asap_kwh: np.ndarray, must_kwh: np.ndarray, laxity: np.ndarray
) -> np.ndarray:
    """Each socket's energy this step: per group, `share` of its sockets' `asap_kwh` and never less than
    their `must_kwh`; the must first, the rest by increasing `laxity`, each socket up to its asap."""
    n_groups = len(share)
    group_must = np.bincount(groups, must_kwh, n_groups)
    flexible = asap_kwh - must_kwh
    budget = np.maximum(share * np.bincount(groups, asap_kwh, n_groups), group_must) - group_must
    order = np.lexsort((laxity, groups))  # by group, least laxity first within it
    ordered_groups, ordered_flexible = groups[order], flexible[order]
    group_flexible = np.bincount(groups, flexible, n_groups)
    group_start = np.cumsum(group_flexible) - group_flexible
    before = np.cumsum(ordered_flexible) - ordered_flexible - group_start[ordered_groups]
    energy = must_kwh.astype(float)
    energy[order] += np.clip(budget[ordered_groups] - before, 0.0, ordered_flexible)
    return energy


def flat_level_discharge_kwh(import_kwh: np.ndarray, energy_kwh: float, step_kwh: float) -> float:
    """The discharge this step (kWh, grid side) that spends `energy_kwh` holding `import_kwh` (this step's,
    then the steps ahead) down to one level, at most `step_kwh` a step and never below zero import: water-
    filling. The energy spent above a level is piecewise linear in it, with corners where a step starts or
    stops discharging, so the level is interpolated between corners."""
    if len(import_kwh) == 0 or energy_kwh <= 0.0:
        return 0.0
    corners = np.sort(np.concatenate([import_kwh, import_kwh - step_kwh]))
    spent = np.clip(import_kwh - corners[:, None], 0.0, step_kwh).sum(axis=1)  # falling as the level rises
    level = max(float(np.interp(energy_kwh, spent[::-1], corners[::-1])), 0.0)
    return float(np.clip(import_kwh[0] - level, 0.0, step_kwh))


def window_level_discharge_kwh(env: SiteEnv, ev_grid_kwh: float) -> float:
    """What holds the import at the flat level over the rest of `env`'s charged window in sight now, with the
    EVs at `ev_grid_kwh` (flat_level_discharge_kwh over SiteEnv.window_import_ahead_kwh); 0 outside one."""
    ahead = env.window_import_ahead_kwh(ev_grid_kwh)
    return flat_level_discharge_kwh(ahead, env.bess_deliverable_kwh(), env.bess_step_kwh)


def battery_share(action: float, discharge_at_full_kwh: float, step_kwh: float) -> float:
    """The env's battery action (a share of nominal power, + charging) for the agent's `action` in [-1, 1]:
    charging is the action's share of nominal power, discharging its share of `discharge_at_full_kwh` (what
    -1 discharges under the battery action, the module's docstring), capped at `step_kwh`, the battery's
    energy per step at nominal power."""
    if action >= 0.0:
        return action
    return action * min(max(discharge_at_full_kwh, 0.0) / step_kwh, 1.0)


def group_means(groups: np.ndarray) -> np.ndarray:
    """sockets × groups matrix whose product with per-socket values gives each group's mean."""
    membership = np.equal.outer(groups, np.arange(int(groups.max()) + 1))
    return (membership / membership.sum(axis=0)).astype(np.float32)


def group_observation(observation: np.ndarray, means: np.ndarray) -> np.ndarray:
    """The observation with each per-socket feature averaged over the groups of `means` (group_means)."""
    per_socket = len(SOCKET_FEATURES) * means.shape[0]
    sockets = observation[..., -per_socket:].reshape(*observation.shape[:-1], len(SOCKET_FEATURES), -1)
    grouped = (sockets @ means).reshape(*observation.shape[:-1], -1)
    return np.concatenate([observation[..., :-per_socket], grouped], axis=-1, dtype=np.float32)


@dataclass(frozen=True, eq=False)
class AgentActions:
    """The agent's action space over the env's (the module's docstring): `groups` gives each socket's group,
    whose EVs share one charging action, and `battery` (BATTERY_ACTIONS) what the battery's action is a
    share of. Training, the learning curve and scoring all translate through the same object."""

    groups: np.ndarray
    battery: str = "power"

    def __post_init__(self) -> None:
        check_choice(self.battery, BATTERY_ACTIONS, "battery_action")

    @cached_property
    def means(self) -> np.ndarray:
        return group_means(np.asarray(self.groups))

    def observation(self, observation: np.ndarray) -> np.ndarray:
        """The env's observation as the agent sees it: per-socket features averaged over each group."""
        return group_observation(observation, self.means)

    def discharge_at_full_kwh(self, env: SiteEnv, ev_kwh: np.ndarray) -> float:
        """What a battery action of -1 discharges at `env`'s current step, grid side, with `ev_kwh` into the
        EVs (the module's docstring)."""
        if self.battery == "power":
            return env.bess_step_kwh
        ev_grid_kwh = float(ev_kwh.sum()) / CHARGER_EFFICIENCY
        if self.battery == "window_level" and env.in_charged_window_now():
            return window_level_discharge_kwh(env, ev_grid_kwh)
        return ev_grid_kwh - env.site_surplus_now()

    def env_action(self, env: SiteEnv, action: np.ndarray) -> np.ndarray:
        """[battery, one action per group] -> the env's [battery, one action per socket] at `env`'s current
        step."""
        action = np.clip(np.asarray(action, dtype=float), -1.0, 1.0)
        shares = (action[1:] + 1.0) / 2.0
        energy = least_laxity_first(
            shares, self.groups, env.asap_ev_kwh(), env.must_charge_kwh(), env.laxity_steps()
        )
        battery = battery_share(action[0], self.discharge_at_full_kwh(env, energy), env.bess_step_kwh)
        return np.concatenate([[battery], env.action_from_energy(0.0, energy)[1:]]).astype(np.float32)


class GroupedSockets(gym.Wrapper):
    """The env as the agent acts on it and sees it under `actions`."""

    def __init__(self, env: gym.Env, actions: AgentActions):
        super().__init__(env)
        self.actions = actions
        n_sockets, n_groups = actions.means.shape
        n_observations = env.observation_space.shape[0] - len(SOCKET_FEATURES) * (n_sockets - n_groups)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (1 + n_groups,), np.float32)
        self.observation_space = gym.spaces.Box(-1.0, 1.0, (n_observations,), np.float32)

    def reset(self, **kwargs):
        observation, info = self.env.reset(**kwargs)
        return self.actions.observation(observation), info

    def step(self, action: np.ndarray):
        env_action = self.actions.env_action(self.env.unwrapped, action)
        observation, reward, terminated, truncated, info = self.env.step(env_action)
        return self.actions.observation(observation), reward, terminated, truncated, info
