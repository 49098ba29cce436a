"""Speed and yardsticks of the CityLearn site: steps/s of raw CityLearn, of the SB3 wrapper on the same
site (the wrapper should keep >= 0.9 of raw) and of the numpy twin (solarev.env.fast, single env and
--n-envs in a DummyVecEnv; target >= 50x raw CityLearn), the twin's largest difference from CityLearn over
a timed episode, and CO2 per test week for uncontrolled, rule_based and the optimum with the LP-vs-replay
gap (the LP's build and solve times: benchmarks/bench_lp.py; the MPC and the tuned rule:
benchmarks/bench_mpc.py).

    .venv/bin/python benchmarks/bench_env.py                     # the default site, generated afresh
    .venv/bin/python benchmarks/bench_env.py --resources resources --config config/config.yaml

Without --resources it runs the workflow's site stage (`snakemake resources/bess.json`) for --config into a
temporary folder: the same generators, seeds and files as the study.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
from citylearn.citylearn import CityLearnEnv
from stable_baselines3.common.vec_env import DummyVecEnv

from solarev.config import load_yaml
from solarev.env.citylearn_env import make_env
from solarev.env.fast import make_fast_env
from solarev.env.gym_env import EpisodeRecord, SiteEnv
from solarev.env.schema import write_citylearn_site
from solarev.evaluate.controllers import evaluate_controller
from solarev.site.model import Site, load_site, site_files

REPO = Path(__file__).resolve().parents[1]
# The controllers that need neither forecasts nor tuning.
CONTROLLERS = ("uncontrolled", "rule_based", "optimum")


def raw_episode(env: CityLearnEnv, rng: np.random.Generator) -> int:
    env.reset()
    low, high = env.action_space[0].low, env.action_space[0].high
    steps = 0
    while not env.terminated:
        env.step([rng.uniform(low, high)])
        steps += 1
    return steps


def random_actions(env: SiteEnv, seed: int) -> np.ndarray:
    """One episode of the env's first window in random actions (float32, as an SB3 policy gives them)."""
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (env.windows[0].n_steps, *env.action_space.shape)).astype(np.float32)


def site_env_episodes(env: SiteEnv, actions: np.ndarray, episodes: int = 1) -> int:
    """Steps taken by `episodes` runs of the first window with `actions`."""
    for _ in range(episodes):
        env.reset(options={"window": 0})
        for action in actions:
            env.step(action)
    return episodes * len(actions)


def steps_per_second(schema_path: Path, env: SiteEnv, twin: SiteEnv, episodes: int) -> dict[str, float]:
    """Best steps/s of raw CityLearn, the wrapper and the twin on the env's first window, episodes
    interleaved so that other load on the machine hits all alike; the twin gets more (short) episodes."""
    raw = CityLearnEnv(schema_path, central_agent=True, offline=True, render_mode="none")
    window = env.windows[0]
    raw.episode_time_steps = [(window.start, window.end)]
    rng = np.random.default_rng(0)
    best = {"raw CityLearn": 0.0, "wrapper": 0.0, "twin": 0.0}
    for episode in range(episodes):
        actions = random_actions(env, episode)
        runs = {
            "raw CityLearn": partial(raw_episode, raw, rng),
            "wrapper": partial(site_env_episodes, env, actions),
            "twin": partial(site_env_episodes, twin, actions, 10),
        }
        for name, run in runs.items():
            started = time.perf_counter()
            steps = run()
            best[name] = max(best[name], steps / (time.perf_counter() - started))
    return best


def vec_steps_per_second(make: Callable[[], SiteEnv], n_envs: int, n_steps: int) -> float:
    """Steps/s (summed over envs) of `n_envs` twins in a DummyVecEnv, resets on episode ends included."""
    venv = DummyVecEnv([make] * n_envs)
    venv.seed(0)
    venv.reset()
    actions = np.random.default_rng(0).uniform(-1, 1, (n_steps, n_envs, *venv.action_space.shape))
    started = time.perf_counter()
    for action in actions.astype(np.float32):
        venv.step(action)
    return n_steps * n_envs / (time.perf_counter() - started)


