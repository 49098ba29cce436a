"""The CityLearn site: loads offline, runs, and simulates the site's batteries and EV sessions as intended."""

import json

import numpy as np
import pandas as pd
import pytest
from citylearn.citylearn import CityLearnEnv
from conftest import TEST_CONFIG
from synthetic import SyntheticSite, write_synthetic_site

from solarev.control.baselines import uncontrolled
from solarev.env.citylearn_env import SolarEvEnv
from solarev.env.episodes import Window
from solarev.env.objective import Objective
from solarev.env.schema import check_citylearn_site, citylearn_frames, write_citylearn_site
from solarev.env.sessions import episode_sessions
from solarev.evaluate.runs import run_episode
from solarev.site.model import SiteDataError, load_site, site_files


def test_schema_runs_a_full_episode_offline(tiny_citylearn, no_network):
    site = tiny_citylearn.site
    env = CityLearnEnv(tiny_citylearn.schema_path, central_agent=True, offline=True)
    env.reset()
    steps = 0
    while not env.terminated:
        env.step([np.zeros(env.action_space[0].shape)])
        steps += 1
    assert steps == site.n_steps
    building = env.buildings[0]
    np.testing.assert_allclose(-building.solar_generation[: site.n_steps], site.pv_kwh, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(
        building.non_shiftable_load_electricity_consumption[: site.n_steps], site.load_kwh, rtol=1e-6
    )
    assert np.all(building.net_electricity_consumption_emission >= 0)


def test_every_file_has_a_terminal_row_and_no_gaps(tiny_citylearn):
    for name, frame in citylearn_frames(tiny_citylearn.site).items():
        assert len(frame) == tiny_citylearn.site.n_steps + 1, name
        numeric = frame.select_dtypes("number").drop(
            columns=[c for c in frame.columns if c.startswith("electric_vehicle")], errors="ignore"
        )
        assert not numeric.isna().any().any(), name


def test_battery_is_constant_efficiency_without_losses(tiny_citylearn):
    site = tiny_citylearn.site
    bess = site.bess
    env = CityLearnEnv(tiny_citylearn.schema_path, central_agent=True, offline=True)
    env.reset()
    battery = env.buildings[0].electrical_storage
    actions = [1.0, 1.0, -1.0, 0.0, -1.0]
    for action in actions:
        env.step([np.array([action] + [0.0] * site.n_sockets)])
    energy = np.concatenate([[bess.initial_energy_kwh], battery.soc[: len(actions)] * bess.capacity_kwh])
    grid = battery.electricity_consumption[: len(actions)]
    eta = bess.one_way_efficiency
    expected_change = np.where(grid > 0, grid * eta, grid / eta)
    np.testing.assert_allclose(np.diff(energy), expected_change, rtol=1e-5, atol=1e-3)
    step_kwh = bess.power_kw * site.step_hours
    np.testing.assert_allclose(np.abs(grid[[0, 2]]), step_kwh, rtol=1e-6)
    assert set(np.round(battery.efficiency_history, 9)) == {round(bess.round_trip_efficiency, 9)}
    assert set(battery.capacity_history) == {bess.capacity_kwh}


def test_uncontrolled_charging_delivers_each_session_exactly(tiny_citylearn):
    env = tiny_citylearn.env("test")
    episode = run_episode(env, uncontrolled(env), 0)
    record = env.episode_record()
    assert float(episode["ev_unmet_kwh"].sum()) == 0
    np.testing.assert_allclose(record.ev_delivered_kwh.sum(), record.sessions.need_kwh.sum(), rtol=1e-5)


def test_episode_starting_mid_session_holds_the_full_power_energy(tmp_path):
    # Quarter-hour steps: sessions last several steps, so an episode can start in the middle of one.
    spec = SyntheticSite(days=7, time_step_minutes=15, session_hours=1.0)
    site = load_site(
        site_files(write_synthetic_site(spec, tmp_path / "site")),
        spec.site_config(),
        {"initial_soc": 0.5},
        TEST_CONFIG["grid"],
    )
    sessions = site.sessions
    step_kwh = site.socket_step_kwh[sessions.socket]
    long = np.flatnonzero(sessions.energy_kwh > 2 * step_kwh)[0]
    start = sessions.start[long] + 1
    window = Window(start, start + 48, 0)
    env = SolarEvEnv(
        site,
        write_citylearn_site(site, 0, tmp_path / "citylearn"),
        [window],
        forecast_steps=1,
        forecasts=TEST_CONFIG["env"]["forecasts"],
        unmet_weight=2.0,
        sample=False,
        objective=Objective.from_config(TEST_CONFIG["env"]),
    )
    episode = run_episode(env, uncontrolled(env), 0)
    socket = sessions.socket[long]
    owed = sessions.energy_kwh[long] - step_kwh[long]  # one step at full power happened before the episode
    soc_after_first_step = env.citylearn.electric_vehicles[socket].battery.soc[0]
    expected = 1 - (owed - step_kwh[long]) / site.socket_battery_kwh[socket]
    assert soc_after_first_step == pytest.approx(expected, abs=1e-6)
    sessions_owed = episode_sessions(site, window.start, window.end)
    assert sessions_owed.need_kwh[sessions_owed.session_id == sessions.session_id[long]][0] == pytest.approx(
        owed
    )
    assert float(episode["ev_unmet_kwh"].sum()) == 0


def test_unknown_ev_id_is_an_error_not_a_silent_idle_charger(tiny_citylearn, tmp_path):
    schema_path = write_citylearn_site(tiny_citylearn.site, 0, tmp_path)
    schema = json.loads(schema_path.read_text())
    schema["electric_vehicles_def"]["ev_999"] = schema["electric_vehicles_def"].pop("ev_001")
    schema_path.write_text(json.dumps(schema))
    env = CityLearnEnv(schema_path, central_agent=True, offline=True)
    with pytest.raises(ValueError, match="socket_001"):
        check_citylearn_site(env, tiny_citylearn.site)


def test_session_its_charger_cannot_serve_is_named(tiny_site):
    path = tiny_site.resources / "ev_sessions.csv"
    sessions = pd.read_csv(path)
    sessions.loc[5, "energy_kwh"] = sessions.loc[5, "charger_power_kw"] * 24
    sessions.to_csv(path, index=False)
    with pytest.raises(SiteDataError, match=f"session {sessions.loc[5, 'session_id']} needs"):
        tiny_site.load()


def test_overlapping_sessions_on_a_socket_are_named(tiny_site):
    path = tiny_site.resources / "ev_sessions.csv"
    sessions = pd.read_csv(path)
    second = sessions.index[sessions["socket"] == sessions.loc[0, "socket"]][1]
    sessions.loc[second, "arrival_step"] = sessions.loc[0, "departure_step"] - 1
    sessions.to_csv(path, index=False)
    with pytest.raises(SiteDataError, match=f"session {sessions.loc[second, 'session_id']} .* overlaps"):
        tiny_site.load()


def test_series_of_the_wrong_length_is_named(tiny_site):
    path = tiny_site.resources / "building_load.csv"
    pd.read_csv(path).iloc[:-1].to_csv(path, index=False)
    with pytest.raises(SiteDataError, match="building_load.csv: 503 rows"):
        tiny_site.load()
