"""The site data stage's library: PV (pvlib), building load, battery sizing and the site figure. EV sessions:
test_site_ev.py; weather files: test_site_weather.py."""

import copy

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, TEST_CONFIG
from matplotlib.figure import Figure

from solarev.config import load_yaml
from solarev.site.bess import chosen_battery, evening_deficit_kwh_per_day, size_battery
from solarev.site.calendar import day_of_step, is_holiday, site_days
from solarev.site.ev import charging_sessions, uncontrolled_charging_kw
from solarev.site.figure import SIZE_SOURCES, draw_sizing, site_figure
from solarev.site.load import building_load
from solarev.site.model import site_time
from solarev.site.profiles import SiteProfiles
from solarev.site.solar import pv_yield, solar_profile

DEFAULT_CONFIG = load_yaml(REPO / "config" / "config.yaml")
ORIGINAL_ANNUAL_KWH = 3_972_478


def test_original_battery_sizing_is_reproduced():
    sizing = size_battery(1030, 0.8, 0.95, 1.2, 10, 2.75)
    assert sizing["capacity_kwh"] == pytest.approx(1632)
    assert sizing["power_kw"] == 593


def test_no_deficit_still_gives_the_smallest_battery():
    assert size_battery(0.0, 0.8, 0.95, 1.2, 10, 2.75)["capacity_kwh"] == pytest.approx(12)


def test_evening_deficit_counts_ev_energy_the_pv_surplus_cannot_cover():
    time = site_time({**TEST_CONFIG["site"], "days": 2})
    hour = np.asarray(time.hour)
    pv = np.where(hour == 18, 5.0, 0.0)
    load = np.full(len(time), 2.0)
    ev = np.where((hour >= 17) & (hour < 20), 4.0, 0.0)
    # 18 h: surplus 3 covers 3 of 4 kW; 19 h: nothing covered; 17 h lies outside the window.
    assert evening_deficit_kwh_per_day(time, pv, load, ev, 18, 22) == pytest.approx(1 + 4)


def local_time(profile: pd.DataFrame, timezone: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(profile["time"], utc=True)).tz_convert(timezone)


@pytest.fixture(scope="module")
def default_solar() -> dict[str, pd.DataFrame]:
    scaled = copy.deepcopy(DEFAULT_CONFIG["solar"])
    scaled["scale_to_annual_kwh"] = ORIGINAL_ANNUAL_KWH
    return {
        "physical": solar_profile(DEFAULT_CONFIG["site"], DEFAULT_CONFIG["solar"]),
        "original": solar_profile(DEFAULT_CONFIG["site"], scaled),
    }


def default_yield(profile: pd.DataFrame) -> dict[str, float]:
    site = DEFAULT_CONFIG["site"]
    return pv_yield(
        profile, DEFAULT_CONFIG["solar"]["system"]["dc_kwp"], site["time_step_minutes"] / 60, site["days"]
    )


def test_default_pv_is_the_physical_model_with_a_plausible_yield(default_solar):
    assert DEFAULT_CONFIG["solar"]["scale_to_annual_kwh"] is None
    figures = default_yield(default_solar["physical"])
    # A fixed 10-degree array in the Amazon: 1,250-1,450 kWh/kWp/yr, performance ratio 0.7-0.85 in the heat.
    assert 1250 < figures["specific_yield_kwh_per_kwp"] < 1450
    assert 0.70 < figures["performance_ratio"] < 0.85
    # Atlas de Energia Solar del Peru: 4.5-5.0 kWh/m2/day in the Selva.
    assert 4.5 < figures["ghi_kwh_m2_per_day"] < 5.0
    profile = default_solar["physical"]
    assert profile["ac_kw"].between(0, DEFAULT_CONFIG["solar"]["system"]["ac_kw"]).all()
    assert (profile.loc[local_time(profile, "America/Lima").hour < 5, "ac_kw"] == 0).all()
    assert profile["relative_humidity"].between(0, 100).all()


def test_the_original_annual_energy_stays_available_and_implies_a_low_yield(default_solar):
    figures = default_yield(default_solar["original"])
    assert figures["annual_ac_kwh"] == pytest.approx(ORIGINAL_ANNUAL_KWH)
    assert figures["specific_yield_kwh_per_kwp"] == pytest.approx(954, abs=1)
    assert figures["performance_ratio"] < 0.6


