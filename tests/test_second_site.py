"""The second shipped site, config/arequipa_workplace.yaml (a workplace car park: 11 kW chargers, cars that
stay the working day, morning arrivals, an office load, 16 degrees south), run end to end on its tiny
variant up to results/kpis.csv: the workflow is not fitted to the Iquitos mall."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from snakemake_runner import REPO, run_snakemake

from solarev.config import load_yaml
from solarev.control import CONTROLLERS
from solarev.report.collect import read_kpis_table

pytestmark = pytest.mark.slow

FULL = REPO / "config" / "arequipa_workplace.yaml"
TINY = REPO / "config" / "arequipa_workplace_test.yaml"
# What makes the site this kind of site; the tiny variant keeps all of it and scales only sizes and time.
KIND_KEYS = [
    ("site", ("latitude", "longitude", "altitude_m", "timezone")),
    (
        "ev",
        ("opening_hour", "closing_hour", "arrival_peak", "weekday_factors", "sockets_per_charger", "dwell"),
    ),
    ("building_load", ("opening_hour", "closing_hour", "open_hours_shape", "weekday_factors", "holidays")),
]
CLASS_KEYS = ("charger_power_kw", "session_minutes", "battery_kwh", "arrival_soc")


def test_the_tiny_variant_is_the_same_kind_of_site():
    full, tiny = load_yaml(FULL), load_yaml(TINY)
    for section, keys in KIND_KEYS:
        assert {key: tiny[section][key] for key in keys} == {key: full[section][key] for key in keys}
    assert tiny["solar"]["weather"] == full["solar"]["weather"]
    assert tiny["grid"] == full["grid"]
    for name, vehicle in full["ev"]["classes"].items():
        assert {key: tiny["ev"]["classes"][name][key] for key in CLASS_KEYS} == {
            key: vehicle[key] for key in CLASS_KEYS
        }


@pytest.fixture(scope="module")
def workplace_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("workplace") / "run"
    # Up to the comparison's table; the PDF and the site figure are the tiny Iquitos run's to check.
    result = run_snakemake(workdir, "results/kpis.csv", "resources/ev_sockets.csv", configfile=TINY)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    return workdir


def test_every_controller_and_the_agent_are_compared(workplace_run: Path):
    config = load_yaml(TINY)
    kpis = read_kpis_table(workplace_run / "results" / "kpis.csv")
    runs = set(kpis["controller"])
    assert runs == set(CONTROLLERS) | set(config["training"]["algorithms"])
    share = kpis.groupby("controller")["optimum_share"].mean()
    assert share["uncontrolled"] == 0 and share["optimum"] == pytest.approx(1)
    # Long dwell is flexibility: the perfect-foresight dispatch saves something over charging on arrival.
    objective = kpis.groupby("controller")["objective"].sum()
    assert objective["optimum"] < objective["uncontrolled"]


def test_the_sessions_are_a_workplace_s(workplace_run: Path):
    config = load_yaml(TINY)
    sessions = pd.read_csv(workplace_run / "resources" / "ev_sessions.csv")
    steps_per_hour = 60 // config["site"]["time_step_minutes"]
    employees = sessions[sessions["vehicle_class"] == "employee"]
    stay_hours = (employees["departure_step"] - employees["arrival_step"]) / steps_per_hour
    assert np.median(stay_hours) >= 8
    arrival_hour = sessions["arrival_step"] % (24 * steps_per_hour) / steps_per_hour
    assert ((arrival_hour >= 7) & (arrival_hour < 9)).mean() > 0.5
    assert set(pd.read_csv(workplace_run / "resources" / "ev_sockets.csv")["power_kw"]) == {11.0}
    bess = load_yaml(workplace_run / "resources" / "bess.json")
    assert (bess["capacity_kwh"], bess["power_kw"]) == (65, 17)
