"""Bad input beyond keys and ranges: numbers that are not numbers, YAML itself (duplicate keys, empty or
non-mapping files), the data files a config names, objectives with nothing to save, names given twice, keys
that moved, and every problem of a config reported at once (docs/design.md "Bad input")."""

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml
from snakemake_runner import REPO, TEST_CONFIG, run_snakemake

from solarev.config import (
    MAX_REPORTED,
    ConfigError,
    load_yaml,
    read_config_file,
    report_lines,
    validate_config,
)
from solarev.site.inputs import SITE_CHECKS

SCHEMA = REPO / "config" / "schema.yaml"
TINY_TEXT = TEST_CONFIG.read_text()
TINY = load_yaml(TEST_CONFIG)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "bad.yaml: empty file"),
        ("- site\n- grid\n", "bad.yaml line 1: a list, not a mapping of sections"),
        ("site:\n\tname: x\n", "bad.yaml line 2: found character '\\t' that cannot start any token"),
        (
            "site:\n  name: a\n  days: 7\n  name: b\n",
            "bad.yaml line 4: duplicate key 'name' (first on line 2)",
        ),
    ],
    ids=["empty", "list", "tab", "duplicate"],
)
def test_a_config_file_is_read_strictly(tmp_path: Path, text: str, expected: str):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        read_config_file(path)
    assert str(raised.value).startswith(f"{tmp_path}/{expected}")


def test_the_report_is_capped():
    error = ConfigError(*(f"site.key{i}: wrong" for i in range(MAX_REPORTED + 5)))
    lines = report_lines(error).splitlines()
    assert len(lines) == MAX_REPORTED + 1
    assert lines[-1] == "solarev: invalid configuration: ... and 5 more problems"


def edited(config: dict, **edits: object) -> dict:
    """`config` with dotted keys (written with __ for .) set to values."""
    changed = yaml.safe_load(yaml.safe_dump(config))
    for dotted, value in edits.items():
        *parents, last = dotted.split("__")
        section = changed
        for parent in parents:
            section = section[parent]
        section[last] = value
    return changed


def problems(config: dict) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        validate_config(config, SCHEMA, SITE_CHECKS)
    return list(raised.value.problems)


def test_non_finite_numbers_are_named_once_each():
    config = edited(TINY, solar__system__dc_kwp=math.nan, grid__export_price_usd_per_kwh=-math.inf)
    assert problems(config) == [
        "grid.export_price_usd_per_kwh: -inf is not a finite number",
        "solar.system.dc_kwp: nan is not a finite number",
    ]


def test_every_cross_key_problem_is_listed():
    peak = TINY["grid"]["demand_charges"][0]
    config = edited(
        TINY,
        ev__closing_hour=8,
        grid__demand_charges=[peak | {"start_hour": 0, "end_hour": 6}, peak],
        bess__initial_soc=0.1,
    )
    assert problems(config) == [
        "ev.opening_hour: 9 must be before ev.closing_hour (8)",
        "grid.demand_charges[1].name: 'peak' is also grid.demand_charges[0]'s; names must differ",
        "bess.initial_soc: 0.1 is below the floor 1 - bess.depth_of_discharge = 0.2; raise bess.initial_soc "
        "or bess.depth_of_discharge",
    ]


def test_the_shipped_configs_pass_the_site_checks():
    for path in sorted((REPO / "config").glob("*.yaml")):
        if path.name not in ("schema.yaml", "agents.yaml"):
            validate_config(load_yaml(path), SCHEMA, SITE_CHECKS)


# Bad data files, each written into the case's folder: (file name, rows) -> CSV text.
def csv_file(name: str, frame: pd.DataFrame) -> Callable[[Path], str]:
    def write(folder: Path) -> str:
        path = folder / name
        frame.to_csv(path, index=False)
        return str(path)

    return write


SESSIONS = pd.DataFrame(
    {
        "arrival": ["2023-01-02 10:00", "2023-01-02 12:00", "2023-01-03 18:00"],
        "departure": ["2023-01-02 11:00", "2023-01-02 11:30", "2023-01-03 19:00"],
        "energy_kwh": [1.0, 1.0, 1.0],
        "vehicle_class": ["moto", "moto", "moto"],
    }
)
TIME = [str(stamp) for stamp in pd.date_range("2023-01-01", periods=24 * 22, freq="h", tz="America/Lima")]
WEATHER = pd.DataFrame({"time": TIME, "ghi": 100.0, "dni": 50.0, "dhi": 50.0, "temp_air": 25.0})
LOAD = pd.DataFrame({"time": TIME, "load_kw": 3.0})
NAN_GHI = WEATHER.assign(ghi=WEATHER["ghi"].where(WEATHER.index != 3))
NOON_LOAD = LOAD.assign(time=LOAD["time"].where(LOAD.index != 2, "noon"))
ZERO_CARBON = pd.DataFrame({"time": TIME[: 24 * 21], "kg_per_kwh": 0.0})

