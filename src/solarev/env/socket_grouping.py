"""Grouped sockets: the agent sets one charging action per group of sockets instead of one per socket, and
every socket of a group gets it (docs/design.md "EV model": the action space may group sockets, the simulated
physics stays per socket). The battery's action, first, stays as it is. The per-socket observations
(solarev.env.gym_env.SOCKET_FEATURES, the observation's last blocks) are averaged over the same groups: an
agent that cannot act on one socket gains nothing from watching it, and 3 × 128 per-socket values beside
~40 site values blurred the battery's decisions (measured in config/agents.yaml).

Groups (agents.yaml `ev_action_groups`): socket (none: one action per socket), power (one per charger
power), vehicle (one per charger power and vehicle battery, i.e. per vehicle class: at Iquitos the same
groups as power; at the workplace of config/arequipa_workplace.yaml, where employees and visitors share
11 kW chargers, one for the cars that stay the day and one for the short visits), site (one for all
sockets).
"""

import gymnasium as gym
import numpy as np

from solarev.env.gym_env import SOCKET_FEATURES

EV_ACTION_GROUPS = ("socket", "power", "vehicle", "site")


def socket_groups(grouping: str, socket_power_kw: np.ndarray, socket_battery_kwh: np.ndarray) -> np.ndarray:
    """Each socket's group index, groups numbered from 0."""
    if grouping == "socket":
        return np.arange(len(socket_power_kw))
    if grouping == "power":
        return np.unique(socket_power_kw, return_inverse=True)[1]
    if grouping == "vehicle":
        ratings = np.column_stack([socket_power_kw, socket_battery_kwh])
        return np.unique(ratings, axis=0, return_inverse=True)[1].ravel()
    if grouping == "site":
        return np.zeros(len(socket_power_kw), dtype=int)
    allowed = ", ".join(EV_ACTION_GROUPS)
    raise ValueError(f"ev_action_groups: {grouping!r} is not allowed (allowed: {allowed})")


def expand_action(action: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """[battery, one action per group] -> [battery, one action per socket]."""
    action = np.asarray(action, dtype=np.float32)
    return np.concatenate([action[:1], action[1:][groups]])


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


class GroupedSockets(gym.Wrapper):
    """The env with one charging action and one value of each per-socket feature per socket group."""

    def __init__(self, env: gym.Env, groups: np.ndarray):
        super().__init__(env)
        self.groups = np.asarray(groups)
        self.means = group_means(self.groups)
        n_groups = self.means.shape[1]
        n_observations = env.observation_space.shape[0] - len(SOCKET_FEATURES) * (len(self.groups) - n_groups)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (1 + n_groups,), np.float32)
        self.observation_space = gym.spaces.Box(-1.0, 1.0, (n_observations,), np.float32)

    def reset(self, **kwargs):
        observation, info = self.env.reset(**kwargs)
        return group_observation(observation, self.means), info

    def step(self, action: np.ndarray):
        observation, reward, terminated, truncated, info = self.env.step(expand_action(action, self.groups))
        return group_observation(observation, self.means), reward, terminated, truncated, info
