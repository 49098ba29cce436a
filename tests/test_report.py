"""The report library on runs built here in the pipeline's file formats (kpis.json, timeseries.nc,
learning_curve.csv, config.yaml, site files): collection, statistics, day selection and the PDF."""

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from conftest import TEST_CONFIG
from pypdf import PdfReader
from synthetic import SyntheticSite, write_synthetic_site

from solarev.control.sizing import sizing_figure, sizing_table
from solarev.env.objective import Objective
from solarev.evaluate.kpis import UNITS, kpis_by_episode
from solarev.evaluate.stats import iqm
from solarev.report import figures, pdf, tables
from solarev.report.collect import collect_kpis, collect_timeseries, read_kpis_table
from solarev.report.paths import FIGURES, SIZING_PAGE, Run
from solarev.report.provenance import code_version, config_hash
from solarev.site.bess import size_battery
from solarev.site.figure import site_figure
from solarev.site.model import site_files
from solarev.site.profiles import read_profiles

WEEKS = (17, 35)
DAYS_PER_EPISODE = 2
# CO2 factor per run: the controllers are ordered, agents in between and spread over seeds
FACTORS = {
    ("uncontrolled", None): 1.0,
    ("rule_based", None): 0.9,
    ("optimum", None): 0.6,
    ("my_rule", None): 0.65,  # a user's controller (control.custom): seedless, better than every agent
    ("sac", 0): 0.7,
    ("sac", 1): 0.8,
    ("sac", 2): 0.75,
    ("ppo", 0): 0.95,
    ("ppo", 1): 0.85,
    ("ppo", 2): 0.9,
}
BOOTSTRAP = tables.Bootstrap(reps=200, confidence=0.95, seed=0)
SITE_CONFIG = {
    "name": "Test site",
    "latitude": -3.75,
    "longitude": -73.25,
    "altitude_m": 104,
    "timezone": "America/Lima",
    "year": 2023,
    "days": 35,
    "time_step_minutes": 60,
}
GRID_CONFIG = TEST_CONFIG["grid"]

FORECASTS = TEST_CONFIG["env"]["forecasts"]


def episode(week: int, factor: float) -> xr.Dataset:
    """Two hourly days of a site whose grid import (and so CO2) scales with `factor`, days differing."""
    start = pd.Timestamp("2023-01-01") + pd.Timedelta(weeks=week)
    time = pd.date_range(start, periods=24 * DAYS_PER_EPISODE, freq="h")
    hour = np.asarray(time.hour)
    pv = np.clip(np.sin((hour - 6) / 12 * np.pi), 0, None) * 10
    load = np.where((hour >= 9) & (hour < 22), 6.0, 2.0) * (1 + 0.5 * (time.day % 2))
    ev = np.where(hour == 18, 4.0, 0.0)
    bess = np.where(hour == 12, 2.0, 0.0) - np.where(hour == 19, 2.0, 0.0)
    net = (load + ev + bess - pv) * np.where(load + ev + bess > pv, factor, 1.0)
    values = {
        "pv_kwh": pv,
        "load_kwh": load,
        "net_kwh": net,
        "co2_kg": 0.45 * np.clip(net, 0, None),
        "cost_usd": 0.2 * np.clip(net, 0, None),
        "bess_kwh": bess,
        "bess_soc": 0.5 + np.cumsum(bess) / 20,
        "ev_kwh": ev,
        "ev_delivered_kwh": ev,
        "ev_unmet_kwh": np.zeros(len(time)),
        "carbon_kg_per_kwh": np.full(len(time), 0.45),
        "import_usd_per_kwh": np.full(len(time), 0.2),
    }
    return xr.Dataset(
        {
            name: ("time", data, {"units": UNITS[name][0], "long_name": UNITS[name][1]})
            for name, data in values.items()
        },
        coords={
            "time": ("time", time, {"timezone": "America/Lima"}),
            "episode": ("time", np.full(len(time), week)),
        },
        attrs={
            "bess_capacity_kwh": 20.0,
            "bess_initial_energy_kwh": 10.0,
            "bess_one_way_efficiency": 0.95**0.5,
            "step_hours": 1.0,
            "period": "week",
            "billed_months": 7 / (365 / 12),
            "export_usd_per_kwh": 0.0,
            "export_limit_kw": float("inf"),
            "import_limit_kw": float("inf"),
            "objective": "co2",
            "carbon_price_usd_per_t": 0.0,
        },
    )