# (id, folder -> the config's YAML text, the text of each line the run must print, in order).
Case = tuple[str, Callable[[Path], str], list[str]]


def with_keys(**edits: object) -> Callable[[Path], str]:
    """The tiny config with dotted keys (__ for .) set; a callable value is given the case's folder."""

    def text(folder: Path) -> str:
        values = {key: value(folder) if callable(value) else value for key, value in edits.items()}
        return yaml.safe_dump(edited(TINY, **values))

    return text


def replaced(old: str, new: str) -> Callable[[Path], str]:
    """The tiny config's own text with one line replaced (what safe_dump cannot write: duplicate keys)."""
    assert old in TINY_TEXT
    return lambda folder: TINY_TEXT.replace(old, new, 1)


def line_of(text: str) -> int:
    return TINY_TEXT[: TINY_TEXT.index(text)].count("\n") + 1


DC_KWP_LINE = line_of("    dc_kwp: 40.0")
PEAK = TINY["grid"]["demand_charges"][0]
FREE = {"usd_per_kwh": 0.0, "periods": [], "file": None}
OLD_MPC = TINY["control"]["mpc"] | {"forecasts": TINY["env"]["forecasts"]}
OLD_ENV = {key: value for key, value in TINY["env"].items() if key != "forecasts"}
OLD_WEIGHT_ENV = {
    ("unmet_energy_weight_kg_per_kwh" if key == "unmet_energy_weight" else key): value
    for key, value in TINY["env"].items()
}
NEGATIVE = {
    f"{section}__{key}": -1
    for section, keys in {
        "solar__system": ("dc_kwp", "ac_kw", "tilt_deg", "system_losses", "inverter_efficiency"),
        "building_load": ("daily_kwh", "closed_share", "holiday_factor", "day_to_day_sd", "seed"),
        "bess": ("depth_of_discharge", "round_trip_efficiency", "design_factor", "rounding_kwh"),
        "bess__capital": ("usd_per_kwh", "usd_per_kw", "lifetime_years", "discount_rate"),
        "report": ("bootstrap_reps", "bootstrap_seed", "confidence"),
        "env": ("carbon_price_usd_per_t", "random_seed", "forecast_steps"),
    }.items()
    for key in keys
}
CLI_CASES: list[Case] = [
    ("nan", with_keys(solar__system__dc_kwp=math.nan), ["solar.system.dc_kwp: nan is not a finite number"]),
    (
        "inf",
        with_keys(building_load__daily_kwh=math.inf),
        ["building_load.daily_kwh: inf is not a finite number"],
    ),
    (
        "-inf below a minimum",
        with_keys(grid__export_price_usd_per_kwh=-math.inf),
        ["grid.export_price_usd_per_kwh: -inf is not a finite number"],
    ),
    (
        "nan in a list",
        with_keys(building_load__weekday_factors=[1, 1, math.nan, 1, 1, 1, 1]),
        ["building_load.weekday_factors[2]: nan is not a finite number"],
    ),
    (
        "duplicate key",
        replaced("    dc_kwp: 40.0\n", "    dc_kwp: 40.0\n    dc_kwp: 4000.0\n"),
        [f"line {DC_KWP_LINE + 1}: duplicate key 'dc_kwp' (first on line {DC_KWP_LINE})"],
    ),
    (
        "duplicate vehicle class",
        replaced("    mototaxi:\n", "    moto:\n"),
        [f"line {line_of('    mototaxi:')}: duplicate key 'moto' (first on line {line_of('    moto:')})"],
    ),
    (
        "sessions: departure before arrival",
        with_keys(ev__sessions_file=csv_file("sessions.csv", SESSIONS)),
        ["ev.sessions_file line 3: departure is not after arrival"],
    ),
    (
        "sessions: unknown class",
        with_keys(ev__sessions_file=csv_file("sessions.csv", SESSIONS.iloc[[0]].assign(vehicle_class="bus"))),
        ["ev.sessions_file line 2: vehicle_class not in ev.classes (moto, mototaxi)"],
    ),
    (
        "sessions: more energy than the charger gives",
        with_keys(ev__sessions_file=csv_file("sessions.csv", SESSIONS.iloc[[0]].assign(energy_kwh=2.5))),
        ["ev.sessions_file line 2: energy_kwh is more than the class's charger_power_kw delivers"],
    ),
    (
        "weather: a value not a number",
        with_keys(
            solar__weather__source="file",
            solar__weather__file=csv_file("weather.csv", NAN_GHI),
        ),
        ["solar.weather.file line 5: ghi 'nan' is not a number"],
    ),
    (
        "load: a time not a time",
        with_keys(building_load__file=csv_file("load.csv", NOON_LOAD)),
        ["building_load.file line 4: time 'noon' is not a time"],
    ),
    (
        "cost with every price 0",
        with_keys(grid__import_price=FREE, grid__demand_charges=[]),
        ["env.objective: cost, but grid.import_price, grid.demand_charges"],
    ),
    (
        "co2 with a carbon file of zeros",
        with_keys(
            env__objective="co2",
            env__unmet_energy_weight=2.0,
            grid__carbon_intensity_file=csv_file("carbon.csv", ZERO_CARBON),
        ),
        ["env.objective: co2, but grid.carbon_intensity_file is 0 at every step"],
    ),
    (
        "two demand charges named peak",
        with_keys(grid__demand_charges=[PEAK | {"start_hour": 0, "end_hour": 6}, PEAK]),
        ["grid.demand_charges[1].name: 'peak' is also grid.demand_charges[0]'s; names must differ"],
    ),
    (
        "a renamed key",
        with_keys(control__mpc=OLD_MPC, env=OLD_ENV),
        ["control.mpc.forecasts: renamed to env.forecasts"],
    ),
    (
        "the unmet weight's old name",
        with_keys(env=OLD_WEIGHT_ENV),
        ["env.unmet_energy_weight_kg_per_kwh: renamed to env.unmet_energy_weight"],
    ),
    (
        "the building load's old name",
        replaced("\nbuilding_load:\n", "\nmall_load:\n"),
        ["mall_load: renamed to building_load"],
    ),
    (
        "test months and test weeks both",
        with_keys(episodes__test_months=[1]),
        ["episodes.test_months: both are set; test on weeks (test_weeks) or months (test_months)"],
    ),
    (
        "neither test months nor test weeks",
        with_keys(episodes__test_weeks=[]),
        ["episodes.test_months: both are empty"],
    ),
    (
        "month 13",
        with_keys(episodes__test_weeks=[], episodes__test_months=[13]),
        ["episodes.test_months[0]: 13"],
    ),
    (
        "a test month beyond the site's days",
        with_keys(episodes__test_weeks=[], episodes__test_months=[2]),
        ["episodes.test_months: months [2] end after the site's 21 days (site.days)"],
    ),
    (
        "a test month overlapping the training weeks",
        with_keys(site__days=35, episodes__test_weeks=[], episodes__test_months=[1]),
        ["episodes.training_weeks: weeks [0] share days with test month 1 (January)"],
    ),
    (
        "an unmet weight below a month's floor",
        with_keys(
            site__days=63,
            episodes__training_weeks=[5, 6],
            episodes__validation_weeks=[7],
            episodes__test_weeks=[],
            episodes__test_months=[1],
        ),
        ["env.unmet_energy_weight: 12 is not above 19.23 USD"],
    ),
    (
        "an import limit the battery cannot make up",
        with_keys(
            grid__import_limit_kw=2.0,
            bess__sizing="fixed",
            bess__fixed_capacity_kwh=10.0,
            bess__fixed_power_kw=1.0,
        ),
        ["grid.import_limit_kw: 2 kW is below what the site must import at step"],
    ),
    (
        "an import limit on a site with no battery power to meet it",
        with_keys(grid__import_limit_kw=4.0, bess__sizing="optimal"),
        ["grid.import_limit_kw: 4 kW is below what the site must import at step 17"],
    ),
    (
        "an import limit of 0",
        with_keys(grid__import_limit_kw=0.0),
        ["grid.import_limit_kw: 0"],
    ),
    (
        "opening after closing",
        with_keys(ev__opening_hour=23),
        ["ev.opening_hour: 23 must be before ev.closing_hour (22)"],
    ),
    (
        "three problems at once",
        with_keys(solar__system__dc_kwp=math.nan, site__colour="blue", training__seeds=[]),
        [
            "site: unknown key 'colour'",
            "training.seeds: 0 values, needs at least 1",
            "solar.system.dc_kwp: nan",
        ],
    ),
    (
        "an older config's many problems",
        with_keys(**NEGATIVE),
        [*(": -1" for _ in range(MAX_REPORTED)), f"... and {len(NEGATIVE) - MAX_REPORTED} more problems"],
    ),
]


@pytest.mark.parametrize(("case", "text", "expected"), CLI_CASES, ids=[case[0] for case in CLI_CASES])
def test_snakemake_stops_before_any_job_naming_each_problem(tmp_path: Path, case: str, text, expected):
    configfile = tmp_path / "bad.yaml"
    configfile.write_text(text(tmp_path))
    result = run_snakemake(tmp_path / "run", configfile=configfile)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if "invalid configuration" in line]
    assert len(lines) == len(expected), result.stderr[-3000:]
    for line, part in zip(lines, expected, strict=True):
        assert part in line, (line, part)
    for folder in ("resources", "results", "logs"):
        assert not (tmp_path / "run" / folder).exists()
