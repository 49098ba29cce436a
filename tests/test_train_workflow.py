"""The real Snakemake runs of rules train and evaluate.

Output checks read the session's `tiny_run` (rule all on config/test.yaml, every algorithm and seed on the
configured simulator). The rerun, determinism and kill tests use a staged workflow of their own (rules
common, env and train on synthetic site files) that trains in CityLearn, so both training simulators run.
"""

import json
import os
import shutil
import signal
import subprocess
import time
from functools import partial
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr
import yaml
from conftest import TEST_CONFIG, TINY_SPEC
from snakemake_runner import REPO, SNAKEMAKE, run_snakemake
from synthetic import write_synthetic_site

from solarev.config import load_yaml
from solarev.env.fast import simulator_env
from solarev.evaluate.runs import mean_kpis
from solarev.rl.policy import load_policy
from solarev.site.model import load_site, site_files

TRAINING = TEST_CONFIG["training"]
RUNS = [(algo, seed) for algo in TRAINING["algorithms"] for seed in TRAINING["seeds"]]
RUN_FILES = ("model.zip", "vecnormalize.pkl", "config.yaml", "monitor.csv", "learning_curve.csv")
STAGED = [f"results/agents/{algo}/seed0/kpis.json" for algo in ("sac", "ppo")]


def run_dir(workdir: Path, algo: str, seed: int) -> Path:
    return workdir / "results" / "agents" / algo / f"seed{seed}"


def best_on_validation(folder: Path) -> dict[str, float]:
    """The learning curve's first evaluation with the lowest validation objective plus unmet penalty, as
    config.yaml's selected_model records it."""
    curve = pd.read_csv(folder / "learning_curve.csv")
    score = curve["objective"] + TEST_CONFIG["env"]["unmet_energy_weight"] * curve["ev_unmet_kwh"]
    best = curve.loc[score.idxmin()]
    return {"timesteps": int(best["timesteps"]), "validation_score": float(score[best.name])}


@pytest.mark.parametrize(("algo", "seed"), RUNS)
def test_every_agent_trains_and_is_evaluated(tiny_run: Path, algo: str, seed: int) -> None:
    folder = run_dir(tiny_run, algo, seed)
    assert all((folder / name).exists() for name in RUN_FILES)
    record = load_yaml(folder / "config.yaml")
    assert (record["algo"], record["seed"], record["preset"]) == (algo, seed, TRAINING["preset"])
    assert record["num_timesteps"] == TRAINING["total_timesteps"] and record["device"] == "cpu"
    assert {"torch", "stable-baselines3", "citylearn", "numpy"} <= set(record["versions"])
    assert record["resume_key"]["simulator"] == TRAINING["simulator"]
    preset = load_yaml(REPO / "config" / "agents.yaml")["test"][algo]
    grouping = preset.get("ev_action_groups", "socket")
    assert record["hyperparameters"]["battery_action"] == preset.get("battery_action", "power")
    groups = record["action_groups"]  # each socket's group; the tiny site has two vehicle classes
    assert len(set(groups)) == {"socket": len(groups), "power": 2, "vehicle": 2}[grouping]
    curve = pd.read_csv(folder / "learning_curve.csv")
    assert curve["timesteps"].tolist() == list(
        range(0, TRAINING["total_timesteps"] + 1, TRAINING["eval_every"])
    )
    assert "co2_kg" in curve.columns
    assert record["model_selection"] == TRAINING["model_selection"] == "best_validation"
    assert record["selected_model"] == best_on_validation(folder)

    records = json.loads((folder / "kpis.json").read_text())
    controller = json.loads((tiny_run / "results/control/uncontrolled/kpis.json").read_text())
    assert set(records[0]) == set(controller[0]) | {"seed"}
    assert [(r["episode"], r["controller"], r["seed"]) for r in records] == [
        (week, algo, seed) for week in TEST_CONFIG["episodes"]["test_weeks"]
    ]
    with xr.open_dataset(folder / "timeseries.nc", engine="h5netcdf") as series:
        assert (series.attrs["controller"], series.attrs["seed"]) == (algo, seed)
        assert series.sizes["time"] == 7 * 24 * len(TEST_CONFIG["episodes"]["test_weeks"])
    for job in (f"train/{algo}_seed{seed}", f"evaluate/{algo}_seed{seed}"):
        assert (tiny_run / "logs" / f"{job}.log").exists() and (
            tiny_run / "benchmarks" / f"{job}.tsv"
        ).exists()
    assert "100 %" in (tiny_run / f"logs/train/{algo}_seed{seed}.log").read_text()


