"""A trained agent as a deterministic policy on raw observations: the SB3 model plus the VecNormalize
statistics it was trained with, saved and loaded together."""

import pickle
from pathlib import Path

import numpy as np
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.vec_env import VecNormalize

from solarev.config import load_yaml
from solarev.env.gym_env import Policy
from solarev.env.socket_grouping import expand_action, group_means, group_observation
from solarev.rl.presets import algorithm_class

MODEL_FILE = "model.zip"
VECNORMALIZE_FILE = "vecnormalize.pkl"
RUN_CONFIG_FILE = "config.yaml"


def save_policy(model: BaseAlgorithm, folder: Path) -> None:
    model.save(folder / MODEL_FILE)
    normalizer = model.get_vec_normalize_env()
    if normalizer is not None:
        normalizer.save(folder / VECNORMALIZE_FILE)


def deterministic_policy(
    model: BaseAlgorithm, normalizer: VecNormalize | None, action_groups: np.ndarray | None = None
) -> Policy:
    """Maps one raw observation to the model's deterministic action; normalises with the statistics as
    they are (normalize_obs never updates them). A model trained on grouped sockets
    (solarev.env.socket_grouping) sees the observation grouped as in training, and each socket gets its
    group's action."""
    means = None if action_groups is None else group_means(action_groups)

    def policy(observation: np.ndarray) -> np.ndarray:
        if means is not None:
            observation = group_observation(observation, means)
        if normalizer is not None:
            observation = normalizer.normalize_obs(observation)
        action = model.predict(observation, deterministic=True)[0]
        return action if action_groups is None else expand_action(action, action_groups)

    return policy


def load_policy(run_dir: str | Path, device: str = "cpu") -> Policy:
    """The finished run's deterministic policy (algorithm read from the run's config.yaml)."""
    run_dir = Path(run_dir)
    record = load_yaml(run_dir / RUN_CONFIG_FILE)
    model = algorithm_class(record["algo"]).load(run_dir / MODEL_FILE, device=device)
    normalizer = None
    if (run_dir / VECNORMALIZE_FILE).exists():
        # VecNormalize.load wants an environment to wrap; normalising observations needs only the statistics.
        with open(run_dir / VECNORMALIZE_FILE, "rb") as handle:
            normalizer = pickle.load(handle)
    groups = record.get("action_groups")
    return deterministic_policy(model, normalizer, None if groups is None else np.array(groups))
