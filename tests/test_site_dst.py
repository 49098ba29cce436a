"""A site under daylight saving (config/test_dst.yaml, Europe/Madrid): every generator places its events by
the local clock of the time index, on both sides of the spring and the autumn switch, and the study's site
data, CityLearn schema and two controllers run on it through the workflow."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from snakemake_runner import REPO, run_snakemake

from solarev.config import load_yaml
from solarev.site.calendar import day_of_step
from solarev.site.ev import charging_sessions
from solarev.site.grid import grid_signals
from solarev.site.load import building_load
from solarev.site.model import hour_of_day, local_days, local_steps, site_time

DST = REPO / "config" / "test_dst.yaml"
CONFIG = load_yaml(DST)
SITE = CONFIG["site"]
# 2023's switches in Europe/Madrid, as days from 1 January: 26 March (23 hours) and 29 October (25 hours).
SPRING, AUTUMN = 84, 301


def with_step(minutes: int) -> dict:
    return SITE | {"time_step_minutes": minutes}


@pytest.mark.parametrize("minutes", [15, 30, 60])
def test_the_switch_days_have_an_hour_of_steps_less_and_more(minutes: int):
    time = site_time(with_step(minutes))
    steps_per_hour = 60 // minutes
    steps_per_day = np.bincount(day_of_step(time))
    assert steps_per_day[SPRING] == 23 * steps_per_hour
    assert steps_per_day[AUTUMN] == 25 * steps_per_hour
    others = np.delete(steps_per_day, [SPRING, AUTUMN])
    assert set(others) == {24 * steps_per_hour}
    # Both switches inside the period: it ends at local midnight, one step per hour of elapsed time.
    assert len(time) == SITE["days"] * 24 * steps_per_hour
    assert (time[-1] + pd.Timedelta(minutes=minutes)).strftime("%H:%M") == "00:00"


def test_local_clock_times_fall_in_their_steps():
    time = site_time(with_step(30))
    days = local_days(time, SITE["days"])
    clock = pd.DatetimeIndex(
        [
            days[SPRING] + pd.Timedelta(hours=2, minutes=30),  # skipped: the first step after the gap
            days[SPRING + 1] + pd.Timedelta(hours=18),
            days[AUTUMN] + pd.Timedelta(hours=2, minutes=30),  # repeated: its first occurrence
            days[AUTUMN + 1] + pd.Timedelta(hours=18),
            days[-1] + pd.Timedelta(hours=24),  # past the period's end
        ]
    )
    steps = local_steps(time, clock)
    assert steps[-1] == len(time)
    stamps = time[steps[:-1]]
    assert [stamp.strftime("%m-%d %H:%M %z") for stamp in stamps] == [
        "03-26 03:00 +0200",
        "03-27 18:00 +0200",
        "10-29 02:30 +0200",
        "10-30 18:00 +0100",
    ]


@pytest.fixture(scope="module")
def year() -> dict:
    """A year of the DST site's sessions, load and tariff at 30-minute steps."""
    site = with_step(30) | {"days": 364}
    time = site_time(site)
    return {
        "time": time,
        "sessions": charging_sessions(CONFIG["ev"], site).sessions,
        "load_kw": building_load(site, CONFIG["building_load"])["load_kw"].to_numpy(),
        "price": grid_signals(CONFIG["grid"], time).import_usd_per_kwh,
    }


def test_every_session_arrives_within_opening_hours_year_round(year: dict):
    arrival = pd.to_datetime(year["sessions"]["arrival"].str[:19])
    hour = arrival.dt.hour + arrival.dt.minute / 60
    ev = CONFIG["ev"]
    assert hour.between(ev["opening_hour"], ev["closing_hour"], inclusive="left").all()
    # The local stamp is the step's: the session log and the steps agree.
    steps = year["time"][year["sessions"]["arrival_step"]]
    assert (steps.strftime("%Y-%m-%d %H:%M") == arrival.dt.strftime("%Y-%m-%d %H:%M")).all()
    summer = (arrival.dt.month >= 4) & (arrival.dt.month <= 10)
    assert summer.sum() > len(arrival) / 3


