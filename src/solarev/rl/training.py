"""Train one SB3 agent (algorithm, seed) on any gymnasium environment factory, resumably.

The run folder gets model.zip, vecnormalize.pkl, monitor.csv, learning_curve.csv and a resolved config.yaml;
checkpoints go to a folder the Snakemake rule does not declare (see solarev.rl.checkpoints) and are removed
once the run finishes, so that a later rerun starts afresh and reproduces the run.
"""

import importlib.metadata
import logging
import os
import platform
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
import yaml
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback, CallbackList
from stable_baselines3.common.logger import Logger
from stable_baselines3.common.monitor import ResultsWriter
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm
from stable_baselines3.common.type_aliases import TrainFrequencyUnit
from stable_baselines3.common.utils import set_random_seed
from stable_baselines3.common.vec_env import DummyVecEnv, VecEnv, VecMonitor, VecNormalize
from tqdm.contrib.logging import logging_redirect_tqdm

from solarev.rl.actions import GroupedSockets
from solarev.rl.callbacks import (
    CheckpointCallback,
    Clock,
    EvaluatePolicy,
    EvaluationCallback,
    ProgressCallback,
    following_multiple,
)
from solarev.rl.checkpoints import Checkpoint, CheckpointStore, load_replay_buffer, restore_run_files
from solarev.rl.devices import GPU_LOCK_DIR, claimed_gpu, resolve_device, visible_gpu_ids
from solarev.rl.hyperparameters import ALGORITHMS, AgentSettings, model_kwargs
from solarev.rl.policy import RUN_CONFIG_FILE, save_policy

EnvFactory = Callable[[int], gym.Env]  # seed -> environment
VERSIONED_PACKAGES = ("torch", "stable-baselines3", "gymnasium", "numpy", "citylearn")
IDENTITY_NORMALIZATION = {"norm_obs": False, "norm_reward": False}


@contextmanager
def training_device(requested: str, settings: AgentSettings, lock_dir: Path = GPU_LOCK_DIR) -> Iterator[str]:
    """The torch device a job trains on ("cpu" or "cuda:N"), a GPU held for the job while the block runs.
    `requested` is training.device from the config."""
    device = resolve_device(requested, settings.device, torch.cuda.is_available())
    if device == "cpu":
        yield device
        return
    with claimed_gpu(visible_gpu_ids(os.environ, torch.cuda.device_count()), lock_dir) as ordinal:
        yield f"cuda:{ordinal}"


def monitored_env(venv: VecEnv, path: Path, clock: Clock, resumed: bool) -> VecMonitor:
    """VecMonitor writing episodes to `path`; a resumed run appends to the restored file, its episode times
    continuing the run's clock."""
    monitor = VecMonitor(venv)
    monitor.t_start -= clock.earlier_sessions_s
    monitor.results_writer = ResultsWriter(
        str(path), header={"t_start": monitor.t_start}, override_existing=not resumed
    )
    return monitor


def grouped(make_env: EnvFactory, action_groups: np.ndarray | None) -> EnvFactory:
    """The factory's envs with one charging action and per-socket observation per socket group (unchanged
    when None)."""
    if action_groups is None:
        return make_env
    return lambda seed: GroupedSockets(make_env(seed), action_groups)


def training_env(
    make_env: EnvFactory,
    settings: AgentSettings,
    seed: int,
    monitor_path: Path,
    clock: Clock,
    resumed: bool,
    action_groups: np.ndarray | None = None,
) -> VecEnv:
    """n_envs environments seeded seed, seed+1, ..., monitored, then wrapped in a fresh VecNormalize (a
    resumed run loads its statistics instead). A preset without normalisation gets one that normalises
    nothing, so that every run has the same files."""
    factory = grouped(make_env, action_groups)
    venv = DummyVecEnv([partial(factory, seed + rank) for rank in range(settings.n_envs)])
    monitored = monitored_env(venv, monitor_path, clock, resumed)
    if resumed:
        return monitored
    normalize = settings.normalize if settings.normalize is not None else IDENTITY_NORMALIZATION
    return VecNormalize(monitored, **({"gamma": settings.gamma} | normalize))


