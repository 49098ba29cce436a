"""Faults: Snakemake killed in the middle of a training job, and a run without any network."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import offline
import pytest
from snakemake_runner import REPO, run_snakemake, snakemake_command, snakemake_environment

pytestmark = pytest.mark.slow

SAC_RUN = Path("results/agents/sac/seed0")
SAC_KPIS = str(SAC_RUN / "kpis.json")


def kill_during_training(workdir: Path, checkpoints: Path, *args: str) -> None:
    """Start Snakemake on `args` and SIGKILL it with its jobs (a crashed login node, an OOM kill of the
    session) once training has written a checkpoint, i.e. half way through."""
    head = subprocess.Popen(
        snakemake_command(workdir, *args),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=snakemake_environment(),
        start_new_session=True,  # its own process group: the kill takes the job processes too
    )
    try:
        deadline = time.monotonic() + 180
        while not any(checkpoints.glob("steps_*")):
            assert head.poll() is None, "Snakemake ended before training wrote a checkpoint"
            assert time.monotonic() < deadline, "no checkpoint within 180 s"
            time.sleep(0.02)
    finally:
        os.killpg(head.pid, signal.SIGKILL)
        head.wait()


def test_a_killed_run_is_not_taken_for_finished_and_a_rerun_recovers(tiny_run: Path, tmp_path: Path):
    workdir = tmp_path / "run"
    shutil.copytree(tiny_run, workdir, symlinks=True)
    kill_during_training(workdir, workdir / "checkpoints/sac/seed0", "--forcerun", "train", SAC_KPIS)

    # Without --rerun-incomplete Snakemake refuses the half-written outputs or plans them again; it never
    # reports the target as up to date.
    plain = run_snakemake(workdir, "--dry-run", SAC_KPIS)
    assert "Nothing to be done" not in plain.stdout + plain.stderr
    planned = run_snakemake(workdir, "--dry-run", "--rerun-incomplete", SAC_KPIS)
    assert planned.returncode == 0, planned.stderr[-3000:]
    assert "rule train:" in planned.stdout and "wildcards: algo=sac, seed=0" in planned.stdout

    # A killed Snakemake cannot remove its lock: the user is told to unlock, then the plain command (the
    # local profile sets rerun-incomplete) recovers the whole workflow.
    locked = run_snakemake(workdir, "all")
    assert locked.returncode != 0 and "--unlock" in locked.stderr
    assert run_snakemake(workdir, "--unlock").returncode == 0
    rerun = run_snakemake(workdir, "--profile", str(REPO / "profiles" / "default"), "--cores", "2", "all")
    assert rerun.returncode == 0, rerun.stderr[-6000:]
    assert "resuming from checkpoint" in (workdir / "logs/train/sac_seed0.log").read_text()
    assert "Nothing to be done" in run_snakemake(workdir, "--dry-run", "all").stdout


@pytest.fixture
def offline_environment(tmp_path: Path) -> dict[str, str]:
    return offline.offline_environment(tmp_path)


def test_the_block_reaches_subprocesses(offline_environment: dict[str, str], tmp_path: Path):
    probe = "import socket; socket.create_connection(('127.0.0.1', 9), timeout=1)"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=snakemake_environment(offline_environment),
    )
    assert "network blocked by solarev's offline test" in result.stderr
    assert "127.0.0.1" in (tmp_path / "blocked.log").read_text()


def test_the_workflow_runs_offline(tiny_run: Path):
    """The shared run of every stage (site, CityLearn schema, controllers and LP, training, evaluation,
    report) had the network blocked in every process, and tried no connection."""
    assert (tiny_run / "results/comparison.pdf").stat().st_size > 0
    blocked = offline.blocked_log(tiny_run.parent)
    assert not blocked.exists(), f"connections attempted: {blocked.read_text()}"
