"""Training on a small built-in env (Pendulum, actions rescaled to [-1, 1]): outputs, determinism on CPU,
model selection on the validation evaluations, and resuming after a crash or a SIGKILL from the last
checkpoint with the model selected so far."""

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pandas as pd
import pytest
import torch

from solarev.config import load_yaml
from solarev.env.gym_env import Policy
from solarev.rl.callbacks import PolicyOnEnv
from solarev.rl.policy import load_policy
from solarev.rl.presets import AgentSettings, load_agent_settings
from solarev.rl.selection import ModelSelector, SelectedModel, replaces, selection_score
from solarev.rl.training import RunSpec, train

REPO = Path(__file__).resolve().parents[1]
TEST_PRESET = load_yaml(REPO / "config" / "agents.yaml")["test"]  # every algorithm the suite trains
EPISODE_STEPS = 100
SEED = 3


def make_pendulum(seed: int) -> gym.Env:
    low, high = np.full(1, -1, np.float32), np.full(1, 1, np.float32)
    return gym.wrappers.RescaleAction(gym.make("Pendulum-v1", max_episode_steps=EPISODE_STEPS), low, high)


def evaluate_on_pendulum(policy_on: PolicyOnEnv) -> dict[str, float]:
    """One fixed episode; two KPIs so that the learning curve has several columns. The objective (what model
    selection minimises) is the negated return."""
    env = make_pendulum(0)
    policy = policy_on(env)
    observation, _ = env.reset(seed=1234)
    rewards, actions = [], []
    for _ in range(EPISODE_STEPS):
        action = policy(observation)
        observation, reward, _, _, _ = env.step(action)
        rewards.append(reward)
        actions.append(action)
    return {"objective": -float(np.sum(rewards)), "mean_abs_action": float(np.mean(np.abs(actions)))}


def settings_for(algo: str, backend: str | None = None, **changes: Any) -> AgentSettings:
    """The test preset's entry, its backend (sb3 | sbx) and model arguments changed as given."""
    settings = load_agent_settings(REPO / "config" / "agents.yaml", "test", algo)
    record = settings.record() | {"model": {**settings.model, **changes}}
    return AgentSettings(**record | ({"backend": backend} if backend else {}))


def train_pendulum(
    settings: AgentSettings,
    run_dir: Path,
    log: logging.Logger,
    total: int,
    every: int,
    evaluate: Any = evaluate_on_pendulum,
    device: str = "cpu",
    selection: str = "best_validation",
) -> dict[str, Any]:
    spec = RunSpec(
        settings,
        seed=SEED,
        total_timesteps=total,
        checkpoint_every=every,
        eval_every=every,
        run_dir=run_dir,
        model_selection=selection,
    )
    return train(make_pendulum, spec, evaluate_policy_fn=evaluate, device=device, log=log)


def probe_actions(policy: Policy) -> np.ndarray:
    """The policy's actions on fixed observations: tells two models apart."""
    observations = np.random.default_rng(0).uniform(-1, 1, (20, 3)).astype(np.float32)
    return np.array([policy(observation) for observation in observations])


def policy_outputs(run_dir: Path) -> np.ndarray:
    return probe_actions(load_policy(run_dir))


class ScriptedValidation:
    """The pendulum's KPIs with a set objective per evaluation, so that a test knows which model is the best;
    the learning curve's rows so far say which evaluation this is (in a resumed run too). Keeps the probe
    actions of every policy it evaluated."""

    def __init__(self, run_dir: Path, objectives: Sequence[float]):
        self.curve_path = run_dir / "learning_curve.csv"
        self.objectives = objectives
        self.probes: list[np.ndarray] = []

    def __call__(self, policy_on: PolicyOnEnv) -> dict[str, float]:
        self.probes.append(probe_actions(policy_on(make_pendulum(0))))
        done = len(pd.read_csv(self.curve_path)) if self.curve_path.exists() else 0
        return {**evaluate_on_pendulum(policy_on), "objective": self.objectives[done]}