def local_profile(values: np.ndarray, time: pd.DatetimeIndex, days: slice) -> pd.Series:
    """Mean of `values` per local hour of day over the steps of the days `days`."""
    in_days = np.isin(day_of_step(time), np.arange(days.start, days.stop))
    return pd.Series(values[in_days]).groupby(np.floor(hour_of_day(time[in_days])).astype(int)).mean()


@pytest.mark.parametrize("switch", [SPRING, AUTUMN], ids=["spring", "autumn"])
def test_load_tariff_and_ev_peaks_keep_their_local_hours_across_a_switch(year: dict, switch: int):
    time, sessions = year["time"], year["sessions"]
    arrivals = np.zeros(len(time))
    np.add.at(arrivals, sessions["arrival_step"].to_numpy(), 1)
    peak = CONFIG["ev"]["arrival_peak"]
    period = CONFIG["grid"]["import_price"]["periods"][0]
    priced_hours = list(range(period["start_hour"], period["end_hour"]))
    open_hours = range(CONFIG["ev"]["opening_hour"], CONFIG["ev"]["closing_hour"])
    for days in (slice(switch - 14, switch), slice(switch + 1, switch + 15)):
        load = local_profile(year["load_kw"], time, days)
        price = local_profile(year["price"], time, days)
        ev = local_profile(arrivals, time, days)
        shape = CONFIG["building_load"]["open_hours_shape"]
        assert load.idxmax() == CONFIG["building_load"]["opening_hour"] + int(np.argmax(shape))
        assert list(price[price == price.max()].index) == priced_hours
        in_peak = ev.index.isin(range(peak["start_hour"], peak["end_hour"]))
        assert ev[in_peak].min() > ev[~in_peak].max()
        assert ev[~ev.index.isin(open_hours)].sum() == 0


def test_the_short_and_long_days_keep_each_local_hour_s_power():
    """Flat day factors: the 23-hour day lacks its 02:00 hour's energy, the 25-hour day repeats it, and a
    period that ends an hour into the next day gives that hour one hour's load, not a day's."""
    flat = CONFIG["building_load"] | {
        "weekday_factors": [1.0] * 7,
        "monthly_factors": [1.0] * 12,
        "holidays": [],
        "day_to_day_sd": 0.0,
    }
    site = with_step(60) | {"days": 91}  # ends at 01:00 summer time on day 91
    time = site_time(site)
    load_kw = building_load(site, flat)["load_kw"].to_numpy()
    daily = pd.Series(load_kw).groupby(day_of_step(time)).sum()
    night_kw = load_kw[2]  # 02:00 on 1 January
    assert daily[SPRING] == pytest.approx(daily[0] - night_kw)
    assert daily[SPRING + 1] == pytest.approx(daily[0])
    assert load_kw[-1] == pytest.approx(load_kw[0])
    assert len(daily) == 92 and daily.iloc[-1] == pytest.approx(load_kw[0])


@pytest.mark.slow
def test_a_study_on_the_daylight_saving_site_runs(tmp_path: Path):
    """The whole study, end to end, on the two test weeks (each from a switch day): sessions within opening
    hours, every EV served, the optimum below doing nothing, the comparison drawn."""
    workdir = tmp_path / "run"
    targets = [f"results/control/{name}/kpis.json" for name in ("uncontrolled", "optimum")]
    result = run_snakemake(workdir, "all", configfile=DST)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    assert (workdir / "results" / "comparison.pdf").stat().st_size > 0
    sessions = pd.read_csv(workdir / "resources" / "ev_sessions.csv")
    arrival = pd.to_datetime(sessions["arrival"].str[:19])
    assert arrival.dt.hour.between(CONFIG["ev"]["opening_hour"], CONFIG["ev"]["closing_hour"] - 1).all()
    for target in targets:
        kpis = pd.read_json(workdir / target)
        assert sorted(kpis["episode"]) == CONFIG["episodes"]["test_weeks"]
        assert kpis["ev_unmet_kwh"].max() == pytest.approx(0, abs=1e-6)
    optimum, uncontrolled = (pd.read_json(workdir / target)["objective"].sum() for target in targets[::-1])
    assert optimum < uncontrolled
