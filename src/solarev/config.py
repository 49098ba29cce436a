"""Configuration validation: one clear line naming the offending key, before any job runs."""

import datetime
import zoneinfo
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml


class ConfigError(ValueError):
    """A configuration value that the workflow cannot run with."""


def check_choice(value: Any, allowed: Iterable[str], key: str) -> None:
    """ConfigError naming config key `key` unless `value` is one of `allowed`."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise ConfigError(f"{key}: {value!r} is not allowed (allowed: {', '.join(allowed)})")


def load_yaml(path: str | Path) -> dict[str, Any]:
    with open(path) as handle:
        return yaml.safe_load(handle)


def key_name(path: Iterable[Any]) -> str:
    """Dotted key for a JSON path, with list positions in brackets: training.seeds[2]."""
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "<top level>"


def describe_schema_error(error: jsonschema.ValidationError) -> str:
    key = key_name(error.absolute_path)
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "additionalProperties":
        allowed = ", ".join(sorted(schema.get("properties", {})))
        unknown = sorted(set(error.instance) - set(schema.get("properties", {})))
        return f"{key}: unknown key {', '.join(map(repr, unknown))} (allowed: {allowed})"
    if error.validator == "required":
        return f"{key}: {error.message.replace('is a required property', 'is missing')}"
    if error.validator == "enum":
        allowed = ", ".join(map(str, error.validator_value))
        return f"{key}: {error.instance!r} is not allowed (allowed: {allowed})"
    if error.validator in ("minItems", "maxItems"):
        bound = "at least" if error.validator == "minItems" else "at most"
        return f"{key}: {len(error.instance)} values, needs {bound} {error.validator_value}"
    if error.validator == "oneOf":
        return f"{key}: {error.instance!r} is not allowed ({schema.get('description', '')})"
    return f"{key}: {error.message}"


def check_schema(config: Mapping[str, Any], schema: Mapping[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda error: list(map(str, error.absolute_path)))
    if errors:
        raise ConfigError(describe_schema_error(errors[0]))


def check_hours(config: Mapping[str, Any]) -> None:
    windows = {
        "ev": (config["ev"]["opening_hour"], config["ev"]["closing_hour"]),
        "ev.arrival_peak": (
            config["ev"]["arrival_peak"]["start_hour"],
            config["ev"]["arrival_peak"]["end_hour"],
        ),
        "mall_load": (config["mall_load"]["opening_hour"], config["mall_load"]["closing_hour"]),
        "bess": (config["bess"]["deficit_start_hour"], config["bess"]["deficit_end_hour"]),
    }
    for section, (start, end) in windows.items():
        if start >= end:
            raise ConfigError(f"{section}: the window's start hour {start} must be before its end hour {end}")
    opening, closing = windows["ev"]
    peak_start, peak_end = windows["ev.arrival_peak"]
    if peak_start < opening or peak_end > closing:
        raise ConfigError(
            f"ev.arrival_peak: hours {peak_start}-{peak_end} must lie within "
            f"opening hours {opening}-{closing}"
        )


def check_weeks(config: Mapping[str, Any]) -> None:
    episodes = config["episodes"]
    weeks_available = config["site"]["days"] // 7
    sets = {name: set(episodes[name]) for name in ("training_weeks", "validation_weeks", "test_weeks")}
    for name, weeks in sets.items():
        beyond = sorted(week for week in weeks if week >= weeks_available)
        if beyond:
            raise ConfigError(
                f"episodes.{name}: weeks {beyond} lie beyond the {weeks_available} whole weeks of site.days "
                f"(allowed: 0-{weeks_available - 1})"
            )
    names = list(sets)
    for position, first in enumerate(names):
        for second in names[position + 1 :]:
            shared = sorted(sets[first] & sets[second])
            if shared:
                raise ConfigError(
                    f"episodes.{second}: weeks {shared} are also in episodes.{first}; sets must be disjoint"
                )
    if episodes["episode_days"] > 7 * len(sets["training_weeks"]):
        raise ConfigError("episodes.episode_days: longer than the training weeks together")


def check_files(config: Mapping[str, Any]) -> None:
    weather = config["solar"]["weather"]
    if weather["source"] == "file" and not weather["file"]:
        raise ConfigError("solar.weather.file: required when solar.weather.source is 'file'")
    named_files = {
        "solar.weather.file": weather["file"],
        "mall_load.file": config["mall_load"]["file"],
        "ev.sessions_file": config["ev"]["sessions_file"],
    }
    for key, path in named_files.items():
        if path and not Path(path).is_file():
            raise ConfigError(f"{key}: file {path!r} does not exist")


def check_timezone(config: Mapping[str, Any]) -> None:
    """The zone must be in the IANA database: otherwise the first job would die in zoneinfo."""
    timezone = config["site"]["timezone"]
    if timezone not in zoneinfo.available_timezones():
        raise ConfigError(f"site.timezone: {timezone!r} is not an IANA time zone (e.g. America/Lima, UTC)")


def check_holidays(config: Mapping[str, Any]) -> None:
    """The schema checks the MM-DD / YYYY-MM-DD pattern; this checks that each is a calendar date."""
    for position, entry in enumerate(config["mall_load"]["holidays"]):
        # A leap year stands in for MM-DD entries so that 02-29 counts as a date.
        text = entry if len(entry) == 10 else f"2000-{entry}"
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            raise ConfigError(
                f"mall_load.holidays[{position}]: {entry!r} is not a date (MM-DD or YYYY-MM-DD)"
            ) from None


def check_site_profiles(config: Mapping[str, Any]) -> None:
    """Cross-key rules of the generators: one load value per open hour, and arrival SOC spreads that a
    distribution on [0, 1] can have."""
    mall = config["mall_load"]
    open_hours = mall["closing_hour"] - mall["opening_hour"]
    if len(mall["open_hours_shape"]) != open_hours:
        raise ConfigError(
            f"mall_load.open_hours_shape: {len(mall['open_hours_shape'])} values, but opening hours "
            f"{mall['opening_hour']}-{mall['closing_hour']} need {open_hours} (one per open hour)"
        )
    for name, vehicle in config["ev"]["classes"].items():
        mean, sd = vehicle["arrival_soc"]["mean"], vehicle["arrival_soc"]["sd"]
        if sd > 0 and sd**2 >= mean * (1 - mean):
            raise ConfigError(
                f"ev.classes.{name}.arrival_soc.sd: {sd} is too large for mean {mean}; a state of charge "
                f"in [0, 1] with that mean has sd below {(mean * (1 - mean)) ** 0.5:.3f}"
            )


def check_bess(config: Mapping[str, Any]) -> None:
    """A battery cannot start below its floor; the simulators would silently raise it to the floor."""
    bess = config["bess"]
    floor = 1 - bess["depth_of_discharge"]
    if bess["initial_soc"] < floor - 1e-12:
        raise ConfigError(
            f"bess.initial_soc: {bess['initial_soc']} is below the floor 1 - bess.depth_of_discharge "
            f"= {floor:.3g}; raise bess.initial_soc or bess.depth_of_discharge"
        )


def check_bess_sizing(config: Mapping[str, Any]) -> None:
    """What each sizing mode needs: fixed its size; optimal capital and the objective in one unit (USD).
    The sweep's range and the sampled weeks are checked whatever the mode, as the sweep rules read them."""
    bess = config["bess"]
    if bess["sizing"] == "fixed":
        for key in ("fixed_capacity_kwh", "fixed_power_kw"):
            if bess[key] is None:
                raise ConfigError(f"bess.{key}: required when bess.sizing is 'fixed'")
    if bess["sizing"] == "optimal" and config["env"]["objective"] != "cost":
        raise ConfigError(
            "bess.sizing: 'optimal' weighs capital (USD) against the objective, which must be in USD: set "
            "env.objective: cost (CO2 enters it through env.carbon_price_usd_per_t), or sizing rule or fixed"
        )
    sweep = bess["sweep_kwh"]
    if isinstance(sweep, Mapping) and sweep["stop"] < sweep["start"]:
        raise ConfigError(f"bess.sweep_kwh.stop: {sweep['stop']} is below start {sweep['start']}")
    training_weeks = len(config["episodes"]["training_weeks"])
    if bess["sizing_weeks"] is not None and bess["sizing_weeks"] > training_weeks:
        raise ConfigError(
            f"bess.sizing_weeks: {bess['sizing_weeks']} exceeds the {training_weeks} training weeks "
            "(episodes.training_weeks); null takes them all"
        )


