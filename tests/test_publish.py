"""Published results: the provenance of a study (machine, packages, compute from the benchmark files) and
the headline figure the comparison draws from its summary."""

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import TEST_CONFIG
from snakemake_runner import REPO, job_counts, run_snakemake

from solarev.env.objective import Objective
from solarev.report import figures
from solarev.report.publish import (
    PROVENANCE,
    compute_time,
    cpu_model,
    package_versions,
    provenance,
    publish,
    read_benchmarks,
    training_algorithm,
)

BENCHMARK_HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def write_benchmark(path: Path, wall: float, cpu: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(BENCHMARK_HEADER + f"{wall}\t0:00:01\t1\t1\tNA\tNA\t0\t0\t50\t{cpu}\n")


@pytest.fixture
def benchmarks(tmp_path: Path) -> Path:
    folder = tmp_path / "benchmarks"
    write_benchmark(folder / "solar.tsv", 10.0, 8.0)
    write_benchmark(folder / "train" / "sac_seed0.tsv", 600.0, 540.0)
    write_benchmark(folder / "train" / "sac_seed1.tsv", 600.0, 660.0)
    write_benchmark(folder / "train" / "a2c_seed0.tsv", 120.0, 60.0)
    write_benchmark(folder / "evaluate" / "sac_seed0.tsv", 30.0, 30.0)
    write_benchmark(folder / "publish.tsv", 1.0, 1.0)
    return folder


def test_compute_sums_every_job_but_the_skipped_and_gives_training_per_algorithm(benchmarks: Path):
    frame = read_benchmarks(benchmarks, skip=[benchmarks / "publish.tsv"])
    assert compute_time(frame) == {
        "jobs": 5,
        "wall_s": 1360.0,
        "cpu_s": 1298.0,
        "training_cpu_minutes": {"a2c": 1.0, "sac": 20.0},
    }


def test_no_benchmarks_is_no_compute(tmp_path: Path):
    assert compute_time(read_benchmarks(tmp_path)) == {
        "jobs": 0,
        "wall_s": 0.0,
        "cpu_s": 0.0,
        "training_cpu_minutes": {},
    }


@pytest.mark.parametrize(
    ("job", "algo"),
    [
        ("train/sac_seed0", "sac"),
        ("train/my_algo_seed12", "my_algo"),
        ("evaluate/sac_seed0", None),
        ("solar", None),
    ],
)
def test_training_algorithm(job: str, algo: str | None):
    assert training_algorithm(job) == algo


def test_cpu_model_reads_cpuinfo(tmp_path: Path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(
        "processor\t: 0\nmodel name\t: Some CPU @ 3.0GHz\nprocessor\t: 1\nmodel name\t: Some CPU @ 3.0GHz\n"
    )
    assert cpu_model(cpuinfo) == "Some CPU @ 3.0GHz"
    assert cpu_model(tmp_path / "absent") == "unknown"


def test_package_versions_leave_out_what_is_not_installed():
    versions = package_versions(("numpy", "no-such-package-solarev"))
    assert list(versions) == ["numpy"] and versions["numpy"][0].isdigit()


def test_publish_copies_the_files_and_writes_the_provenance(tmp_path: Path, benchmarks: Path):
    source = tmp_path / "summary.csv"
    source.write_text("controller\n")
    record = provenance(
        study="tiny",
        site={"name": "Tiny site"},
        objective="cost",
        config_hash="0123456789ab",
        config_files=["config/test.yaml"],
        code_version="solarev 0.1.0",
        benchmarks=read_benchmarks(benchmarks),
    )
    destination = tmp_path / "docs" / "results" / "tiny"
    publish({"summary.csv": source}, record, destination)
    assert (destination / "summary.csv").read_text() == "controller\n"
    written = yaml.safe_load((destination / PROVENANCE).read_text())
    assert written["study"] == "tiny" and written["config_hash"] == "0123456789ab"
    assert written["machine"]["cores"] >= 1 and "numpy" in written["packages"]
    assert written["compute"]["training_cpu_minutes"] == {"a2c": 1.0, "sac": 20.0}


def summary_rows(controller: str, tier: str, point: float, low: float, high: float, runs: int) -> dict:
    return {
        "controller": controller,
        "tier": tier,
        "kpi": "optimum_share",
        "point": point,
        "low": low,
        "high": high,
        "runs": runs,
        "episodes": 2,
        "period": "week",
    }


SUMMARY = pd.DataFrame(
    [
        summary_rows("uncontrolled", "realistic forecasts", 0.0, 0.0, 0.0, 1),
        summary_rows("optimum", "whole episode", 1.0, 1.0, 1.0, 1),
        summary_rows("mpc_perfect", "perfect forecasts", 0.97, 0.97, 0.97, 1),
        summary_rows("rule_based", "realistic forecasts", 0.4, 0.4, 0.4, 1),
        summary_rows("sac", "realistic forecasts", 0.9, 0.85, 0.93, 3),
    ]
)


def test_headline_groups_by_tier_without_the_uncontrolled_site():
    rows = figures.headline_rows(SUMMARY)
    assert list(rows["controller"]) == ["rule_based", "sac", "mpc_perfect", "optimum"]
    positions, headings = figures.headline_positions(list(rows["tier"]))
    assert list(headings) == list(figures.TIERS)
    assert all(a > b for a, b in zip(positions, positions[1:], strict=False))  # top to bottom


def test_headline_figure_labels_every_bar_with_its_share():
    figure = figures.headline_figure(SUMMARY, 0.95, Objective("cost", 0.0))
    texts = {text.get_text() for text in figure.axes[0].texts}
    assert {"40 %", "90 % [85, 93]", "97 %", "100 %"} <= texts
    assert {"Realistic forecasts", "Perfect forecasts", "Whole episode"} <= texts


@pytest.mark.slow
def test_make_publish_writes_the_study_into_the_repositorys_docs_results(tiny_run: Path, tmp_path: Path):
    """Rule publish on the session's tiny run, from a copy of the workflow (its docs/results/ receives the
    study, not the repository's): the four files, the compute of every job that ran."""
    repo = tmp_path / "repo"
    for folder in ("src", "rules", "workflow", "config", "envs", "report"):
        shutil.copytree(REPO / folder, repo / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO / "Snakefile", repo / "Snakefile")
    workdir = tmp_path / "run"
    shutil.copytree(tiny_run, workdir, symlinks=True)
    # The copy's code files have other paths: compare everything but the recorded input paths.
    result = run_snakemake(
        workdir,
        "--snakefile",
        str(repo / "Snakefile"),
        "--rerun-triggers",
        "mtime",
        "params",
        "code",
        "--",
        "publish",
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert job_counts(result.stderr) == {"publish": 1}, result.stderr[-4000:]  # a run logs to stderr
    published = repo / "docs" / "results" / "test"
    assert sorted(path.name for path in published.iterdir()) == [
        "headline.png",
        "kpis.csv",
        PROVENANCE,
        "summary.csv",
    ]
    assert (published / "summary.csv").read_bytes() == (workdir / "results" / "summary.csv").read_bytes()
    record = yaml.safe_load((published / PROVENANCE).read_text())
    assert record["study"] == "test" and record["objective"] == "cost"
    assert record["compute"]["jobs"] == len(list((tiny_run / "benchmarks").rglob("*.tsv")))
    assert set(record["compute"]["training_cpu_minutes"]) == set(TEST_CONFIG["training"]["algorithms"])
