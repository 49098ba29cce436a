"""config/agents.yaml, the agents' hyperparameter presets: each algorithm's entry of one preset, checked and
resolved into the keyword arguments of its class in the entry's backend: stable-baselines3 on torch (`sb3`,
the reference and the GPU path) or sbx (`sbx`, SB3's algorithms in JAX by SB3's maintainers, on the CPU).

rules/train.smk imports this module at DAG time, for each algorithm's entry (its jobs' params, so that
editing one algorithm's hyperparameters reruns only its jobs) and the GPUs a job reserves. Importing torch
there would cost seconds on every Snakemake start, so the algorithms and activations are named here by
import path and imported only by the functions that check or build a model, which run in the jobs.
"""

import importlib
import inspect
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from solarev.config import ConfigError, check_choice, load_yaml
from solarev.rl.runtime import configure_jax

if TYPE_CHECKING:
    from stable_baselines3.common.base_class import BaseAlgorithm
    from torch import nn

# The algorithms the workflow trains, the one list of their names (config training.algorithms is checked
# against it here, not in the config schema): every stable-baselines3 and sb3-contrib algorithm for a
# continuous (Box) action space whose policy maps one observation to one action, as solarev.env.gym_env's
# Policy does. Not listed: DQN, QR-DQN and MaskablePPO (discrete actions only), RecurrentPPO (its policy
# carries an LSTM state from step to step, which a Policy cannot) and ARS (an update runs whole episodes
# for each perturbed candidate: neither the on-policy rollout nor the off-policy train frequency that
# solarev.rl.training aligns its checkpoints and evaluations to).
ALGORITHMS = {
    "sac": "stable_baselines3:SAC",
    "td3": "stable_baselines3:TD3",
    "ddpg": "stable_baselines3:DDPG",
    "ppo": "stable_baselines3:PPO",
    "a2c": "stable_baselines3:A2C",
    "tqc": "sb3_contrib:TQC",
    "trpo": "sb3_contrib:TRPO",
    "crossq": "sb3_contrib:CrossQ",
}
# sbx implements SB3's training loop, buffers, VecNormalize handling and save/load with JAX networks, so a
# model of either backend trains, checkpoints, resumes and predicts through the same code; its models do
# not load in the other backend. Off-policy algorithms only: sbx has no A2C or TRPO, and its PPO accepts
# use_sde without implementing gSDE (the presets' PPO uses it) and saved 0.2 of PPO's 0.7 CPU-ms per step on
# the default site (docs/tuning.md), where SAC's learner is ~98 % of its cost.
SBX_ALGORITHMS = {
    "sac": "sbx:SAC",
    "td3": "sbx:TD3",
    "ddpg": "sbx:DDPG",
    "tqc": "sbx:TQC",
    "crossq": "sbx:CrossQ",
}
BACKENDS = {"sb3": ALGORITHMS, "sbx": SBX_ALGORITHMS}  # the first is the default
# activation_fn by name: a torch module class for sb3, a flax function for sbx.
ACTIVATIONS = {
    "sb3": {
        "relu": "torch.nn:ReLU",
        "tanh": "torch.nn:Tanh",
        "elu": "torch.nn:ELU",
        "leaky_relu": "torch.nn:LeakyReLU",
    },
    "sbx": {
        "relu": "flax.linen:relu",
        "tanh": "flax.linen:tanh",
        "elu": "flax.linen:elu",
        "leaky_relu": "flax.linen:leaky_relu",
    },
}
# agents.yaml's `action_noise: {type, sigma}` (off-policy algorithms: TD3 and DDPG explore by it alone): the
# SB3 noise class per type, sigma the same on every action.
ACTION_NOISES = {
    "normal": "stable_baselines3.common.noise:NormalActionNoise",
    "ornstein_uhlenbeck": "stable_baselines3.common.noise:OrnsteinUhlenbeckActionNoise",
}
DEVICES = ("auto", "cpu", "cuda")
REQUIRED_KEYS = ("device", "n_envs", "normalize")
# Arguments the training code sets itself (from the run's seed, device and environment), never a preset.
SET_BY_TRAINING = frozenset({"self", "env", "seed", "device", "verbose", "_init_setup_model"})


def imported(target: str) -> Any:
    """The object that a "module:name" path names."""
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)


def algorithm_class(algo: str, backend: str = "sb3") -> "type[BaseAlgorithm]":
    """The class of an algorithm of ALGORITHMS in `backend` (BACKENDS): stable-baselines3 or sb3-contrib's
    for sb3, sbx's for sbx (JAX configured first: its threads must be set before it computes anything)."""
    if backend == "sbx":
        configure_jax()
    return imported(BACKENDS[backend][algo])


