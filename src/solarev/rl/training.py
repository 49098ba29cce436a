"""Train one SB3 agent (algorithm, seed) on any gymnasium environment factory, resumably: a RunSpec says
what to train and where, train(make_env, spec, ...) runs it.

The run folder gets model.zip and vecnormalize.pkl (the model selected on the validation weeks, see
solarev.rl.selection), monitor.csv, learning_curve.csv and a resolved config.yaml; checkpoints go to a
folder the Snakemake rule does not declare (see solarev.rl.checkpoints) and are removed once the run
finishes, so that a later rerun starts afresh and reproduces the run.
"""

import importlib.metadata
import logging
import os
import platform
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
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

from solarev.env.socket_grouping import AgentActions, GroupedSockets
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
from solarev.rl.policy import RUN_CONFIG_FILE
from solarev.rl.presets import AgentSettings, model_kwargs
from solarev.rl.runtime import limit_threads
from solarev.rl.selection import ModelSelector, SelectedModel, install_selection

EnvFactory = Callable[[int], gym.Env]  # seed -> environment
VERSIONED_PACKAGES = (
    "torch",
    "stable-baselines3",
    "sb3-contrib",
    "sbx-rl",
    "jax",
    "jaxlib",
    "gymnasium",
    "numpy",
    "citylearn",
)
IDENTITY_NORMALIZATION = {"norm_obs": False, "norm_reward": False}


@dataclass(frozen=True)
class RunSpec:
    """One training run: its agent, seed and budget, where its files go, and what a checkpoint must share
    with it to be resumed by it."""

    settings: AgentSettings
    seed: int
    total_timesteps: int
    checkpoint_every: int
    eval_every: int
    run_dir: Path
    # Default run_dir/checkpoints; the workflow keeps them out of the rule's outputs (solarev.rl.checkpoints).
    checkpoint_dir: Path | None = None
    # Anything else a checkpoint must match, e.g. the environment's configuration: a checkpoint of another
    # configuration is removed, not resumed.
    resume_key: Mapping[str, Any] | None = None
    # CPU threads of torch and JAX (for the whole process; solarev.rl.runtime). One: results repeat exactly
    # whatever the core count, and parallel jobs do not oversubscribe the cores.
    threads: int = 1
    # Each socket's group (solarev.env.socket_grouping): the agent sets one charging action per group, and
    # the policy saved and evaluated expands them again. None: one action per socket.
    action_groups: np.ndarray | None = None
    # Which evaluated model the run keeps (solarev.rl.selection.MODEL_SELECTIONS): best_validation | final.
    model_selection: str = "best_validation"
    # The penalty per kWh of unmet EV energy in the selection's score (env.unmet_energy_weight).
    unmet_weight: float = 0.0

    @property
    def actions(self) -> AgentActions | None:
        """The agent's action space: the groups with the preset's battery action (None: the env's own)."""
        if self.action_groups is None:
            return None
        return AgentActions(self.action_groups, self.settings.battery_action)

    @property
    def checkpoint_folder(self) -> Path:
        return self.checkpoint_dir or self.run_dir / "checkpoints"

    def identity(self) -> dict[str, Any]:
        """What a checkpoint must share with the run to be resumed by it."""
        return {
            "algo": self.settings.algo,
            "seed": self.seed,
            "total_timesteps": self.total_timesteps,
            "hyperparameters": self.settings.record(),
            "resume_key": self.resume_key,
            # the checkpoint carries the model selected so far
            "model_selection": self.model_selection,
        }


@contextmanager
def training_device(requested: str, settings: AgentSettings, lock_dir: Path = GPU_LOCK_DIR) -> Iterator[str]:
    """The torch device a job trains on ("cpu" or "cuda:N"), a GPU held for the job while the block runs.
    `requested` is training.device from the config. The sbx backend trains on the CPU (its entry's device
    is cpu, solarev.rl.presets.check_backend)."""
    if requested == "cuda" and settings.backend != "sb3":
        raise RuntimeError(f"training.device cuda: backend {settings.backend} trains on the CPU only")
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


