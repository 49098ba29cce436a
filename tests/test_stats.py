import numpy as np
import pytest

from solarev.evaluate.stats import iqm, stratified_bootstrap_iqm


def test_iqm_is_the_mean_of_the_middle_half():
    assert iqm(np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 100.0])) == pytest.approx(3.5)


def test_interval_contains_the_point_and_is_seeded():
    scores = np.random.default_rng(1).normal(10, 2, size=(10, 3))
    first = stratified_bootstrap_iqm(scores, reps=500, confidence=0.95, seed=3)
    again = stratified_bootstrap_iqm(scores, reps=500, confidence=0.95, seed=3)
    other = stratified_bootstrap_iqm(scores, reps=500, confidence=0.95, seed=4)
    assert first == again
    assert first != other
    assert first.low < first.point < first.high
    assert first.high - first.low < 4


def test_interval_narrows_with_more_runs():
    rng = np.random.default_rng(2)
    few = stratified_bootstrap_iqm(rng.normal(0, 1, (4, 2)), reps=1000, confidence=0.95, seed=0)
    many = stratified_bootstrap_iqm(rng.normal(0, 1, (64, 2)), reps=1000, confidence=0.95, seed=0)
    assert many.high - many.low < few.high - few.low


def test_identical_runs_give_a_zero_width_interval():
    interval = stratified_bootstrap_iqm(np.full((5, 3), 2.5), reps=200, confidence=0.9, seed=0)
    assert interval.low == interval.point == interval.high == 2.5
