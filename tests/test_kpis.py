"""KPIs from a hand-made time series with known answers: the bill (time-of-use energy, a demand charge,
paid export within its limit), CO2, and the objective settled for the stored energy left (the ledger)."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from solarev.evaluate.kpis import (
    KPI_NAMES,
    add_optimum_share,
    episode_kpis,
    kpis_by_episode,
    optimum_share,
)

DEMAND_RATE = 10.0 * (4 * 0.5 / 24) / (365 / 12)  # USD per kW of the window peak, pro-rated to 2 hours


def series(episode: int, start: str, objective: str = "cost") -> xr.Dataset:
    """Four half-hour steps: import 10, export 4 of PV 6 (3 paid: 6 kW limit), import 0, import 2 kWh;
    price 0.2 then 0.3 USD/kWh, the demand charge's window on the last two steps, the battery ending
    1 kWh above its start."""
    values = {
        "pv_kwh": [0.0, 6.0, 3.0, 0.0],
        "net_kwh": [10.0, -4.0, 0.0, 2.0],
        "co2_kg": [5.0, 0.0, 0.0, 1.0],
        "cost_usd": [2.0, 0.0, 0.0, 0.4],
        "bess_kwh": [0.0, 4.0, -1.0, -3.0],
        "ev_delivered_kwh": [1.0, 1.0, 0.0, 0.5],
        "ev_unmet_kwh": [0.0, 0.0, 0.0, 0.25],
        "bess_soc": [0.4, 0.8, 0.7, 0.5],
        "carbon_kg_per_kwh": [0.5] * 4,
        "import_usd_per_kwh": [0.2, 0.2, 0.3, 0.3],
    }
    time = pd.date_range(start, periods=4, freq="30min")
    dataset = xr.Dataset(
        {name: ("time", data) for name, data in values.items()},
        coords={"time": time, "episode": ("time", [episode] * 4)},
        attrs={
            "bess_capacity_kwh": 10.0,
            "bess_initial_energy_kwh": 4.0,
            "bess_one_way_efficiency": 0.9,
            "step_hours": 0.5,
            "period": "week",
            "billed_months": 2 / 24 / (365 / 12),  # two hours' share of a month
            "export_usd_per_kwh": 0.1,
            "export_limit_kw": 6.0,
            "import_limit_kw": 16.0,  # 8 kWh a step: the first step's import is 2 kWh above it
            "objective": objective,
            "carbon_price_usd_per_t": 0.0,
        },
    )
    dataset["demand_window_evening"] = ("time", [0, 0, 1, 1], {"usd_per_kw_month": 10.0})
    return dataset


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
            "import_over_limit_kwh": 2.0,
            "bess_equivalent_cycles": 8 / 20,
            "cost_usd": 2.4,
            "energy_cost_usd": 2.6,
            "demand_charge_usd": 4 * DEMAND_RATE,
            "export_revenue_usd": 0.3,
            "total_cost_usd": 2.3 + 4 * DEMAND_RATE,
            "stored_energy_change_kwh": 1.0,
            "co2_settled_kg": 6.0 - 0.9 * 0.5,
            # The kWh left above the start is worth one-way efficiency × the mean import weight.
            "objective": 2.3 + 4 * DEMAND_RATE - 0.9 * 0.25,
            "window_peak_evening_kw": 4.0,
        }
    )


def test_the_co2_objective_is_settled_co2_and_ignores_the_bill():
    kpis = episode_kpis(series(0, "2023-01-02", objective="co2"))
    assert kpis["objective"] == pytest.approx(kpis["co2_settled_kg"])
    assert kpis["total_cost_usd"] == pytest.approx(2.3 + 4 * DEMAND_RATE)


def test_kpis_by_episode_scores_each_episode_of_a_concatenation():
    timeseries = xr.concat([series(17, "2023-04-24"), series(35, "2023-08-28")], dim="time")
    kpis = kpis_by_episode(timeseries)
    assert list(kpis.index) == [17, 35] and list(kpis.columns) == [*KPI_NAMES, "window_peak_evening_kw"]
    assert (kpis["co2_kg"] == 6.0).all()


def test_optimum_share():
    assert optimum_share(80.0, 100.0, 60.0) == pytest.approx(0.5)
    assert optimum_share(60.0, 100.0, 60.0) == pytest.approx(1.0)
    assert np.isnan(optimum_share(60.0, 60.0, 60.0))


def co2_frame(co2: list[float], unmet: tuple[float, float] = (0.0, 0.0)) -> pd.DataFrame:
    """Settled CO2 as the objective too (objective: co2)."""
    return pd.DataFrame(
        {"co2_settled_kg": co2, "objective": co2, "ev_unmet_kwh": unmet, "import_over_limit_kwh": 0.0},
        index=pd.Index([17, 35], name="episode"),
    )


def test_optimum_share_is_added_per_episode():
    shares = add_optimum_share(
        {
            "uncontrolled": co2_frame([100.0, 50.0]),
            "optimum": co2_frame([60.0, 40.0]),
            "sac": co2_frame([90.0, 40.0]),
            "skips_evs": co2_frame([70.0, 40.0], unmet=[5.0, 2.0]),
        },
        unmet_weight=2.0,
    )
    assert list(shares["sac"]["optimum_share"]) == pytest.approx([0.25, 1.0])
    assert list(shares["sac"]["optimum_share_co2"]) == pytest.approx([0.25, 1.0])
    # Unmet EV energy at its penalty in the objective's share, not in the CO2 share.
    assert list(shares["skips_evs"]["optimum_share"]) == pytest.approx([0.5, 0.6])
    assert list(shares["skips_evs"]["optimum_share_co2"]) == pytest.approx([0.75, 1.0])
    assert list(shares["uncontrolled"]["optimum_share"]) == pytest.approx([0.0, 0.0])
