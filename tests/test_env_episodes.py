"""Episode windows: whole test weeks or calendar months, and training windows that never touch a held-out
week."""

import numpy as np
import pytest

from solarev.env.episodes import evaluation_windows, month_windows, training_windows, week_windows
from solarev.site.model import site_time

STEPS_PER_DAY = 48
N_STEPS = 364 * STEPS_PER_DAY
TIME = site_time({"timezone": "America/Lima", "year": 2023, "days": 364, "time_step_minutes": 30})


def test_weeks_are_whole_weeks_from_day_zero():
    (week,) = week_windows([51], STEPS_PER_DAY, N_STEPS)
    assert (week.start, week.end, week.label, week.n_steps) == (51 * 336, 52 * 336, 51, 336)


def test_week_beyond_the_site_is_an_error():
    with pytest.raises(ValueError, match=r"weeks \[52\]"):
        week_windows([52], STEPS_PER_DAY, N_STEPS)


def test_training_windows_lie_inside_training_weeks_only():
    episodes = {"episode_days": 7, "training_weeks": [0, 1, 3], "validation_weeks": [2], "test_weeks": [4]}
    windows = training_windows(episodes, STEPS_PER_DAY, N_STEPS)
    # Weeks 0-1 give 8 starting days (day 0 to day 7); week 3 alone gives one.
    assert [window.label for window in windows] == [*range(8), 21]
    training_step = np.zeros(N_STEPS, dtype=bool)
    for week in episodes["training_weeks"]:
        training_step[week * 336 : (week + 1) * 336] = True
    for window in windows:
        assert window.n_steps == 7 * STEPS_PER_DAY
        assert training_step[window.start : window.end].all()


def test_no_window_fits_is_an_error_naming_the_key():
    episodes = {"episode_days": 10, "training_weeks": [0, 2], "validation_weeks": [1], "test_weeks": [3]}
    with pytest.raises(ValueError, match="episodes.episode_days"):
        training_windows(episodes, STEPS_PER_DAY, N_STEPS)


def test_evaluation_windows_follow_the_config_order():
    episodes = {"validation_weeks": [8, 26], "test_weeks": [35, 17]}
    assert [w.label for w in evaluation_windows(episodes, "test", TIME)] == [35, 17]


def test_test_months_replace_test_weeks_and_validation_stays_weekly():
    episodes = {"validation_weeks": [8], "test_weeks": [], "test_months": [2, 11]}
    (february, november) = evaluation_windows(episodes, "test", TIME)
    assert (february.start, february.end, february.period) == (31 * 48, 59 * 48, "month")
    assert november.n_steps == 30 * 48
    assert TIME[november.start].strftime("%m-%d %H:%M") == "11-01 00:00"
    # A calendar month is billed whole; a week carries 7 / (365 / 12) of a monthly charge.
    assert february.billed_months(0.5) == 1.0
    (week,) = evaluation_windows(episodes, "validation", TIME)
    assert week.billed_months(0.5) == pytest.approx(7 * 12 / 365)


def test_a_month_follows_the_local_calendar_under_daylight_saving():
    time = site_time({"timezone": "Europe/Madrid", "year": 2023, "days": 365, "time_step_minutes": 60})
    (march,) = month_windows([3], time)
    # March 2023 in Madrid: 31 days, one of them 23 hours long (26 March).
    assert march.n_steps == 31 * 24 - 1
    assert time[march.start].strftime("%m-%d %H:%M") == "03-01 00:00"
    assert time[march.end].strftime("%m-%d %H:%M") == "04-01 00:00"


def test_a_month_beyond_the_site_is_an_error():
    with pytest.raises(ValueError, match=r"months \[12\] end after the site's last day \(2023-12-30\)"):
        month_windows([12], TIME)
