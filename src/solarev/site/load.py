"""The mall's non-shiftable load: daily energy shaped over opening hours, or a user's table."""

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from solarev.site.model import hour_of_day, site_time, time_step_hours
from solarev.site.tables import indexed_by_time, onto_steps


def opening_shape(time: pd.DatetimeIndex, opening_hour: float, closing_hour: float, closed_share: float):
    """Relative load per step: 1 while open, `closed_share` while closed (cooling and lights kept on)."""
    hour = hour_of_day(time)
    return np.where((hour >= opening_hour) & (hour < closing_hour), 1.0, closed_share)


def shaped_load_kw(time: pd.DatetimeIndex, mall: Mapping[str, Any]) -> np.ndarray:
    """kW per step such that every day sums to `daily_kwh`."""
    shape = opening_shape(time, mall["opening_hour"], mall["closing_hour"], mall["closed_share"])
    step_hours = time_step_hours(time)
    daily_shape_kwh = pd.Series(shape * step_hours).groupby(np.asarray(time.normalize())).transform("sum")
    return shape * mall["daily_kwh"] / daily_shape_kwh.to_numpy()


def load_from_file(frame: pd.DataFrame, time: pd.DatetimeIndex) -> np.ndarray:
    """A user's table (time, load_kw) brought onto the simulation steps by time interpolation."""
    table = indexed_by_time(frame, time.tz, "mall_load.file", ["load_kw"])
    return onto_steps(table[["load_kw"]], time)["load_kw"].to_numpy(float)


def mall_load(
    site: Mapping[str, Any], mall: Mapping[str, Any], table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """resources/mall_load.csv: the mall's load on every simulation step."""
    time = site_time(site)
    load_kw = load_from_file(table, time) if table is not None else shaped_load_kw(time, mall)
    return pd.DataFrame({"time": time.astype(str), "load_kw": load_kw})