def test_the_scored_model_is_the_best_on_validation(tiny_run: Path) -> None:
    """The saved model, evaluated again on the validation weeks as in training, scores the curve's minimum."""
    site = load_site(
        site_files(tiny_run / "resources"), TEST_CONFIG["site"], TEST_CONFIG["bess"], TEST_CONFIG["grid"]
    )
    env = simulator_env(
        TRAINING["simulator"], site, None, TEST_CONFIG["episodes"], TEST_CONFIG["env"], "validation"
    )
    for algo, seed in RUNS:
        folder = run_dir(tiny_run, algo, seed)
        kpis = mean_kpis(env)(partial(load_policy, folder))
        score = kpis["objective"] + TEST_CONFIG["env"]["unmet_energy_weight"] * kpis["ev_unmet_kwh"]
        assert score == pytest.approx(best_on_validation(folder)["validation_score"], rel=1e-12), (algo, seed)


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's code and configs (a test edits agents.yaml; edits to the repository
    during the tests change nothing here) whose Snakefile has the env and train rules; returns its folder."""
    repo = tmp_path_factory.mktemp("staged") / "repo"
    for folder in ("src", "rules", "workflow", "config", "envs"):
        shutil.copytree(REPO / folder, repo / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "Snakefile").write_text(
        'include: "rules/common.smk"\ninclude: "rules/env.smk"\ninclude: "rules/train.smk"\n'
    )
    return repo


def staged_config(repo: Path, name: str, **training: object) -> Path:
    """The test config training in CityLearn, with `training` changes."""
    config = yaml.safe_load((REPO / "config" / "test.yaml").read_text())
    config["training"] |= {"simulator": "citylearn", **training}
    path = repo / "config" / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def snakemake(repo: Path, workdir: Path, config: Path, *args: str) -> subprocess.CompletedProcess:
    # A second --snakefile overrides the repository's one that run_snakemake passes first.
    return run_snakemake(workdir, "--snakefile", str(repo / "Snakefile"), *args, configfile=config)


def site_workdir(root: Path) -> Path:
    write_synthetic_site(TINY_SPEC, root / "resources")
    return root


@pytest.fixture(scope="module")
def staged_run(staged: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """SAC and PPO, seed 0, trained in CityLearn and evaluated; (config, workdir)."""
    config = staged_config(staged, "citylearn")
    workdir = site_workdir(tmp_path_factory.mktemp("staged_run"))
    result = snakemake(staged, workdir, config, *STAGED)
    assert result.returncode == 0, result.stderr[-6000:]
    return config, workdir


def planned_jobs(result: subprocess.CompletedProcess) -> set[str]:
    """(rule, wildcards) of the jobs a dry run lists."""
    jobs, rule = set(), None
    for line in (result.stdout + result.stderr).splitlines():
        line = line.strip()
        if line.startswith(("rule ", "localrule ")):
            rule = line.split()[1].rstrip(":")
        elif line.startswith("wildcards:") and rule:
            jobs.add(f"{rule} {line.removeprefix('wildcards:').strip()}")
    return jobs


def test_sac_hyperparameters_rerun_sac_only_and_more_seeds_rerun_nothing(
    staged: Path, staged_run: tuple[Path, Path], tmp_path: Path
) -> None:
    config, workdir = staged_run
    assert "Nothing to be done" in snakemake(staged, workdir, config, "-n", *STAGED).stdout
    agents = staged / "config" / "agents.yaml"
    original = agents.read_text()
    presets = yaml.safe_load(original)
    presets["test"]["sac"]["learning_rate"] *= 2
    try:
        agents.write_text(yaml.safe_dump(presets, sort_keys=False))
        changed = planned_jobs(snakemake(staged, workdir, config, "-n", *STAGED))
    finally:
        agents.write_text(original)
    assert changed == {"train algo=sac, seed=0", "evaluate algo=sac, seed=0"}

    more = yaml.safe_load(config.read_text())
    more["training"] |= {"seeds": [0, 5], "gpus_per_job": 1}
    more["control"]["optimum"]["time_limit_s"] += 1
    (tmp_path / "more.yaml").write_text(yaml.safe_dump(more, sort_keys=False))
    result = snakemake(staged, workdir, tmp_path / "more.yaml", "-n", *STAGED)
    assert "Nothing to be done" in result.stdout, result.stdout


def test_same_seed_twice_gives_identical_kpis(
    staged: Path, staged_run: tuple[Path, Path], tmp_path: Path
) -> None:
    config, workdir = staged_run
    again = tmp_path / "again"
    shutil.copytree(workdir, again, symlinks=True)
    result = snakemake(staged, again, config, "--forcerun", "train", STAGED[0])  # SAC seed 0 again
    assert result.returncode == 0, result.stderr[-4000:]
    assert "localrule train" in result.stdout + result.stderr
    first, second = run_dir(workdir, "sac", 0), run_dir(again, "sac", 0)
    assert (first / "kpis.json").read_text() == (second / "kpis.json").read_text()
    selected = [load_yaml(folder / "config.yaml")["selected_model"] for folder in (first, second)]
    assert selected[0] == selected[1] == best_on_validation(first)
    pd.testing.assert_frame_equal(
        pd.read_csv(first / "learning_curve.csv").drop(columns="wall_time_s"),
        pd.read_csv(second / "learning_curve.csv").drop(columns="wall_time_s"),
    )


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (Linux /proc)."""
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return [grandchild for child in children for grandchild in (child, *descendants(child))]


