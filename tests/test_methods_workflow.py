"""The three ways to enter a method (docs/add-your-method.md), run for real on the tiny config: a copy of the
session's `tiny_run` gets the shipped example controller (control.custom), one of its own models as a policy
from elsewhere (control.policies) and TD3 and TQC (training.algorithms), then builds the comparison."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from pypdf import PdfReader
from snakemake_runner import REPO, TEST_CONFIG, job_counts, run_snakemake

from solarev.config import load_yaml
from solarev.report.collect import read_kpis_table
from solarev.report.paths import FIGURES

EXAMPLE = "docs/examples/least_laxity.py"
ENTERED = ("least_laxity_first", "a2c_saved", "td3", "tqc")


@pytest.fixture(scope="module")
def entered(tiny_run: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(working directory, config file, Snakemake's output) after building the comparison with the methods
    entered."""
    root = tmp_path_factory.mktemp("methods")
    workdir = root / "run"
    shutil.copytree(tiny_run, workdir, symlinks=True)  # keeps file times: the finished jobs stay done
    (workdir / "docs" / "examples").mkdir(parents=True)
    shutil.copy(REPO / EXAMPLE, workdir / EXAMPLE)
    (workdir / "models").mkdir()
    for name in ("model.zip", "vecnormalize.pkl"):
        shutil.copy(
            workdir / "results" / "agents" / "a2c" / "seed0" / name, workdir / "models" / f"a2c_{name}"
        )
    config = load_yaml(TEST_CONFIG)
    config["control"] |= {
        "custom": ["docs.examples.least_laxity:least_laxity_first"],
        "policies": [
            {
                "name": "a2c_saved",
                "path": "models/a2c_model.zip",
                "algorithm": "a2c",
                "vecnormalize": "models/a2c_vecnormalize.pkl",
                "battery_action": "window_level",  # as the test preset's A2C was trained
            }
        ],
    }
    config["training"] |= {
        "algorithms": ["td3", "tqc"],
        "seeds": [0],
        "total_timesteps": 400,
        "checkpoint_every": 200,
        "eval_every": 200,
    }
    configfile = root / "methods.yaml"
    configfile.write_text(yaml.safe_dump(config, sort_keys=False))  # params compare as text: keep the order
    result = run_snakemake(workdir, "results/comparison.pdf", configfile=configfile)
    assert result.returncode == 0, result.stderr[-6000:]
    return workdir, configfile, result.stdout + result.stderr


def test_only_the_entered_methods_run_and_the_saved_model_is_not_trained(entered: tuple[Path, Path, str]):
    _, _, output = entered
    assert job_counts(output) == {
        "control": 1,  # the example, beside the reference controllers' finished runs
        "score_policy": 1,  # no train job for the saved model
        "train": 2,
        "evaluate": 2,
        "collect": 1,
        "comparison": 1,
    }


def test_the_entered_methods_are_in_kpis_csv_and_the_pdf(entered: tuple[Path, Path, str], tiny_run: Path):
    workdir, _, _ = entered
    kpis = read_kpis_table(workdir / "results" / "kpis.csv")
    weeks = load_yaml(TEST_CONFIG)["episodes"]["test_weeks"]
    for name in ENTERED:
        assert kpis.loc[kpis["controller"] == name, "episode"].tolist() == weeks, name
    assert kpis.loc[kpis["controller"].isin(ENTERED[:2]), "seed"].isna().all()
    assert kpis.loc[kpis["controller"].isin(ENTERED[2:]), "seed"].tolist() == [0] * 2 * len(weeks)
    # least laxity first charges every EV by its departure
    assert kpis.loc[kpis["controller"] == "least_laxity_first", "ev_unmet_kwh"].max() < 1e-3

    # scored as it is: the saved model's KPIs are those of the run it was saved from
    def records(path: Path) -> list[dict]:
        return [
            {k: v for k, v in r.items() if k not in ("controller", "seed")}
            for r in json.loads(path.read_text())
        ]

    assert records(workdir / "results/control/a2c_saved/kpis.json") == records(
        tiny_run / "results/agents/a2c/seed0/kpis.json"
    )

    reader = PdfReader(workdir / "results" / "comparison.pdf")
    title = reader.pages[0].extract_text()
    table = reader.pages[1 + FIGURES.index("summary")].extract_text()
    assert "LEAST_LAXITY_FIRST" in title and "A2C_SAVED" in title  # beside the reference controllers
    assert "TD3" in title and "TQC" in title  # among the agents
    for label in ("LEAST_LAXITY_FIRST", "A2C_SAVED", "TD3", "TQC"):
        assert label in table, label


def test_editing_the_user_controller_reruns_it(entered: tuple[Path, Path, str]):
    workdir, configfile, _ = entered
    with open(workdir / EXAMPLE, "a") as handle:
        handle.write("# edited\n")
    result = run_snakemake(workdir, "-n", "results/comparison.pdf", configfile=configfile)
    assert job_counts(result.stdout) == {"control": 1, "collect": 1, "comparison": 1}
    assert "wildcards: controller=least_laxity_first" in result.stdout


@pytest.mark.parametrize("algo", ["td3", "tqc"])
def test_td3_and_tqc_keep_their_selected_model(entered: tuple[Path, Path, str], algo: str):
    workdir, _, _ = entered
    folder = workdir / "results" / "agents" / algo / "seed0"
    record = load_yaml(folder / "config.yaml")
    assert (record["algo"], record["num_timesteps"], record["versions"]["sb3-contrib"]) == (
        algo,
        400,
        "2.9.2",
    )
    assert pd.read_csv(folder / "learning_curve.csv")["timesteps"].tolist() == [0, 200, 400]
    assert not list((workdir / "checkpoints" / algo / "seed0").glob("steps_*"))
