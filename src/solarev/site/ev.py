"""EV charging sessions: seeded arrivals per vehicle class over the opening hours, each assigned to a free
socket of its class (queueing when every socket is busy), with a dwell longer than the charging time.

Each socket is one CityLearn charger holding one EV at a time; a socket never hosts two sessions at once.
"""

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from solarev.site.model import config_step_hours, site_time

SOCKET_COLUMNS = ["socket", "charger", "vehicle_class", "power_kw", "battery_kwh"]
SESSION_COLUMNS = [
    "session_id",
    "vehicle_class",
    "charger",
    "socket",
    "arrival",
    "departure",
    "arrival_step",
    "departure_step",
    "energy_kwh",
    "charger_power_kw",
    "battery_kwh",
    "queued_steps",
]


def socket_table(ev: Mapping[str, Any]) -> pd.DataFrame:
    """Every socket with its charger and vehicle class, numbered class by class in config order."""
    rows = []
    charger = 0
    for name, vehicle in ev["classes"].items():
        for _ in range(vehicle["chargers"]):
            for _ in range(ev["sockets_per_charger"]):
                rows.append((len(rows), charger, name, vehicle["charger_power_kw"], vehicle["battery_kwh"]))
            charger += 1
    return pd.DataFrame(rows, columns=SOCKET_COLUMNS)


def arrival_hours(n: int, ev: Mapping[str, Any], rng: np.random.Generator) -> np.ndarray:
    """Hours of day of `n` arrivals: the evening-peak share uniform in the peak window, the rest uniform over
    the other opening hours; sorted."""
    peak = ev["evening_peak"]
    in_peak = rng.random(n) < peak["share"]
    peak_hours = rng.uniform(peak["start_hour"], peak["end_hour"], n)
    # The off-peak hours are the opening hours with the peak window cut out, mapped onto one interval.
    off_peak_span = (ev["closing_hour"] - ev["opening_hour"]) - (peak["end_hour"] - peak["start_hour"])
    off_peak = ev["opening_hour"] + rng.uniform(0, off_peak_span, n)
    off_peak = np.where(
        off_peak >= peak["start_hour"], off_peak + peak["end_hour"] - peak["start_hour"], off_peak
    )
    return np.sort(np.where(in_peak, peak_hours, off_peak))


def charging_steps(energy_kwh: float, power_kw: float, step_hours: float) -> int:
    return max(1, int(np.ceil(energy_kwh / (power_kw * step_hours) - 1e-9)))


def dwell_steps(
    minimum_steps: int, session_minutes: float, step_minutes: float, dwell: Mapping[str, Any], rng
) -> int:
    """Nominal session time plus an exponential extra stay (capped): the flexibility smart charging uses."""
    extra = min(rng.exponential(dwell["extra_minutes_mean"]), dwell["extra_minutes_max"])
    return max(minimum_steps, int(np.ceil((session_minutes + extra) / step_minutes - 1e-9)))


def class_sessions(
    name: str,
    vehicle: Mapping[str, Any],
    sockets: pd.DataFrame,
    ev: Mapping[str, Any],
    site: Mapping[str, Any],
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """Sessions of one vehicle class over every day, placed on the socket that frees first (a random one
    among those already free), queued when all are busy; sessions that would run past the horizon are
    dropped."""
    step_minutes = site["time_step_minutes"]
    step_hours = config_step_hours(site)
    n_steps = site["days"] * 24 * 60 // step_minutes
    own = sockets[sockets["vehicle_class"] == name]
    socket_ids, chargers = own["socket"].to_numpy(), own["charger"].to_numpy()
    free_at = np.zeros(len(own), dtype=int)
    power, battery = vehicle["charger_power_kw"], vehicle["battery_kwh"]
    energy = min(power * vehicle["session_minutes"] / 60, battery)
    needed = charging_steps(energy, power, step_hours)
    rows = []
    for day in range(site["days"]):
        for hour in arrival_hours(vehicle["sessions_per_day"], ev, rng):
            arrival = day * 24 * 60 // step_minutes + int(hour * 60 // step_minutes)
            free = np.flatnonzero(free_at <= arrival)
            slot = rng.choice(free) if len(free) else int(np.argmin(free_at))
            start = max(arrival, int(free_at[slot]))
            end = start + dwell_steps(needed, vehicle["session_minutes"], step_minutes, ev["dwell"], rng)
            if end > n_steps:
                continue
            free_at[slot] = end
            rows.append(
                {
                    "vehicle_class": name,
                    "charger": int(chargers[slot]),
                    "socket": int(socket_ids[slot]),
                    "arrival_step": start,
                    "departure_step": end,
                    "energy_kwh": energy,
                    "charger_power_kw": power,
                    "battery_kwh": battery,
                    "queued_steps": start - arrival,
                }
            )
    return rows


def charging_sessions(ev: Mapping[str, Any], site: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(sockets, sessions) of the site: resources/ev_sockets.csv and resources/ev_sessions.csv."""
    rng = np.random.default_rng(ev["seed"])
    sockets = socket_table(ev)
    rows = [
        row
        for name, vehicle in ev["classes"].items()
        for row in class_sessions(name, vehicle, sockets, ev, site, rng)
    ]
    sessions = pd.DataFrame(rows).sort_values(["arrival_step", "socket"], ignore_index=True)
    time = site_time(site)
    step = pd.Timedelta(minutes=site["time_step_minutes"])
    sessions["session_id"] = [f"{name}_{i:06d}" for i, name in enumerate(sessions["vehicle_class"])]
    sessions["arrival"] = time[sessions["arrival_step"]].astype(str)
    sessions["departure"] = (time[0] + sessions["departure_step"] * step).dt.tz_convert(time.tz).astype(str)
    return sockets, sessions[SESSION_COLUMNS]


def uncontrolled_charging_kw(sessions: pd.DataFrame, n_steps: int, step_hours: float) -> np.ndarray:
    """Site EV demand per step when every EV charges at full power from arrival until it is full."""
    demand = np.zeros(n_steps)
    for row in sessions.itertuples():
        remaining = row.energy_kwh
        for step in range(row.arrival_step, row.departure_step):
            power = min(row.charger_power_kw, remaining / step_hours)
            demand[step] += power
            remaining -= power * step_hours
            if remaining <= 1e-12:
                break
    return demand