def grouped(make_env: EnvFactory, actions: AgentActions | None) -> EnvFactory:
    """The factory's envs as the agent acts on them and sees them (unchanged when `actions` is None)."""
    if actions is None:
        return make_env
    return lambda seed: GroupedSockets(make_env(seed), actions)


def training_env(
    make_env: EnvFactory,
    settings: AgentSettings,
    seed: int,
    monitor_path: Path,
    clock: Clock,
    resumed: bool,
    actions: AgentActions | None = None,
) -> VecEnv:
    """n_envs environments seeded seed, seed+1, ..., monitored, then wrapped in a fresh VecNormalize (a
    resumed run loads its statistics instead). A preset without normalisation gets one that normalises
    nothing, so that every run has the same files."""
    factory = grouped(make_env, actions)
    venv = DummyVecEnv([partial(factory, seed + rank) for rank in range(settings.n_envs)])
    monitored = monitored_env(venv, monitor_path, clock, resumed)
    if resumed:
        return monitored
    normalize = settings.normalize if settings.normalize is not None else IDENTITY_NORMALIZATION
    return VecNormalize(monitored, **({"gamma": settings.gamma} | normalize))


def new_model(settings: AgentSettings, env: VecEnv, seed: int, device: str) -> BaseAlgorithm:
    return settings.algorithm(
        env=env, seed=seed, device=device, verbose=0, **model_kwargs(settings, env.action_space.shape[0])
    )


def restored_model(
    checkpoint: Checkpoint, settings: AgentSettings, env: VecEnv, seed: int, device: str, log: logging.Logger
) -> BaseAlgorithm:
    """The checkpoint's model, statistics and replay buffer; random generators reseeded from the seed and
    the step count, so that resuming from the same checkpoint twice gives the same run."""
    log.info("resuming from checkpoint at %d steps", checkpoint.num_timesteps)
    env = VecNormalize.load(str(checkpoint.vecnormalize), env)
    model = settings.algorithm.load(checkpoint.model, env=env, device=device)
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


def silent_logger() -> Logger:
    """An SB3 logger that writes nothing, one per model: progress and KPIs go to our own log and files, and
    SB3's default logger leaves an empty /tmp/SB3-<time> folder per model."""
    return Logger(folder=None, output_formats=[])


def timed_learning(model: BaseAlgorithm, total_timesteps: int, callbacks: list[BaseCallback]) -> float:
    """Learn up to `total_timesteps` (counting the steps a resumed model has done); seconds it took."""
    model.set_logger(silent_logger())
    started = time.perf_counter()
    with logging_redirect_tqdm():  # log lines on the terminal go above the progress bar, not through it
        model.learn(
            total_timesteps - model.num_timesteps,
            callback=CallbackList(callbacks),
            reset_num_timesteps=False,
        )
    return time.perf_counter() - started


def starting_model(
    spec: RunSpec, env: VecEnv, checkpoint: Checkpoint | None, device: str, log: logging.Logger
) -> BaseAlgorithm:
    """A new model, or the checkpoint's when resuming."""
    if checkpoint is None:
        return new_model(spec.settings, env, spec.seed, device)
    return restored_model(checkpoint, spec.settings, env, spec.seed, device, log)


def learn(
    model: BaseAlgorithm,
    spec: RunSpec,
    evaluate_policy_fn: EvaluatePolicy,
    selector: ModelSelector,
    store: CheckpointStore,
    clock: Clock,
    resumed: bool,
    log: logging.Logger,
) -> float:
    """Learn the rest of the budget, evaluating (and selecting) and checkpointing on the way; steps per
    second of this session, evaluations left out."""
    steps_before = model.num_timesteps
    warn_of_partial_rollout(model, spec.total_timesteps, log)
    log.info(
        "training %s (preset %s) seed %d on %s for %d steps",
        spec.settings.algo,
        spec.settings.preset,
        spec.seed,
        model.device,
        spec.total_timesteps,
    )
    evaluation = EvaluationCallback(
        evaluate_policy_fn,
        selector,
        spec.eval_every,
        spec.run_dir / "learning_curve.csv",
        clock,
        log,
        first_at=following_multiple(steps_before, spec.eval_every) if resumed else 0,
        actions=spec.actions,
    )
    callbacks = [
        ProgressCallback(spec.total_timesteps, log),
        evaluation,
        CheckpointCallback(store, spec.checkpoint_every, spec.run_dir, clock, log),
    ]
    training_s = timed_learning(model, spec.total_timesteps, callbacks) - evaluation.seconds
    return (model.num_timesteps - steps_before) / training_s