def new_model(settings: AgentSettings, env: VecEnv, seed: int, device: str) -> BaseAlgorithm:
    return ALGORITHMS[settings.algo](env=env, seed=seed, device=device, verbose=0, **model_kwargs(settings))


def restored_model(
    checkpoint: Checkpoint, settings: AgentSettings, env: VecEnv, seed: int, device: str, log: logging.Logger
) -> BaseAlgorithm:
    """The checkpoint's model, statistics and replay buffer; random generators reseeded from the seed and
    the step count, so that resuming from the same checkpoint twice gives the same run."""
    log.info("resuming from checkpoint at %d steps", checkpoint.num_timesteps)
    env = VecNormalize.load(str(checkpoint.vecnormalize), env)
    model = ALGORITHMS[settings.algo].load(checkpoint.model, env=env, device=device)
    if isinstance(model, OffPolicyAlgorithm):
        load_replay_buffer(model.replay_buffer, checkpoint.replay_buffer)
        log.info("restored a replay buffer of %d transitions", model.replay_buffer.size())
    model.set_random_seed(seed + checkpoint.num_timesteps)
    return model


def rollout_steps(model: BaseAlgorithm) -> int:
    """Environment steps between two updates: runs end and checkpoint on these boundaries."""
    if isinstance(model, OnPolicyAlgorithm):
        return model.n_steps * model.n_envs
    if model.train_freq.unit == TrainFrequencyUnit.STEP:
        return model.train_freq.frequency * model.n_envs
    return model.n_envs  # updates at episode ends: no fixed boundary to check


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in VERSIONED_PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def gpu_name(device: str) -> str | None:
    return torch.cuda.get_device_name(torch.device(device)) if device.startswith("cuda") else None


def run_identity(
    settings: AgentSettings, seed: int, total_timesteps: int, resume_key: Mapping[str, Any] | None
) -> dict[str, Any]:
    """What a checkpoint must share with a run to be resumed by it."""
    return {
        "algo": settings.algo,
        "seed": seed,
        "total_timesteps": total_timesteps,
        "hyperparameters": settings.record(),
        "resume_key": resume_key,
    }


def resumable_checkpoint(store: CheckpointStore, run_dir: Path, log: logging.Logger) -> Checkpoint | None:
    """The run's latest checkpoint with the run folder's CSV files as they were then; without one, a clean
    start (stale checkpoints and CSV files removed)."""
    checkpoint = store.latest()
    if checkpoint is None and store.clear():
        log.info("removed checkpoints of another configuration (or unfinished) from %s", store.folder)
    restore_run_files(checkpoint, run_dir)
    return checkpoint


def warn_of_partial_rollout(model: BaseAlgorithm, total_timesteps: int, log: logging.Logger) -> None:
    rollout = rollout_steps(model)
    if total_timesteps % rollout:
        log.warning(
            "%d steps is not a whole number of %d-step rollouts: the run ends at %d steps",
            total_timesteps,
            rollout,
            following_multiple(total_timesteps - 1, rollout),
        )


def timed_learning(model: BaseAlgorithm, total_timesteps: int, callbacks: list[BaseCallback]) -> float:
    """Learn up to `total_timesteps` (counting the steps a resumed model has done); seconds it took."""
    # Progress and KPIs go to our own log and files; SB3's default logger leaves a folder in /tmp per run.
    model.set_logger(Logger(folder=None, output_formats=[]))
    started = time.perf_counter()
    with logging_redirect_tqdm():  # log lines on the terminal go above the progress bar, not through it
        model.learn(
            total_timesteps - model.num_timesteps,
            callback=CallbackList(callbacks),
            reset_num_timesteps=False,
        )
    return time.perf_counter() - started


