"""config/agents.yaml: the original study's values exactly, every preset buildable in its backend (sb3 or
sbx), each algorithm's entry as its jobs' params, the GPUs a job reserves, clear errors naming the key, and
no torch at DAG time."""

import re
import subprocess
import sys
from pathlib import Path

import flax.linen
import gymnasium as gym
import numpy as np
import pytest
import yaml
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.noise import NormalActionNoise
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
from stable_baselines3.common.vec_env import DummyVecEnv
from torch import nn

from solarev.config import ConfigError, load_yaml
from solarev.rl.presets import (
    ALGORITHMS,
    SBX_ALGORITHMS,
    AgentSettings,
    agent_settings,
    algorithm_class,
    job_gpus,
    job_params,
    load_agent_settings,
    model_arguments,
    model_kwargs,
)
from solarev.rl.training import new_model

REPO = Path(__file__).resolve().parents[1]
AGENTS = REPO / "config" / "agents.yaml"
PRESETS = load_yaml(AGENTS)

ORIGINAL = {
    "sac": {
        "learning_rate": 1.5e-4,
        "buffer_size": 1_000_000,
        "batch_size": 512,
        "tau": 0.001,
        "gamma": 0.999,
        "ent_coef": "auto",
    },
    "ppo": {
        "learning_rate": 2e-4,
        "batch_size": 128,
        "n_steps": 2048,
        "n_epochs": 20,
        "clip_range": 0.1,
        "use_sde": True,
    },
    "a2c": {"learning_rate": 1.5e-4, "n_steps": 2048, "gae_lambda": 0.95, "vf_coef": 0.7, "ent_coef": 0.01},
}


def settings(preset: str, algo: str) -> AgentSettings:
    return agent_settings(PRESETS[preset][algo], preset, algo)


@pytest.mark.parametrize("algo", ORIGINAL)
def test_original_preset_has_the_original_values_and_1024_by_1024_nets(algo: str) -> None:
    kwargs = model_kwargs(load_agent_settings(AGENTS, "original", algo))
    for name, value in ORIGINAL[algo].items():
        assert kwargs[name] == value and type(kwargs[name]) is type(value), name
    assert kwargs["policy_kwargs"]["net_arch"] == [1024, 1024]


def test_devices_follow_sb3_advice() -> None:
    for preset in PRESETS:
        devices = {algo: settings(preset, algo).device for algo in PRESETS[preset]}
        assert devices["ppo"] == devices["a2c"] == "cpu"
        assert devices["sac"] in ("auto", "cpu")


@pytest.mark.parametrize(
    ("preset", "config_file"), [("default", "config.yaml"), ("test", "test.yaml")], ids=["default", "test"]
)
def test_on_policy_rollouts_divide_the_budget_and_intervals(preset: str, config_file: str) -> None:
    """Otherwise a run ends (and checkpoints) past the step counts the config asks for."""
    training = load_yaml(REPO / "config" / config_file)["training"]
    assert training["preset"] == preset
    for algo in ("ppo", "a2c"):
        on_policy = settings(preset, algo)
        rollout = on_policy.model["n_steps"] * on_policy.n_envs
        for key in ("total_timesteps", "checkpoint_every", "eval_every"):
            assert training[key] % rollout == 0, (algo, key)


def box_env() -> gym.Env:
    """A tiny env with Box observations and [-1, 1] actions, enough to build any model."""
    low, high = np.full(1, -1, np.float32), np.full(1, 1, np.float32)
    return gym.wrappers.RescaleAction(gym.make("Pendulum-v1"), low, high)


@pytest.mark.parametrize(
    ("preset", "algo"), [(preset, algo) for preset, entries in PRESETS.items() for algo in entries]
)
def test_every_preset_builds_a_model(preset: str, algo: str) -> None:
    agent = settings(preset, algo)
    model = new_model(agent, DummyVecEnv([box_env]), seed=0, device="cpu")
    assert model.gamma == agent.gamma
    assert model.policy_kwargs["net_arch"] == agent.model["policy_kwargs"]["net_arch"]


@pytest.mark.parametrize(
    ("backend", "algo"),
    [("sb3", algo) for algo in ALGORITHMS] + [("sbx", algo) for algo in SBX_ALGORITHMS],
)
def test_every_algorithm_name_is_a_class_for_box_actions(backend: str, algo: str) -> None:
    """Any algorithm of each backend builds with its defaults on [-1, 1] actions (a preset sets the rest)."""
    cls = algorithm_class(algo, backend)
    assert issubclass(cls, BaseAlgorithm) and "gamma" in model_arguments(algo, backend)
    small = {"buffer_size": 100} if issubclass(cls, OffPolicyAlgorithm) else {}
    model = cls("MlpPolicy", DummyVecEnv([box_env]), device="cpu", **small)
    action = model.predict(np.zeros(3, np.float32), deterministic=True)[0]
    assert action.shape == (1,) and -1 <= action[0] <= 1


def test_activation_names_become_the_backend_s_activations() -> None:
    entry = {**PRESETS["test"]["ppo"], "policy_kwargs": {"activation_fn": "relu"}}
    assert model_kwargs(agent_settings(entry, "p", "ppo"))["policy_kwargs"]["activation_fn"] is nn.ReLU
    entry = {**PRESETS["test"]["sac"], "backend": "sbx", "policy_kwargs": {"activation_fn": "relu"}}
    assert (
        model_kwargs(agent_settings(entry, "p", "sac"))["policy_kwargs"]["activation_fn"] is flax.linen.relu
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"backend": "jax"}, "agents.yaml: test.sac.backend: 'jax' is not allowed (allowed: sb3, sbx)"),
        (
            {"backend": "sbx", "device": "auto"},
            "agents.yaml: test.sac.device: 'auto' must be cpu with backend",
        ),
        (
            {"backend": "sb3", "qf_learning_rate": 1e-3},
            "agents.yaml: test.sac: unknown key 'qf_learning_rate'",
        ),
    ],
)
def test_backend_errors_name_the_key(change: dict, message: str) -> None:
    with pytest.raises(ConfigError, match="^" + re.escape(message)):
        agent_settings({**PRESETS["test"]["sac"], **change}, "test", "sac")