def test_each_month_has_its_configured_cloudiness_and_wet_months_are_darker(default_solar):
    profile = default_solar["physical"]
    months = np.asarray(local_time(profile, "America/Lima").month)
    clear = copy.deepcopy(DEFAULT_CONFIG["solar"])
    clear["weather"].update(clear_sky_index_monthly=[1.0] * 12, clear_sky_index_sd=0, day_to_day_sd=0)
    clear_ghi = solar_profile(DEFAULT_CONFIG["site"], clear)["ghi_w_m2"]
    index = profile["ghi_w_m2"].groupby(months).sum() / clear_ghi.groupby(months).sum()
    np.testing.assert_allclose(
        index, DEFAULT_CONFIG["solar"]["weather"]["clear_sky_index_monthly"], rtol=1e-9
    )
    ghi_per_day = profile["ghi_w_m2"].groupby(months).mean()
    assert ghi_per_day[[3, 4]].max() < ghi_per_day[[7, 8, 9]].min()  # March-April vs July-September


def test_cloudiness_persists_from_day_to_day(default_solar):
    profile = default_solar["physical"]
    days = profile["ghi_w_m2"].groupby(profile.index // 48).sum()
    anomaly = days - days.rolling(31, center=True, min_periods=1).mean()
    assert anomaly.autocorr() > 0.15


def test_weather_is_seeded():
    site, solar = TEST_CONFIG["site"], TEST_CONFIG["solar"]
    again = solar_profile(site, copy.deepcopy(solar))
    pd.testing.assert_frame_equal(solar_profile(site, solar), again)
    other = copy.deepcopy(solar)
    other["weather"]["seed"] += 1
    assert not np.allclose(solar_profile(site, other)["ac_kw"], again["ac_kw"])


def test_a_weather_file_drives_the_pv_model():
    site, solar = TEST_CONFIG["site"], copy.deepcopy(TEST_CONFIG["solar"])
    synthetic = solar_profile(site, solar)
    table = synthetic.rename(
        columns={"ghi_w_m2": "ghi", "dni_w_m2": "dni", "dhi_w_m2": "dhi", "temp_air_c": "temp_air"}
    )
    solar["weather"]["source"] = "file"
    from_file = solar_profile(site, solar, table)
    np.testing.assert_allclose(from_file["ac_kw"], synthetic["ac_kw"], atol=1e-9)
    half = solar_profile(site, solar, table.iloc[::2])  # every other hour: interpolated back
    assert abs(half["ac_kw"].sum() / synthetic["ac_kw"].sum() - 1) < 0.05


@pytest.fixture(scope="module")
def default_load() -> tuple[pd.DatetimeIndex, pd.Series]:
    """The default building load's daily energy over the year, indexed by date."""
    time = site_time(DEFAULT_CONFIG["site"])
    load = building_load(DEFAULT_CONFIG["site"], DEFAULT_CONFIG["building_load"])["load_kw"].to_numpy()
    return time, load


def daily_kwh(time: pd.DatetimeIndex, load_kw: np.ndarray) -> pd.Series:
    step_hours = pd.Timedelta(time.freq).total_seconds() / 3600
    return pd.Series(load_kw * step_hours).groupby(day_of_step(time)).sum().set_axis(site_days(time))


def test_building_load_keeps_the_configured_yearly_mean_and_varies_by_day(default_load):
    daily = daily_kwh(*default_load)
    assert daily.mean() == pytest.approx(DEFAULT_CONFIG["building_load"]["daily_kwh"], rel=1e-9)
    assert daily.std() / daily.mean() > 0.03  # weekdays, months, holidays and noise
    time, load = default_load
    open_kw = load[(time.hour >= 9) & (time.hour < 22)].mean()
    closed_kw = load[time.hour < 9].mean()
    assert closed_kw / open_kw == pytest.approx(DEFAULT_CONFIG["building_load"]["closed_share"], rel=0.01)
    afternoon, opening = load[time.hour == 15].mean(), load[time.hour == 9].mean()
    assert afternoon > 1.2 * opening  # cooling follows the heat of the afternoon


def without_noise(building: dict, **changes) -> dict:
    return {**copy.deepcopy(building), "day_to_day_sd": 0.0, **changes}


def test_weekday_weekend_holiday_and_monthly_factors_are_applied():
    building = without_noise(
        DEFAULT_CONFIG["building_load"],
        weekday_factors=[1, 1, 1, 1, 1, 1.3, 1.2],
        holidays=["01-02", "2023-01-03"],
        holiday_factor=1.5,
    )
    time = site_time(DEFAULT_CONFIG["site"])
    daily = daily_kwh(time, building_load(DEFAULT_CONFIG["site"], building)["load_kw"].to_numpy())
    monday, saturday, sunday = (daily[f"2023-01-{day:02d}"] for day in (9, 14, 15))
    assert saturday / monday == pytest.approx(1.3) and sunday / monday == pytest.approx(1.2)
    assert daily["2023-01-02"] / monday == pytest.approx(1.5)  # a Monday, listed as a holiday
    assert daily["2023-01-03"] / monday == pytest.approx(1.5)  # a Tuesday, dated holiday
    october_monday = daily["2023-10-09"]
    october, january = building["monthly_factors"][9], building["monthly_factors"][0]
    assert october_monday / monday == pytest.approx(october / january)


def test_holidays_recur_or_name_one_date():
    days = pd.date_range("2023-12-24", "2024-01-02", freq="D")
    holiday = is_holiday(days, ["12-25", "01-01", "2023-12-31"])
    assert list(days[holiday].strftime("%Y-%m-%d")) == ["2023-12-25", "2023-12-31", "2024-01-01"]


def test_building_load_is_seeded():
    site, building = TEST_CONFIG["site"], TEST_CONFIG["building_load"]
    first = building_load(site, building)
    pd.testing.assert_frame_equal(first, building_load(site, copy.deepcopy(building)))
    assert not first.equals(building_load(site, {**building, "seed": building["seed"] + 1}))


def test_building_load_from_a_table_is_interpolated_onto_the_steps():
    site = TEST_CONFIG["site"]
    time = site_time(site)
    table = pd.DataFrame({"time": time[::2].astype(str), "load_kw": np.arange(len(time[::2]), dtype=float)})
    load = building_load(site, TEST_CONFIG["building_load"], table)
    np.testing.assert_allclose(load["load_kw"][:5], [0, 0.5, 1, 1.5, 2])


def test_the_battery_panel_says_where_a_size_other_than_the_rules_came_from():
    rule = size_battery(10.0, 0.8, 0.95, 1.2, 10, 2.75)
    for sizing, words in (("optimal", "LP optimum"), ("fixed", "fixed in config")):
        axis = Figure().subplots()
        draw_sizing(axis, chosen_battery(rule, sizing, 62.0, 9.0))
        assert axis.get_title() == f"Battery: 62 kWh, 9 kW ({words})"
        bars = [label.get_text() for label in axis.get_xticklabels()]
        assert bars[2:] == ["× 1.2\ncapacity\n(rule)", SIZE_SOURCES[sizing][0]]
        assert [bar.get_height() for bar in axis.patches][2:] == [24.0, 62.0]


def test_the_site_figure_shows_day_types_months_and_sessions():
    site = TEST_CONFIG["site"]
    time = site_time(site)
    _, sessions, _ = charging_sessions(TEST_CONFIG["ev"], site)
    profiles = SiteProfiles(
        time=time,
        pv_kw=solar_profile(site, TEST_CONFIG["solar"])["ac_kw"].to_numpy(),
        load_kw=building_load(site, TEST_CONFIG["building_load"])["load_kw"].to_numpy(),
        ev_kw=uncontrolled_charging_kw(sessions, len(time), 1.0),
        sessions=sessions,
    )
    figure = site_figure(profiles, size_battery(10.0, 0.8, 0.95, 1.2, 10, 2.75), site["name"])
    labels = {
        text.get_text() for axis in figure.axes if axis.get_legend() for text in axis.get_legend().texts
    }
    assert {"Monday-Friday", "Saturday", "Sunday", "January (most PV)"} <= labels
    assert any(label.startswith("moto: mean") for label in labels)
    assert [axis.get_title() for axis in figure.axes][:8] == [
        "Mean day",
        "Building load by day type",
        "PV by month",
        "PV: the months with least and most",
        "Each day",
        "EV arrivals (served sessions)",
        "EV session energy",
        "Battery: 24 kWh, 9 kW",
    ]
