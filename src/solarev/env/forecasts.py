"""Perfect forecasts of a per-step series, as the agent's observation and CityLearn's predictions show."""

import numpy as np


def forecast_matrix(values: np.ndarray, steps: int) -> np.ndarray:
    """Perfect forecasts: row t holds values[t + 1 .. t + steps], repeating the last value past the end."""
    ahead = np.arange(len(values))[:, None] + np.arange(1, steps + 1)
    return values[np.minimum(ahead, len(values) - 1)]
