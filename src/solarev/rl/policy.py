"""A trained agent as a deterministic policy on raw observations: the model (of either backend,
solarev.rl.presets.BACKENDS) plus the VecNormalize statistics it was trained with, saved and loaded
together."""

import pickle
from pathlib import Path

import numpy as np
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.vec_env import VecNormalize

from solarev.config import load_yaml
from solarev.env.gym_env import Policy, SiteEnv
from solarev.env.socket_grouping import EV_ACTION_GROUPS, AgentActions, socket_groups
from solarev.rl.presets import algorithm_class
from solarev.rl.saved import SavedPolicy

MODEL_FILE = "model.zip"
VECNORMALIZE_FILE = "vecnormalize.pkl"
RUN_CONFIG_FILE = "config.yaml"


def save_policy(model: BaseAlgorithm, folder: Path) -> None:
    model.save(folder / MODEL_FILE)
    normalizer = model.get_vec_normalize_env()
    if normalizer is not None:
        normalizer.save(folder / VECNORMALIZE_FILE)


def deterministic_policy(
    model: BaseAlgorithm,
    normalizer: VecNormalize | None,
    actions: AgentActions | None = None,
    env: SiteEnv | None = None,
) -> Policy:
    """Maps one raw observation to the model's deterministic action; normalises with the statistics as
    they are (normalize_obs never updates them). A model trained on grouped sockets
    (solarev.env.socket_grouping) sees the observation grouped as in training, and its group actions are
    dispatched to the sockets by `env`'s state at each step, the env the policy acts on, its battery action
    read as `actions.battery` says."""
    if actions is not None and env is None:
        raise ValueError("a policy on grouped sockets needs the env it acts on to dispatch its actions")

    def policy(observation: np.ndarray) -> np.ndarray:
        if actions is not None:
            observation = actions.observation(observation)
        if normalizer is not None:
            observation = normalizer.normalize_obs(observation)
        action = model.predict(observation, deterministic=True)[0]
        return action if actions is None else actions.env_action(env, action)

    return policy


def read_normalizer(path: str | Path | None) -> VecNormalize | None:
    """Saved VecNormalize statistics (None: no file, raw observations)."""
    if path is None:
        return None
    # VecNormalize.load wants an environment to wrap; normalising observations needs only the statistics.
    with open(path, "rb") as handle:
        return pickle.load(handle)


def load_policy(run_dir: str | Path, env: SiteEnv | None = None, device: str = "cpu") -> Policy:
    """The finished run's deterministic policy (algorithm and backend read from the run's config.yaml) on
    `env` (which a run on grouped sockets needs)."""
    run_dir = Path(run_dir)
    record = load_yaml(run_dir / RUN_CONFIG_FILE)
    hyperparameters = record["hyperparameters"]
    # Runs recorded before the sbx backend have no backend key: they are sb3's.
    algorithm = algorithm_class(record["algo"], hyperparameters.get("backend", "sb3"))
    model = algorithm.load(run_dir / MODEL_FILE, device=device)
    vecnormalize = run_dir / VECNORMALIZE_FILE
    groups = record.get("action_groups")
    battery = hyperparameters.get("battery_action", "power")
    actions = None if groups is None else AgentActions(np.array(groups), battery)
    return deterministic_policy(
        model, read_normalizer(vecnormalize if vecnormalize.exists() else None), actions, env
    )


def inferred_action_groups(
    model: BaseAlgorithm, socket_power_kw: np.ndarray, socket_battery_kwh: np.ndarray, name: str
) -> np.ndarray:
    """The socket grouping (solarev.env.socket_grouping) whose actions, after the battery's, the model's
    action space has: the first of EV_ACTION_GROUPS with that many groups."""
    n_ev_actions = model.action_space.shape[0] - 1
    counts = {}
    for grouping in EV_ACTION_GROUPS:
        groups = socket_groups(grouping, socket_power_kw, socket_battery_kwh)
        counts[grouping] = int(groups.max()) + 1
        if counts[grouping] == n_ev_actions:
            return groups
    raise ValueError(
        f"{name}: the model sets {n_ev_actions} charging actions after the battery's; this site needs one "
        f"per socket group: {', '.join(f'{grouping} {count}' for grouping, count in counts.items())}"
    )


def load_saved_policy(saved: SavedPolicy, env: SiteEnv, device: str = "cpu") -> Policy:
    """A model trained elsewhere (config control.policies) as a deterministic policy on `env`'s site, its
    sockets grouped as its action space says."""
    model = algorithm_class(saved.algorithm).load(saved.path, device=device)
    site = env.site
    groups = inferred_action_groups(model, site.socket_power_kw, site.socket_battery_kwh, saved.name)
    actions = AgentActions(groups, saved.battery_action)
    return deterministic_policy(model, read_normalizer(saved.vecnormalize), actions, env)