def check_training(config: Mapping[str, Any]) -> None:
    training = config["training"]
    for key in ("checkpoint_every", "eval_every"):
        if training[key] > training["total_timesteps"]:
            raise ConfigError(
                f"training.{key}: {training[key]} exceeds "
                f"training.total_timesteps ({training['total_timesteps']})"
            )


def check_mpc(config: Mapping[str, Any]) -> None:
    """A plan must cover the steps until the next solve."""
    mpc = config["control"]["mpc"]
    horizon_steps = mpc["horizon_hours"] * 60 / config["site"]["time_step_minutes"]
    if mpc["resolve_every_steps"] > horizon_steps:
        raise ConfigError(
            f"control.mpc.resolve_every_steps: {mpc['resolve_every_steps']} exceeds the horizon's "
            f"{horizon_steps:g} steps (control.mpc.horizon_hours {mpc['horizon_hours']})"
        )


def validate_config(config: Mapping[str, Any], schema_path: str | Path) -> None:
    """Raise ConfigError naming the first bad key: schema types and ranges, then cross-key rules."""
    check_schema(config, load_yaml(schema_path))
    check_hours(config)
    check_weeks(config)
    check_files(config)
    check_timezone(config)
    check_holidays(config)
    check_site_profiles(config)
    check_bess(config)
    check_bess_sizing(config)
    check_training(config)
    check_mpc(config)


def section_keys(config: Mapping[str, Any], section: str, keys: Iterable[str]) -> dict[str, Any]:
    """`config[section]` reduced to `keys`, in the order given: a rule's params, so that its jobs rerun when
    one of the keys it reads changes and for no other edit of the section."""
    return {key: config[section][key] for key in keys}
