"""The agents' observation: its features in order and the builders of its parts, each scaled to [-1, 1].
solarev.env.gym_env.SiteEnv precomputes the static part per site step (static_features) and adds the
battery's, the peaks' and the EVs' state every step.

Observations are scaled to [-1, 1]. Besides the raw PV and load (over their maxima), the agent sees the
site's surplus in units of the battery's energy per step at nominal power: "surplus" is PV - load - what
the plugged-in EVs would take at full power, "surplus_forecast_k" is PV - load k steps ahead as forecast
(solarev.env.forecasts, config env.forecasts; pv_forecast_k and load_forecast_k likewise); clipped to
±1, where the battery's power caps what it could do with more. An agent that has learnt battery action =
surplus charges exactly the surplus and covers the deficit, rule_based's dispatch (solarev.control): the
raw PV and load alone made the agents find this boundary only roughly (measured in docs/tuning.md).
The objective's import weight w_t (over its maximum) now and k steps ahead, whether each demand charge's
window is on, and each charge's running peak (over the largest import a step can have) tell it when
energy is dear.

What carries across sites (a mall's evening crowd of motorbikes, a workplace's cars that stay all day) is
in units of the site's own ratings and the tariff's calendar: per demand charge, the steps until its window
opens (over a day) and until it closes (over the window's length), and the headroom under its running peak
(the running peak minus the import this step would have without the battery, EVs charged at once, in the
battery's energy per step: negative means the battery must discharge that much or raise the peak); per
fleet, the pressure (the plugged-in EVs' remaining need over what their sockets can still deliver before
they are due: 1 is no slack) and what must go in now (the energy that cannot wait for a later step, over
what the plugged-in sockets take in one step). The tariff is published, so its calendar is not a forecast.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd

from solarev.env.forecasts import forecast_matrix
from solarev.site.model import Site, hour_of_day

TIME_FEATURES = ["hour_sin", "hour_cos", "week_sin", "week_cos"]
# Per socket, in this order at the end of the observation: plugged in (0/1), steps until the plugged-in EV
# is due (over the longest session), energy it still lacks (over its battery).
SOCKET_FEATURES = ("plugged", "steps_to_due", "remaining")


def observation_names(charges: Sequence[str], forecast_steps: int, n_sockets: int) -> list[str]:
    """The observation's features in order, for demand charges named `charges`: the static part
    (static_features' columns), then the state of the step."""
    return [
        *TIME_FEATURES,
        "pv",
        "load",
        *(f"pv_forecast_{k + 1}" for k in range(forecast_steps)),
        *(f"load_forecast_{k + 1}" for k in range(forecast_steps)),
        *(f"surplus_forecast_{k + 1}" for k in range(forecast_steps)),
        "import_weight",
        *(f"import_weight_forecast_{k + 1}" for k in range(forecast_steps)),
        *(f"in_{charge}" for charge in charges),
        *(f"{timing}_{charge}" for charge in charges for timing in ("to_open", "left")),
        "surplus",
        "bess_soc",
        *(f"peak_{charge}" for charge in charges),
        *(f"peak_headroom_{charge}" for charge in charges),
        "ev_pressure",
        "ev_must_now",
        # Last, one block per feature: solarev.env.socket_grouping averages them over groups of sockets.
        *(f"{feature}_{s}" for feature in SOCKET_FEATURES for s in range(n_sockets)),
    ]


def static_features(
    site: Site,
    import_weight: np.ndarray,
    pv_ahead_kwh: np.ndarray,
    load_ahead_kwh: np.ndarray,
    surplus_ahead: np.ndarray,
    forecast_steps: int,
) -> np.ndarray:
    """Per site step (plus the terminal row): time, PV, load and their forecasts, the import weight now and
    ahead, and each demand charge's window, scaled to [-1, 1]. The arrays carry the terminal row:
    `import_weight` per step, PV and load now (column 0) and forecast (columns 1...) in kWh,
    `surplus_ahead` the forecast surplus already in the battery's units."""
    pv_scale, load_scale = (max(values.max(), 1e-9) for values in (site.pv_kwh, site.load_kwh))
    terminal_time = site.time.append(site.time[-1:] + (site.time[-1] - site.time[-2]))
    weight = import_weight / max(import_weight.max(), 1e-9)
    return np.column_stack(
        [
            time_features(terminal_time),
            with_terminal_row(site.pv_kwh) / pv_scale,
            with_terminal_row(site.load_kwh) / load_scale,
            pv_ahead_kwh[:, 1:] / pv_scale,
            load_ahead_kwh[:, 1:] / load_scale,
            surplus_ahead,
            weight,
            # The tariff is published: its calendar ahead is known, not forecast.
            forecast_matrix(weight, forecast_steps),
            *(with_terminal_row(charge.in_window) for charge in site.grid.demand_charges),
            *(
                timing
                for charge in site.grid.demand_charges
                for timing in window_timing(with_terminal_row(charge.in_window), site.steps_per_day)
            ),
        ]
    )


def time_features(time: pd.DatetimeIndex) -> np.ndarray:
    hours = hour_of_day(time)
    day = 2 * np.pi * hours / 24
    week = 2 * np.pi * (time.day_of_week + hours / 24) / 7
    return np.column_stack([np.sin(day), np.cos(day), np.sin(week), np.cos(week)])


def window_timing(in_window: np.ndarray, steps_per_day: int) -> tuple[np.ndarray, np.ndarray]:
    """Per step of a window's calendar (bool per step): (steps until the window next opens, over a day,
    capped at 1, 0 inside it; steps until it closes, over the window's longest stretch, 0 outside it)."""
    steps = np.arange(len(in_window))
    never = len(in_window) + steps_per_day  # beyond any step: the cap

    def next_step(where: np.ndarray) -> np.ndarray:
        indices = np.append(np.flatnonzero(where), never)
        return indices[np.searchsorted(indices, steps)]

    to_open = np.minimum((next_step(in_window) - steps) / steps_per_day, 1.0)
    left = np.where(in_window, np.minimum(next_step(~in_window), len(in_window)) - steps, 0)
    return to_open, left / max(left.max(), 1)


def with_terminal_row(values: np.ndarray) -> np.ndarray:
    """Per-step values with the last one repeated for the terminal observation."""
    return np.append(values, values[-1])


def with_terminal_rows(rows: np.ndarray) -> np.ndarray:
    """Per-step rows with the last one repeated for the terminal observation."""
    return np.vstack([rows, rows[-1:]])
