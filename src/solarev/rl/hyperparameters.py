"""Agent hyperparameters: one preset of config/agents.yaml for one algorithm, checked and resolved into the
keyword arguments of the stable-baselines3 class."""

import inspect
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from stable_baselines3 import A2C, PPO, SAC
from stable_baselines3.common.base_class import BaseAlgorithm
from torch import nn

from solarev.config import ConfigError, load_yaml
from solarev.rl.actions import EV_ACTION_GROUPS

ALGORITHMS: dict[str, type[BaseAlgorithm]] = {"sac": SAC, "ppo": PPO, "a2c": A2C}
ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
}
DEVICES = ("auto", "cpu", "cuda")
# Arguments the training code sets itself (from the run's seed, device and environment), never a preset.
SET_BY_TRAINING = frozenset({"self", "env", "seed", "device", "verbose", "_init_setup_model"})


@dataclass(frozen=True)
class AgentSettings:
    """One algorithm's entry of one preset, as written in agents.yaml."""

    algo: str
    preset: str
    device: str  # preferred device when training.device is auto: auto | cpu | cuda
    n_envs: int
    normalize: dict[str, Any] | None  # VecNormalize arguments; None leaves observations and rewards raw
    model: dict[str, Any]  # SB3 keyword arguments, activation_fn by name
    ev_action_groups: str = "socket"  # charging actions per socket group (solarev.rl.actions)

    @property
    def gamma(self) -> float:
        """The discount the algorithm uses (its SB3 default when the preset leaves it out)."""
        default = inspect.signature(ALGORITHMS[self.algo]).parameters["gamma"].default
        return float(self.model.get("gamma", default))

    def record(self) -> dict[str, Any]:
        """Plain data for the run's resolved config.yaml."""
        return asdict(self)


def model_arguments(algo: str) -> list[str]:
    """Keyword arguments of the SB3 class that a preset may set."""
    names = inspect.signature(ALGORITHMS[algo]).parameters
    return sorted(name for name in names if name not in SET_BY_TRAINING)


def activation_class(name: str, key: str) -> type[nn.Module]:
    if name not in ACTIVATIONS:
        raise ConfigError(f"{key}: activation {name!r} is not allowed (allowed: {', '.join(ACTIVATIONS)})")
    return ACTIVATIONS[name]


def model_kwargs(settings: AgentSettings) -> dict[str, Any]:
    """SB3 keyword arguments with activation names replaced by torch classes."""
    kwargs = dict(settings.model)
    policy_kwargs = dict(kwargs.get("policy_kwargs") or {})
    if "activation_fn" in policy_kwargs:
        key = f"agents.yaml: {settings.preset}.{settings.algo}.policy_kwargs.activation_fn"
        policy_kwargs["activation_fn"] = activation_class(policy_kwargs["activation_fn"], key)
    if policy_kwargs:
        kwargs["policy_kwargs"] = policy_kwargs
    return kwargs


def agent_settings(presets: Mapping[str, Any], preset: str, algo: str) -> AgentSettings:
    """Check and return `presets[preset][algo]`; any error names the key in agents.yaml."""
    if preset not in presets:
        raise ConfigError(f"agents.yaml: preset {preset!r} not found (available: {', '.join(presets)})")
    if algo not in ALGORITHMS or algo not in presets[preset]:
        available = ", ".join(name for name in presets[preset] if name in ALGORITHMS)
        raise ConfigError(f"agents.yaml: {preset}.{algo} not found (available: {available})")
    key = f"agents.yaml: {preset}.{algo}"
    entry = dict(presets[preset][algo])
    missing = [name for name in ("device", "n_envs", "normalize") if name not in entry]
    if missing:
        raise ConfigError(f"{key}: {', '.join(missing)} missing")
    device, n_envs, normalize = entry.pop("device"), entry.pop("n_envs"), entry.pop("normalize")
    if device not in DEVICES:
        raise ConfigError(f"{key}.device: {device!r} is not allowed (allowed: {', '.join(DEVICES)})")
    if not isinstance(n_envs, int) or n_envs < 1:
        raise ConfigError(f"{key}.n_envs: {n_envs!r} must be a positive integer")
    ev_action_groups = entry.pop("ev_action_groups", "socket")
    if ev_action_groups not in EV_ACTION_GROUPS:
        allowed = ", ".join(EV_ACTION_GROUPS)
        raise ConfigError(f"{key}.ev_action_groups: {ev_action_groups!r} is not allowed (allowed: {allowed})")
    if normalize is not False and not isinstance(normalize, Mapping):
        raise ConfigError(f"{key}.normalize: {normalize!r} must be false or VecNormalize arguments")
    allowed = model_arguments(algo)
    unknown = sorted(set(entry) - set(allowed))
    if unknown:
        raise ConfigError(
            f"{key}: unknown key {', '.join(map(repr, unknown))} (allowed: {', '.join(allowed)})"
        )
    normalize = dict(normalize) if normalize else None
    settings = AgentSettings(algo, preset, device, n_envs, normalize, entry, ev_action_groups)
    model_kwargs(settings)  # fails now, naming the key, rather than when the model is built
    return settings


def load_agent_settings(path: str | Path, preset: str, algo: str) -> AgentSettings:
    return agent_settings(load_yaml(path), preset, algo)