def check_algorithm(algo: str, key: str) -> None:
    """ConfigError naming config key `key` unless `algo` is a name of ALGORITHMS."""
    check_choice(algo, ALGORITHMS, key)


def check_algorithms(algorithms: Iterable[str]) -> None:
    for position, algo in enumerate(algorithms):
        check_algorithm(algo, f"training.algorithms[{position}]")


def job_params(agents_path: str | Path, preset: str, algorithms: Iterable[str]) -> dict[str, dict[str, Any]]:
    """algo -> its entry of the preset, as its training jobs receive it: keys sorted, since Snakemake
    compares params as text and reordering keys in agents.yaml changes nothing."""
    algorithms = list(algorithms)
    check_algorithms(algorithms)
    presets = load_yaml(agents_path)
    if preset not in presets:
        available = ", ".join(presets)
        raise ConfigError(
            f"training.preset: {preset!r} is not a preset of {agents_path} (available: {available})"
        )
    missing = [algo for algo in algorithms if algo not in presets[preset]]
    if missing:
        raise ConfigError(
            f"training.algorithms: {', '.join(missing)} missing from preset {preset!r} of {agents_path}"
        )
    return {algo: json.loads(json.dumps(presets[preset][algo], sort_keys=True)) for algo in algorithms}


def job_gpus(gpus: int, requested_device: str, preferred_device: str) -> int:
    """GPUs a training job reserves: `gpus` (training.gpus_per_job, resolved by
    solarev.rl.devices.gpus_per_job) unless the job will run on the CPU, as it does when training.device
    is cpu, or auto with an algorithm that prefers the CPU (its entry's device)."""
    device = preferred_device if requested_device == "auto" else requested_device
    return 0 if device == "cpu" else gpus


@dataclass(frozen=True)
class AgentSettings:
    """One algorithm's entry of one preset, checked."""

    algo: str
    preset: str
    device: str  # preferred device when training.device is auto: auto | cpu | cuda
    n_envs: int
    normalize: dict[str, Any] | None  # VecNormalize arguments; None leaves observations and rewards raw
    model: dict[str, Any]  # keyword arguments of the backend's class, activation_fn by name
    ev_action_groups: str = "socket"  # charging actions per socket group (solarev.env.socket_grouping)
    battery_action: str = "power"  # what the battery's action is a share of (solarev.env.socket_grouping)
    backend: str = "sb3"  # the implementation it trains with (BACKENDS)

    @property
    def algorithm(self) -> "type[BaseAlgorithm]":
        return algorithm_class(self.algo, self.backend)

    @property
    def gamma(self) -> float:
        """The discount the algorithm uses (its default when the preset leaves it out)."""
        default = inspect.signature(self.algorithm).parameters["gamma"].default
        return float(self.model.get("gamma", default))

    def record(self) -> dict[str, Any]:
        """Plain data for the run's resolved config.yaml."""
        return asdict(self)


def model_arguments(algo: str, backend: str = "sb3") -> list[str]:
    """Keyword arguments of the algorithm's class in `backend` that a preset may set."""
    names = inspect.signature(algorithm_class(algo, backend)).parameters
    return sorted(name for name in names if name not in SET_BY_TRAINING)


def activation_class(name: str, key: str, backend: str = "sb3") -> "type[nn.Module] | Callable[..., Any]":
    """The backend's activation of that name: a torch module class (sb3) or a flax function (sbx)."""
    activations = ACTIVATIONS[backend]
    if name not in activations:
        raise ConfigError(f"{key}: activation {name!r} is not allowed (allowed: {', '.join(activations)})")
    return imported(activations[name])


def action_noise(entry: Any, n_actions: int, key: str) -> Any:
    """The SB3 action noise of agents.yaml's `action_noise: {type: normal | ornstein_uhlenbeck, sigma}`
    for `n_actions` actions."""
    if not isinstance(entry, Mapping) or set(entry) != {"type", "sigma"}:
        raise ConfigError(f"{key}: {entry!r} must be {{type: normal | ornstein_uhlenbeck, sigma: number}}")
    if entry["type"] not in ACTION_NOISES:
        allowed = ", ".join(ACTION_NOISES)
        raise ConfigError(f"{key}.type: {entry['type']!r} is not allowed (allowed: {allowed})")
    sigma = entry["sigma"]
    if isinstance(sigma, bool) or not isinstance(sigma, int | float) or sigma <= 0:
        raise ConfigError(f"{key}.sigma: {sigma!r} must be a positive number")
    return imported(ACTION_NOISES[entry["type"]])(mean=np.zeros(n_actions), sigma=np.full(n_actions, sigma))


