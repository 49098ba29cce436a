"""Bad configuration stops the workflow before any job, with one line naming the key."""

import copy
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml
from snakemake_runner import REPO, run_snakemake

from solarev.config import ConfigError, load_yaml, validate_config
from solarev.site.grid import check_grid
from solarev.site.model import site_time

SCHEMA = REPO / "config" / "schema.yaml"
DEFAULT = load_yaml(REPO / "config" / "config.yaml")
TINY = load_yaml(REPO / "config" / "test.yaml")


def set_key(config: dict, dotted: str, value: object) -> dict:
    changed = copy.deepcopy(config)
    *parents, last = dotted.split(".")
    section = changed
    for parent in parents:
        section = section[parent]
    if value is DELETE:
        del section[last]
    else:
        section[last] = value
    return changed


DELETE = object()

# The site data's keys: profile lengths, factors, distributions, and the two the issue found by trying the
# CLI (a time zone zoneinfo does not know, a battery starting below its floor). Six of them also
# run through the real command line below.
SITE_DATA_CASES = [
    (
        "building_load.monthly_factors",
        [1.0] * 11,
        "building_load.monthly_factors: 11 values, needs at least 12",
    ),
    ("building_load.weekday_factors", [1, 1, -1, 1, 1, 1, 1], "building_load.weekday_factors[2]: -1"),
    ("ev.classes.moto.arrival_soc.mean", 1.2, "ev.classes.moto.arrival_soc.mean: 1.2"),
    ("ev.classes.moto.arrival_soc.sd", 0.48, "ev.classes.moto.arrival_soc.sd: 0.48 is too large"),
    ("site.timezone", "Mars/Olympus", "site.timezone: 'Mars/Olympus' is not an IANA time zone"),
    ("bess.initial_soc", 0.1, "bess.initial_soc: 0.1 is below the floor 1 - bess.depth_of_discharge"),
    ("building_load.open_hours_shape", [1.0] * 12, "building_load.open_hours_shape: 12 values"),
    ("ev.sessions_file", "no/such/sessions.csv", "ev.sessions_file: file 'no/such/sessions.csv'"),
    (
        "solar.weather.clear_sky_index_monthly",
        [0.7] * 13,
        "clear_sky_index_monthly: 13 values, needs at most 12",
    ),
    ("ev.weekday_factors", [1.0] * 6, "ev.weekday_factors"),
    ("ev.count_dispersion", -0.1, "ev.count_dispersion: -0.1"),
    ("ev.max_wait_minutes", -5, "ev.max_wait_minutes: -5"),
    ("building_load.holidays", ["02-30"], "building_load.holidays[0]: '02-30' is not a date"),
    ("building_load.holidays", ["Christmas"], "building_load.holidays[0]: 'Christmas'"),
]

# (key to change, wrong value, text the message must contain)
BAD_INPUTS = [
    ("site.latitude", "south", "site.latitude"),
    ("site.latitude", 123.0, "site.latitude"),
    ("site.time_step_minutes", 20, "site.time_step_minutes"),
    ("site.days", DELETE, "'days' is missing"),
    ("site.colour", "blue", "unknown key 'colour'"),
    ("solar.system.dc_kwp", -5, "solar.system.dc_kwp"),
    ("solar.system.tilt_deg", 120, "solar.system.tilt_deg"),
    ("solar.weather.source", "file", "solar.weather.file"),
    ("solar.weather.file", "no/such/weather.csv", "solar.weather.file"),
    ("building_load.file", "missing_load.csv", "building_load.file"),
    ("building_load.daily_kwh", 0, "building_load.daily_kwh"),
    ("ev.classes.moto.chargers", 0, "ev.classes.moto.chargers"),
    ("ev.classes.moto.charger_power_kw", "fast", "ev.classes.moto.charger_power_kw"),
    ("ev.classes", {}, "ev.classes"),
    ("ev.arrival_peak.share", 1.5, "ev.arrival_peak.share"),
    ("ev.arrival_peak.start_hour", 6, "ev.arrival_peak"),
    ("ev.closing_hour", 8, "ev.opening_hour: 9 must be before ev.closing_hour (8)"),
    ("bess.depth_of_discharge", 0, "bess.depth_of_discharge"),
    ("bess.round_trip_efficiency", 1.2, "bess.round_trip_efficiency"),
    ("bess.design_factor", -1, "bess.design_factor"),
    ("episodes.test_months", [2], "episodes.training_weeks: weeks [5, 6, 7] share days with test month 2"),
    ("episodes.validation_weeks", [60], "episodes.validation_weeks"),
    ("episodes.training_weeks", [], "episodes.training_weeks"),
    ("training.algorithms", [], "training.algorithms"),
    ("training.seeds", [], "training.seeds"),
    ("training.seeds", [0, -1], "training.seeds[1]"),
    ("training.total_timesteps", 1.5, "training.total_timesteps"),
    ("training.device", "tpu", "training.device"),
    ("training.gpus_per_job", "many", "training.gpus_per_job"),
    ("training.preset", "best", "training.preset"),
    ("training.checkpoint_every", 10**9, "training.checkpoint_every"),
    ("report.confidence", 1.0, "report.confidence"),
    *SITE_DATA_CASES,
    ("control.mpc.horizon_hours", 0, "control.mpc.horizon_hours"),
    ("control.mpc.resolve_every_steps", 100, "control.mpc.resolve_every_steps: 100 exceeds the horizon's 48"),
    ("env.forecasts.pv", "sunny", "env.forecasts.pv"),
    # Battery sizing (issue 17).
    ("bess.sizing", "biggest", "bess.sizing: 'biggest' is not allowed"),
    ("bess.sizing", "fixed", "bess.fixed_capacity_kwh: required when bess.sizing is 'fixed'"),
    ("bess.capital.usd_per_kwh", -300, "bess.capital.usd_per_kwh: -300"),
    ("bess.capital.fixed_om_usd_per_kw_year", -1, "bess.capital.fixed_om_usd_per_kw_year: -1"),
    ("bess.capital.lifetime_years", 0, "bess.capital.lifetime_years: 0"),
    ("bess.capital.discount_rate", 1.5, "bess.capital.discount_rate: 1.5"),
    ("bess.sweep_kwh", [], "bess.sweep_kwh: [] is not allowed"),
    (
        "bess.sweep_kwh",
        {"start": 500, "stop": 100, "step": 50},
        "bess.sweep_kwh.stop: 100 is below start 500",
    ),
    ("bess.sweep_kwh", {"start": 0, "stop": 100, "step": 0}, "bess.sweep_kwh"),
    ("bess.sizing_weeks", 35, "bess.sizing_weeks: 35 exceeds the 34 training weeks"),
]


EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def signal_file(column: str, edit: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], str]:
    """folder -> the path of a per-step signal file for the tiny config's steps, written with `edit`
    applied (the grid cases' bad files)."""

    def write(folder: Path) -> str:
        time = site_time(TINY["site"])
        frame = pd.DataFrame({"time": [stamp.isoformat() for stamp in time], column: 0.2})
        path = folder / f"{column}.csv"
        edit(frame).to_csv(path, index=False)
        return str(path)

    return write


def shifted_to_utc(frame: pd.DataFrame) -> pd.DataFrame:
    """The same wall-clock hours written as UTC: the file's zone is not the site's."""
    return frame.assign(time=pd.to_datetime(frame["time"]).dt.tz_localize(None).dt.tz_localize("UTC"))


def with_gap(frame: pd.DataFrame) -> pd.DataFrame:
    """One hour missing in the middle, one hour more at the end: the right length with a gap."""
    extra = frame.iloc[[-1]].assign(time=str(pd.Timestamp(frame["time"].iloc[-1]) + pd.Timedelta("1h")))
    return pd.concat([frame.drop(index=100), extra], ignore_index=True)


PEAK = {"name": "peak", "start_hour": 18, "end_hour": 23, "days": EVERY_DAY}
# The grid section and the objective (a value, or folder -> value for a file to write first).
GRID_CASES = [
    (
        "grid.import_price.periods",
        [
            PEAK | {"usd_per_kwh": 0.3},
            PEAK | {"name": "evening", "start_hour": 20, "end_hour": 22, "days": ["fri"], "usd_per_kwh": 0.4},
        ],
        "grid.import_price.periods[1]: hours 20-22 overlap grid.import_price.periods[0] (18-23) on fri",
    ),
    (
        "grid.demand_charges",
        [PEAK | {"end_hour": 25, "usd_per_kw_month": 19.0}],
        "grid.demand_charges[0].end_hour: 25 is greater than the maximum of 24",
    ),
    (
        "grid.demand_charges",
        [PEAK | {"start_hour": 18, "end_hour": 18, "usd_per_kw_month": 19.0}],
        "grid.demand_charges[0]: the window 18-18 is empty",
    ),
    (
        "grid.demand_charges",
        [PEAK | {"days": [], "usd_per_kw_month": 19.0}],
        "grid.demand_charges[0].days: 0 values",
    ),
    (
        "grid.import_price.usd_per_kwh",
        -0.1,
        "grid.import_price.usd_per_kwh: -0.1 is less than the minimum of 0",
    ),
    ("grid.export_price_usd_per_kwh", -0.05, "grid.export_price_usd_per_kwh: -0.05 is less than the minimum"),
    ("env.objective", "profit", "env.objective: 'profit' is not allowed (allowed: co2, cost)"),
    ("env.carbon_price_usd_per_t", -5, "env.carbon_price_usd_per_t: -5 is less than the minimum of 0"),
    (
        "grid.carbon_intensity_file",
        "no/such/carbon.csv",
        "grid.carbon_intensity_file: file 'no/such/carbon.csv'",
    ),
    (
        "grid.import_price.file",
        signal_file("price", lambda frame: frame),
        "grid.import_price.file: ",  # the message goes on with the path
    ),
    (
        "grid.carbon_intensity_file",
        signal_file("kg_per_kwh", lambda frame: frame.iloc[:-24]),
        "has 480 rows, the site has 504 steps",
    ),
    ("grid.carbon_intensity_file", signal_file("kg_per_kwh", with_gap), "row 100 is "),
    (
        "grid.carbon_intensity_file",
        signal_file("kg_per_kwh", shifted_to_utc),
        "row 0 is '2023-01-01 00:00:00+00:00'",
    ),
    (
        "grid.import_price.file",
        signal_file(
            "usd_per_kwh",
            lambda frame: frame.assign(usd_per_kwh=frame["usd_per_kwh"].where(frame.index != 7)),
        ),
        "row 7 has usd_per_kwh nan (needs a number >= 0)",
    ),
    (
        "grid.import_price.file",
        signal_file("usd_per_kwh", lambda frame: frame.assign(usd_per_kwh=-0.2)),
        "row 0 has usd_per_kwh -0.2 (needs a number >= 0)",
    ),
]


