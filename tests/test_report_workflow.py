"""The report stage in the real workflow (config/test.yaml, the shared `tiny_run`): results/kpis.csv and
results/timeseries.nc hold every run, comparison.pdf has every page, its table shows the numbers of
results/kpis.csv, and `snakemake --report` builds the HTML report."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from pypdf import PdfReader
from snakemake_runner import TEST_CONFIG

from solarev.config import load_yaml
from solarev.control import CONTROLLERS
from solarev.evaluate.kpis import KPI_NAMES
from solarev.report import figures, tables
from solarev.report.collect import read_kpis_table
from solarev.report.paths import FIGURES, REPORT_PNGS

CONFIG = load_yaml(TEST_CONFIG)
AGENTS = [(algo, seed) for algo in CONFIG["training"]["algorithms"] for seed in CONFIG["training"]["seeds"]]
WEEKS = CONFIG["episodes"]["test_weeks"]


@pytest.fixture(scope="module")
def kpis(tiny_run: Path) -> pd.DataFrame:
    return read_kpis_table(tiny_run / "results" / "kpis.csv")


def test_kpis_csv_holds_every_run_as_its_own_kpis_json(tiny_run: Path, kpis: pd.DataFrame):
    assert len(kpis) == (len(CONTROLLERS) + len(AGENTS)) * len(WEEKS)
    for algo, seed in AGENTS:
        own = json.loads((tiny_run / f"results/agents/{algo}/seed{seed}/kpis.json").read_text())
        rows = kpis[(kpis["controller"] == algo) & (kpis["seed"] == seed)]
        assert rows[KPI_NAMES].to_numpy() == pytest.approx(pd.DataFrame(own)[KPI_NAMES].to_numpy())
    assert kpis.loc[kpis["controller"].isin(CONTROLLERS), "seed"].isna().all()
    share = kpis.set_index("controller")["optimum_share"]
    assert (share["uncontrolled"] == 0).all() and np.allclose(share["optimum"], 1)


def test_timeseries_nc_has_controller_seed_time_with_units(tiny_run: Path, kpis: pd.DataFrame):
    with xr.open_dataset(tiny_run / "results" / "timeseries.nc", engine="h5netcdf") as dataset:
        assert dataset["co2_kg"].dims == ("controller", "seed", "time")
        assert set(dataset["controller"].values) == set(kpis["controller"])
        assert list(dataset["seed"].values) == CONFIG["training"]["seeds"]
        assert all("units" in dataset[name].attrs and "long_name" in dataset[name].attrs for name in dataset)
        co2 = dataset["co2_kg"].sum("time").to_pandas()
    for (controller, seed), row in kpis.set_index(["controller", "seed"]).iterrows():
        run_seed = CONFIG["training"]["seeds"][0] if seed is pd.NA else seed  # controllers repeat on seeds
        assert co2.loc[controller, run_seed] == pytest.approx(row["co2_kg"])


def test_comparison_pdf_has_every_page_and_shows_kpis_csv(tiny_run: Path, kpis: pd.DataFrame):
    reader = PdfReader(tiny_run / "results" / "comparison.pdf")
    assert len(reader.pages) == 1 + len(FIGURES) + 1  # and the annual bill's page (tests/test_annual_bill.py)
    assert all(
        (tiny_run / "results" / "comparison" / f"{name}.png").stat().st_size > 10_000 for name in REPORT_PNGS
    )
    title = reader.pages[0].extract_text()
    assert CONFIG["site"]["name"] in title and "config/test.yaml" in title and "solarev 0.1.0" in title

    # the saved table is the IQM (with bootstrap CI) of results/kpis.csv ...
    summary = pd.read_csv(tiny_run / "results" / "summary.csv")
    expected = tables.summary_table(
        kpis, tables.Bootstrap.from_config(CONFIG["report"]), CONFIG["env"]["forecasts"], "week"
    )
    pd.testing.assert_frame_equal(summary, expected, check_dtype=False)
    # ... and the table page shows its every cell
    table_text = reader.pages[1 + FIGURES.index("summary")].extract_text()
    controllers = list(dict.fromkeys(summary["controller"]))
    for row in figures.summary_cells(summary, controllers, list(figures.KPIS)):
        for cell in row:
            assert all(line in table_text for line in cell.split("\n")), cell
