"""SB3 callbacks of a training run: progress bar and log lines, periodic evaluation (learning curve and model
selection) and checkpoints.

Evaluations and checkpoints happen at the start of a rollout, the one point where the model is consistent
for both kinds of algorithm: the previous update is done and SAC's replay buffer holds every step counted
(at `on_step` SB3 has counted a step it has not stored or trained on yet). They therefore fall on the first
rollout boundary at or after each multiple of their interval.
"""

import csv
import logging
import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from stable_baselines3.common.callbacks import BaseCallback
from tqdm import tqdm

from solarev.env.gym_env import Policy
from solarev.env.socket_grouping import AgentActions
from solarev.rl.checkpoints import CheckpointStore
from solarev.rl.policy import deterministic_policy
from solarev.rl.selection import ModelSelector

# The model's policy on the env an evaluation acts on (a policy on grouped sockets dispatches by its state).
PolicyOnEnv = Callable[[Any], Policy]
EvaluatePolicy = Callable[[PolicyOnEnv], Mapping[str, float]]
PROGRESS_LOG_SHARE = 0.05  # a progress line in the log every 5 % of the budget


def following_multiple(value: int, interval: int) -> int:
    """The smallest multiple of `interval` above `value`."""
    return (value // interval + 1) * interval


class Clock:
    """Wall time of a run over all its sessions (a resumed run continues the interrupted one's clock)."""

    def __init__(self, earlier_sessions_s: float = 0.0):
        self.earlier_sessions_s = earlier_sessions_s
        self.session_start = time.perf_counter()

    def elapsed_s(self) -> float:
        return self.earlier_sessions_s + time.perf_counter() - self.session_start


class ProgressCallback(BaseCallback):
    """A progress bar on the terminal (not when stderr is not a terminal) and a log line every 5 %."""

    def __init__(self, total_timesteps: int, log: logging.Logger):
        super().__init__()
        self.total_timesteps = total_timesteps
        self.log = log
        self.log_every = max(1, math.ceil(total_timesteps * PROGRESS_LOG_SHARE))

    def _on_training_start(self) -> None:
        self.session_start = (self.model.num_timesteps, time.perf_counter())
        self.next_log = following_multiple(self.model.num_timesteps, self.log_every)
        self.bar = tqdm(
            total=self.total_timesteps,
            initial=self.model.num_timesteps,
            unit="step",
            disable=None,
            smoothing=0.1,
        )

    def _on_step(self) -> bool:
        self.bar.update(self.training_env.num_envs)
        if self.num_timesteps >= self.next_log:
            self.next_log = following_multiple(self.num_timesteps, self.log_every)
            start_steps, start_time = self.session_start
            rate = (self.num_timesteps - start_steps) / max(time.perf_counter() - start_time, 1e-9)
            remaining_min = (self.total_timesteps - self.num_timesteps) / rate / 60
            self.log.info(
                "%d/%d steps (%.0f %%), %.1f steps/s, about %.1f min left",
                self.num_timesteps,
                self.total_timesteps,
                100 * self.num_timesteps / self.total_timesteps,
                rate,
                remaining_min,
            )
        return True

    def _on_training_end(self) -> None:
        self.bar.close()


class EvaluationCallback(BaseCallback):
    """Scores the deterministic policy every `every` steps and at the end; appends the KPIs to the learning
    curve CSV (timesteps, wall_time_s, one column per KPI) and offers the model to `selector`.
    `actions` as in deterministic_policy."""

    def __init__(
        self,
        evaluate: EvaluatePolicy,
        selector: ModelSelector,
        every: int,
        curve_path: Path,
        clock: Clock,
        log: logging.Logger,
        first_at: int,
        actions: AgentActions | None = None,
    ):
        super().__init__()
        self.evaluate = evaluate
        self.selector = selector
        self.actions = actions
        self.every = every
        self.curve_path = curve_path
        self.clock = clock
        self.log = log
        self.next_at = first_at
        self.last_at: int | None = None
        self.seconds = 0.0  # spent evaluating in this session, kept out of the training speed

    def _on_rollout_start(self) -> None:
        if self.model.num_timesteps >= self.next_at:
            self.evaluate_now()

    def _on_step(self) -> bool:
        return True

    def _on_training_end(self) -> None:
        if self.last_at != self.model.num_timesteps:
            self.evaluate_now()

    def evaluate_now(self) -> None:
        steps, wall_time_s = self.model.num_timesteps, self.clock.elapsed_s()
        started = time.perf_counter()
        model, normalizer = self.model, self.model.get_vec_normalize_env()
        kpis = self.evaluate(lambda env: deterministic_policy(model, normalizer, self.actions, env))
        selected = self.selector.offer(self.model, kpis)
        self.seconds += time.perf_counter() - started
        row = {"timesteps": steps, "wall_time_s": round(wall_time_s, 3), **kpis}
        new_file = not self.curve_path.exists()
        with open(self.curve_path, "a", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(row))
            if new_file:
                writer.writeheader()
            writer.writerow(row)
        self.log.info(
            "evaluation at %d steps: %s%s",
            steps,
            ", ".join(f"{name} {value:.4g}" for name, value in kpis.items()),
            " (selected)" if selected else "",
        )
        self.last_at = steps
        self.next_at = following_multiple(steps, self.every)


class CheckpointCallback(BaseCallback):
    """Writes a checkpoint every `every` steps (after the evaluation due at the same step, so that the
    checkpoint's learning curve includes it: put this callback after EvaluationCallback)."""

    def __init__(self, store: CheckpointStore, every: int, run_dir: Path, clock: Clock, log: logging.Logger):
        super().__init__()
        self.store = store
        self.every = every
        self.run_dir = run_dir
        self.clock = clock
        self.log = log

    def _on_training_start(self) -> None:
        self.next_at = following_multiple(self.model.num_timesteps, self.every)

    def _on_rollout_start(self) -> None:
        if self.model.num_timesteps >= self.next_at:
            checkpoint = self.store.save(self.model, self.run_dir, self.clock.elapsed_s())
            self.log.info("checkpoint at %d steps in %s", checkpoint.num_timesteps, checkpoint.folder)
            self.next_at = following_multiple(checkpoint.num_timesteps, self.every)

    def _on_step(self) -> bool:
        return True
