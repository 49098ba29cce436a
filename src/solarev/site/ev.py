"""EV charging sessions on the site's sockets: seeded from the config's fleet, or taken from a charging log.

The generator draws each day's arrivals per vehicle class (Poisson-like or overdispersed counts that keep
the configured mean, scaled by weekday), their hours over the opening hours (the arrival peak's share in its
window), how long each driver stays and the battery's state of charge on arrival. A driver takes the
energy that fills the battery, or what the charger delivers in the stay if that is less. An arrival that
finds every socket of its class busy waits for the first to free up, at most `max_wait_minutes`, and never
past closing unless `serve_after_closing`; otherwise it leaves unserved (counted in `turned_away`, as are
the few whose stay would run past the simulated period).

Each socket is one CityLearn charger holding one EV at a time; a socket never hosts two sessions at once.
"""

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from solarev.site.calendar import weekday_factor
from solarev.site.model import SiteDataError, config_step_hours, local_days, local_steps, site_time
from solarev.site.session_log import read_session_log

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
# A placed session before session_table adds ids, times and its socket's ratings.
PLACED_COLUMNS = [
    "vehicle_class",
    "charger",
    "socket",
    "arrival_step",
    "departure_step",
    "energy_kwh",
    "queued_steps",
]
TURNED_AWAY_COLUMNS = ["vehicle_class", "day", "arrival_step", "reason"]


class EvSessions(NamedTuple):
    sockets: pd.DataFrame  # resources/ev_sockets.csv
    sessions: pd.DataFrame  # resources/ev_sessions.csv
    turned_away: pd.DataFrame  # arrivals left unserved, with the reason (reported, not simulated)


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


def daily_counts(
    days: pd.DatetimeIndex, mean_per_day: float, ev: Mapping[str, Any], rng: np.random.Generator
) -> np.ndarray:
    """Arrivals on each day. The period gets exactly mean_per_day * days of them (so the configured mean
    holds to the session, whatever the seed), shared among the days in proportion to each day's weekday
    factor times, with `count_dispersion` > 0, a gamma factor of mean one and variance count_dispersion:
    a Dirichlet-multinomial, i.e. Poisson-like counts with the extra spread of a negative binomial
    (variance about mean + count_dispersion * mean**2: busy and quiet days beyond chance)."""
    weights = weekday_factor(days, ev["weekday_factors"])
    dispersion = ev["count_dispersion"]
    if dispersion > 0:
        weights = weights * rng.gamma(1 / dispersion, dispersion, len(days))
    return rng.multinomial(round(mean_per_day * len(days)), weights / weights.sum())


def arrival_hours(n: int, ev: Mapping[str, Any], rng: np.random.Generator) -> np.ndarray:
    """Hours of day of `n` arrivals: the arrival peak's share uniform in its window (the evening at a mall,
    the morning at a workplace), the rest uniform over the other opening hours; sorted."""
    peak = ev["arrival_peak"]
    in_peak = rng.random(n) < peak["share"]
    peak_hours = rng.uniform(peak["start_hour"], peak["end_hour"], n)
    # The off-peak hours are the opening hours with the peak window cut out, mapped onto one interval.
    off_peak_span = (ev["closing_hour"] - ev["opening_hour"]) - (peak["end_hour"] - peak["start_hour"])
    off_peak = ev["opening_hour"] + rng.uniform(0, off_peak_span, n)
    off_peak = np.where(
        off_peak >= peak["start_hour"], off_peak + peak["end_hour"] - peak["start_hour"], off_peak
    )
    return np.sort(np.where(in_peak, peak_hours, off_peak))


def beta_parameters(mean: float, sd: float) -> tuple[float, float]:
    """Beta(a, b) with the given mean and standard deviation: the usual two-parameter law on [0, 1] for a
    state of charge (the config check ensures sd**2 < mean * (1 - mean))."""
    concentration = mean * (1 - mean) / sd**2 - 1
    return mean * concentration, (1 - mean) * concentration


