"""Episode windows (step ranges [start, end) of the site) from the config's `episodes` section.

Weeks are counted from day 0 (1 January). Evaluation episodes are whole weeks; training episodes are windows
of `episode_days` whole days that start at midnight and lie entirely inside training weeks, so no training
step ever touches a validation or test week.
"""

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np

DAYS_PER_WEEK = 7


class Window(NamedTuple):
    start: int
    end: int
    label: int  # week number for evaluation weeks, first day for training windows

    @property
    def n_steps(self) -> int:
        return self.end - self.start


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
    return [Window(day * steps_per_day, (day + days) * steps_per_day, int(day)) for day in first_days]


def evaluation_windows(
    episodes: Mapping[str, Any], split: str, steps_per_day: int, n_steps: int
) -> list[Window]:
    """The weeks of `split` ("validation" or "test")."""
    return week_windows(episodes[f"{split}_weeks"], steps_per_day, n_steps)
