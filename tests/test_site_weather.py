"""Weather files: pvlib's own TMY3 sample (no download) converted by solarev's reader and run through the
solar rule with solar.weather.source: file."""

import copy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest
from conftest import TEST_CONFIG
from snakemake_runner import run_with_config

from solarev.site.weather_file import site_location, tmy3_weather

# Greensboro, North Carolina: a TMY3 file shipped in pvlib's package data.
TMY3 = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"
YEAR = TEST_CONFIG["site"]["year"]


@pytest.fixture(scope="module")
def greensboro() -> tuple[pd.DataFrame, dict]:
    return tmy3_weather(TMY3, YEAR)


def test_the_reader_labels_each_hour_by_its_start_in_the_sites_year(greensboro):
    table, metadata = greensboro
    raw, _ = pvlib.iotools.read_tmy3(TMY3, map_variables=True)
    assert list(table.columns) == ["time", "ghi", "dni", "dhi", "temp_air", "relative_humidity"]
    time = pd.DatetimeIndex(pd.to_datetime(table["time"]))
    assert len(table) == 8760 and time.is_monotonic_increasing
    assert str(time[0]) == f"{YEAR}-01-01 00:00:00-05:00" and str(time[-1]) == f"{YEAR}-12-31 23:00:00-05:00"
    # TMY3's first row is the hour ending at 01:00: the table's hour starting at 00:00.
    np.testing.assert_array_equal(table["ghi"], raw["ghi"])
    noon = table["ghi"].groupby(time.hour).mean()
    assert noon.idxmax() in (11, 12) and noon[[0, 1, 2, 3, 22, 23]].max() == 0


def test_the_stations_location_becomes_the_site_keys(greensboro):
    _, metadata = greensboro
    assert site_location(metadata) == {
        "latitude": 36.1,
        "longitude": -79.95,
        "altitude_m": 273.0,
        "timezone": "Etc/GMT+5",  # UTC-5, standard time all year as TMY3 files are
    }


def test_the_converter_runs_from_the_command_line(tmp_path: Path):
    output = tmp_path / "weather.csv"
    command = [sys.executable, "-m", "solarev.site.weather_file", str(TMY3), str(output), "--year", str(YEAR)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    assert "'timezone': 'Etc/GMT+5'" in result.stdout
    pd.testing.assert_frame_equal(pd.read_csv(output), tmy3_weather(TMY3, YEAR)[0])


def test_the_solar_rule_runs_on_the_converted_file(greensboro, tmp_path: Path):
    table, metadata = greensboro
    weather_file = tmp_path / "greensboro.csv"
    table.to_csv(weather_file, index=False)
    config = copy.deepcopy(TEST_CONFIG)
    config["site"].update(site_location(metadata))
    config["solar"]["weather"].update(source="file", file=str(weather_file))
    config["solar"]["system"]["azimuth_deg"] = 180.0  # south-facing in the northern hemisphere
    result, workdir = run_with_config(config, tmp_path, "resources/solar.csv")
    assert result.returncode == 0, result.stderr[-4000:]
    solar = pd.read_csv(workdir / "resources/solar.csv")
    hours = config["site"]["days"] * 24
    # Hourly steps in the file's own zone take each hour's values unchanged.
    np.testing.assert_allclose(solar["ghi_w_m2"], table["ghi"][:hours])
    np.testing.assert_allclose(solar["temp_air_c"], table["temp_air"][:hours])
    assert (solar.loc[solar["ghi_w_m2"] == 0, "ac_kw"] == 0).all()
    january_yield = solar["ac_kw"].sum() / config["solar"]["system"]["dc_kwp"] / config["site"]["days"]
    assert 1.5 < january_yield < 4.5  # kWh/kWp per day in a North Carolina winter
    assert "performance ratio" in (workdir / "logs/solar.log").read_text()
