"""Aggregate scores over seeds the way rliable recommends: interquartile mean with a stratified bootstrap.

rliable 1.2.0 itself cannot be installed beside numpy 2 (it pins arch 5.3, and newer arch releases renamed
the bootstrap's random_state), so the two estimators are implemented here and tested against scipy.
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats


def iqm(scores: np.ndarray) -> float:
    """Interquartile mean of all scores (runs × tasks flattened): the mean of the middle 50%."""
    return float(stats.trim_mean(np.asarray(scores, dtype=float).ravel(), proportiontocut=0.25))


@dataclass(frozen=True)
class Interval:
    point: float
    low: float
    high: float


def stratified_bootstrap_iqm(scores: np.ndarray, reps: int, confidence: float, seed: int) -> Interval:
    """IQM of a runs × tasks score matrix with a percentile CI from resampling runs within each task.

    Stratifying by task (held-out week) keeps every resample balanced over weeks, as in rliable.
    """
    scores = np.asarray(scores, dtype=float).reshape(len(scores), -1)
    runs, tasks = scores.shape
    rng = np.random.default_rng(seed)
    run_indices = rng.integers(0, runs, size=(reps, runs, tasks))
    resampled = scores[run_indices, np.arange(tasks)]
    estimates = stats.trim_mean(resampled.reshape(reps, -1), proportiontocut=0.25, axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(estimates, [tail, 100 - tail])
    return Interval(point=iqm(scores), low=float(low), high=float(high))
