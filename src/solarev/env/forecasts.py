"""The site's forecasts: one layer, configured once (config `env.forecasts`, one method per signal), that
every controller looking ahead reads: the agents' observation, the `window_level` battery action and
rule_level (PV and load, env.forecast_steps ahead), and the MPC (every signal, over its horizon).

A forecast made at step t uses the site's data up to t only. The step t itself is known exactly (the env
observes its PV, load and prices); the steps after it are forecast:
- pv `clear_sky_persistence`: the clear-sky index (PV over the same PV under a clear sky, the site's
  `clear_sky_ac_kw`, an astronomical fact known ahead) of the latest daylight step persists for the rest of
  today; later days take the mean index of the last 24 h of daylight. `perfect`: the records.
- load `previous_week_level` (the default) / `previous_week` / `previous_day`: the load at the same time
  on the latest past week (day) at or before t; `previous_week_level` scales it by today's level so far
  (today's load up to t over the same steps a week before, within [0.5, 2]), so a busier or quieter day
  than last week's (a holiday, a season's turn) carries into the evening. `perfect`: the records.
- grid `known`: the tariff and carbon series as configured (a tariff is published in advance);
  `previous_day`: the latest past day's values at the same time (for signals read from files that are not
  known ahead). Demand-charge windows are calendar facts: always known.
- ev_arrivals: EVs plugged in at t are known exactly (their need and departure are declared at arrival).
  Future arrivals are `expected`: per step of the week, the mean energy, count and dwell of the sessions
  that arrived at that step in the training weeks (one aggregate session per step), or `perfect`: the
  episode's own sessions.

Information tiers: a controller on `REALISTIC`-style methods knows what a site knows at the time; with PV,
load and arrivals `perfect` it is an upper bound (`perfect forecasts`); the LP optimum sees the whole
episode. `tier()` names a set of methods' tier for the report.

The observation's forecasts are precomputed per site step as matrices (`ahead_matrix`), so the twin keeps
its speed; the MPC asks for one horizon at a time (`pv_kwh`, `load_kwh`), from the same functions.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from solarev.config import check_choice
from solarev.env.episodes import DAYS_PER_WEEK, Window
from solarev.env.sessions import EpisodeSessions
from solarev.site.grid import GridSignals
from solarev.site.model import Site

FORECASTERS = {
    "pv": ("clear_sky_persistence", "perfect"),
    "load": ("previous_week_level", "previous_week", "previous_day", "perfect"),
    "grid": ("known", "previous_day"),
    "ev_arrivals": ("expected", "perfect"),
}
PERFECT = {signal: "perfect" for signal in ("pv", "load", "ev_arrivals")} | {"grid": "known"}
REALISTIC_TIER, PERFECT_TIER, WHOLE_EPISODE_TIER = "realistic forecasts", "perfect forecasts", "whole episode"
# Steps whose clear-sky PV is below this share of its maximum are night or twilight: their index says little.
DAYLIGHT_SHARE = 0.05
MAX_CLEAR_SKY_INDEX = 1.0
# Today's load level against last week's is trusted within this range (an early-morning step's ratio of
# two small sums can be anything).
LEVEL_RANGE = (0.5, 2.0)


def check_forecasters(methods: Mapping[str, str], key: str) -> None:
    for signal, allowed in FORECASTERS.items():
        check_choice(methods.get(signal), allowed, f"{key}.{signal}")


def tier(methods: Mapping[str, str]) -> str:
    """The information tier of a controller forecasting with `methods`: perfect forecasts when PV and load
    are the records (arrivals too where it reads them), realistic otherwise."""
    perfect = all(methods.get(signal, "perfect") == "perfect" for signal in ("pv", "load", "ev_arrivals"))
    return PERFECT_TIER if perfect else REALISTIC_TIER


def forecast_matrix(values: np.ndarray, steps: int) -> np.ndarray:
    """Perfect forecasts: row t holds values[t + 1 .. t + steps], repeating the last value past the end."""
    ahead = np.arange(len(values))[:, None] + np.arange(1, steps + 1)
    return values[np.minimum(ahead, len(values) - 1)]


def seasonal_persistence(values: np.ndarray, now: np.ndarray, lead: np.ndarray, period: int) -> np.ndarray:
    """values at the same time `period` steps (or whole multiples of it) back, at or before `now`, for each
    `now + lead` (broadcast); `now`'s own value where no such past exists (the site's first period)."""
    source = now + lead - period * np.ceil(lead / period).astype(int)
    return values[np.where(source >= 0, source, now)]


def local_day(time: pd.DatetimeIndex) -> np.ndarray:
    """Per step: the number of its local calendar day (by the clock, so that under daylight saving "today"
    starts at local midnight, not a count of steps)."""
    return np.unique(time.normalize().tz_localize(None), return_inverse=True)[1]


def level_ratio(values: np.ndarray, period: int, day: np.ndarray) -> np.ndarray:
    """Per step t: the sum of `values` since today's midnight (`day`: local_day) up to t over the same steps
    `period` earlier, clipped to LEVEL_RANGE (1 where that past does not exist or sums to nothing)."""
    n = len(values)
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    t = np.arange(n)
    midnight = np.flatnonzero(np.diff(day, prepend=-1))[day]
    today = cumulative[t + 1] - cumulative[midnight]
    back = midnight - period
    earlier = np.where(
        back >= 0, cumulative[np.maximum(t + 1 - period, 0)] - cumulative[np.maximum(back, 0)], 0
    )
    ratio = np.where(earlier > 0, today / np.where(earlier > 0, earlier, 1.0), 1.0)
    return np.clip(ratio, *LEVEL_RANGE)


def daylight(site: Site) -> np.ndarray:
    clear = site.pv_clear_sky_kwh
    return clear > DAYLIGHT_SHARE * clear.max(initial=0.0)


def clear_sky_index_known(site: Site) -> np.ndarray:
    """Per step: the clear-sky index of the latest daylight step up to it (1 before the first)."""
    lit = daylight(site)
    index = np.where(lit, site.pv_kwh / np.where(lit, site.pv_clear_sky_kwh, 1.0), np.nan)
    latest = np.maximum.accumulate(np.where(lit, np.arange(len(lit)), -1))
    known = np.where(latest >= 0, index[np.maximum(latest, 0)], 1.0)
    return np.clip(known, 0.0, MAX_CLEAR_SKY_INDEX)


def daily_clear_sky_index(site: Site, index_known: np.ndarray) -> np.ndarray:
    """Per step: the mean clear-sky index of the daylight steps of the last 24 h up to it."""
    lit = daylight(site)
    weighted = np.cumsum(np.where(lit, index_known, 0.0))
    counted = np.cumsum(lit)
    since = np.arange(len(lit)) - site.steps_per_day
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
    """The site's forecasts under the configured methods (see the module docstring). `training_windows`
    are where expected arrivals come from (only the MPC reads arrivals)."""

    def __init__(self, site: Site, methods: Mapping[str, str], training_windows: Sequence[Window] = ()):
        check_forecasters(methods, "env.forecasts")
        self.site, self.methods = site, dict(methods)
        self.training_windows = list(training_windows)
        self.index_now = clear_sky_index_known(site)
        self.index_day = daily_clear_sky_index(site, self.index_now)
        self.day = local_day(site.time)
        self.load_level = level_ratio(site.load_kwh, DAYS_PER_WEEK * site.steps_per_day, self.day)

    @cached_property
    def arrivals(self) -> ArrivalProfile:
        return arrival_profile(self.site, self.training_windows)

    def pv_forecast(self, now: np.ndarray, lead: np.ndarray) -> np.ndarray:
        """PV at now + lead (lead >= 1) as forecast at `now` (arrays broadcast), kWh."""
        site = self.site
        target = np.minimum(now + lead, site.n_steps - 1)
        if self.methods["pv"] == "perfect":
            return site.pv_kwh[target]
        same_day = self.day[target] == self.day[now]
        index = np.where(same_day, self.index_now[now], self.index_day[now])
        return site.pv_clear_sky_kwh[target] * index

    def load_forecast(self, now: np.ndarray, lead: np.ndarray) -> np.ndarray:
        """Load at now + lead (lead >= 1) as forecast at `now` (arrays broadcast), kWh."""
        site, method = self.site, self.methods["load"]
        if method == "perfect":
            return site.load_kwh[np.minimum(now + lead, site.n_steps - 1)]
        days = 1 if method == "previous_day" else DAYS_PER_WEEK
        past = seasonal_persistence(site.load_kwh, now, lead, days * site.steps_per_day)
        return past * self.load_level[now] if method == "previous_week_level" else past

    def forecast(self, signal: str, now: np.ndarray, lead: np.ndarray) -> np.ndarray:
        """`signal` ("pv" or "load") at now + lead as forecast at `now`, kWh."""
        return (self.pv_forecast if signal == "pv" else self.load_forecast)(now, lead)

    def ahead_matrix(self, signal: str, steps: int) -> np.ndarray:
        """Per site step t: the forecasts of `signal` for t + 1 .. t + steps made at t."""
        return self.forecast(signal, np.arange(self.site.n_steps)[:, None], np.arange(1, steps + 1)[None, :])

    def horizon(self, signal: str, now: int, steps: int) -> np.ndarray:
        """`signal` over [now, now + steps): the record at now, the forecasts after it."""
        record = getattr(self.site, f"{signal}_kwh")[now : now + 1]
        return np.concatenate([record, self.forecast(signal, np.array(now), np.arange(1, steps))])

    def pv_kwh(self, now: int, steps: int) -> np.ndarray:
        return self.horizon("pv", now, steps)

    def load_kwh(self, now: int, steps: int) -> np.ndarray:
        return self.horizon("load", now, steps)

    def grid(self, now: int, steps: int) -> GridSignals:
        known = self.site.grid.over(slice(now, now + steps))
        if self.methods["grid"] == "known":
            return known
        day = self.site.steps_per_day
        grid = self.site.grid
        lead = np.arange(steps)
        return GridSignals(
            carbon_kg_per_kwh=seasonal_persistence(grid.carbon_kg_per_kwh, np.array(now), lead, day),
            import_usd_per_kwh=seasonal_persistence(grid.import_usd_per_kwh, np.array(now), lead, day),
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
        absolute, actual = [], []
        for window in windows:
            for now in range(window.start, window.end - 1):
                steps = min(horizon_steps, window.end - now)
                forecast = forecaster.horizon(signal, now, steps)
                absolute.append(np.abs(forecast[1:] - records[now + 1 : now + steps]))
                actual.append(records[now + 1 : now + steps])
        errors[signal] = float(np.concatenate(absolute).mean() / np.concatenate(actual).mean())
    return errors