def train(
    make_env: EnvFactory,
    settings: AgentSettings,
    *,
    total_timesteps: int,
    seed: int,
    run_dir: str | Path,
    checkpoint_every: int,
    eval_every: int,
    evaluate_policy_fn: EvaluatePolicy,
    device: str,
    log: logging.Logger,
    checkpoint_dir: str | Path | None = None,
    resume_key: Mapping[str, Any] | None = None,
    threads: int = 1,
    action_groups: np.ndarray | None = None,
) -> dict[str, Any]:
    """Train `settings.algo` for `total_timesteps` environment steps, resuming from a checkpoint of the same
    run if one exists, and write the run folder. Returns the run's summary (also in its config.yaml).

    `device` is a torch device ("cpu", "cuda:0"; see training_device). `checkpoint_dir` defaults to
    run_dir/checkpoints. `resume_key` is anything else that must match for a checkpoint to be resumed, e.g.
    the environment's configuration: a checkpoint of another configuration is removed, not resumed.
    `action_groups` (each socket's group, solarev.rl.actions) makes the agent set one charging action per
    group; the policy saved and evaluated expands them again. `threads` limits torch's CPU threads (one
    thread: results repeat exactly on CPU, and parallel jobs do not oversubscribe the cores; it applies to
    the whole process).
    """
    torch.set_num_threads(threads)
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    identity = run_identity(settings, seed, total_timesteps, resume_key)
    store = CheckpointStore(Path(checkpoint_dir) if checkpoint_dir else run_dir / "checkpoints", identity)
    checkpoint = resumable_checkpoint(store, run_dir, log)
    clock = Clock(checkpoint.wall_time_s if checkpoint else 0.0)

    set_random_seed(seed)  # environment constructors may draw from the global generators
    resumed = checkpoint is not None
    env = training_env(make_env, settings, seed, run_dir / "monitor.csv", clock, resumed, action_groups)
    try:
        if checkpoint is None:
            model = new_model(settings, env, seed, device)
        else:
            model = restored_model(checkpoint, settings, env, seed, device, log)
        steps_before = model.num_timesteps
        warn_of_partial_rollout(model, total_timesteps, log)
        log.info(
            "training %s (preset %s) seed %d on %s for %d steps",
            settings.algo,
            settings.preset,
            seed,
            model.device,
            total_timesteps,
        )
        evaluation = EvaluationCallback(
            evaluate_policy_fn,
            eval_every,
            run_dir / "learning_curve.csv",
            clock,
            log,
            first_at=following_multiple(steps_before, eval_every) if resumed else 0,
            action_groups=action_groups,
        )
        callbacks = [
            ProgressCallback(total_timesteps, log),
            evaluation,
            CheckpointCallback(store, checkpoint_every, run_dir, clock, log),
        ]
        training_s = timed_learning(model, total_timesteps, callbacks) - evaluation.seconds
        save_policy(model, run_dir)
    finally:
        env.close()

    summary = {
        "algo": settings.algo,
        "seed": seed,
        "preset": settings.preset,
        "num_timesteps": model.num_timesteps,
        "resumed_from": checkpoint.num_timesteps if checkpoint else None,
        "wall_time_s": round(clock.elapsed_s(), 3),
        "steps_per_second": round((model.num_timesteps - steps_before) / training_s, 2),
        "device": str(model.device),
    }
    record = summary | {
        "total_timesteps": total_timesteps,
        "checkpoint_every": checkpoint_every,
        "eval_every": eval_every,
        "hyperparameters": settings.record(),
        "resume_key": identity["resume_key"],
        "action_groups": None if action_groups is None else [int(group) for group in action_groups],
        "torch_threads": threads,
        "gpu": gpu_name(str(model.device)),
        "hostname": socket.gethostname(),
        "versions": package_versions(),
    }
    (run_dir / RUN_CONFIG_FILE).write_text(yaml.safe_dump(record, sort_keys=False))
    store.clear()  # the run is complete: a rerun starts afresh and repeats it
    log.info(
        "finished %s seed %d: %d steps, %.2f steps/s, %.0f s",
        settings.algo,
        seed,
        model.num_timesteps,
        summary["steps_per_second"],
        summary["wall_time_s"],
    )
    return summary
