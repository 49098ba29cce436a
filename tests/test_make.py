"""The README's commands in sequence on the tiny config: `make run` (the session's tiny run, see conftest),
then `make report`, then `make dag`, each on what the one before left."""

import shutil
from pathlib import Path

import pytest
from snakemake_runner import make

from solarev.report.layout import REPORT_PNGS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def after_make_run(tiny_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("make") / "run"
    shutil.copytree(tiny_run, copy, symlinks=True)
    return copy


def test_make_run_builds_what_the_readme_promises(tiny_run: Path):
    promised = ["results/comparison.pdf", "results/summary.csv", "results/kpis.csv", "results/timeseries.nc"]
    promised += ["results/figures/site.png", "resources/bess.json"]
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
