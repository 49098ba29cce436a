"""Rules citylearn_schema, tune_rule and control in the real workflow on the tiny config (the shared
`tiny_run`), and the schema's check on synthetic site files: there the workflow is the repository's rules
(common, env, control) without the site stage, a Snakefile in a temporary copy of the repository layout
(symlinks) that includes them, with the site files written in advance. Which config edits rerun which
controllers: tests/test_rebuild.py."""

import json
from pathlib import Path

import xarray as xr
from conftest import TEST_CONFIG, TINY_SPEC
from snakemake_runner import REPO, run_snakemake
from synthetic import write_synthetic_site

from solarev.control import CONTROLLERS

TARGETS = [
    f"results/control/{name}/{output}" for name in CONTROLLERS for output in ("kpis.json", "timeseries.nc")
]


def stage_workflow(root: Path) -> Path:
    """A Snakefile with the env and control rules, beside links to the repository's folders."""
    repo = root / "repo"
    repo.mkdir()
    for folder in ("src", "config", "rules", "workflow"):
        (repo / folder).symlink_to(REPO / folder)
    snakefile = repo / "Snakefile"
    snakefile.write_text(
        'include: "rules/common.smk"\ninclude: "rules/env.smk"\ninclude: "rules/control.smk"\n'
    )
    return snakefile


def run(snakefile: Path, workdir: Path, *args: str, configfile: Path = REPO / "config" / "test.yaml"):
    # A second --snakefile overrides the repository's one that run_snakemake passes first.
    return run_snakemake(workdir, "--snakefile", str(snakefile), *args, configfile=configfile)


def test_every_controller_writes_kpis_and_timeseries_with_units(tiny_run: Path):
    workdir = tiny_run
    # The configured objective, settled for the stored energy left (the optimum minimises it, not CO2).
    objective = {}
    for name in CONTROLLERS:
        records = json.loads((workdir / f"results/control/{name}/kpis.json").read_text())
        assert [record["episode"] for record in records] == TEST_CONFIG["episodes"]["test_weeks"]
        assert all(record["controller"] == name for record in records)
        objective[name] = records[0]["objective"]
        with xr.open_dataset(workdir / f"results/control/{name}/timeseries.nc", engine="h5netcdf") as series:
            assert series.sizes["time"] == 7 * 24
            assert series["co2_kg"].attrs["units"] == "kg" and series["bess_soc"].attrs["units"] == "1"
    # The MPC on perfect forecasts can reach the optimum, to the solver's and CityLearn's float32 precision.
    floor = objective["optimum"] - 1e-5 * abs(objective["optimum"])
    assert objective["uncontrolled"] >= objective["rule_based"] >= floor
    assert all(objective[name] >= floor for name in CONTROLLERS)
    assert "replayed in CityLearn" in (workdir / "logs/control_optimum.log").read_text()
    assert "solves, median" in (workdir / "logs/control_mpc.log").read_text()
    assert json.loads((workdir / "resources/rule_tuned.json").read_text())["import_threshold_kw"] >= 0


def test_every_rule_logs_and_benchmarks(tiny_run: Path):
    workdir = tiny_run
    for job in ("citylearn_schema", "tune_rule", *(f"control_{name}" for name in CONTROLLERS)):
        assert (workdir / "logs" / f"{job}.log").exists(), job
        assert (workdir / "benchmarks" / f"{job}.tsv").exists(), job


def test_nothing_to_do_after_a_run(tiny_run: Path):
    result = run_snakemake(tiny_run, "--dry-run", *TARGETS)
    assert result.returncode == 0, result.stderr
    assert "Nothing to be done" in result.stdout + result.stderr


def test_unservable_session_stops_the_schema_with_its_name(tmp_path):
    snakefile = stage_workflow(tmp_path)
    workdir = tmp_path / "work"
    resources = write_synthetic_site(TINY_SPEC, workdir / "resources")
    sessions = (resources / "ev_sessions.csv").read_text().splitlines()
    header = sessions[0].split(",")
    row = sessions[3].split(",")
    row[header.index("energy_kwh")] = "99.0"
    sessions[3] = ",".join(row)
    (resources / "ev_sessions.csv").write_text("\n".join(sessions) + "\n")
    result = run(snakefile, workdir, "resources/citylearn/schema.json")
    assert result.returncode != 0
    log = (workdir / "logs/citylearn_schema.log").read_text() + result.stderr
    assert f"session {row[header.index('session_id')]} needs 99.000 kWh" in log
    assert not (workdir / "resources/citylearn/schema.json").exists()