def test_sbx_has_off_policy_algorithms_only() -> None:
    with pytest.raises(ConfigError, match=re.escape("test.a2c.backend: sbx has no a2c (allowed: sb3)")):
        agent_settings({**PRESETS["test"]["a2c"], "backend": "sbx"}, "test", "a2c")


@pytest.mark.parametrize(
    ("noise", "message"),
    [
        (0.1, ": 0.1 must be {type: normal | ornstein_uhlenbeck, sigma: number}"),
        (
            {"type": "uniform", "sigma": 0.1},
            ".type: 'uniform' is not allowed (allowed: normal, ornstein_uhlenbeck)",
        ),
        ({"type": "normal", "sigma": 0}, ".sigma: 0 must be a positive number"),
    ],
)
def test_action_noise_errors_name_the_key(noise: object, message: str) -> None:
    with pytest.raises(ConfigError, match="^" + re.escape("agents.yaml: test.td3.action_noise" + message)):
        agent_settings({**PRESETS["test"]["td3"], "action_noise": noise}, "test", "td3")


def test_action_noise_is_built_for_the_env_s_actions() -> None:
    agent = settings("test", "td3")
    model = new_model(agent, DummyVecEnv([box_env]), seed=0, device="cpu")
    assert isinstance(model.action_noise, NormalActionNoise)
    np.testing.assert_array_equal(model.action_noise._sigma, np.full(model.action_space.shape, 0.1))


def test_sb3_default_gamma_when_the_preset_leaves_it_out() -> None:
    assert settings("original", "ppo").gamma == 0.99


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lerning_rate": 1e-3}, "agents.yaml: test.ppo: unknown key 'lerning_rate' (allowed: batch_size,"),
        ({"device": "tpu"}, "agents.yaml: test.ppo.device: 'tpu' is not allowed (allowed: auto, cpu, cuda)"),
        ({"n_envs": 0}, "agents.yaml: test.ppo.n_envs: 0 must be a positive integer"),
        ({"normalize": "yes"}, "agents.yaml: test.ppo.normalize: 'yes' must be false or VecNormalize"),
        ({"seed": 3}, "agents.yaml: test.ppo: unknown key 'seed'"),
        (
            {"ev_action_groups": "charger"},
            "agents.yaml: test.ppo.ev_action_groups: 'charger' is not allowed "
            "(allowed: socket, power, vehicle, site)",
        ),
        (
            {"battery_action": "import"},
            "agents.yaml: test.ppo.battery_action: 'import' is not allowed "
            "(allowed: power, net_import, window_level)",
        ),
        (
            {"policy_kwargs": {"activation_fn": "sigmoid"}},
            "agents.yaml: test.ppo.policy_kwargs.activation_fn: activation 'sigmoid' is not allowed",
        ),
    ],
)
def test_errors_name_the_key(change: dict, message: str) -> None:
    with pytest.raises(ConfigError, match="^" + re.escape(message)):
        agent_settings({**PRESETS["test"]["ppo"], **change}, "test", "ppo")


def test_each_algorithm_gets_its_own_entry_with_sorted_keys() -> None:
    params = job_params(AGENTS, "test", ["sac", "a2c"])
    assert list(params) == ["sac", "a2c"] and params["sac"] == PRESETS["test"]["sac"]
    assert list(params["sac"]) == sorted(params["sac"])
    assert agent_settings(params["a2c"], "test", "a2c") == load_agent_settings(AGENTS, "test", "a2c")


@pytest.mark.parametrize(
    ("preset", "algorithms", "message"),
    [
        ("fast", ["sac"], "training.preset: 'fast' is not a preset of"),
        ("test", ["sac", "dqn"], "training.algorithms[1]: 'dqn' is not allowed (allowed: sac, td3, ddpg,"),
        ("test", ["sac", "ppo"], "training.algorithms: ppo missing from preset 'test' of"),
    ],
)
def test_unknown_preset_or_algorithm_names_the_config_key(
    tmp_path: Path, preset: str, algorithms: list[str], message: str
) -> None:
    agents = tmp_path / "agents.yaml"
    agents.write_text(yaml.safe_dump({"test": {"sac": {"device": "cpu"}}}))
    with pytest.raises(ConfigError, match="^" + re.escape(message)):
        job_params(agents, preset, algorithms)


def test_the_config_schema_does_not_retype_the_algorithm_names() -> None:
    schema = load_yaml(REPO / "config" / "schema.yaml")
    assert "enum" not in schema["properties"]["training"]["properties"]["algorithms"]["items"]


def test_dag_time_import_loads_no_torch() -> None:
    """rules/train.smk imports the module on every Snakemake start."""
    check = "import sys, solarev.rl.presets; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", check], check=True)


@pytest.mark.parametrize(
    ("requested", "preferred", "gpus"),
    [("auto", "auto", 1), ("auto", "cpu", 0), ("cpu", "auto", 0), ("cuda", "cpu", 1), ("auto", "cuda", 1)],
)
def test_jobs_on_the_cpu_reserve_no_gpu(requested: str, preferred: str, gpus: int) -> None:
    assert job_gpus(1, requested, preferred) == gpus
    assert job_gpus(0, requested, preferred) == 0