def arrival_soc(n: int, soc: Mapping[str, float], rng: np.random.Generator) -> np.ndarray:
    """States of charge of `n` arriving batteries (every one at the mean when the spread is zero)."""
    if soc["sd"] == 0:
        return np.full(n, float(soc["mean"]))
    return rng.beta(*beta_parameters(soc["mean"], soc["sd"]), n)


def stay_minutes(n: int, session_minutes: float, dwell: Mapping[str, Any], rng: np.random.Generator):
    """How long each of `n` drivers stays plugged in: the nominal session plus an exponential extra stay
    (capped), the flexibility smart charging uses."""
    return session_minutes + np.minimum(
        rng.exponential(dwell["extra_minutes_mean"], n), dwell["extra_minutes_max"]
    )


def steps_for(minutes: np.ndarray | float, step_minutes: float) -> np.ndarray:
    """Whole steps that cover `minutes` (at least one)."""
    return np.maximum(1, np.ceil(np.asarray(minutes) / step_minutes - 1e-9).astype(int))


def unserved_reason(
    arrival: int, start: int, end: int, closing: int, n_steps: int, max_wait: int, ev: Mapping[str, Any]
) -> str | None:
    """Why an arrival at step `arrival` whose first free socket lets it charge over [start, end) goes
    unserved, or None when it is served."""
    if start >= closing and not ev["serve_after_closing"]:
        return "no socket before closing"
    if start - arrival > max_wait:
        return "no socket within max_wait_minutes"
    if end > n_steps:
        return "stay runs past the simulated period"
    return None


