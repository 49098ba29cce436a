"""Run the real Snakemake command line on the workflow, in a working directory of the test's own."""

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
TEST_CONFIG = REPO / "config" / "test.yaml"


def snakemake_command(workdir: Path, *args: str, configfile: Path = TEST_CONFIG) -> list[str]:
    """The `snakemake` command line on the repository's Snakefile with outputs under `workdir`; a later
    `--snakefile` or `--cores` in `args` overrides the one given here."""
    return [
        str(SNAKEMAKE),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(configfile),
        "--cores",
        "2",
        *args,
    ]


def snakemake_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "PYTHONHASHSEED": "0", **(extra or {})}


def run_snakemake(
    workdir: Path,
    *args: str,
    configfile: Path = TEST_CONFIG,
    timeout: float = 1200,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """`snakemake` on the repository's Snakefile with outputs under `workdir`, with `env` added to the
    environment; never raises on failure."""
    return subprocess.run(
        snakemake_command(workdir, *args, configfile=configfile),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=snakemake_environment(env),
    )


def run_with_config(
    config: Mapping, tmp_path: Path, *targets: str
) -> tuple[subprocess.CompletedProcess, Path]:
    """`snakemake targets` with `config` written to tmp_path/config.yaml, outputs in tmp_path/run; the
    result and that working directory."""
    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump(dict(config)))
    workdir = tmp_path / "run"
    return run_snakemake(workdir, *targets, configfile=configfile), workdir


def make(
    target: str, workdir: Path, configfile: Path = TEST_CONFIG, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`make <target>` of the README on the repository, with outputs under `workdir` (DIRECTORY) on 2 cores;
    never raises on failure."""
    return subprocess.run(
        ["make", "--no-print-directory", target, f"CONFIG={configfile}", f"DIRECTORY={workdir}", "CORES=2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
        env=snakemake_environment(env),
    )


def job_counts(output: str) -> Counter[str]:
    """Jobs per rule from the "Job stats" table Snakemake prints before running or in a dry run (empty when
    there is nothing to do)."""
    jobs: Counter[str] = Counter()
    lines = iter(output.splitlines())
    for line in lines:
        if line.startswith("Job stats:"):
            next(lines), next(lines)  # the header and its rule
            for row in lines:
                rule, count = row.split()
                if rule == "total":
                    return jobs
                jobs[rule] = int(count)
    return jobs