def write_run(folder: Path, controller: str, factor: float) -> None:
    folder.mkdir(parents=True)
    timeseries = xr.concat([episode(week, factor) for week in WEEKS], dim="time")
    records = (
        kpis_by_episode(timeseries).reset_index().assign(controller=controller).to_dict(orient="records")
    )
    (folder / "kpis.json").write_text(json.dumps(records))
    timeseries.to_netcdf(folder / "timeseries.nc", engine="h5netcdf")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[Run]:
    root = tmp_path_factory.mktemp("runs")
    result = []
    for (controller, seed), factor in FACTORS.items():
        folder = root / controller / ("" if seed is None else f"seed{seed}")
        write_run(folder, controller, factor)
        result.append(Run(controller, seed, folder))
    return result


@pytest.fixture(scope="module")
def kpis(runs: list[Run], tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """collect_kpis's table after a round trip through results/kpis.csv."""
    path = tmp_path_factory.mktemp("kpis") / "kpis.csv"
    collect_kpis(runs, unmet_weight=2.0).to_csv(path, index=False)
    return read_kpis_table(path)


def test_kpis_table_has_every_run_and_week_with_optimum_share(kpis: pd.DataFrame):
    assert len(kpis) == len(FACTORS) * len(WEEKS)
    assert kpis.loc[kpis["controller"] == "optimum", "seed"].isna().all()
    assert kpis.loc[kpis["controller"] == "sac", "seed"].tolist() == [0, 0, 1, 1, 2, 2]
    share = kpis.set_index(["controller", "episode"])["optimum_share"]
    assert share["uncontrolled"].tolist() == [0.0, 0.0] and share["optimum"].tolist() == [1.0, 1.0]
    co2 = kpis.groupby("controller")["co2_kg"].mean()
    assert co2["optimum"] < co2["sac"] < co2["rule_based"] < co2["uncontrolled"]


def test_timeseries_has_controller_seed_time_with_units(runs: list[Run]):
    dataset = collect_timeseries(runs)
    assert dict(dataset.sizes) == {"controller": 6, "seed": 3, "time": 2 * 24 * DAYS_PER_EPISODE}
    assert list(dataset["controller"].values) == [
        "uncontrolled",
        "rule_based",
        "optimum",
        "my_rule",
        "sac",
        "ppo",
    ]
    assert dataset["seeded"].values.tolist() == [False, False, False, False, True, True]
    assert dataset["co2_kg"].attrs["units"] == "kg" and dataset["bess_soc"].attrs["long_name"]
    optimum = dataset["net_kwh"].sel(controller="optimum")
    assert (optimum == optimum.sel(seed=0)).all()  # seed-free controllers repeat along seed
    sac1 = dataset["co2_kg"].sel(controller="sac", seed=1).sum().item()
    with xr.open_dataset(runs[5].folder / "timeseries.nc") as own:
        assert sac1 == pytest.approx(own["co2_kg"].sum().item())


def test_runs_on_other_steps_are_refused(runs: list[Run], tmp_path: Path):
    shifted = tmp_path / "shifted"
    write_run(shifted, "a2c", 0.8)
    with xr.open_dataset(shifted / "timeseries.nc") as dataset:
        moved = dataset.load()
    moved.assign_coords(time=moved["time"] + pd.Timedelta(hours=1)).to_netcdf(shifted / "timeseries.nc")
    with pytest.raises(ValueError, match="a2c/seed0 was evaluated on other steps"):
        collect_timeseries([*runs, Run("a2c", 0, shifted)])


def test_summary_is_the_iqm_of_kpis_csv_with_intervals_over_seeds(kpis: pd.DataFrame):
    summary = tables.summary_table(kpis, BOOTSTRAP, FORECASTS, "week").set_index(["controller", "kpi"])
    rule_based = summary.loc[("rule_based", "co2_kg")]
    assert rule_based["point"] == rule_based["low"] == rule_based["high"]
    assert rule_based["point"] == pytest.approx(kpis.loc[kpis["controller"] == "rule_based", "co2_kg"].mean())
    sac = summary.loc[("sac", "optimum_share")]
    assert sac["point"] == pytest.approx(iqm(kpis.loc[kpis["controller"] == "sac", "optimum_share"]))
    assert sac["low"] < sac["point"] < sac["high"] and (sac["runs"], sac["episodes"]) == (3, 2)


def test_episode_table_gives_each_week_its_own_interval(kpis: pd.DataFrame):
    weekly = tables.episode_table(kpis, "co2_kg", BOOTSTRAP).set_index(["controller", "episode"])
    own = kpis[(kpis["controller"] == "ppo") & (kpis["episode"] == 35)]["co2_kg"]
    assert weekly.loc[("ppo", 35), "point"] == pytest.approx(iqm(own))
    assert weekly.loc[("ppo", 35), "low"] <= own.median() <= weekly.loc[("ppo", 35), "high"]


def test_best_agent_its_typical_seed_and_the_days_shown(kpis: pd.DataFrame, runs: list[Run]):
    summary = tables.summary_table(kpis, BOOTSTRAP, FORECASTS, "week")
    assert tables.agent_names(kpis) == ["sac", "ppo"]
    assert tables.best_agent(summary, tables.agent_names(kpis)) == "sac"
    assert tables.representative_seed(kpis, "sac") == 2  # factors 0.7, 0.8, 0.75: median 0.75
    days = tables.dispatch_days(collect_timeseries(runs), "sac", 2)
    assert days.representative in days_of(WEEKS) and days.worst in days_of(WEEKS)
    assert days.representative != days.worst
    # the second day of each episode has the larger load: more CO2, and the largest gap to the optimum
    assert days.worst.day % 2 == 1


def days_of(weeks: tuple[int, ...]) -> list[pd.Timestamp]:
    return [pd.Timestamp("2023-01-01") + pd.Timedelta(weeks=w, days=d) for w in weeks for d in range(2)]


def test_dispatch_frame_is_in_kilowatts(runs: list[Run]):
    dataset = collect_timeseries(runs)
    day = pd.Timestamp("2023-05-01")
    frame = tables.dispatch_frame(dataset.assign_attrs(step_hours=0.5), "optimum", 0, day)
    assert len(frame) == 24 and frame.index.normalize().unique().tolist() == [day]
    assert frame["pv_kw"].max() == pytest.approx(20.0)  # 10 kWh in a half-hour step


def test_learning_curve_table_aggregates_seeds_per_step():
    curves = pd.DataFrame(
        {
            "algo": ["sac"] * 6,
            "seed": [0, 1, 2] * 2,
            "timesteps": [0, 0, 0, 500, 500, 500],
            "co2_kg": [10.0, 12.0, 11.0, 8.0, 9.0, 7.0],
        }
    )
    table = tables.learning_curve_table(curves, "co2_kg", BOOTSTRAP)
    assert table["point"].tolist() == pytest.approx([11.0, 8.0]) and table["seeds"].tolist() == [3, 3]
    assert (table["low"] <= table["point"]).all() and (table["point"] <= table["high"]).all()


@pytest.fixture(scope="module")
def site_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site stage's figure of a synthetic site, as the comparison receives it."""
    spec = SyntheticSite(days=35)
    folder = write_synthetic_site(spec, tmp_path_factory.mktemp("site"))
    profiles = read_profiles(SITE_CONFIG, site_files(folder))
    path = folder / "site.png"
    site_figure(profiles, size_battery(10.0, 0.8, 0.95, 1.2, 10, 2.75), SITE_CONFIG["name"]).savefig(path)
    return path


@pytest.fixture(scope="module")
def sizing_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sizing stage's figure of a made-up sweep, as the comparison receives it under sizing optimal."""
    points = [
        {
            "capacity_kwh": kwh,
            "power_kw": kwh / 4,
            "annual_operating": 900 - 300 * min(kwh, 2),
            "annual_capital": 80 * kwh,
        }
        for kwh in (0.0, 1.0, 2.0, 3.0)
    ]
    optimum = {
        "capacity_kwh": 2.0,
        "power_kw": 0.5,
        "annual_operating": 300.0,
        "annual_capital": 160.0,
        "rule_based_annual_saving": 400.0,
        "weeks": [0, 5],
    }
    path = tmp_path_factory.mktemp("sizing") / "bess_sizing.png"
    sizing_figure(sizing_table(points), optimum, 1.5, SITE_CONFIG["name"]).savefig(path)
    return path


def test_provenance():
    assert config_hash({"a": 1, "b": {"c": 2}}) == config_hash({"b": {"c": 2}, "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})
    assert code_version().startswith("solarev 0.1.0")


def test_a_publication_s_own_folder_does_not_make_the_code_dirty(tmp_path: Path):
    """Snakemake removes publish's committed outputs before the job runs: they are not an edit of the code."""
    published = tmp_path / "docs" / "results" / "study"
    published.mkdir(parents=True)
    (tmp_path / "code.py").write_text("x = 1\n")
    (published / "summary.csv").write_text("a\n")
    for command in (
        ["init", "-q"],
        ["add", "."],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c"],
    ):
        subprocess.run(["git", "-C", str(tmp_path), *command], check=True)
    commit = code_version(tmp_path).removeprefix("solarev 0.1.0, git ")
    (published / "summary.csv").unlink()
    assert code_version(tmp_path, outside=[published]) == f"solarev 0.1.0, git {commit}"
    assert code_version(tmp_path) == f"solarev 0.1.0, git {commit}-dirty"
    (tmp_path / "code.py").write_text("x = 2\n")
    assert code_version(tmp_path, outside=[published]).endswith("-dirty")


def test_steps_per_algorithm():
    runs = pd.DataFrame({"algo": ["sac", "sac", "ppo"], "num_timesteps": [3000, 3000, 4096]})
    assert figures.steps_text(runs) == "SAC 3,000, PPO 4,096"
    assert figures.steps_text(runs.assign(num_timesteps=[3000, 3500, 4096])) == "SAC 3,000–3,500, PPO 4,096"


def test_number_formats():
    assert figures.decimals([12345.6, 3.0]) == 0 and figures.decimals([0.4321]) == 3
    assert figures.decimals([45.6]) == 2 and figures.format_number(float("nan"), 1) == "n/a"


def test_comparison_pdf_pages_and_table_text(
    kpis: pd.DataFrame, runs: list[Run], site_png: Path, sizing_png: Path, tmp_path: Path
):
    """Every page, with the battery-sizing page after the site's (bess.sizing optimal; the tiny run's PDF,
    sizing rule, has none: tests/test_report_workflow.py)."""
    curves = pd.concat(
        pd.DataFrame(
            {
                "timesteps": [0, 500, 1000],
                "objective": [5.0, 4.5, 4.0 + s],
                "co2_kg": [10.0, 9.0, 8.0 + s],
                "ev_unmet_kwh": 0.0,
            }
        ).assign(algo=a, seed=s)
        for a in ("sac", "ppo")
        for s in range(3)
    )
    run_configs = [
        {
            "algo": a,
            "seed": s,
            "preset": "test",
            "num_timesteps": 1000,
            "wall_time_s": 60.0 + s,
            "steps_per_second": 100.0,
            "device": "cpu",
            "gpu": None,
            "selected_model": {"timesteps": 1000 if s else 500, "validation_score": 4.5},
        }
        for a in ("sac", "ppo")
        for s in range(3)
    ]
    inputs = pdf.ComparisonInputs(
        kpis=kpis,
        timeseries=collect_timeseries(runs),
        curves=curves,
        run_configs=run_configs,
        site_figure=site_png,
        sizing_figure=sizing_png,
        annual_bill_figure=None,
        site_config=SITE_CONFIG,
        grid_config=GRID_CONFIG,
        objective=Objective("co2", 0.0),
        forecasts=FORECASTS,
        config_files=["config/test.yaml"],
        config_hash="0123456789ab",
        code_version="solarev 0.1.0",
    )
    comparison = pdf.build_comparison(inputs, BOOTSTRAP, date="2026-01-01")
    path = tmp_path / "comparison.pdf"
    pdf.write_pdf(comparison, path, subject="test")
    pngs = {name: tmp_path / f"{name}.png" for name in FIGURES}
    pdf.write_pngs(comparison, pngs)
    reader = PdfReader(path)
    after_site = FIGURES.index("site") + 1
    assert list(comparison.pages) == [*FIGURES[:after_site], SIZING_PAGE, *FIGURES[after_site:]]
    assert len(reader.pages) == 1 + len(comparison.pages)
    assert all(png.stat().st_size > 10_000 for png in pngs.values())
    title, table = reader.pages[0].extract_text(), reader.pages[1].extract_text()
    assert "0123456789ab" in title and "Test site" in title
    assert "MY_RULE" in title and "MY_RULE" in table  # a user's controller, reported as a controller
    for kpi in ("co2_kg", "optimum_share"):
        for point in comparison.summary.loc[comparison.summary["kpi"] == kpi, "point"]:
            shown = figures.display_value(kpi, point)
            assert f"{shown:,.{figures.decimals([shown])}f}"[:4] in table
