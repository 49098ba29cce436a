"""Forecasts an MPC plans on: each signal over the steps [now, now + steps) of the site, made only from what
the site knows at `now` (config `control.mpc.forecasts`, one method per signal).

The step `now` itself is known exactly (the env observes its PV, load and prices, as rule_based uses them);
the steps after it are forecast:
- pv `clear_sky_persistence`: the clear-sky index (PV over the same PV under a clear sky, the site's
  `clear_sky_ac_kw`) of the latest daylight step persists for the rest of today; later days take the mean
  index of the last 24 h of daylight. `perfect`: the records.
- load `previous_week` / `previous_day`: the load at the same time on the latest past week (day) at or
  before `now`. `perfect`: the records.
- grid `known`: the tariff and carbon series as configured (a tariff is published in advance);
  `previous_day`: the latest past day's values at the same time (for signals read from files that are not
  known ahead). Demand-charge windows are calendar facts: always known.
- ev_arrivals: EVs plugged in at `now` are known exactly (their need and departure are declared at
  arrival). Future arrivals are `expected`: per step of the week, the mean energy, count and dwell of the
  sessions that arrived at that step in the training weeks (one aggregate session per step), or `perfect`:
  the episode's own sessions.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from solarev.config import check_choice
from solarev.env.episodes import DAYS_PER_WEEK, Window
from solarev.env.sessions import EpisodeSessions
from solarev.site.grid import GridSignals
from solarev.site.model import Site

FORECASTERS = {
    "pv": ("clear_sky_persistence", "perfect"),
    "load": ("previous_week", "previous_day", "perfect"),
    "grid": ("known", "previous_day"),
    "ev_arrivals": ("expected", "perfect"),
}
PERFECT = {signal: "perfect" for signal in ("pv", "load", "ev_arrivals")} | {"grid": "known"}
# Steps whose clear-sky PV is below this share of its maximum are night or twilight: their index says little.
DAYLIGHT_SHARE = 0.05
MAX_CLEAR_SKY_INDEX = 1.0


def check_forecasters(methods: Mapping[str, str], key: str) -> None:
    for signal, allowed in FORECASTERS.items():
        check_choice(methods.get(signal), allowed, f"{key}.{signal}")


def ahead(now: int, steps: int) -> np.ndarray:
    return now + np.arange(steps)


def seasonal_persistence(values: np.ndarray, now: int, steps: int, period: int) -> np.ndarray:
    """values at the same time `period` steps (or whole multiples of it) back, at or before `now`; `now`'s
    own value where no such past exists (the site's first period)."""
    lead = np.arange(steps)
    source = now + lead - period * np.ceil(lead / period).astype(int)
    return values[np.where(source >= 0, source, now)]


def clear_sky_index_known(site: Site) -> np.ndarray:
    """Per step: the clear-sky index of the latest daylight step up to it (1 before the first)."""
    clear = site.pv_clear_sky_kwh
    daylight = clear > DAYLIGHT_SHARE * clear.max(initial=0.0)
    index = np.where(daylight, site.pv_kwh / np.where(daylight, clear, 1.0), np.nan)
    latest = np.maximum.accumulate(np.where(daylight, np.arange(len(clear)), -1))
    known = np.where(latest >= 0, index[np.maximum(latest, 0)], 1.0)
    return np.clip(known, 0.0, MAX_CLEAR_SKY_INDEX)


def daily_clear_sky_index(site: Site, index_known: np.ndarray) -> np.ndarray:
    """Per step: the mean clear-sky index of the daylight steps of the last 24 h up to it."""
    clear = site.pv_clear_sky_kwh
    daylight = clear > DAYLIGHT_SHARE * clear.max(initial=0.0)
    day = site.steps_per_day
    weighted = np.cumsum(np.where(daylight, index_known, 0.0))
    counted = np.cumsum(daylight)
    since = np.arange(len(clear)) - day
    past_sum = weighted - np.where(since >= 0, weighted[np.maximum(since, 0)], 0.0)
    past_count = counted - np.where(since >= 0, counted[np.maximum(since, 0)], 0)
    return np.where(past_count > 0, past_sum / np.maximum(past_count, 1), index_known)


@dataclass(frozen=True)
class ArrivalProfile:
    """Per step of the week: the mean over the training weeks of the energy owed by the sessions arriving
    then, of their sockets' energy per step at full power, and their mean dwell in steps."""

    need_kwh: np.ndarray
    step_kwh: np.ndarray
    dwell_steps: np.ndarray


def arrival_profile(site: Site, training_windows: Sequence[Window]) -> ArrivalProfile:
    """The expected arrivals from the sessions that start inside the training windows (full weeks)."""
    week = DAYS_PER_WEEK * site.steps_per_day
    sessions = site.sessions
    weeks = {window.start // week for window in training_windows}
    inside = np.isin(sessions.start // week, list(weeks))
    slot = sessions.start[inside] % week
    n_weeks = max(len(weeks), 1)
    need = np.bincount(slot, weights=sessions.energy_kwh[inside], minlength=week) / n_weeks
    step_kwh = (
        np.bincount(slot, weights=site.socket_step_kwh[sessions.socket[inside]], minlength=week) / n_weeks
    )
    count = np.bincount(slot, minlength=week)
    dwell = np.bincount(slot, weights=sessions.end[inside] - sessions.start[inside], minlength=week)
    return ArrivalProfile(need, step_kwh, np.round(dwell / np.maximum(count, 1)).astype(int))


class Forecaster:
    """The site's forecasts under the configured methods (see the module docstring)."""

    def __init__(self, site: Site, methods: Mapping[str, str], training_windows: Sequence[Window]):
        check_forecasters(methods, "control.mpc.forecasts")
        self.site, self.methods = site, dict(methods)
        self.arrivals = arrival_profile(site, training_windows)
        self.index_now = clear_sky_index_known(site)
        self.index_day = daily_clear_sky_index(site, self.index_now)

    def pv_kwh(self, now: int, steps: int) -> np.ndarray:
        site = self.site
        if self.methods["pv"] == "perfect":
            return site.pv_kwh[ahead(now, steps)]
        same_day = ahead(now, steps) // site.steps_per_day == now // site.steps_per_day
        index = np.where(same_day, self.index_now[now], self.index_day[now])
        forecast = site.pv_clear_sky_kwh[ahead(now, steps)] * index
        forecast[0] = site.pv_kwh[now]
        return forecast

    def load_kwh(self, now: int, steps: int) -> np.ndarray:
        site, method = self.site, self.methods["load"]
        if method == "perfect":
            return site.load_kwh[ahead(now, steps)]
        days = DAYS_PER_WEEK if method == "previous_week" else 1
        return seasonal_persistence(site.load_kwh, now, steps, days * site.steps_per_day)

    def grid(self, now: int, steps: int) -> GridSignals:
        known = self.site.grid.over(slice(now, now + steps))
        if self.methods["grid"] == "known":
            return known
        day = self.site.steps_per_day
        grid = self.site.grid
        return GridSignals(
            carbon_kg_per_kwh=seasonal_persistence(grid.carbon_kg_per_kwh, now, steps, day),
            import_usd_per_kwh=seasonal_persistence(grid.import_usd_per_kwh, now, steps, day),
            export_usd_per_kwh=known.export_usd_per_kwh,
            import_limit_kw=known.import_limit_kw,
            export_limit_kw=known.export_limit_kw,
            demand_charges=known.demand_charges,
        )

    def expected_arrivals(self, now: int, steps: int) -> tuple[EpisodeSessions, np.ndarray]:
        """One aggregate session per later step with arrivals expected (socket -1); its kWh per step."""
        week = DAYS_PER_WEEK * self.site.steps_per_day
        first = np.arange(1, steps)
        slot = (now + first) % week
        profile = self.arrivals
        arriving = profile.need_kwh[slot] > 0
        first, slot = first[arriving], slot[arriving]
        last = first + np.maximum(profile.dwell_steps[slot], 1) - 1
        step_kwh = profile.step_kwh[slot]
        need = np.minimum(profile.need_kwh[slot], step_kwh * (last - first + 1))
        sessions = EpisodeSessions(
            session_id=np.array([f"expected-{now + step}" for step in first]),
            socket=np.full(len(first), -1),
            first=first,
            last=last,
            need_kwh=need,
            n_steps=steps,
        )
        return sessions, step_kwh


def forecast_errors(
    forecaster: Forecaster, windows: Sequence[Window], horizon_steps: int
) -> dict[str, float]:
    """nMAE of the PV and load forecasts made at every step of `windows` over the next `horizon_steps`
    (leads 1 and on; lead 0 is observed): mean absolute error over the mean of the records."""
    site = forecaster.site
    errors = {}
    for signal, records in (("pv", site.pv_kwh), ("load", site.load_kwh)):
        forecast = getattr(forecaster, f"{signal}_kwh")
        absolute, actual = [], []
        for window in windows:
            for now in range(window.start, window.end - 1):
                steps = min(horizon_steps, window.end - now)
                absolute.append(np.abs(forecast(now, steps)[1:] - records[now + 1 : now + steps]))
                actual.append(records[now + 1 : now + steps])
        errors[signal] = float(np.concatenate(absolute).mean() / np.concatenate(actual).mean())
    return errors