def resolved(value: object, folder: Path) -> object:
    return value(folder) if callable(value) else value


def validate(config: dict) -> None:
    """What rules/common.smk checks before any job: the schema and cross-key rules, then the grid."""
    validate_config(config, SCHEMA)
    check_grid(config["grid"], site_time(config["site"]))


def test_shipped_configs_are_valid():
    for path in sorted((REPO / "config").glob("*.yaml")):
        if path.name not in ("schema.yaml", "agents.yaml"):
            validate(load_yaml(path))


@pytest.mark.parametrize(("key", "value", "expected"), GRID_CASES, ids=[case[0] for case in GRID_CASES])
def test_bad_grid_or_objective_names_the_key(tmp_path: Path, key, value, expected):
    with pytest.raises(ConfigError) as raised:
        validate(set_key(TINY, key, resolved(value, tmp_path)))
    message = str(raised.value)
    assert expected in message and message.startswith(key.split(".")[0])
    assert "\n" not in message


@pytest.mark.parametrize(("key", "value", "expected"), BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_value_names_the_key(key, value, expected):
    with pytest.raises(ConfigError) as raised:
        validate_config(set_key(DEFAULT, key, value), SCHEMA)
    message = str(raised.value)
    assert expected in message
    assert "\n" not in message


def test_every_key_has_a_description():
    schema = load_yaml(SCHEMA)

    def undocumented(node: dict, path: str) -> list[str]:
        missing = []
        for name, child in node.get("properties", {}).items():
            if "description" not in child:
                missing.append(f"{path}{name}")
            missing += undocumented(child, f"{path}{name}.")
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            missing += undocumented(extra, f"{path}<name>.")
        return missing

    assert not undocumented(schema, "")


# 20 of them through the real command line (each costs a Snakemake start): the run stops before any job
# and writes nothing. Among them the list: a wrong type, ranges, an unknown key and algorithm, an
# empty seed list, missing weather and load files, a negative capacity, test weeks overlapping training.
# An unknown algorithm is stopped at DAG time by solarev.rl.presets, the one home of the algorithm names.
UNKNOWN_ALGORITHM = ("training.algorithms", ["dqn"], "training.algorithms[0]: 'dqn' is not allowed")
# The tiny config tests on weeks: its test week 0 is also a training week.
TEST_WEEK_IN_TRAINING = ("episodes.test_weeks", [0], "episodes.test_weeks")
WORKFLOW_CASES = [
    *(BAD_INPUTS[i] for i in (0, 1, 3, 4, 5, 6, 8, 9, 11, 13, 14, 16, 19, 22, 24, 25, 28, 30)),
    UNKNOWN_ALGORITHM,
    TEST_WEEK_IN_TRAINING,
    *(SITE_DATA_CASES[i] for i in (0, 1, 2, 4, 5, 6)),
    # Twelve of the grid and objective cases (each kind of fault once).
    *(GRID_CASES[i] for i in (0, 1, 2, 4, 6, 8, 9, 10, 11, 12, 13, 14)),
]


@pytest.mark.parametrize(
    ("key", "value", "expected"), WORKFLOW_CASES, ids=[case[0] for case in WORKFLOW_CASES]
)
def test_snakemake_stops_before_any_job(tmp_path: Path, key, value, expected):
    configfile = tmp_path / "bad.yaml"
    configfile.write_text(yaml.safe_dump(set_key(TINY, key, resolved(value, tmp_path))))
    result = run_snakemake(tmp_path, configfile=configfile)
    assert result.returncode != 0
    error_lines = [line for line in result.stderr.splitlines() if "invalid configuration" in line]
    assert len(error_lines) == 1, result.stderr
    assert expected in error_lines[0]
    assert not (tmp_path / "resources").exists()
    assert not (tmp_path / "results").exists()
    assert not (tmp_path / "logs").exists()


def test_the_co2_study_is_the_default_but_for_its_prices_and_objective():
    co2_study = load_yaml(REPO / "config" / "iquitos_co2.yaml")
    # The unmet-energy penalty is in the objective's unit (kg CO2 there, USD here).
    differing = (
        "study",
        "grid.import_price",
        "grid.demand_charges",
        "env.objective",
        "env.unmet_energy_weight",
    )
    for key in differing:
        co2_study = set_key(co2_study, key, DELETE)
    default = DEFAULT
    for key in differing:
        default = set_key(default, key, DELETE)
    assert co2_study == default
