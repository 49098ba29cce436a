"""The site stage in the real Snakemake run of the tiny config, and its rebuild behaviour."""

import json
from pathlib import Path

import pandas as pd
import pytest
from snakemake_runner import run_snakemake

SITE_OUTPUTS = [
    "resources/solar.csv",
    "resources/ev_sessions.csv",
    "resources/ev_sockets.csv",
    "resources/building_load.csv",
    "resources/bess.json",
    "results/figures/site.png",
]


@pytest.fixture(scope="module")
def site_run(tiny_run: Path) -> Path:
    return tiny_run


def test_site_stage_writes_every_output(site_run: Path):
    for output in SITE_OUTPUTS:
        assert (site_run / output).stat().st_size > 0, output
    bess = json.loads((site_run / "resources/bess.json").read_text())
    assert bess["capacity_kwh"] > 0 and bess["power_kw"] > 0
    solar = pd.read_csv(site_run / "resources/solar.csv")
    assert len(solar) == 21 * 24


def test_every_rule_logs_and_benchmarks(site_run: Path):
    for rule in ("solar", "ev_sessions", "building_load", "bess_sizing", "site_figure"):
        assert (site_run / "logs" / f"{rule}.log").exists(), rule
        assert (site_run / "benchmarks" / f"{rule}.tsv").exists(), rule


def test_nothing_to_do_after_a_run(site_run: Path):
    result = run_snakemake(site_run, "--dry-run", "all")
    assert result.returncode == 0, result.stderr
    assert "Nothing to be done" in result.stdout + result.stderr