@pytest.fixture
def log() -> logging.Logger:
    return logging.getLogger("solarev.test_rl")


@pytest.mark.parametrize("algo", TEST_PRESET)
def test_same_seed_on_cpu_gives_identical_runs(
    algo: str, tmp_path: Path, log: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings = settings_for(algo)
    runs = [tmp_path / "first", tmp_path / "second"]
    for run_dir in runs:
        summary = train_pendulum(settings, run_dir, log, total=300, every=150)
        assert summary["num_timesteps"] == 300 and summary["resumed_from"] is None

    curves = [pd.read_csv(run_dir / "learning_curve.csv") for run_dir in runs]
    assert list(curves[0].columns) == ["timesteps", "wall_time_s", "objective", "mean_abs_action"]
    assert curves[0]["timesteps"].iloc[[0, -1]].tolist() == [0, 300]
    pd.testing.assert_frame_equal(
        curves[0].drop(columns="wall_time_s"), curves[1].drop(columns="wall_time_s")
    )
    monitors = [pd.read_csv(run_dir / "monitor.csv", skiprows=1) for run_dir in runs]
    assert len(monitors[0]) == settings.n_envs * (300 // settings.n_envs // EPISODE_STEPS)
    pd.testing.assert_frame_equal(monitors[0][["r", "l"]], monitors[1][["r", "l"]])
    np.testing.assert_array_equal(policy_outputs(runs[0]), policy_outputs(runs[1]))

    record = load_yaml(runs[0] / "config.yaml")
    assert record["hyperparameters"] == settings.record()
    assert (record["algo"], record["seed"], record["preset"], record["device"]) == (algo, SEED, "test", "cpu")
    assert record["versions"]["stable-baselines3"] == "2.9.2" and record["steps_per_second"] > 0
    assert {"vecnormalize.pkl", "model.zip"} <= {path.name for path in runs[0].iterdir()}
    assert not list((runs[0] / "checkpoints").iterdir()), "checkpoints outlive a finished run"
    assert re.search("checkpoint at (150|200) steps", caplog.text)  # the first rollout boundary from 150 on


def test_loaded_policy_repeats_the_selected_evaluation(tmp_path: Path, log: logging.Logger) -> None:
    """The run keeps its best model on validation, and load_policy applies the saved observation
    normalisation, as the policy evaluated in training did."""
    train_pendulum(settings_for("a2c"), tmp_path, log, total=300, every=100)
    curve = pd.read_csv(tmp_path / "learning_curve.csv")
    best = curve.loc[curve["objective"].idxmin()]
    assert (
        evaluate_on_pendulum(lambda env: load_policy(tmp_path))
        == best[["objective", "mean_abs_action"]].to_dict()
    )
    record = load_yaml(tmp_path / "config.yaml")
    assert record["model_selection"] == "best_validation"
    assert record["selected_model"] == {
        "timesteps": best["timesteps"],
        "validation_score": best["objective"],
    }
    assert not (tmp_path / "selected").exists()
    (tmp_path / "vecnormalize.pkl").unlink()
    assert evaluate_on_pendulum(lambda env: load_policy(tmp_path))["objective"] != best["objective"]


def test_selection_rule(tmp_path: Path) -> None:
    best, nan = "best_validation", float("nan")
    assert replaces(best, SelectedModel(200, 1.0), SelectedModel(100, 2.0))
    assert not replaces(best, SelectedModel(200, 2.0), SelectedModel(100, 2.0))  # a tie keeps the earlier
    assert replaces("final", SelectedModel(200, 3.0), SelectedModel(100, 2.0))
    assert replaces(best, SelectedModel(0, nan), None)
    assert not replaces(best, SelectedModel(200, nan), SelectedModel(100, 2.0))
    assert replaces(best, SelectedModel(200, 5.0), SelectedModel(100, nan))
    with pytest.raises(ValueError, match="model selection 'best'"):
        ModelSelector("best", tmp_path, 0.0)


def test_the_selection_score_charges_unmet_ev_energy_as_the_reward_does() -> None:
    assert (
        selection_score({"objective": 100.0, "ev_unmet_kwh": 30.0, "import_over_limit_kwh": 0.0}, 2.0)
        == 160.0
    )
    # An import above the connection's limit costs the lost-load weight: 10 × the unmet weight.
    assert (
        selection_score({"objective": 100.0, "ev_unmet_kwh": 0.0, "import_over_limit_kwh": 1.0}, 2.0) == 120.0
    )
    assert selection_score({"objective": 100.0}, 0.0) == 100.0


@pytest.mark.parametrize(
    ("selection", "kept"),
    [("best_validation", 1), ("final", -1)],  # evaluations at 0, 100, 200, 300, 400; a tie keeps the earlier
)
def test_the_scored_model_is_the_selected_one(
    selection: str, kept: int, tmp_path: Path, log: logging.Logger
) -> None:
    validation = ScriptedValidation(tmp_path, [5.0, 2.0, 3.0, 2.0, 4.0])
    train_pendulum(
        settings_for("a2c"), tmp_path, log, total=400, every=100, evaluate=validation, selection=selection
    )
    curve = pd.read_csv(tmp_path / "learning_curve.csv")
    assert curve["objective"].tolist() == validation.objectives
    np.testing.assert_array_equal(policy_outputs(tmp_path), validation.probes[kept])
    assert not np.array_equal(validation.probes[1], validation.probes[-1])  # the two models differ
    record = load_yaml(tmp_path / "config.yaml")
    assert record["model_selection"] == selection
    assert record["selected_model"] == {
        "timesteps": int(curve["timesteps"].iloc[kept]),
        "validation_score": validation.objectives[kept],
    }


class Crash(RuntimeError):
    pass


def crash_after(evaluations: int, evaluate_policy: Any = evaluate_on_pendulum) -> Any:
    calls = []

    def evaluate(policy: Policy) -> Mapping[str, float]:
        calls.append(1)
        if len(calls) > evaluations:
            raise Crash
        return evaluate_policy(policy)

    return evaluate


def test_ppo_resumes_after_a_crash(
    tmp_path: Path, log: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings = settings_for("ppo")
    crashed, copy, uninterrupted = tmp_path / "run", tmp_path / "copy", tmp_path / "uninterrupted"
    # The best model is the one at 200 steps, evaluated before the crash: the resumed run must keep it.
    objectives = [3.0, 1.0, 2.0, 4.0]
    with pytest.raises(Crash):  # evaluations at 0 and 200 (then the checkpoint), crash at 400
        train_pendulum(
            settings,
            crashed,
            log,
            total=600,
            every=200,
            evaluate=crash_after(2, ScriptedValidation(crashed, objectives)),
        )
    shutil.copytree(crashed, copy)
    summary = train_pendulum(
        settings, crashed, log, total=600, every=200, evaluate=ScriptedValidation(crashed, objectives)
    )
    assert "resuming from checkpoint at 200 steps" in caplog.text
    assert summary["resumed_from"] == 200 and summary["num_timesteps"] == 600
    curve = pd.read_csv(crashed / "learning_curve.csv")
    assert curve["timesteps"].tolist() == [0, 200, 400, 600]
    # 2 envs: one episode each before the checkpoint (kept), none of the crashed session's, 2 each after it
    assert len(pd.read_csv(crashed / "monitor.csv", skiprows=1)) == 2 + 4

    assert summary["selected_model"] == {"timesteps": 200, "validation_score": 1.0}

    # the same checkpoint resumed again
    train_pendulum(settings, copy, log, total=600, every=200, evaluate=ScriptedValidation(copy, objectives))
    pd.testing.assert_frame_equal(
        pd.read_csv(copy / "learning_curve.csv").drop(columns="wall_time_s"),
        curve.drop(columns="wall_time_s"),
    )
    train_pendulum(
        settings,
        uninterrupted,
        log,
        total=600,
        every=200,
        evaluate=ScriptedValidation(uninterrupted, objectives),
    )
    for run in (crashed, copy):
        np.testing.assert_array_equal(policy_outputs(run), policy_outputs(uninterrupted))


def test_a_checkpoint_of_other_hyperparameters_is_not_resumed(
    tmp_path: Path, log: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with pytest.raises(Crash):
        train_pendulum(settings_for("a2c"), tmp_path, log, total=200, every=100, evaluate=crash_after(2))
    summary = train_pendulum(settings_for("a2c", learning_rate=5e-4), tmp_path, log, total=200, every=100)
    assert "removed checkpoints of another configuration" in caplog.text
    assert summary["resumed_from"] is None and summary["num_timesteps"] == 200


@pytest.mark.parametrize("algo", ["td3", "tqc"])  # SAC: tests/test_train_workflow.py kills its job
def test_resumes_after_sigkill_with_its_replay_buffer(
    algo: str, tmp_path: Path, log: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    """A real kill: a training job in a subprocess gets SIGKILL as soon as its first checkpoint exists. The
    best model (at 200 steps) comes before the kill: the resumed run keeps it, as an uninterrupted run."""
    caplog.set_level(logging.INFO)
    total, every, objectives = 600, 200, [3.0, 1.0, 2.0, 4.0]
    run, uninterrupted = tmp_path / "run", tmp_path / "uninterrupted"
    job = (
        f"import logging, sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from pathlib import Path\n"
        "from test_rl_training import ScriptedValidation, settings_for, train_pendulum\n"
        f"run = Path({str(run)!r})\n"
        f"train_pendulum(settings_for({algo!r}), run, logging.getLogger(), {total}, {every}, "
        f"evaluate=ScriptedValidation(run, {objectives}))\n"
    )
    process = subprocess.Popen([sys.executable, "-c", job], stderr=subprocess.DEVNULL)
    try:
        while not list((run / "checkpoints").glob("steps_*")):
            assert process.poll() is None, "the job ended before its first checkpoint"
            time.sleep(0.02)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert not (run / "config.yaml").exists()
    (checkpoint,) = (run / "checkpoints").glob("steps_*")
    done = int(checkpoint.name.removeprefix("steps_"))
    assert 0 < done < total

    summary = train_pendulum(settings_for(algo), run, log, total, every, ScriptedValidation(run, objectives))
    assert f"resuming from checkpoint at {done} steps" in caplog.text
    assert f"restored a replay buffer of {done} transitions" in caplog.text
    assert summary["resumed_from"] == done and summary["num_timesteps"] == total
    curve = pd.read_csv(run / "learning_curve.csv")["timesteps"].tolist()
    assert curve == sorted(set(curve)) and curve[0] == 0 and curve[-1] == total

    assert summary["selected_model"] == {"timesteps": every, "validation_score": 1.0}
    kept = train_pendulum(
        settings_for(algo), uninterrupted, log, total, every, ScriptedValidation(uninterrupted, objectives)
    )
    assert kept["selected_model"] == summary["selected_model"]
    np.testing.assert_array_equal(policy_outputs(run), policy_outputs(uninterrupted))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU")
def test_sac_trains_on_the_gpu(tmp_path: Path, log: logging.Logger) -> None:
    """SB3 on torch is the GPU path (sbx trains on the CPU)."""
    summary = train_pendulum(
        settings_for("sac", backend="sb3"), tmp_path, log, total=200, every=100, device="cuda:0"
    )
    assert summary["device"] == "cuda:0"
    assert load_yaml(tmp_path / "config.yaml")["gpu"]
