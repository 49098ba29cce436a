"""The mall's non-shiftable load: daily energy shaped over opening hours, or a user's table."""

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from solarev.env.site import site_time


def opening_shape(time: pd.DatetimeIndex, opening_hour: float, closing_hour: float, closed_share: float):
    """Relative load per step: 1 while open, `closed_share` while closed (cooling and lights kept on)."""
    hour = time.hour + time.minute / 60
    return np.where((hour >= opening_hour) & (hour < closing_hour), 1.0, closed_share)


def shaped_load_kw(time: pd.DatetimeIndex, mall: Mapping[str, Any]) -> np.ndarray:
    """kW per step such that every day sums to `daily_kwh`."""
    shape = opening_shape(time, mall["opening_hour"], mall["closing_hour"], mall["closed_share"])
    step_hours = pd.Timedelta(time.freq).total_seconds() / 3600
    daily_shape_kwh = pd.Series(shape * step_hours).groupby(np.asarray(time.normalize())).transform("sum")
    return shape * mall["daily_kwh"] / daily_shape_kwh.to_numpy()


def load_from_file(frame: pd.DataFrame, time: pd.DatetimeIndex) -> np.ndarray:
    """A user's table (time, load_kw) brought onto the simulation steps by time interpolation."""
    missing = [column for column in ("time", "load_kw") if column not in frame.columns]
    if missing:
        raise ValueError(f"mall_load.file lacks columns {missing}")
    stamps = pd.to_datetime(frame["time"])
    if stamps.dt.tz is None:
        stamps = stamps.dt.tz_localize(time.tz)
    series = frame["load_kw"].set_axis(pd.DatetimeIndex(stamps).tz_convert(time.tz)).sort_index()
    union = series.index.union(time)
    return series.reindex(union).interpolate("time").ffill().bfill().reindex(time).to_numpy(float)


def mall_load(
    site: Mapping[str, Any], mall: Mapping[str, Any], table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """resources/mall_load.csv: the mall's load on every simulation step."""
    time = site_time(site)
    load_kw = load_from_file(table, time) if table is not None else shaped_load_kw(time, mall)
    return pd.DataFrame({"time": time.astype(str), "load_kw": load_kw})
