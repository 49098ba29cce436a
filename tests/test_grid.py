"""Grid signals expanded to steps: time-of-use periods by hour and weekday, a CSV read back, demand-charge
windows, pro-ration, and the slice of an episode."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import TEST_CONFIG

from solarev.env.episodes import Window
from solarev.site.grid import grid_signals
from solarev.site.model import site_time

SITE = TEST_CONFIG["site"] | {"time_step_minutes": 30, "days": 14}


def test_time_of_use_and_demand_windows_follow_hours_and_weekdays():
    grid = TEST_CONFIG["grid"] | {
        "import_price": {
            "usd_per_kwh": 0.1,
            "periods": [
                {"name": "peak", "start_hour": 18, "end_hour": 23, "days": ["mon", "tue"], "usd_per_kwh": 0.3}
            ],
            "file": None,
        }
    }
    time = site_time(SITE)
    signals = grid_signals(grid, time)
    price = pd.Series(signals.import_usd_per_kwh, index=time)
    monday = pd.Timestamp("2023-01-02", tz=SITE["timezone"])  # 1 January 2023 is a Sunday
    assert price[monday + pd.Timedelta("17h30min")] == 0.1
    assert price[monday + pd.Timedelta("18h")] == 0.3
    assert price[monday + pd.Timedelta("22h30min")] == 0.3
    assert price[monday + pd.Timedelta("23h")] == 0.1
    assert price[monday + pd.Timedelta(days=2, hours=19)] == 0.1  # Wednesday
    (charge,) = signals.demand_charges
    assert charge.in_window.sum() == 14 * 10  # every day of the test config's charge, 10 half hours
    assert not np.isfinite(signals.import_limit_kw) and not np.isfinite(signals.export_limit_kw)


def test_a_signal_file_is_read_per_step_and_sliced_per_episode(tmp_path: Path):
    time = site_time(SITE)
    values = np.linspace(0.3, 0.9, len(time))
    path = tmp_path / "carbon.csv"
    pd.DataFrame({"time": [stamp.isoformat() for stamp in time], "kg_per_kwh": values}).to_csv(
        path, index=False
    )
    signals = grid_signals(TEST_CONFIG["grid"] | {"carbon_intensity_file": str(path)}, time)
    np.testing.assert_allclose(signals.carbon_kg_per_kwh, values)
    week = signals.over(slice(336, 672))
    np.testing.assert_allclose(week.carbon_kg_per_kwh, values[336:672])
    assert week.demand_charges[0].in_window.shape == (336,)


def test_a_monthly_charge_is_pro_rated_by_days_unless_the_episode_is_a_month():
    assert Window(0, 7 * 48, 3).billed_months(step_hours=0.5) == pytest.approx(7 / (365 / 12))
    assert Window(0, 28 * 48, 2, "month").billed_months(step_hours=0.5) == 1.0