def largest_differences(env: SiteEnv, twin: SiteEnv, actions: np.ndarray) -> dict[str, float]:
    """The same episode through CityLearn and the twin: largest |difference| per series, relative to the
    series' largest magnitude."""
    records: list[EpisodeRecord] = []
    for simulator in (env, twin):
        site_env_episodes(simulator, actions)
        records.append(simulator.episode_record())
    names = ["pv_kwh", "load_kwh", "net_kwh", "co2_kg", "bess_kwh", "bess_soc", "ev_kwh", "ev_delivered_kwh"]
    return {
        name: float(
            np.abs(getattr(records[0], name) - getattr(records[1], name)).max()
            / max(np.abs(getattr(records[0], name)).max(), 1e-9)
        )
        for name in names
    }


def generated_site(config_path: Path, workdir: Path) -> Path:
    """The site stage of the workflow run for `config_path` in `workdir`; its resources/ folder."""
    snakemake = Path(sys.executable).with_name("snakemake")
    command = [str(snakemake), "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir)]
    command += ["--configfile", str(config_path), "--cores", "2", "--quiet", "--", "resources/bess.json"]
    subprocess.run(command, check=True)
    return workdir / "resources"


def prepare(args: argparse.Namespace, workdir: Path) -> tuple[Site, dict]:
    config = load_yaml(args.config)
    resources = Path(args.resources) if args.resources else generated_site(Path(args.config), workdir)
    return load_site(site_files(resources), config["site"], config["bess"], config["grid"]), config


def site_parser(description: str) -> argparse.ArgumentParser:
    """The command line of a benchmark on one site: --resources (or generated) and --config."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--resources", help="the site stage's outputs (default: generated)")
    parser.add_argument("--config", default=REPO / "config" / "config.yaml")
    return parser


def main() -> None:
    parser = site_parser(__doc__)
    parser.add_argument("--episodes", type=int, default=3, help="timed episodes per simulator (best kept)")
    parser.add_argument("--n-envs", type=int, default=8, help="twins in the DummyVecEnv")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        site, config = prepare(args, Path(folder))
        schema_path = write_citylearn_site(site, config["env"]["random_seed"], Path(folder) / "citylearn")
        print(
            f"site: {site.n_steps} steps, {site.n_sockets} sockets, {len(site.sessions)} sessions, ", end=""
        )
        print(f"schema written in {time.perf_counter() - started:.1f} s")

        env = make_env(site, schema_path, config["episodes"], config["env"], "test")
        twin = make_fast_env(site, config["episodes"], config["env"], "test")
        speeds = steps_per_second(schema_path, env, twin, args.episodes)
        speeds[f"{args.n_envs} twins in a DummyVecEnv"] = vec_steps_per_second(
            lambda: make_fast_env(site, config["episodes"], config["env"], "training"), args.n_envs, 2000
        )
        raw = speeds["raw CityLearn"]
        print(f"steps/s on test week {env.windows[0].label} (x raw CityLearn):")
        for name, speed in speeds.items():
            print(f"  {name}: {speed:,.1f} (x{speed / raw:,.2f})")
        differences = largest_differences(env, twin, random_actions(env, seed=1))
        print("twin vs CityLearn, one random episode, largest relative difference per series:")
        print("  " + ", ".join(f"{name} {difference:.1e}" for name, difference in differences.items()))

        co2 = {}
        for name in CONTROLLERS:
            evaluation, dispatches = evaluate_controller(name, env, config["control"])
            co2[name] = evaluation.kpis["co2_kg"]
            for dispatch in dispatches:
                replayed = co2[name][dispatch.window.label]
                gap = (replayed - dispatch.co2_kg) / dispatch.co2_kg
                label = dispatch.window.label
                print(f"week {label}: LP {dispatch.co2_kg:.2f} kg, replay {replayed:.2f} kg, gap {gap:+.2e}")
        print("kg CO2 per test week:")
        for label in co2["uncontrolled"].index:
            row = ", ".join(f"{name} {co2[name][label]:.1f}" for name in CONTROLLERS)
            saving = 1 - co2["optimum"][label] / co2["uncontrolled"][label]
            print(f"  week {label}: {row}; optimum saves {saving:.2%}")


if __name__ == "__main__":
    main()