def run_summary(
    spec: RunSpec,
    model: BaseAlgorithm,
    checkpoint: Checkpoint | None,
    selected: SelectedModel,
    wall_time_s: float,
    steps_per_second: float,
) -> dict[str, Any]:
    return {
        "algo": spec.settings.algo,
        "seed": spec.seed,
        "preset": spec.settings.preset,
        "num_timesteps": model.num_timesteps,
        "resumed_from": checkpoint.num_timesteps if checkpoint else None,
        "selected_model": asdict(selected),
        "wall_time_s": round(wall_time_s, 3),
        "steps_per_second": round(steps_per_second, 2),
        "device": str(model.device),
    }


def write_run_record(spec: RunSpec, summary: Mapping[str, Any]) -> None:
    """The run folder's config.yaml: the summary, the run's specification and what it ran on."""
    groups = spec.action_groups
    record = {
        **summary,
        "total_timesteps": spec.total_timesteps,
        "checkpoint_every": spec.checkpoint_every,
        "eval_every": spec.eval_every,
        "model_selection": spec.model_selection,
        "hyperparameters": spec.settings.record(),
        "resume_key": spec.resume_key,
        "action_groups": None if groups is None else [int(group) for group in groups],
        "threads": spec.threads,
        "gpu": gpu_name(summary["device"]),
        "hostname": socket.gethostname(),
        "versions": package_versions(),
    }
    (spec.run_dir / RUN_CONFIG_FILE).write_text(yaml.safe_dump(record, sort_keys=False))


def train(
    make_env: EnvFactory, spec: RunSpec, evaluate_policy_fn: EvaluatePolicy, device: str, log: logging.Logger
) -> dict[str, Any]:
    """Train `spec`'s agent for its budget of environment steps, resuming from a checkpoint of the same run
    if one exists, and write the run folder with the selected model. Returns the run's summary (also in its
    config.yaml). `device` is a torch device ("cpu", "cuda:0"; see training_device)."""
    limit_threads(spec.threads)
    spec.run_dir.mkdir(parents=True, exist_ok=True)
    store = CheckpointStore(spec.checkpoint_folder, spec.identity())
    checkpoint = resumable_checkpoint(store, spec.run_dir, log)
    selector = ModelSelector(spec.model_selection, spec.run_dir, spec.unmet_weight)
    clock = Clock(checkpoint.wall_time_s if checkpoint else 0.0)
    set_random_seed(spec.seed)  # environment constructors may draw from the global generators
    resumed = checkpoint is not None
    monitor_path = spec.run_dir / "monitor.csv"
    env = training_env(make_env, spec.settings, spec.seed, monitor_path, clock, resumed, spec.actions)
    try:
        model = starting_model(spec, env, checkpoint, device, log)
        steps_per_second = learn(model, spec, evaluate_policy_fn, selector, store, clock, resumed, log)
    finally:
        env.close()

    selected = install_selection(spec.run_dir)
    summary = run_summary(spec, model, checkpoint, selected, clock.elapsed_s(), steps_per_second)
    write_run_record(spec, summary)
    store.clear()  # the run is complete: a rerun starts afresh and repeats it
    log.info(
        "finished %s seed %d: %d steps, %.2f steps/s, %.0f s; kept the model at %d steps (%s)",
        spec.settings.algo,
        spec.seed,
        model.num_timesteps,
        summary["steps_per_second"],
        summary["wall_time_s"],
        selected.timesteps,
        spec.model_selection,
    )
    return summary
