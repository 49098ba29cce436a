"""KPIs from a hand-made time series with known answers."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from solarev.evaluate.kpis import KPI_NAMES, add_optimum_share, episode_kpis, kpis_by_episode, optimum_share


def series(episode: int, start: str) -> xr.Dataset:
    """Four half-hour steps: import 10, export 4 of PV 6, import 0, import 2 kWh."""
    values = {
        "pv_kwh": [0.0, 6.0, 3.0, 0.0],
        "net_kwh": [10.0, -4.0, 0.0, 2.0],
        "co2_kg": [5.0, 0.0, 0.0, 1.0],
        "cost_usd": [2.0, 0.0, 0.0, 0.4],
        "bess_kwh": [0.0, 4.0, -1.0, -3.0],
        "ev_delivered_kwh": [1.0, 1.0, 0.0, 0.5],
        "ev_unmet_kwh": [0.0, 0.0, 0.0, 0.25],
    }
    time = pd.date_range(start, periods=4, freq="30min")
    return xr.Dataset(
        {name: ("time", data) for name, data in values.items()},
        coords={"time": time, "episode": ("time", [episode] * 4)},
        attrs={"bess_capacity_kwh": 10.0, "step_hours": 0.5},
    )


def test_every_kpi_of_a_known_episode():
    assert episode_kpis(series(0, "2023-01-02")) == pytest.approx(
        {
            "co2_kg": 6.0,
            "grid_import_kwh": 12.0,
            "peak_import_kw": 20.0,
            "pv_used_share": 1 - 4 / 9,
            "pv_curtailed_kwh": 4.0,
            "ev_delivered_kwh": 2.5,
            "ev_unmet_kwh": 0.25,
            "bess_equivalent_cycles": 8 / 20,
            "cost_usd": 2.4,
        }
    )


def test_kpis_by_episode_scores_each_episode_of_a_concatenation():
    timeseries = xr.concat([series(17, "2023-04-24"), series(35, "2023-08-28")], dim="time")
    kpis = kpis_by_episode(timeseries)
    assert list(kpis.index) == [17, 35] and list(kpis.columns) == KPI_NAMES
    assert (kpis["co2_kg"] == 6.0).all()


def test_optimum_share():
    assert optimum_share(80.0, 100.0, 60.0) == pytest.approx(0.5)
    assert optimum_share(60.0, 100.0, 60.0) == pytest.approx(1.0)
    assert np.isnan(optimum_share(60.0, 60.0, 60.0))


def co2_frame(co2: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"co2_kg": co2}, index=pd.Index([17, 35], name="episode"))


def test_optimum_share_is_added_per_episode():
    shares = add_optimum_share(
        {
            "uncontrolled": co2_frame([100.0, 50.0]),
            "optimum": co2_frame([60.0, 40.0]),
            "sac": co2_frame([90.0, 40.0]),
        }
    )
    assert list(shares["sac"]["optimum_share"]) == pytest.approx([0.25, 1.0])
    assert list(shares["uncontrolled"]["optimum_share"]) == pytest.approx([0.0, 0.0])
