"""The site as arrays: the site stage's files (resources/*.csv, bess.json) read once and checked.

Every consumer of the site (CityLearn schema, gym wrapper, controllers, LP) works from this one object so
that they all see the same numbers. Energies are per simulation step (kWh), not powers.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from solarev.site.grid import GridSignals, grid_signals

# Chargers are modelled lossless: the site data gives no charger efficiency, and session energy_kwh is the
# energy the vehicle takes. CityLearn, the LP and the controllers all read it from here.
CHARGER_EFFICIENCY = 1.0
# The site stage's outputs this module reads, by input name: the profiles and EV files, then the battery
# sized from them.
PROFILE_FILES = {
    "solar": "solar.csv",
    "building_load": "building_load.csv",
    "ev_sockets": "ev_sockets.csv",
    "ev_sessions": "ev_sessions.csv",
}
SITE_FILES = {**PROFILE_FILES, "bess": "bess.json"}
WEATHER_COLUMNS = ["temp_air_c", "relative_humidity", "dni_w_m2", "dhi_w_m2"]
# The config keys this module reads (rules hand exactly these to the jobs that build a Site): the time axis,
# the site's location, and what the Site carries besides its files (its grid signals: the `grid` section's
# solarev.site.grid.GRID_KEYS).
SITE_TIME_KEYS = ("year", "days", "time_step_minutes", "timezone")
SITE_LOCATION_KEYS = ("latitude", "longitude", "altitude_m", "timezone")
SITE_MODEL_KEYS = SITE_TIME_KEYS
BESS_MODEL_KEYS = ("initial_soc",)


class SiteDataError(ValueError):
    """Site data that cannot be simulated; the message names the file, session or socket at fault."""


@dataclass(frozen=True)
class Bess:
    capacity_kwh: float
    power_kw: float
    depth_of_discharge: float
    round_trip_efficiency: float
    initial_soc: float

    @property
    def min_energy_kwh(self) -> float:
        return (1.0 - self.depth_of_discharge) * self.capacity_kwh

    @property
    def initial_energy_kwh(self) -> float:
        # CityLearn starts the battery at max(initial_soc, 1 - DoD).
        return max(self.initial_soc * self.capacity_kwh, self.min_energy_kwh)

    @property
    def one_way_efficiency(self) -> float:
        # CityLearn applies the square root of the round-trip efficiency on each direction.
        return float(np.sqrt(self.round_trip_efficiency))


@dataclass(frozen=True)
class Sessions:
    """EV sessions, one entry per session; the EV is plugged in for steps [start, end)."""

    session_id: np.ndarray
    socket: np.ndarray
    start: np.ndarray
    end: np.ndarray
    energy_kwh: np.ndarray

    def __len__(self) -> int:
        return len(self.session_id)


@dataclass(frozen=True)
class Site:
    time: pd.DatetimeIndex
    step_hours: float
    pv_kwh: np.ndarray
    pv_clear_sky_kwh: np.ndarray  # the same PV under a clear sky (the reference of PV forecasts)
    load_kwh: np.ndarray
    weather: pd.DataFrame
    socket_power_kw: np.ndarray
    socket_battery_kwh: np.ndarray
    sessions: Sessions
    bess: Bess
    grid: GridSignals

    @property
    def n_steps(self) -> int:
        return len(self.time)

    @property
    def n_sockets(self) -> int:
        return len(self.socket_power_kw)

    @property
    def steps_per_day(self) -> int:
        return round(24 / self.step_hours)

    @property
    def socket_step_kwh(self) -> np.ndarray:
        """Energy a socket puts into its EV in one step at full power."""
        return self.socket_power_kw * self.step_hours * CHARGER_EFFICIENCY


def site_time(site_config: Mapping[str, Any]) -> pd.DatetimeIndex:
    """Start of every simulation step, local time: `days` × 24 hours from local midnight on 1 January at
    `time_step_minutes`. Steps are equal lengths of elapsed time, so under daylight saving the local day of
    the spring switch has an hour of steps fewer and the autumn one an hour more; consumers read local
    hours and days from this index (hour_of_day, local_steps), never from a count of steps."""
    minutes = site_config["time_step_minutes"]
    return pd.date_range(
        f"{site_config['year']}-01-01",
        periods=site_config["days"] * 24 * 60 // minutes,
        freq=f"{minutes}min",
        tz=site_config["timezone"],
        name="time",
    )


def local_days(time: pd.DatetimeIndex, days: int) -> pd.DatetimeIndex:
    """The first `days` local calendar days of a site_time index, as naive local midnights: the days that
    the generators place events on (under daylight saving the index may end an hour into the next day or an
    hour before the last day's end; that hour holds no events of its own)."""
    return time.normalize().unique()[:days].tz_localize(None)


def local_steps(time: pd.DatetimeIndex, clock: pd.DatetimeIndex) -> np.ndarray:
    """The step of a site_time index each naive local clock time falls in (len(time) past its end). Under
    daylight saving a time that the spring switch skips falls in the first step after the gap, and one that
    the autumn switch repeats in its first occurrence."""
    stamps = clock.tz_localize(
        time.tz, ambiguous=np.ones(len(clock), dtype=bool), nonexistent="shift_forward"
    )
    # In nanoseconds: a clock time off the index's resolution is inside a step, not an error.
    starts, at = time.as_unit("ns").asi8, stamps.as_unit("ns").asi8
    steps = np.searchsorted(starts, at, side="right") - 1
    return np.where(at >= starts[-1] + pd.Timedelta(time.freq).value, len(time), steps)


def time_step_hours(time: pd.DatetimeIndex) -> float:
    """Length of one step of a site_time index, in hours."""
    return pd.Timedelta(time.freq).total_seconds() / 3600


def config_step_hours(site_config: Mapping[str, Any]) -> float:
    """Length of one simulation step in hours, from the config's `site.time_step_minutes`."""
    return site_config["time_step_minutes"] / 60


def hour_of_day(time: pd.DatetimeIndex) -> np.ndarray:
    """Local hour of each time stamp as a decimal (9:30 is 9.5)."""
    return np.asarray(time.hour + time.minute / 60)


def read_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    frame = pd.read_csv(path)
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise SiteDataError(f"{path}: missing columns {missing}")
    return frame


def read_series(path: Path, columns: list[str], n_steps: int) -> pd.DataFrame:
    frame = read_csv(path, columns)
    if len(frame) != n_steps:
        raise SiteDataError(f"{path}: {len(frame)} rows, expected one per step ({n_steps})")
    return frame


def read_bess(path: Path, initial_soc: float) -> Bess:
    data = json.loads(path.read_text())
    missing = [
        key
        for key in ("capacity_kwh", "power_kw", "depth_of_discharge", "round_trip_efficiency")
        if key not in data
    ]
    if missing:
        raise SiteDataError(f"{path}: missing keys {missing}")
    return Bess(
        capacity_kwh=float(data["capacity_kwh"]),
        power_kw=float(data["power_kw"]),
        depth_of_discharge=float(data["depth_of_discharge"]),
        round_trip_efficiency=float(data["round_trip_efficiency"]),
        initial_soc=float(initial_soc),
    )


def describe(sessions: pd.DataFrame, row: int) -> str:
    session = sessions.iloc[row]
    return (
        f"session {session['session_id']} (socket {session['socket']}, "
        f"steps {session['arrival_step']}-{session['departure_step']})"
    )


def check_deliverable(
    session_id: np.ndarray, energy_kwh: np.ndarray, step_kwh: np.ndarray, steps: np.ndarray
) -> None:
    """Raise SiteDataError naming the first session whose charger cannot deliver its energy in its steps."""
    deliverable = step_kwh * steps
    short = (energy_kwh > deliverable * (1 + 1e-9)) | (energy_kwh < 0)
    if short.any():
        row = np.argmax(short)
        raise SiteDataError(
            f"session {session_id[row]} needs {energy_kwh[row]:.3f} kWh but its charger can deliver at most "
            f"{deliverable[row]:.3f} kWh in the {steps[row]} steps it is plugged in"
        )


def check_sessions(sessions: pd.DataFrame, sockets: pd.DataFrame, n_steps: int, step_hours: float) -> None:
    """Raise SiteDataError naming the first session CityLearn could not simulate as given."""
    n_sockets = len(sockets)
    bad_socket = ~sessions["socket"].between(0, n_sockets - 1)
    if bad_socket.any():
        raise SiteDataError(
            f"{describe(sessions, np.argmax(bad_socket))}: no such socket (0-{n_sockets - 1})"
        )
    start, end = sessions["arrival_step"].to_numpy(), sessions["departure_step"].to_numpy()
    bad_window = (start < 0) | (end <= start) | (end > n_steps)
    if bad_window.any():
        raise SiteDataError(
            f"{describe(sessions, np.argmax(bad_window))}: "
            f"window must satisfy 0 <= arrival < departure <= {n_steps}"
        )
    power = sockets["power_kw"].to_numpy()[sessions["socket"]]
    wrong_power = ~np.isclose(sessions["charger_power_kw"], power)
    if wrong_power.any():
        row = np.argmax(wrong_power)
        raise SiteDataError(
            f"{describe(sessions, row)}: charger_power_kw {sessions['charger_power_kw'].iloc[row]} differs "
            f"from its socket's power_kw {power[row]}"
        )
    check_deliverable(
        sessions["session_id"].to_numpy(),
        sessions["energy_kwh"].to_numpy(),
        power * step_hours * CHARGER_EFFICIENCY,
        end - start,
    )
    energy = sessions["energy_kwh"].to_numpy()
    battery = sockets["battery_kwh"].to_numpy()[sessions["socket"]]
    overfull = energy > battery
    if overfull.any():
        row = np.argmax(overfull)
        raise SiteDataError(
            f"{describe(sessions, row)} needs {energy[row]:.3f} kWh, more than its "
            f"{battery[row]} kWh battery holds"
        )
    ordered = sessions.assign(row=np.arange(len(sessions))).sort_values(["socket", "arrival_step"])
    same_socket = ordered["socket"].to_numpy()[1:] == ordered["socket"].to_numpy()[:-1]
    overlap = same_socket & (
        ordered["arrival_step"].to_numpy()[1:] < ordered["departure_step"].to_numpy()[:-1]
    )
    if overlap.any():
        row = ordered["row"].to_numpy()[1:][np.argmax(overlap)]
        raise SiteDataError(f"{describe(sessions, row)} overlaps the previous session on its socket")


def site_files(directory: str | Path) -> dict[str, Path]:
    """The site files in `directory` (the workflow's resources/), by input name."""
    return {name: Path(directory) / file for name, file in SITE_FILES.items()}


@dataclass(frozen=True)
class SiteTables:
    """The site stage's profiles and EV files, read and checked: what exists before the battery is sized."""

    time: pd.DatetimeIndex
    solar: pd.DataFrame
    load: pd.DataFrame
    sockets: pd.DataFrame  # sorted by socket
    sessions: pd.DataFrame


def read_site_tables(files: Mapping[str, str | Path], site_config: Mapping[str, Any]) -> SiteTables:
    """The one reader of the site stage's files (paths by PROFILE_FILES name; the config's `site` keys
    SITE_TIME_KEYS): a file missing columns, of the wrong length, or with sessions CityLearn could not
    simulate raises SiteDataError naming it."""
    paths = {name: Path(files[name]) for name in PROFILE_FILES}
    time = site_time(site_config)
    solar = read_series(paths["solar"], ["ac_kw", "clear_sky_ac_kw", *WEATHER_COLUMNS], len(time))
    load = read_series(paths["building_load"], ["load_kw"], len(time))
    sockets = read_csv(paths["ev_sockets"], ["socket", "power_kw", "battery_kwh"]).sort_values("socket")
    if not np.array_equal(sockets["socket"].to_numpy(), np.arange(len(sockets))):
        raise SiteDataError(f"{paths['ev_sockets']}: sockets must be numbered 0..{len(sockets) - 1}")
    sessions = read_csv(
        paths["ev_sessions"],
        ["session_id", "socket", "arrival_step", "departure_step", "energy_kwh", "charger_power_kw"],
    )
    check_sessions(sessions, sockets, len(time), config_step_hours(site_config))
    return SiteTables(time, solar, load, sockets, sessions)


def load_site(
    files: Mapping[str, str | Path],
    site_config: Mapping[str, Any],
    bess_config: Mapping[str, Any],
    grid_config: Mapping[str, Any],
) -> Site:
    """The site (files by SITE_FILES name) with the config's `site` keys SITE_MODEL_KEYS, `bess` keys
    BESS_MODEL_KEYS and `grid` keys GRID_KEYS (its signals, expanded here once for every consumer)."""
    tables = read_site_tables(files, site_config)
    sockets, sessions = tables.sockets, tables.sessions
    step_hours = config_step_hours(site_config)
    return Site(
        time=tables.time,
        step_hours=step_hours,
        # A negative AC output (inverter standby at night) is dropped: CityLearn's PV only generates.
        pv_kwh=tables.solar["ac_kw"].to_numpy(float).clip(min=0) * step_hours,
        pv_clear_sky_kwh=tables.solar["clear_sky_ac_kw"].to_numpy(float).clip(min=0) * step_hours,
        load_kwh=tables.load["load_kw"].to_numpy(float) * step_hours,
        weather=tables.solar[WEATHER_COLUMNS].reset_index(drop=True),
        socket_power_kw=sockets["power_kw"].to_numpy(float),
        socket_battery_kwh=sockets["battery_kwh"].to_numpy(float),
        sessions=Sessions(
            session_id=sessions["session_id"].astype(str).to_numpy(),
            socket=sessions["socket"].to_numpy(int),
            start=sessions["arrival_step"].to_numpy(int),
            end=sessions["departure_step"].to_numpy(int),
            energy_kwh=sessions["energy_kwh"].to_numpy(float),
        ),
        bess=read_bess(Path(files["bess"]), bess_config["initial_soc"]),
        grid=grid_signals(grid_config, tables.time),
    )
