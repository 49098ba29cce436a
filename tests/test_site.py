"""The site data stage's library: PV (pvlib), EV sessions, mall load and battery sizing."""

import copy

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, TEST_CONFIG

from solarev.config import load_yaml
from solarev.site.bess import evening_deficit_kwh_per_day, size_battery
from solarev.site.ev import charging_sessions, uncontrolled_charging_kw
from solarev.site.load import mall_load
from solarev.site.model import site_time
from solarev.site.solar import solar_profile

DEFAULT_CONFIG = load_yaml(REPO / "config" / "config.yaml")


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


@pytest.fixture(scope="module")
def default_solar() -> dict[str, pd.DataFrame]:
    unscaled = copy.deepcopy(DEFAULT_CONFIG["solar"])
    unscaled["scale_to_annual_kwh"] = None
    return {
        "scaled": solar_profile(DEFAULT_CONFIG["site"], DEFAULT_CONFIG["solar"]),
        "unscaled": solar_profile(DEFAULT_CONFIG["site"], unscaled),
    }


def annual_kwh(profile: pd.DataFrame) -> float:
    site = DEFAULT_CONFIG["site"]
    return profile["ac_kw"].sum() * site["time_step_minutes"] / 60 * 365 / site["days"]


def test_pv_is_scaled_to_the_studys_annual_energy(default_solar):
    assert annual_kwh(default_solar["scaled"]) == pytest.approx(3_972_478, rel=0.02)


def test_pv_physics_is_plausible_for_cloudy_iquitos(default_solar):
    profile = default_solar["unscaled"]
    site = DEFAULT_CONFIG["site"]
    hours = site["days"] * 24
    capacity_factor = (
        annual_kwh(profile) * site["days"] / 365 / (DEFAULT_CONFIG["solar"]["system"]["dc_kwp"] * hours)
    )
    assert 0.12 < capacity_factor < 0.20
    ghi_per_day = profile["ghi_w_m2"].sum() * site["time_step_minutes"] / 60 / 1000 / site["days"]
    assert 4.3 < ghi_per_day < 5.2
    assert profile["ac_kw"].between(0, DEFAULT_CONFIG["solar"]["system"]["ac_kw"]).all()
    night = pd.DatetimeIndex(pd.to_datetime(profile["time"], utc=True)).tz_convert(site["timezone"]).hour < 5
    assert (profile.loc[night, "ac_kw"] == 0).all()
    assert profile["relative_humidity"].between(0, 100).all()


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


def sessions_for(config: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    return charging_sessions(config["ev"], config["site"])


@pytest.fixture(scope="module")
def week_of_iquitos() -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    config = copy.deepcopy(DEFAULT_CONFIG)
    config["site"]["days"] = 7
    return config, *sessions_for(config)


def test_sockets_follow_the_fleet(week_of_iquitos):
    _, sockets, _ = week_of_iquitos
    assert len(sockets) == 128 and sockets["charger"].nunique() == 32
    assert sockets.groupby("vehicle_class").size().to_dict() == {"moto": 112, "mototaxi": 16}


def test_no_socket_is_double_booked(week_of_iquitos):
    _, _, sessions = week_of_iquitos
    ordered = sessions.sort_values(["socket", "arrival_step"])
    same = ordered["socket"].to_numpy()[1:] == ordered["socket"].to_numpy()[:-1]
    overlap = ordered["arrival_step"].to_numpy()[1:] < ordered["departure_step"].to_numpy()[:-1]
    assert not (same & overlap).any()


def test_sessions_match_the_configured_fleet(week_of_iquitos):
    config, sockets, sessions = week_of_iquitos
    per_day = sessions.groupby("vehicle_class").size() / config["site"]["days"]
    assert per_day["moto"] == pytest.approx(900, rel=0.01)
    assert per_day["mototaxi"] == pytest.approx(130, rel=0.01)
    socket_class = sockets.set_index("socket")["vehicle_class"]
    assert (socket_class[sessions["socket"]].to_numpy() == sessions["vehicle_class"].to_numpy()).all()
    step_hours = config["site"]["time_step_minutes"] / 60
    dwell_kwh = (
        (sessions["departure_step"] - sessions["arrival_step"]) * step_hours * sessions["charger_power_kw"]
    )
    assert (sessions["energy_kwh"] <= dwell_kwh + 1e-9).all()
    plug_hour = (sessions["arrival_step"] - sessions["queued_steps"]) % (24 / step_hours) * step_hours
    assert plug_hour.between(9, 22, inclusive="left").all()
    assert ((plug_hour >= 18) & (plug_hour < 22)).mean() == pytest.approx(0.5, abs=0.03)


def test_sessions_are_seeded():
    pd.testing.assert_frame_equal(sessions_for(TEST_CONFIG)[1], sessions_for(TEST_CONFIG)[1])
    other = copy.deepcopy(TEST_CONFIG)
    other["ev"]["seed"] += 1
    assert not sessions_for(other)[1]["arrival_step"].equals(sessions_for(TEST_CONFIG)[1]["arrival_step"])


def test_uncontrolled_charging_delivers_every_session():
    _, sessions = sessions_for(TEST_CONFIG)
    site = TEST_CONFIG["site"]
    demand = uncontrolled_charging_kw(sessions, site["days"] * 24, 1.0)
    assert demand.sum() == pytest.approx(sessions["energy_kwh"].sum())


def test_mall_load_sums_to_the_daily_energy_and_follows_opening_hours():
    load = mall_load(DEFAULT_CONFIG["site"], DEFAULT_CONFIG["mall_load"])
    time = site_time(DEFAULT_CONFIG["site"])
    daily = load["load_kw"].groupby(np.asarray(time.normalize())).sum() * 0.5
    np.testing.assert_allclose(daily, 9202.4)
    open_kw = load["load_kw"][(time.hour >= 9) & (time.hour < 22)].mean()
    closed_kw = load["load_kw"][time.hour < 9].mean()
    assert closed_kw / open_kw == pytest.approx(0.25)


def test_mall_load_from_a_table_is_interpolated_onto_the_steps():
    site = TEST_CONFIG["site"]
    time = site_time(site)
    table = pd.DataFrame({"time": time[::2].astype(str), "load_kw": np.arange(len(time[::2]), dtype=float)})
    load = mall_load(site, TEST_CONFIG["mall_load"], table)
    np.testing.assert_allclose(load["load_kw"][:5], [0, 0.5, 1, 1.5, 2])