def class_sessions(
    name: str,
    vehicle: Mapping[str, Any],
    sockets: pd.DataFrame,
    ev: Mapping[str, Any],
    site: Mapping[str, Any],
    rng: np.random.Generator,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(sessions, turned-away arrivals) of one vehicle class over every day. A session takes a random free
    socket of its class, or waits for the one that frees first."""
    step_minutes = site["time_step_minutes"]
    time = site_time(site)
    max_wait = int(ev["max_wait_minutes"] // step_minutes)
    own = sockets[sockets["vehicle_class"] == name]
    socket_ids, chargers = own["socket"].to_numpy(), own["charger"].to_numpy()
    free_at = np.zeros(len(own), dtype=int)
    power, battery = vehicle["charger_power_kw"], vehicle["battery_kwh"]
    days = local_days(time, site["days"])
    # Closing and arrivals are local clock times, placed on the steps by the time index (daylight saving).
    closings = local_steps(time, days + pd.Timedelta(hours=ev["closing_hour"]))
    rows, turned_away = [], []
    for day, count in enumerate(daily_counts(days, vehicle["sessions_per_day"], ev, rng)):
        hours = arrival_hours(count, ev, rng)
        stay = stay_minutes(count, vehicle["session_minutes"], ev["dwell"], rng)
        energy = np.minimum(
            (1 - arrival_soc(count, vehicle["arrival_soc"], rng)) * battery, power * stay / 60
        )
        dwell = steps_for(stay, step_minutes)
        arrivals = local_steps(time, days[day] + pd.to_timedelta(hours, unit="h"))
        for arrival, kwh, steps in zip(arrivals.tolist(), energy, dwell, strict=True):
            free = np.flatnonzero(free_at <= arrival)
            slot = free[rng.integers(len(free))] if len(free) else int(np.argmin(free_at))
            start = max(arrival, int(free_at[slot]))
            reason = unserved_reason(arrival, start, start + steps, closings[day], len(time), max_wait, ev)
            if reason:
                turned_away.append(
                    {"vehicle_class": name, "day": day, "arrival_step": arrival, "reason": reason}
                )
                continue
            free_at[slot] = start + steps
            rows.append(
                {
                    "vehicle_class": name,
                    "charger": int(chargers[slot]),
                    "socket": int(socket_ids[slot]),
                    "arrival_step": start,
                    "departure_step": start + int(steps),
                    "energy_kwh": float(kwh),
                    "queued_steps": start - arrival,
                }
            )
    return rows, turned_away


def place_logged(log: pd.DataFrame, sockets: pd.DataFrame) -> list[dict[str, Any]]:
    """Each logged session on a socket: the one the log names, else the lowest-numbered free socket of the
    charger it names, else of its class. A session that finds none (the log needs more sockets than the
    config has, or names a busy or wrong one) is a SiteDataError naming its line."""
    free_at = np.zeros(len(sockets), dtype=int)
    rows = []
    for session in log.sort_values("arrival_step", kind="stable").itertuples():
        candidates = (sockets["vehicle_class"] == session.vehicle_class).to_numpy(copy=True)
        for column in ("charger", "socket"):
            if getattr(session, column) >= 0:
                candidates &= (sockets[column] == getattr(session, column)).to_numpy()
        if not candidates.any():
            raise SiteDataError(
                f"ev.sessions_file line {session.line}: charger {session.charger} / socket "
                f"{session.socket} is not a {session.vehicle_class} socket of the config "
                "(see resources/ev_sockets.csv; -1 = any)"
            )
        free = np.flatnonzero(candidates & (free_at <= session.arrival_step))
        if not len(free):
            raise SiteDataError(
                f"ev.sessions_file line {session.line}: every {session.vehicle_class} socket it may use is "
                f"taken at step {session.arrival_step}; add chargers (ev.classes.{session.vehicle_class}."
                "chargers) or check for overlapping sessions"
            )
        free_at[free[0]] = session.departure_step
        rows.append(
            {
                "vehicle_class": session.vehicle_class,
                "charger": int(sockets["charger"].iloc[free[0]]),
                "socket": int(sockets["socket"].iloc[free[0]]),
                "arrival_step": session.arrival_step,
                "departure_step": session.departure_step,
                "energy_kwh": session.energy_kwh,
                "queued_steps": 0,
            }
        )
    return rows


def session_table(rows: list[dict[str, Any]], sockets: pd.DataFrame, site: Mapping[str, Any]) -> pd.DataFrame:
    """resources/ev_sessions.csv from placed sessions: in time order, with ids, local times and each
    socket's power and battery."""
    sessions = pd.DataFrame(rows, columns=PLACED_COLUMNS).sort_values(
        ["arrival_step", "socket"], ignore_index=True
    )
    socket = sockets.set_index("socket").loc[sessions["socket"]]
    sessions["charger_power_kw"] = socket["power_kw"].to_numpy()
    sessions["battery_kwh"] = socket["battery_kwh"].to_numpy()
    time = site_time(site)
    step = pd.Timedelta(hours=config_step_hours(site))
    sessions["session_id"] = [f"{name}_{i:06d}" for i, name in enumerate(sessions["vehicle_class"])]
    sessions["arrival"] = time[sessions["arrival_step"]].astype(str)
    sessions["departure"] = (time[0] + sessions["departure_step"] * step).dt.tz_convert(time.tz).astype(str)
    return sessions[SESSION_COLUMNS]


def charging_sessions(
    ev: Mapping[str, Any], site: Mapping[str, Any], log: pd.DataFrame | None = None
) -> EvSessions:
    """The site's sockets and sessions: from the charging `log` (ev.sessions_file) when given, else seeded
    from the config's fleet."""
    sockets = socket_table(ev)
    if log is not None:
        rows = place_logged(read_session_log(log, ev, site), sockets)
        return EvSessions(
            sockets, session_table(rows, sockets, site), pd.DataFrame(columns=TURNED_AWAY_COLUMNS)
        )
    rng = np.random.default_rng(ev["seed"])
    rows, turned_away = [], []
    for name, vehicle in ev["classes"].items():
        served, unserved = class_sessions(name, vehicle, sockets, ev, site, rng)
        rows += served
        turned_away += unserved
    return EvSessions(
        sockets, session_table(rows, sockets, site), pd.DataFrame(turned_away, columns=TURNED_AWAY_COLUMNS)
    )


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
