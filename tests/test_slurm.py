"""profiles/slurm on a real one-node SLURM (tests/slurm/start.sh: slurmctld, slurmd and munged from Debian's
slurm-wlm): every kind of job of the tiny workflow (the site's group, a controller, an agent's group of
training and evaluation) runs with every job submitted through sbatch. Not `all`: each allocation starts a
Snakemake of its own, and the dozen more allocations of the whole workflow repeat these same paths at
several minutes of the suite's time."""

import os
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from snakemake_runner import REPO, job_counts, run_snakemake

pytestmark = pytest.mark.slow

SLURM_SCRIPTS = REPO / "tests" / "slurm"
# The profile as a user runs it. `--workflow-profile none`: otherwise Snakemake also applies
# profiles/default, whose keys (default-resources, resources, cores) replace the cluster profile's.
SLURM_ARGS = ("--profile", str(REPO / "profiles" / "slurm"), "--workflow-profile", "none")
# Snakemake's job id, or a group's id, then SLURM's.
SUBMITTED = re.compile(r"Job (\S+) has been submitted with SLURM jobid (\d+) \(log: (\S+)\)")
AGENT_KPIS = "results/agents/ppo/seed0/kpis.json"
TARGETS = ("results/control/rule_based/kpis.json", AGENT_KPIS)


def why_no_cluster() -> str | None:
    """The reason this machine cannot start the test cluster, or None."""
    if os.geteuid() != 0:
        return "starting a SLURM cluster needs root (apt-get install slurm-wlm munge; slurmctld as root)"
    if not (shutil.which("slurmctld") and shutil.which("munged")) and not shutil.which("apt-get"):
        return "slurm-wlm and munge are not installed and apt-get is unavailable to install them"
    return None


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    reason = why_no_cluster()
    if reason:
        pytest.skip(reason)
    started = subprocess.run([SLURM_SCRIPTS / "start.sh"], capture_output=True, text=True, timeout=600)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield
    finally:
        subprocess.run([SLURM_SCRIPTS / "stop.sh"], capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def slurm_run(cluster: None, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(working directory, Snakemake's output) of TARGETS on the tiny config through the cluster."""
    workdir = tmp_path_factory.mktemp("slurm_run")
    # Kept logs show what ran inside each allocation (the plugin deletes successful jobs' logs).
    result = run_snakemake(workdir, *SLURM_ARGS, "--slurm-keep-successful-logs", "--", *TARGETS, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
    return workdir, output


def rules_run_in(log: Path) -> list[str]:
    """Rules of the jobs run in an allocation, from its SLURM log: there the plugin's job step starts each
    job as `srun snakemake`, which runs it as a `localrule`."""
    return re.findall(r"^localrule (\w+):", log.read_text(), re.MULTILINE)


def test_every_job_went_through_sbatch(slurm_run: tuple[Path, str]):
    workdir, output = slurm_run
    submissions = SUBMITTED.findall(output)
    slurm_ids = [slurm_id for _, slurm_id, _ in submissions]
    # Snakemake runs no job itself.
    assert not re.findall(r"^localrule (\w+):", output, re.MULTILINE)
    remote_jobs = job_counts(output).total()
    print(f"{len(slurm_ids)} sbatch job ids for {remote_jobs} jobs: {' '.join(slurm_ids)}")
    assert len(set(slurm_ids)) == len(slurm_ids)

    # Every job ran in an allocation (a group's jobs in one).
    ran = Counter(rule for _, _, log in submissions for rule in rules_run_in(Path(log)))
    assert ran == job_counts(output)
    assert {"solar", "citylearn_schema", "control", "train", "evaluate"} <= set(ran)
    logs = list((workdir / ".snakemake" / "slurm_logs").rglob("*.log"))
    assert sorted(log.stem for log in logs) == sorted(slurm_ids)

    # And the controller knows them as completed (squeue keeps finished jobs for MinJobAge, 300 s).
    states = subprocess.run(
        ["squeue", "--states=all", "--noheader", "--format=%i %T", "--jobs", ",".join(slurm_ids)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert dict(zip(states[::2], states[1::2], strict=True)) == dict.fromkeys(slurm_ids, "COMPLETED")


def test_the_targets_are_complete(slurm_run: tuple[Path, str]):
    workdir, _ = slurm_run
    assert all((workdir / target).stat().st_size > 0 for target in TARGETS)
    result = run_snakemake(workdir, "--dry-run", "--", *TARGETS)
    assert "Nothing to be done" in result.stdout, result.stdout[-4000:]


def test_a_gpu_job_gets_a_gpu_from_slurm(slurm_run: tuple[Path, str], tmp_path: Path):
    """The rule's `gpu` resource becomes --gpus (the test node declares one GPU). The tiny config trains on
    the CPU, so the resource is set from the command line, on one evaluation run again in a copy."""
    workdir = tmp_path / "run"
    shutil.copytree(slurm_run[0], workdir, symlinks=True)
    result = run_snakemake(
        workdir, *SLURM_ARGS, "--set-resources", "evaluate:gpu=1", "--forcerun", "evaluate", "--", AGENT_KPIS
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    ((_, slurm_id, _),) = SUBMITTED.findall(output)
    job = subprocess.run(["scontrol", "show", "job", "--oneliner", slurm_id], capture_output=True, text=True)
    assert "TresPerJob=gres:gpu:1" in job.stdout and "JobState=COMPLETED" in job.stdout, job.stdout
