"""The building's non-shiftable load: an hourly shape over the opening hours, scaled day by day by weekday,
holiday and month factors and seeded day-to-day noise, with the period's mean day at `daily_kwh`; or a
user's table. `building` below is the config's `building_load` section."""

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from solarev.site.calendar import day_of_step, is_holiday, mean_one, month_factor, site_days, weekday_factor
from solarev.site.model import hour_of_day, site_time
from solarev.site.tables import indexed_by_time, onto_steps


def hourly_shape(hour: np.ndarray, building: Mapping[str, Any]) -> np.ndarray:
    """Relative load in each local hour of day `hour` (0-23): `open_hours_shape` for the open hour, and while
    closed `closed_share` of the mean open value (cooling, lights and refrigeration kept on)."""
    open_shape = np.asarray(building["open_hours_shape"], dtype=float)
    is_open = (hour >= building["opening_hour"]) & (hour < building["closing_hour"])
    position = np.clip(hour - building["opening_hour"], 0, len(open_shape) - 1)
    return np.where(is_open, open_shape[position], building["closed_share"] * open_shape.mean())


def day_factors(days: pd.DatetimeIndex, building: Mapping[str, Any]) -> np.ndarray:
    """Each day's load relative to the mean day: its weekday's factor (the holiday factor on holidays)
    times its month's factor, without noise."""
    weekday = np.where(
        is_holiday(days, building["holidays"]),
        building["holiday_factor"],
        weekday_factor(days, building["weekday_factors"]),
    )
    return weekday * month_factor(days, building["monthly_factors"])


def day_noise(n_days: int, sd: float, seed: int) -> np.ndarray:
    """Seeded lognormal day-to-day factor with mean 1 (weather, events): never negative, and `sd` is its
    relative spread."""
    sigma = np.sqrt(np.log1p(sd**2))
    return np.exp(sigma * np.random.default_rng(seed).standard_normal(n_days) - sigma**2 / 2)


def shaped_load_kw(time: pd.DatetimeIndex, building: Mapping[str, Any]) -> np.ndarray:
    """kW per step: the shape at the step's local hour, each day scaled by its factors and noise so that a
    24-hour day's energy is its factor times `daily_kwh`, the factors averaging one over the period (the
    configured figure stays the yearly mean). Under daylight saving the 23-hour day lacks an hour's load
    and the 25-hour day has one more: every local hour keeps its power."""
    days = site_days(time)
    factors = day_factors(days, building) * day_noise(len(days), building["day_to_day_sd"], building["seed"])
    shape = hourly_shape(np.floor(hour_of_day(time)).astype(int), building)
    full_day_kwh = hourly_shape(np.arange(24), building).sum()
    return shape / full_day_kwh * mean_one(factors)[day_of_step(time)] * building["daily_kwh"]


def load_from_file(frame: pd.DataFrame, time: pd.DatetimeIndex) -> np.ndarray:
    """A user's table (time, load_kw) brought onto the simulation steps by time interpolation."""
    table = indexed_by_time(frame, time.tz, "building_load.file", ["load_kw"])
    return onto_steps(table[["load_kw"]], time)["load_kw"].to_numpy(float)


def building_load(
    site: Mapping[str, Any], building: Mapping[str, Any], table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """resources/building_load.csv: the building's load on every simulation step."""
    time = site_time(site)
    load_kw = load_from_file(table, time) if table is not None else shaped_load_kw(time, building)
    return pd.DataFrame({"time": time.astype(str), "load_kw": load_kw})
