"""Training cost of each algorithm of a preset (default: the study's `default`) on the default site's numpy
twin (solarev.env.fast), side by side for the reference implementation (SB3 on torch, backend sb3) and the
other backend where the algorithm has one (sbx, JAX; solarev.rl.presets.BACKENDS): the preset's entry with
only its backend changed, built as solarev.rl.training builds it (the agent's socket groups and battery
action, n_envs, VecNormalize, one CPU thread; on the CPU, or with --device cuda the reference's runs on
the GPU, SB3's GPU path, while sbx stays on the CPU). Per run: environment steps per second, CPU-seconds
per 1,000 steps (every thread of the process counted) and the study's CPU-minutes extrapolated:
training.total_timesteps x len(training.seeds) runs per algorithm, evaluations and checkpoints left out.

    .venv/bin/python benchmarks/bench_training.py                        # the default site, generated afresh
    .venv/bin/python benchmarks/bench_training.py --resources resources --steps 1000 --algos sac
    .venv/bin/python benchmarks/bench_training.py --set train_freq=8 gradient_steps=4 --algos sac
    .venv/bin/python benchmarks/bench_training.py --preset original --algos sac --steps 500 --device cuda

Timing starts one rollout after SAC's learning_starts (steps without gradient updates are not
representative, and sbx compiles its update on the first one: seconds once per run) and covers whole
rollouts, updates included. Run it on an otherwise idle machine: CPU-seconds are steadier than steps/s
when other work shares the cores, not immune to it.
"""

import math
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
import yaml
from bench_env import prepare, site_parser
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm

from solarev.env.fast import make_fast_env
from solarev.env.socket_grouping import AgentActions, socket_groups
from solarev.rl.callbacks import Clock
from solarev.rl.presets import BACKENDS, AgentSettings, agent_settings, job_params
from solarev.rl.runtime import limit_threads
from solarev.rl.training import new_model, rollout_steps, training_env
from solarev.site.model import Site

REPO = Path(__file__).resolve().parents[1]
REFERENCE = "sb3"


class RolloutTimer(BaseCallback):
    """Steps, wall seconds and CPU seconds from the first rollout at or after `from_step` to the end of
    training."""

    def __init__(self, from_step: int):
        super().__init__()
        self.from_step = from_step
        self.start: tuple[int, float, float] | None = None

    def _on_rollout_start(self) -> None:
        if self.start is None and self.model.num_timesteps >= self.from_step:
            self.start = (self.model.num_timesteps, time.perf_counter(), time.process_time())

    def _on_step(self) -> bool:
        return True

    def rates(self) -> tuple[float, float]:
        """Steps per second and CPU-seconds per 1,000 steps."""
        steps, wall, cpu = self.start
        done = self.model.num_timesteps - steps
        return done / (time.perf_counter() - wall), 1000 * (time.process_time() - cpu) / done


def variant(entry: dict[str, Any], preset: str, algo: str, backend: str) -> AgentSettings:
    """The preset's entry on `backend`."""
    return agent_settings(entry | {"backend": backend}, preset, algo)


def backend_device(backend: str, requested: str) -> str:
    """Where `backend` trains when `requested`: sbx trains on the CPU only."""
    return requested if backend == REFERENCE else "cpu"


def measure(
    settings: AgentSettings, site: Site, config: dict, steps: int, workdir: Path, device: str
) -> tuple[float, float]:
    """Steps per second and CPU-seconds per 1,000 steps over at least `steps` timed steps (whole rollouts)
    of the agent on the training weeks of the site's twin, trained on `device`."""
    groups = socket_groups(settings.ev_action_groups, site.socket_power_kw, site.socket_battery_kwh)
    env = training_env(
        lambda seed: make_fast_env(site, config["episodes"], config["env"], "training"),
        settings,
        0,
        workdir / f"{settings.algo}-{settings.backend}.monitor.csv",
        Clock(),
        False,
        AgentActions(groups, settings.battery_action),
    )
    model = new_model(settings, env, seed=0, device=device)
    rollout = rollout_steps(model)
    warmup = model.learning_starts if isinstance(model, OffPolicyAlgorithm) else 0
    timer = RolloutTimer((math.ceil(warmup / rollout) + 1) * rollout)
    model.learn(timer.from_step + math.ceil(steps / rollout) * rollout, callback=timer)
    env.close()
    return timer.rates()


def main() -> None:
    parser = site_parser(__doc__)
    parser.add_argument("--preset", default="default")
    parser.add_argument("--algos", nargs="+", help="default: the config's training.algorithms")
    parser.add_argument("--steps", type=int, default=2000, help="timed steps, rounded up to whole rollouts")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="the reference's device")
    parser.add_argument(
        "--set", nargs="+", default=[], metavar="KEY=VALUE", help="change the entry's keys on every backend"
    )
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: torch sees no GPU here")
    limit_threads(1)  # as rule train runs: one thread per job
    changes = {key: yaml.safe_load(value) for key, value in (item.split("=", 1) for item in args.set)}
    with tempfile.TemporaryDirectory() as folder:
        site, config = prepare(args, Path(folder))
        training = config["training"]
        algorithms = args.algos or training["algorithms"]
        runs = training["total_timesteps"] * len(training["seeds"])
        entries = job_params(REPO / "config" / "agents.yaml", args.preset, algorithms)
        print(f"preset {args.preset}{' with ' + str(changes) if changes else ''}, {args.config} site's twin")
        columns = ("algo", "backend", "device", "steps/s", "CPU-s/1000 steps", "study CPU-min")
        widths = ("<6", "<8", "<6", ">8", ">17", ">14")
        print(" ".join(f"{name:{width}}" for name, width in zip(columns, widths, strict=True)))
        totals = {"reference (sb3)": 0.0, "the preset's backends": 0.0}
        for algo in algorithms:
            entry = entries[algo] | changes
            chosen = entry.get("backend", REFERENCE)
            for backend in (name for name, implemented in BACKENDS.items() if algo in implemented):
                device = backend_device(backend, args.device)
                settings = variant(entry, args.preset, algo, backend)
                rate, cpu_s = measure(settings, site, config, args.steps, Path(folder), device)
                minutes = runs * cpu_s / 1000 / 60
                totals["reference (sb3)"] += minutes if backend == REFERENCE else 0.0
                totals["the preset's backends"] += minutes if backend == chosen else 0.0
                mark = " (the preset's)" if backend == chosen else ""
                print(
                    f"{algo:<6} {backend:<8} {device:<6} {rate:>8.0f} {cpu_s:>17.2f} {minutes:>14.1f}{mark}",
                    flush=True,
                )
    reference = totals["reference (sb3)"]
    print(
        f"study training ({', '.join(algorithms)} x {len(training['seeds'])} seeds x "
        f"{training['total_timesteps']} steps), CPU-minutes: "
        + ", ".join(f"{name} {minutes:.1f} ({minutes / reference:.2f})" for name, minutes in totals.items())
    )


if __name__ == "__main__":
    main()
