"""Day-level factors shared by the generators: weekday, month and holiday multipliers and per-step lookup.

The building load and the EV arrivals both vary by day of the week; the load also by month and on holidays.
Factors are relative: `mean_one` rescales them over the simulated days so that a configured daily mean
(building_load.daily_kwh, sessions_per_day) stays the mean of the period whatever the calendar holds.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd


def site_days(time: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The local calendar days the steps fall on, in order (one entry per day)."""
    return time.normalize().unique()


def day_of_step(time: pd.DatetimeIndex) -> np.ndarray:
    """Position in site_days(time) of each step's day: steps look their day's values up with it."""
    return pd.factorize(time.normalize())[0]


def weekday_factor(dates: pd.DatetimeIndex, factors: Sequence[float]) -> np.ndarray:
    """`factors` (Monday first) at each date or time stamp."""
    return np.asarray(factors, dtype=float)[dates.day_of_week]


def month_factor(dates: pd.DatetimeIndex, factors: Sequence[float]) -> np.ndarray:
    """`factors` (January first) at each date or time stamp."""
    return np.asarray(factors, dtype=float)[dates.month - 1]


def is_holiday(days: pd.DatetimeIndex, holidays: Sequence[str]) -> np.ndarray:
    """Whether each day is listed in `holidays`: "MM-DD" recurs every year (fixed-date holidays),
    "YYYY-MM-DD" names one date (movable feasts such as Easter)."""
    every_year = {entry for entry in holidays if len(entry) == 5}
    dated = {entry for entry in holidays if len(entry) == 10}
    return np.asarray(days.strftime("%m-%d").isin(every_year) | days.strftime("%Y-%m-%d").isin(dated))


def mean_one(factors: np.ndarray) -> np.ndarray:
    """`factors` divided by their mean, so that multiplying a daily mean by them keeps it the mean."""
    return factors / factors.mean()
