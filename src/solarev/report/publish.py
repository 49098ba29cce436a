"""A finished study's published results (docs/results/<study>/): its summary, KPIs and headline figure as the
comparison wrote them, and a provenance file saying what made them: code and configuration, package
versions, the machine, and the compute the jobs took (from the benchmark files Snakemake writes per job)."""

import datetime
import importlib.metadata
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

# The packages whose versions decide the numbers: the agents' learning stack, the simulator, the LP.
PACKAGES = ("torch", "stable-baselines3", "sbx-rl", "jax", "citylearn", "numpy", "linopy", "highspy")
PROVENANCE = "provenance.yaml"
# rules/train.smk's benchmark per training job: benchmarks/train/{algo}_seed{seed}.tsv.
TRAINING_BENCHMARKS = "train"


def package_versions(packages: Iterable[str] = PACKAGES) -> dict[str, str]:
    """Installed versions of `packages`; those not installed (sbx-rl and jax are optional) are left out."""
    versions = {}
    for package in packages:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU's model name as Linux reports it; 'unknown' where there is no /proc/cpuinfo."""
    try:
        lines = cpuinfo.read_text().splitlines()
    except OSError:
        return "unknown"
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else "unknown"


def machine() -> dict[str, Any]:
    """The CPU model and its cores, and those this process may use (a container or a cluster job may have
    fewer)."""
    return {"cpu_model": cpu_model(), "cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0))}


def read_benchmarks(folder: Path, skip: Iterable[Path] = ()) -> pd.DataFrame:
    """Every job's benchmark under `folder` but `skip`: columns job (its path under `folder`, no suffix),
    s (wall seconds) and cpu_time (CPU seconds), one row per measured run of the job."""
    skipped = {path.resolve() for path in skip}
    frames = [
        pd.read_csv(path, sep="\t", usecols=["s", "cpu_time"], na_values=["NA", "-"]).assign(
            job=str(path.relative_to(folder).with_suffix(""))
        )
        for path in sorted(folder.rglob("*.tsv"))
        if path.resolve() not in skipped
    ]
    if not frames:
        return pd.DataFrame({"job": pd.Series(dtype=str), "s": [], "cpu_time": []})
    return pd.concat(frames, ignore_index=True)[["job", "s", "cpu_time"]]


def training_algorithm(job: str) -> str | None:
    """The algorithm of a training job's benchmark ('train/sac_seed0' -> 'sac'); None for other jobs."""
    folder, _, name = job.rpartition("/")
    if folder != TRAINING_BENCHMARKS or "_seed" not in name:
        return None
    return name.rsplit("_seed", 1)[0]


def compute_time(benchmarks: pd.DataFrame) -> dict[str, Any]:
    """The study's compute: jobs counted, wall and CPU time summed over them (jobs that ran side by side
    count each), and the training jobs' CPU minutes per algorithm."""
    algorithms = benchmarks["job"].map(training_algorithm)
    training = benchmarks[algorithms.notna()].groupby(algorithms.dropna(), sort=True)["cpu_time"].sum()
    return {
        "jobs": int(benchmarks["job"].nunique()),
        "wall_s": round(float(benchmarks["s"].sum()), 1),
        "cpu_s": round(float(benchmarks["cpu_time"].sum()), 1),
        "training_cpu_minutes": {algo: round(float(s) / 60, 1) for algo, s in training.items()},
    }


def provenance(
    study: str,
    site: Mapping[str, Any],
    objective: str,
    config_hash: str,
    config_files: Iterable[str],
    code_version: str,
    benchmarks: pd.DataFrame,
) -> dict[str, Any]:
    """What a published study came from, as provenance.yaml holds it."""
    return {
        "study": study,
        "site": site["name"],
        "objective": objective,
        "config_files": list(config_files),
        "config_hash": config_hash,
        "code_version": code_version,
        "published": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d"),
        "packages": package_versions(),
        "machine": machine(),
        "compute": compute_time(benchmarks),
    }


def publish(files: Mapping[str, Path], record: Mapping[str, Any], destination: Path) -> None:
    """Copy `files` (published name -> source) into `destination` and write the provenance `record` there."""
    destination.mkdir(parents=True, exist_ok=True)
    for name, source in files.items():
        shutil.copyfile(source, destination / name)
    (destination / PROVENANCE).write_text(yaml.safe_dump(dict(record), sort_keys=False, allow_unicode=True))


def read_provenance(folder: Path) -> dict[str, Any]:
    return yaml.safe_load((folder / PROVENANCE).read_text())
