"""Episode windows: whole test weeks, and training windows that never touch a held-out week."""

import numpy as np
import pytest

from solarev.env.episodes import evaluation_windows, training_windows, week_windows

STEPS_PER_DAY = 48
N_STEPS = 364 * STEPS_PER_DAY


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
    assert [w.label for w in evaluation_windows(episodes, "test", STEPS_PER_DAY, N_STEPS)] == [35, 17]
