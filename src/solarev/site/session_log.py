"""A user's charging log (ev.sessions_file) checked and brought onto the simulation steps.

The log has one row per session: arrival, departure (local time unless they carry an offset), energy_kwh,
vehicle_class (a class of ev.classes), optionally charger and socket (numbered as resources/ev_sockets.csv).
Each error names the offending lines of the file (line 1 is the header) so that the user can fix them.
"""

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from solarev.site.model import SiteDataError, config_step_hours, site_time
from solarev.site.tables import local_times

LOG_COLUMNS = ["arrival", "departure", "energy_kwh", "vehicle_class"]
OPTIONAL_COLUMNS = ["charger", "socket"]
# Lines listed in one message: enough to find the pattern, short enough for one line.
LINES_SHOWN = 5


def lines_text(bad: np.ndarray) -> str:
    """'lines 3, 7' for the rows flagged in `bad` (header = line 1), the first few when many are."""
    lines = np.flatnonzero(bad) + 2
    shown = ", ".join(map(str, lines[:LINES_SHOWN]))
    more = f" and {len(lines) - LINES_SHOWN} more" if len(lines) > LINES_SHOWN else ""
    return f"line{'s' if len(lines) > 1 else ''} {shown}{more}"


def reject(bad: np.ndarray, problem: str) -> None:
    """SiteDataError naming the lines flagged in `bad` and what is wrong with them, if any are."""
    if bad.any():
        raise SiteDataError(f"ev.sessions_file {lines_text(bad)}: {problem}")


def read_session_log(frame: pd.DataFrame, ev: Mapping[str, Any], site: Mapping[str, Any]) -> pd.DataFrame:
    """The log's sessions within the simulated period as steps: vehicle_class, arrival_step (the step the
    arrival falls in), departure_step (the first step after departure), energy_kwh, charger and socket (-1
    where the log leaves them open) and line. Sessions outside the period are left out; a session the
    site cannot serve as logged is a SiteDataError naming its lines."""
    missing = [column for column in LOG_COLUMNS if column not in frame.columns]
    if missing:
        raise SiteDataError(
            f"ev.sessions_file: missing columns {missing} (needs {', '.join(LOG_COLUMNS)}; "
            f"optional {', '.join(OPTIONAL_COLUMNS)})"
        )
    classes = ev["classes"]
    reject(
        ~frame["vehicle_class"].isin(list(classes)).to_numpy(),
        f"vehicle_class not in ev.classes ({', '.join(classes)})",
    )
    time = site_time(site)
    arrival, departure = (local_times(frame[column], site["timezone"]) for column in ("arrival", "departure"))
    reject((arrival.isna() | departure.isna()).to_numpy(), "arrival or departure is not a (local) time")
    reject((departure <= arrival).to_numpy(), "departure is not after arrival")
    energy = pd.to_numeric(frame["energy_kwh"], errors="coerce").to_numpy(float)
    power = (
        frame["vehicle_class"]
        .map({name: c["charger_power_kw"] for name, c in classes.items()})
        .to_numpy(float)
    )
    battery = (
        frame["vehicle_class"].map({name: c["battery_kwh"] for name, c in classes.items()}).to_numpy(float)
    )
    hours = ((departure - arrival).dt.total_seconds() / 3600).to_numpy()
    reject(~(energy >= 0), "energy_kwh is not a number >= 0")
    reject(
        energy > power * hours * (1 + 1e-9),
        "energy_kwh is more than the class's charger_power_kw delivers between arrival and departure",
    )
    reject(energy > battery, "energy_kwh is more than the class's battery_kwh holds")
    step = pd.Timedelta(hours=config_step_hours(site))
    arrival_step = np.floor((arrival - time[0]) / step).to_numpy(int)
    departure_step = np.ceil((departure - time[0]) / step).to_numpy(int)
    inside = (arrival_step >= 0) & (departure_step <= len(time))
    if not inside.any():
        raise SiteDataError(
            f"ev.sessions_file: no session lies within the simulated period ({time[0]} to "
            f"{time[-1] + step}; site.year, site.days)"
        )
    placement = {
        column: pd.to_numeric(frame[column], errors="coerce").fillna(-1).to_numpy(int)
        if column in frame
        else np.full(len(frame), -1)
        for column in OPTIONAL_COLUMNS
    }
    return pd.DataFrame(
        {
            "vehicle_class": frame["vehicle_class"].to_numpy(),
            "arrival_step": arrival_step,
            "departure_step": departure_step,
            "energy_kwh": energy,
            **placement,
            "line": np.arange(len(frame)) + 2,
        }
    )[inside].reset_index(drop=True)
