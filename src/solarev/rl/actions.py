"""Grouped charging actions: the agent sets one charging action per group of sockets instead of one per
socket, and every socket of a group gets it (DESIGN.md "EV model": the action space may group sockets, the
simulated physics stays per socket). The battery's action, first, stays as it is.

Groups (agents.yaml `ev_action_groups`): socket (none: one action per socket), power (one per charger
power, i.e. per vehicle class at Iquitos), site (one for all sockets).
"""

import gymnasium as gym
import numpy as np

EV_ACTION_GROUPS = ("socket", "power", "site")


def socket_groups(grouping: str, socket_power_kw: np.ndarray) -> np.ndarray:
    """Each socket's group index, groups numbered from 0."""
    if grouping == "socket":
        return np.arange(len(socket_power_kw))
    if grouping == "power":
        return np.unique(socket_power_kw, return_inverse=True)[1]
    if grouping == "site":
        return np.zeros(len(socket_power_kw), dtype=int)
    allowed = ", ".join(EV_ACTION_GROUPS)
    raise ValueError(f"ev_action_groups: {grouping!r} is not allowed (allowed: {allowed})")


def expand_action(action: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """[battery, one action per group] -> [battery, one action per socket]."""
    action = np.asarray(action, dtype=np.float32)
    return np.concatenate([action[:1], action[1:][groups]])


class GroupedActions(gym.ActionWrapper):
    """The env with one charging action per socket group."""

    def __init__(self, env: gym.Env, groups: np.ndarray):
        super().__init__(env)
        self.groups = np.asarray(groups)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (2 + int(self.groups.max()),), np.float32)

    def action(self, action: np.ndarray) -> np.ndarray:
        return expand_action(action, self.groups)
