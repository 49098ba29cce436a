"""The README's commands in sequence on the tiny config: `make run` (the session's tiny run, see conftest),
then `make report`, then `make dag`, each on what the one before left."""

import shutil
import subprocess
from pathlib import Path

import pytest
from snakemake_runner import REPO, make

from solarev.config import study_name
from solarev.report.paths import REPORT_PNGS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def after_make_run(tiny_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("make") / "run"
    shutil.copytree(tiny_run, copy, symlinks=True)
    return copy


def test_make_run_builds_what_the_readme_promises(tiny_run: Path):
    promised = ["results/comparison.pdf", "results/summary.csv", "results/kpis.csv", "results/timeseries.nc"]
    promised += ["results/figures/site.png", "resources/bess.json"]
    promised += ["results/annual_bill.csv", "results/figures/annual_bill.png"]
    promised += [f"results/comparison/{name}.png" for name in REPORT_PNGS]
    assert [path for path in promised if not (tiny_run / path).is_file()] == []


def test_make_report_then_make_dag(after_make_run: Path):
    report = make("report", after_make_run)
    assert report.returncode == 0, (report.stdout + report.stderr)[-4000:]
    html = (after_make_run / "results" / "report.html").read_text()
    assert all(f"{name}.png" in html for name in ("site", *REPORT_PNGS)) and "comparison.pdf" in html
    dag = make("dag", after_make_run)
    assert dag.returncode == 0, (dag.stdout + dag.stderr)[-4000:]
    for name in ("dag.svg", "rulegraph.svg"):
        assert (after_make_run / "results" / name).read_text().lstrip().startswith("<?xml"), name


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("- site\n- grid\n", "line 1: a list, not a mapping of sections"),
        ("site:\n\tname: x\n", "line 2: found character '\\t' that cannot start any token"),
        ("site:\n  name: x\n", "study: missing"),
    ],
)
def test_make_run_names_the_config_file_and_line(tmp_path: Path, text: str, message: str):
    """The config file's own problems, which Snakemake reports without file or line, in one line each."""
    config = tmp_path / "site.yaml"
    config.write_text(text)
    result = make("run", tmp_path / "out", configfile=config)
    assert result.returncode != 0
    prefix = "solarev: invalid configuration: "
    lines = [line for line in result.stderr.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1 and str(config) in lines[0] and message in lines[0]
    assert not (tmp_path / "out").exists()


SHIPPED_CONFIGS = sorted(
    set((REPO / "config").glob("*.yaml")) - {REPO / "config" / n for n in ("agents.yaml", "schema.yaml")}
)


def planned_commands(target: str, *variables: str) -> str:
    """What `make -n target` would run (nothing runs)."""
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", target, *variables], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_every_shipped_study_has_a_name_of_its_own():
    names = [study_name([path]) for path in SHIPPED_CONFIGS]
    assert len(set(names)) == len(names), dict(zip(map(str, SHIPPED_CONFIGS), names, strict=True))


@pytest.mark.parametrize("target", ["run", "report", "dag", "publish"])
def test_make_targets_work_in_the_configs_own_folder(target: str):
    """Running one study and then another leaves both: each config's targets agree on its own folder."""
    for name in ("config.yaml", "arequipa_workplace.yaml"):
        config = REPO / "config" / name
        folder = f"studies/{study_name([config])}"
        commands = planned_commands(target, f"CONFIG={config}")
        assert f"--directory {folder} " in commands, commands
    assert "--directory /elsewhere " in planned_commands(target, "DIRECTORY=/elsewhere")
