"""Training speed (environment steps per second) of SAC, PPO and A2C with the `original` and `default`
presets, on a stand-in environment with the Iquitos sizes: 440 observations and 129 actions in [-1, 1], as
the preset's agent sees them (its sockets grouped, solarev.env.socket_grouping), random dynamics whose step
costs next to nothing, so the figures are the agents' own cost (the real simulator adds its own). Models
are built as solarev.rl.training builds them (n_envs, VecNormalize, one torch thread, CPU).

    .venv/bin/python benchmarks/bench_training.py
    .venv/bin/python benchmarks/bench_training.py --presets default --algos ppo a2c --steps 4000

Timing starts at the first rollout after SAC's learning_starts (steps without gradient updates are not
representative) and covers whole rollouts, updates included. The last column extrapolates the default
study: training.total_timesteps per run, training.seeds runs per algorithm, shared by --cores parallel jobs.
"""

import argparse
import math
import tempfile
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm

from solarev.config import load_yaml
from solarev.env.gym_env import SOCKET_FEATURES
from solarev.env.socket_grouping import socket_groups
from solarev.rl.callbacks import Clock
from solarev.rl.presets import ALGORITHMS, load_agent_settings
from solarev.rl.training import new_model, rollout_steps, training_env

REPO = Path(__file__).resolve().parents[1]
# The Iquitos env's observations at env.forecast_steps 10 (the default study's SAC, grouped per vehicle
# class, sees 62 = 440 - 3 x 126); a week of 30-minute steps.
OBSERVATIONS, EPISODE_STEPS = 440, 336
# 28 moto chargers (2 kW, 3 kWh batteries) and 4 mototaxi chargers (3 kW, 6 kWh), 4 sockets each.
SOCKET_POWER_KW = np.array([2.0] * 112 + [3.0] * 16)
SOCKET_BATTERY_KWH = np.array([3.0] * 112 + [6.0] * 16)


def agent_space_sizes(ev_action_groups: str) -> tuple[int, int]:
    """Observations and actions of the Iquitos env as an agent with these socket groups sees it."""
    n_sockets = len(SOCKET_POWER_KW)
    n_groups = int(socket_groups(ev_action_groups, SOCKET_POWER_KW, SOCKET_BATTERY_KWH).max()) + 1
    return OBSERVATIONS - len(SOCKET_FEATURES) * (n_sockets - n_groups), 1 + n_groups


class IquitosSizedEnv(gym.Env):
    """Random observations and a cheap reward, with the space sizes of the Iquitos site as the agent sees
    it."""

    def __init__(self, seed: int, n_observations: int, n_actions: int):
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (n_observations,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (n_actions,), np.float32)
        self.rng = np.random.default_rng(seed)
        self.steps = 0

    def observe(self) -> np.ndarray:
        return self.rng.standard_normal(self.observation_space.shape).astype(np.float32)

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.steps = 0
        return self.observe(), {}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict]:
        self.steps += 1
        reward = -float(np.mean(np.square(action))) + float(self.rng.standard_normal())
        return self.observe(), reward, self.steps >= EPISODE_STEPS, False, {}


class RolloutTimer(BaseCallback):
    """Steps and seconds from the first rollout at or after `from_step` to the end of training."""

    def __init__(self, from_step: int):
        super().__init__()
        self.from_step = from_step
        self.start: tuple[int, float] | None = None

    def _on_rollout_start(self) -> None:
        if self.start is None and self.model.num_timesteps >= self.from_step:
            self.start = (self.model.num_timesteps, time.perf_counter())

    def _on_step(self) -> bool:
        return True

    def steps_per_second(self) -> float:
        steps, started = self.start
        return (self.model.num_timesteps - steps) / (time.perf_counter() - started)


def measure(preset: str, algo: str, steps: int, workdir: Path) -> tuple[float, int]:
    """Steps per second over at least `steps` timed steps (whole rollouts), and the steps timed."""
    settings = load_agent_settings(REPO / "config" / "agents.yaml", preset, algo)
    sizes = agent_space_sizes(settings.ev_action_groups)
    monitor = workdir / f"{preset}-{algo}.monitor.csv"
    env = training_env(lambda seed: IquitosSizedEnv(seed, *sizes), settings, 0, monitor, Clock(), False)
    model = new_model(settings, env, seed=0, device="cpu")
    warmup = model.learning_starts if isinstance(model, OffPolicyAlgorithm) else 0
    rollout = rollout_steps(model)
    timed = math.ceil(steps / rollout) * rollout
    timer = RolloutTimer(math.ceil(warmup / rollout) * rollout)
    model.learn(timer.from_step + timed, callback=timer)
    env.close()
    return timer.steps_per_second(), timed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--presets", nargs="+", default=["original", "default"])
    parser.add_argument("--algos", nargs="+", choices=ALGORITHMS, default=list(ALGORITHMS))
    parser.add_argument("--steps", type=int, default=256, help="timed steps, rounded up to whole rollouts")
    parser.add_argument("--cores", type=int, default=4, help="parallel jobs assumed by the study estimate")
    parser.add_argument("--config", default=REPO / "config" / "config.yaml")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as in training: one thread per job
    training = load_yaml(args.config)["training"]
    runs_per_algo, budget = len(training["seeds"]), training["total_timesteps"]

    print(f"{'preset':<9} {'algo':<4} {'timed steps':>11} {'steps/s':>8} {'min per run':>11}")
    study_minutes = dict.fromkeys(args.presets, 0.0)
    with tempfile.TemporaryDirectory() as folder:
        for preset in args.presets:
            for algo in args.algos:
                rate, timed = measure(preset, algo, args.steps, Path(folder))
                minutes = budget / rate / 60
                study_minutes[preset] += runs_per_algo * minutes / args.cores
                print(f"{preset:<9} {algo:<4} {timed:>11} {rate:>8.1f} {minutes:>11.1f}", flush=True)
    for preset, minutes in study_minutes.items():
        print(
            f"{preset}: {len(args.algos)} algorithms x {runs_per_algo} seeds x {budget} steps "
            f"on {args.cores} cores: about {minutes / 60:.1f} h of agent time "
            "(simulator and evaluations not included)"
        )


if __name__ == "__main__":
    main()