def kill_job(snakemake_pid: int, script: str) -> None:
    """SIGKILL the job process running `script` (as the kernel's OOM killer would), leaving Snakemake."""
    for pid in descendants(snakemake_pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if script.encode() in command and b"python" in command:
            os.kill(pid, signal.SIGKILL)
            return
    raise AssertionError(f"no process runs {script}")


def test_killed_training_resumes_from_its_checkpoint(staged: Path, tmp_path: Path) -> None:
    """The run evaluates at 0 and at the end: the model selected at 0 comes back with the checkpoint and
    competes with the final one."""
    total = 3000
    config = staged_config(
        staged, "long", algorithms=["sac"], seeds=[0], total_timesteps=total, eval_every=total
    )
    workdir = site_workdir(tmp_path)
    target = "results/agents/sac/seed0/model.zip"
    checkpoints = workdir / "checkpoints" / "sac" / "seed0"
    command = [str(SNAKEMAKE), "--snakefile", str(staged / "Snakefile"), "--directory", str(workdir)]
    command += ["--configfile", str(config), "--cores", "1", target]
    job = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not list(checkpoints.glob("steps_*")):
            assert job.poll() is None and time.monotonic() < deadline, "no checkpoint before the job ended"
            time.sleep(0.02)
        kill_job(job.pid, "train.py")
        assert job.wait(timeout=60) != 0
    finally:
        job.kill()
    assert not (workdir / target).exists()
    (checkpoint,) = checkpoints.glob("steps_*")
    done = int(checkpoint.name.removeprefix("steps_"))
    assert 0 < done < total

    result = snakemake(staged, workdir, config, target)
    assert result.returncode == 0, result.stderr[-4000:]
    assert f"resuming from checkpoint at {done} steps" in (workdir / "logs/train/sac_seed0.log").read_text()
    record = load_yaml(workdir / "results/agents/sac/seed0/config.yaml")
    assert record["resumed_from"] == done and record["num_timesteps"] == total
    assert record["selected_model"] == best_on_validation(workdir / "results/agents/sac/seed0")
    assert not (workdir / "results/agents/sac/seed0/selected").exists()
    assert pd.read_csv(workdir / "results/agents/sac/seed0/learning_curve.csv")["timesteps"].tolist() == [
        0,
        total,
    ]
    assert not list(checkpoints.glob("steps_*")), "checkpoints outlive the finished run"
