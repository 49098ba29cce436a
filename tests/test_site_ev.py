"""EV sessions: the seeded generator (counts, energies, queueing, closing) and users' charging logs."""

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, TEST_CONFIG
from snakemake_runner import run_with_config

from solarev.config import load_yaml
from solarev.site.ev import arrival_soc, charging_sessions, daily_counts, uncontrolled_charging_kw
from solarev.site.model import SiteDataError

DEFAULT_CONFIG = load_yaml(REPO / "config" / "config.yaml")
EXAMPLE_LOG = REPO / "docs" / "examples" / "ev_sessions.csv"


def with_days(config: dict, days: int) -> dict:
    changed = copy.deepcopy(config)
    changed["site"]["days"] = days
    return changed


def generate(config: dict):
    return charging_sessions(config["ev"], config["site"])


@pytest.fixture(scope="module")
def eight_weeks_of_iquitos() -> tuple[dict, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    config = with_days(DEFAULT_CONFIG, 56)
    return config, *generate(config)


def plug_in_hour(sessions: pd.DataFrame, site: dict) -> pd.Series:
    step_hours = site["time_step_minutes"] / 60
    return sessions["arrival_step"] % round(24 / step_hours) * step_hours


def test_sockets_follow_the_fleet(eight_weeks_of_iquitos):
    _, sockets, _, _ = eight_weeks_of_iquitos
    assert len(sockets) == 128 and sockets["charger"].nunique() == 32
    assert sockets.groupby("vehicle_class").size().to_dict() == {"moto": 112, "mototaxi": 16}


def test_sessions_fit_their_sockets(eight_weeks_of_iquitos):
    config, sockets, sessions, _ = eight_weeks_of_iquitos
    ordered = sessions.sort_values(["socket", "arrival_step"])
    same = ordered["socket"].to_numpy()[1:] == ordered["socket"].to_numpy()[:-1]
    overlap = ordered["arrival_step"].to_numpy()[1:] < ordered["departure_step"].to_numpy()[:-1]
    assert not (same & overlap).any()
    socket_class = sockets.set_index("socket")["vehicle_class"]
    assert (socket_class[sessions["socket"]].to_numpy() == sessions["vehicle_class"].to_numpy()).all()
    step_hours = config["site"]["time_step_minutes"] / 60
    steps = sessions["departure_step"] - sessions["arrival_step"]
    assert (sessions["energy_kwh"] <= steps * step_hours * sessions["charger_power_kw"] + 1e-9).all()
    assert (sessions["energy_kwh"] <= sessions["battery_kwh"]).all()


def test_every_arrival_is_served_or_counted_and_the_mean_is_the_configured_one(eight_weeks_of_iquitos):
    config, _, sessions, turned_away = eight_weeks_of_iquitos
    arrivals = pd.concat([sessions["vehicle_class"], turned_away["vehicle_class"]]).value_counts()
    for name, vehicle in config["ev"]["classes"].items():
        assert arrivals[name] == vehicle["sessions_per_day"] * config["site"]["days"]
    assert 0 < len(turned_away) < 0.2 * arrivals.sum()


def test_no_session_starts_after_closing_on_the_default_config(eight_weeks_of_iquitos):
    config, _, sessions, _ = eight_weeks_of_iquitos
    assert not config["ev"]["serve_after_closing"]
    hour = plug_in_hour(sessions, config["site"])
    assert hour.between(config["ev"]["opening_hour"], config["ev"]["closing_hour"], inclusive="left").all()
    waited_minutes = sessions["queued_steps"] * config["site"]["time_step_minutes"]
    assert waited_minutes.max() <= config["ev"]["max_wait_minutes"]
    assert (sessions["queued_steps"] > 0).any()


def test_a_site_that_stays_open_serves_the_queue_after_closing():
    config = with_days(DEFAULT_CONFIG, 7)
    config["ev"].update(serve_after_closing=True, max_wait_minutes=600)
    _, sessions, turned_away = generate(config)
    assert (plug_in_hour(sessions, config["site"]) >= config["ev"]["closing_hour"]).any()
    assert set(turned_away["reason"]) <= {"stay runs past the simulated period"}


def test_half_the_arrivals_come_in_the_evening_peak(eight_weeks_of_iquitos):
    config, _, sessions, turned_away = eight_weeks_of_iquitos
    steps_per_day = 24 * 60 // config["site"]["time_step_minutes"]
    arrival = pd.concat([sessions["arrival_step"] - sessions["queued_steps"], turned_away["arrival_step"]])
    hour = arrival % steps_per_day * config["site"]["time_step_minutes"] / 60
    assert ((hour >= 18) & (hour < 22)).mean() == pytest.approx(0.5, abs=0.02)


def test_daily_counts_are_poisson_or_overdispersed_around_the_weekday_mean():
    days = pd.date_range("2023-01-02", periods=7 * 400, freq="D")
    ev = {"weekday_factors": [1, 1, 1, 1, 1, 2, 1], "count_dispersion": 0.0}
    counts = pd.Series(daily_counts(days, 300, ev, np.random.default_rng(0)), index=days)
    saturday, monday = counts[days.day_of_week == 5], counts[days.day_of_week == 0]
    assert saturday.mean() / monday.mean() == pytest.approx(2, rel=0.01)
    assert monday.var() == pytest.approx(monday.mean(), rel=0.15)  # Poisson
    ev["count_dispersion"] = 0.02
    counts = pd.Series(daily_counts(days, 300, ev, np.random.default_rng(0)), index=days)
    monday = counts[days.day_of_week == 0]
    assert monday.var() == pytest.approx(monday.mean() + 0.02 * monday.mean() ** 2, rel=0.15)


def test_arrival_soc_has_the_configured_mean_and_spread():
    soc = arrival_soc(200_000, {"mean": 0.67, "sd": 0.15}, np.random.default_rng(0))
    assert soc.min() >= 0 and soc.max() <= 1
    assert soc.mean() == pytest.approx(0.67, abs=0.002) and soc.std() == pytest.approx(0.15, abs=0.002)
    assert (arrival_soc(5, {"mean": 0.4, "sd": 0.0}, np.random.default_rng(0)) == 0.4).all()


def test_session_energies_have_the_configured_spread():
    """With stays long enough never to cap them, energies are (1 - arrival SOC) x battery."""
    config = with_days(DEFAULT_CONFIG, 28)
    for vehicle in config["ev"]["classes"].values():
        vehicle["session_minutes"] = 600
    config["ev"]["serve_after_closing"] = True
    _, sessions, _ = generate(config)
    for name, vehicle in config["ev"]["classes"].items():
        energy = sessions.loc[sessions["vehicle_class"] == name, "energy_kwh"] / vehicle["battery_kwh"]
        assert energy.mean() == pytest.approx(1 - vehicle["arrival_soc"]["mean"], abs=0.01)
        assert energy.std() == pytest.approx(vehicle["arrival_soc"]["sd"], abs=0.01)


def test_short_stays_cap_the_energy_at_what_the_charger_delivers(eight_weeks_of_iquitos):
    config, _, sessions, _ = eight_weeks_of_iquitos
    moto = sessions[sessions["vehicle_class"] == "moto"]
    full_need = 3.0 * (1 - config["ev"]["classes"]["moto"]["arrival_soc"]["mean"])
    assert moto["energy_kwh"].mean() < full_need  # some drivers leave before their battery is full
    assert moto["energy_kwh"].mean() > 0.85 * full_need


def test_sessions_are_seeded():
    _, first, _ = generate(TEST_CONFIG)
    pd.testing.assert_frame_equal(first, generate(copy.deepcopy(TEST_CONFIG))[1])
    other = copy.deepcopy(TEST_CONFIG)
    other["ev"]["seed"] += 1
    assert not generate(other)[1]["arrival_step"].equals(first["arrival_step"])


def test_the_tiny_site_still_has_sessions_every_day():
    _, sessions, _ = generate(TEST_CONFIG)
    steps_per_day = 24 * 60 // TEST_CONFIG["site"]["time_step_minutes"]
    per_day = np.bincount(sessions["arrival_step"] // steps_per_day, minlength=TEST_CONFIG["site"]["days"])
    assert per_day.min() >= 5 and set(sessions["vehicle_class"]) == {"moto", "mototaxi"}


def test_uncontrolled_charging_delivers_every_session():
    _, sessions, _ = generate(TEST_CONFIG)
    demand = uncontrolled_charging_kw(sessions, TEST_CONFIG["site"]["days"] * 24, 1.0)
    assert demand.sum() == pytest.approx(sessions["energy_kwh"].sum())


# Charging logs (ev.sessions_file)


def from_log(log: pd.DataFrame):
    return charging_sessions(TEST_CONFIG["ev"], TEST_CONFIG["site"], log)


def test_the_example_log_is_placed_on_the_tiny_sites_sockets():
    log = pd.read_csv(EXAMPLE_LOG)
    sockets, sessions, turned_away = from_log(log)
    assert len(sessions) == len(log) - 1  # its last session lies outside the simulated period
    assert turned_away.empty and (sessions["queued_steps"] == 0).all()
    assert sessions["energy_kwh"].sum() == pytest.approx(log["energy_kwh"].iloc[:-1].sum())
    by_arrival = sessions.set_index("arrival")
    assert by_arrival.loc["2023-01-02 16:00:00-05:00", "socket"] == 5  # the socket the log names
    assert by_arrival.loc["2023-01-02 20:00:00-05:00", "charger"] == 1  # the charger it names
    # Times with an offset are read as such: 10:00-05:00 is 10:00 in Lima.
    assert "2023-01-04 10:00:00-05:00" in by_arrival.index
    socket_class = sockets.set_index("socket")["vehicle_class"]
    assert (socket_class[sessions["socket"]].to_numpy() == sessions["vehicle_class"].to_numpy()).all()


def log_rows(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["arrival", "departure", "energy_kwh", "vehicle_class"])


GOOD = ("2023-01-02 10:00", "2023-01-02 11:00", 1.0, "moto")
BAD_LOGS = [
    (log_rows(GOOD, ("2023-01-02 12:00", "2023-01-02 11:00", 1.0, "moto")), "line 3: departure is not after"),
    (
        log_rows(GOOD, GOOD, ("2023-01-02 10:00", "2023-01-02 10:30", 1.5, "moto")),
        "line 4: energy_kwh is more than",
    ),
    (
        log_rows(("2023-01-02 10:00", "2023-01-02 16:00", 4.0, "moto")),
        "line 2: energy_kwh is more than the class's battery",
    ),
    (
        log_rows(GOOD, ("2023-01-02 10:00", "2023-01-02 11:00", 1.0, "bus")),
        "line 3: vehicle_class not in ev.classes",
    ),
    (log_rows(("yesterday", "2023-01-02 11:00", 1.0, "moto")), "line 2: arrival or departure is not a"),
    (log_rows(("2024-05-02 10:00", "2024-05-02 11:00", 1.0, "moto")), "no session lies within the simulated"),
    (log_rows(GOOD).drop(columns="energy_kwh"), "missing columns ['energy_kwh']"),
    (log_rows(GOOD).assign(socket=[5]), "line 2: charger -1 / socket 5 is not a moto socket"),
    (log_rows(GOOD, GOOD).assign(socket=[0, 0]), "line 3: every moto socket it may use is taken"),
    (log_rows(*[GOOD] * 5), "line 6: every moto socket it may use is taken"),
]


@pytest.mark.parametrize(("log", "message"), BAD_LOGS, ids=[message for _, message in BAD_LOGS])
def test_a_bad_log_names_its_lines(log: pd.DataFrame, message: str):
    with pytest.raises(SiteDataError, match="^ev.sessions_file") as raised:
        from_log(log)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_the_example_log_runs_through_the_workflow_to_the_citylearn_site(tmp_path: Path):
    """The tiny config with ev.sessions_file: the sessions rule reads the log and CityLearn takes them."""
    config = copy.deepcopy(TEST_CONFIG)
    config["ev"]["sessions_file"] = str(EXAMPLE_LOG)
    result, workdir = run_with_config(config, tmp_path, "resources/citylearn/schema.json")
    assert result.returncode == 0, result.stderr[-4000:]
    written = pd.read_csv(workdir / "resources/ev_sessions.csv")
    expected = from_log(pd.read_csv(EXAMPLE_LOG)).sessions
    pd.testing.assert_frame_equal(written, expected, check_dtype=False)
    assert "from " + str(EXAMPLE_LOG) in (workdir / "logs/ev_sessions.log").read_text()