def model_kwargs(settings: AgentSettings, n_actions: int = 1) -> dict[str, Any]:
    """The algorithm's keyword arguments with activation names replaced by the backend's activations and the
    action noise built for `n_actions` actions."""
    kwargs = dict(settings.model)
    if "action_noise" in kwargs:
        key = f"agents.yaml: {settings.preset}.{settings.algo}.action_noise"
        kwargs["action_noise"] = action_noise(kwargs["action_noise"], n_actions, key)
    policy_kwargs = dict(kwargs.get("policy_kwargs") or {})
    if "activation_fn" in policy_kwargs:
        key = f"agents.yaml: {settings.preset}.{settings.algo}.policy_kwargs.activation_fn"
        policy_kwargs["activation_fn"] = activation_class(
            policy_kwargs["activation_fn"], key, settings.backend
        )
    if policy_kwargs:
        kwargs["policy_kwargs"] = policy_kwargs
    return kwargs


def check_backend(backend: str, algo: str, device: str, key: str) -> None:
    """ConfigError unless `backend` implements `algo` on the entry's device: sbx trains on the CPU (jaxlib is
    installed without CUDA; torch is the GPU path)."""
    check_choice(backend, BACKENDS, f"{key}.backend")
    if algo not in BACKENDS[backend]:
        allowed = ", ".join(name for name, algorithms in BACKENDS.items() if algo in algorithms)
        raise ConfigError(f"{key}.backend: {backend} has no {algo} (allowed: {allowed})")
    if backend == "sbx" and device != "cpu":
        raise ConfigError(f"{key}.device: {device!r} must be cpu with backend sbx (JAX here runs on the CPU)")


def agent_settings(entry: Mapping[str, Any], preset: str, algo: str) -> AgentSettings:
    """Check one algorithm's entry of a preset (job_params) and return it as settings; any error names the
    key in agents.yaml."""
    # Here, not at the top: the grouping module loads CityLearn (and torch), which DAG time must not.
    from solarev.env.socket_grouping import BATTERY_ACTIONS, EV_ACTION_GROUPS

    key = f"agents.yaml: {preset}.{algo}"
    entry = dict(entry)
    missing = [name for name in REQUIRED_KEYS if name not in entry]
    if missing:
        raise ConfigError(f"{key}: {', '.join(missing)} missing")
    device, n_envs, normalize = (entry.pop(name) for name in REQUIRED_KEYS)
    check_choice(device, DEVICES, f"{key}.device")
    if not isinstance(n_envs, int) or n_envs < 1:
        raise ConfigError(f"{key}.n_envs: {n_envs!r} must be a positive integer")
    # The first choice of each is the default: the env's own action space.
    ev_action_groups = entry.pop("ev_action_groups", EV_ACTION_GROUPS[0])
    check_choice(ev_action_groups, EV_ACTION_GROUPS, f"{key}.ev_action_groups")
    battery_action = entry.pop("battery_action", BATTERY_ACTIONS[0])
    check_choice(battery_action, BATTERY_ACTIONS, f"{key}.battery_action")
    backend = entry.pop("backend", next(iter(BACKENDS)))
    check_backend(backend, algo, device, key)
    if normalize is not False and not isinstance(normalize, Mapping):
        raise ConfigError(f"{key}.normalize: {normalize!r} must be false or VecNormalize arguments")
    allowed = model_arguments(algo, backend)
    unknown = sorted(set(entry) - set(allowed))
    if unknown:
        raise ConfigError(
            f"{key}: unknown key {', '.join(map(repr, unknown))} (allowed: {', '.join(allowed)})"
        )
    normalize = dict(normalize) if normalize else None
    settings = AgentSettings(
        algo, preset, device, n_envs, normalize, entry, ev_action_groups, battery_action, backend
    )
    model_kwargs(settings)  # fails now, naming the key, rather than when the model is built
    return settings


def load_agent_settings(agents_path: str | Path, preset: str, algo: str) -> AgentSettings:
    """One algorithm's settings read from agents.yaml as a training job gets them (tests, benchmarks)."""
    return agent_settings(job_params(agents_path, preset, [algo])[algo], preset, algo)
