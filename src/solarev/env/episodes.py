"""Episode windows (step ranges [start, end) of the site) from the config's `episodes` section.

Weeks are counted from day 0 (1 January). Test episodes are whole weeks (`test_weeks`) or calendar months
(`test_months`, the periods a site is billed on: local midnight of the 1st to local midnight of the next
1st); validation episodes are whole weeks; training episodes are windows of `episode_days` whole days that
start at midnight and lie entirely inside training weeks, so no training step ever touches a validation or
test episode (solarev.config checks that the week sets and the test months do not overlap).
"""

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from solarev.site.grid import DAYS_PER_MONTH
from solarev.site.model import local_steps, time_step_hours

DAYS_PER_WEEK = 7
PERIODS = ("week", "month", "day")


class Window(NamedTuple):
    start: int
    end: int
    label: int  # the week's number, the month's (1-12), or a training window's first day
    period: str = "week"  # what `label` counts: one of PERIODS

    @property
    def n_steps(self) -> int:
        return self.end - self.start

    def billed_months(self, step_hours: float) -> float:
        """The share of a monthly bill the episode carries: a calendar month is billed whole; any other
        episode pro-rates the monthly charges to its days / (365 / 12)."""
        return 1.0 if self.period == "month" else self.n_steps * step_hours / 24 / DAYS_PER_MONTH


def week_windows(weeks: Iterable[int], steps_per_day: int, n_steps: int) -> list[Window]:
    steps_per_week = DAYS_PER_WEEK * steps_per_day
    windows = [Window(week * steps_per_week, (week + 1) * steps_per_week, week) for week in weeks]
    beyond = [window.label for window in windows if window.end > n_steps]
    if beyond:
        raise ValueError(f"weeks {beyond} lie beyond the site's {n_steps // steps_per_week} whole weeks")
    return windows


def training_windows(episodes: Mapping[str, Any], steps_per_day: int, n_steps: int) -> list[Window]:
    """Every window of `episode_days` days, starting at midnight, made only of training-week days."""
    days = episodes["episode_days"]
    week_windows(episodes["training_weeks"], steps_per_day, n_steps)  # range check
    training_day = np.zeros(n_steps // steps_per_day, dtype=bool)
    for week in episodes["training_weeks"]:
        training_day[week * DAYS_PER_WEEK : (week + 1) * DAYS_PER_WEEK] = True
    runs = np.convolve(training_day, np.ones(days, dtype=int), mode="valid")
    first_days = np.flatnonzero(runs == days)
    if len(first_days) == 0:
        raise ValueError(
            f"episodes.episode_days: no run of {days} consecutive days lies inside the training weeks"
        )
    return [Window(day * steps_per_day, (day + days) * steps_per_day, int(day), "day") for day in first_days]


def month_bounds(month: int, time: pd.DatetimeIndex) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Local midnight of the month's 1st and of the next month's, in the site's year (naive local clock)."""
    first = pd.Timestamp(year=time[0].year, month=month, day=1)
    return first, first + pd.offsets.MonthBegin(1)


def month_windows(months: Iterable[int], time: pd.DatetimeIndex) -> list[Window]:
    """The calendar months (1-12) of the site's year as windows of its time axis (site_time, local)."""
    step = pd.Timedelta(hours=time_step_hours(time))
    site_end = (time[-1] + step).tz_localize(None)
    windows, beyond = [], []
    for month in months:
        first, after = month_bounds(month, time)
        if after > site_end:
            beyond.append(month)
            continue
        start, end = local_steps(time, pd.DatetimeIndex([first, after]))
        windows.append(Window(int(start), int(end), int(month), "month"))
    if beyond:
        raise ValueError(f"months {beyond} end after the site's last day ({site_end - step:%Y-%m-%d})")
    return windows


def evaluation_windows(episodes: Mapping[str, Any], split: str, time: pd.DatetimeIndex) -> list[Window]:
    """The episodes of `split`: the validation weeks; the test months if any are set, else the test weeks."""
    if split == "test" and episodes.get("test_months"):
        return month_windows(episodes["test_months"], time)
    steps_per_day = round(24 / time_step_hours(time))
    return week_windows(episodes[f"{split}_weeks"], steps_per_day, len(time))
