"""Configuration validation: every problem of a config at once, one line each naming its key (or its file
and line), before any job runs."""

import calendar
import datetime
import math
import sys
import zoneinfo
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import jsonschema
import yaml


class ConfigError(ValueError):
    """Configuration values that the workflow cannot run with: one problem per line, each naming its key."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# Keys that moved, old dotted name -> new: a config still using one is told where the key went, in one line
# (not also that the new key is missing).
RENAMED_KEYS = {
    "control.mpc.forecasts": "env.forecasts",
    "env.unmet_energy_weight_kg_per_kwh": "env.unmet_energy_weight",
    "mall_load": "building_load",
}
# Lines of one report: enough to migrate an older config in one pass, short enough to read.
MAX_REPORTED = 20


def check_choice(value: Any, allowed: Iterable[str], key: str) -> None:
    """ConfigError naming config key `key` unless `value` is one of `allowed`."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise ConfigError(f"{key}: {value!r} is not allowed (allowed: {', '.join(allowed)})")


def load_yaml(path: str | Path) -> dict[str, Any]:
    with open(path) as handle:
        return yaml.safe_load(handle)


class StrictLoader(yaml.SafeLoader):
    """YAML that refuses a key given twice in one mapping (plain YAML keeps the last value silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first on line {seen[key]})", key_node.start_mark
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def read_config_file(path: str | Path) -> dict[str, Any]:
    """A config file read strictly: ConfigError naming the file (and line) when it does not parse, gives a
    key twice, is empty or is not a mapping of sections."""
    try:
        with open(path) as handle:
            config = yaml.load(handle, Loader=StrictLoader)  # noqa: S506 (a SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        raise ConfigError(f"{path} line {mark.line + 1}: {error.problem}") from None
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: {error}") from None
    if config is None:
        raise ConfigError(f"{path}: empty file (needs the config's sections; copy config/config.yaml)")
    if not isinstance(config, dict):
        raise ConfigError(f"{path} line 1: a {type(config).__name__}, not a mapping of sections (site: ...)")
    return config


def problems_of(calls: Iterable[Callable[[], object]]) -> list[str]:
    """The problems every call's ConfigError lists, all calls made."""
    problems = []
    for call in calls:
        try:
            call()
        except ConfigError as error:
            problems += error.problems
    return problems


def check_config_files(paths: Iterable[str | Path]) -> None:
    """ConfigError listing every config file that read_config_file refuses."""
    problems = problems_of(partial(read_config_file, path) for path in paths)
    if problems:
        raise ConfigError(*problems)


def report_lines(error: ConfigError, prefix: str = "solarev: invalid configuration: ") -> str:
    """The problems of `error`, one line each after `prefix`, at most MAX_REPORTED and a count of the rest."""
    lines = [prefix + problem for problem in error.problems[:MAX_REPORTED]]
    if len(error.problems) > MAX_REPORTED:
        lines.append(f"{prefix}... and {len(error.problems) - MAX_REPORTED} more problems")
    return "\n".join(lines)


def key_name(path: Iterable[Any]) -> str:
    """Dotted key for a JSON path, with list positions in brackets: training.seeds[2]."""
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "<top level>"


def unknown_keys(key: str, unknown: Iterable[str], allowed: str) -> list[str]:
    """One line for the keys the schema does not know under `key`, one each for those that were renamed."""
    prefix = "" if key == "<top level>" else f"{key}."
    renamed = [name for name in unknown if prefix + name in RENAMED_KEYS]
    lines = [f"{prefix}{name}: renamed to {RENAMED_KEYS[prefix + name]}" for name in renamed]
    others = [name for name in unknown if name not in renamed]
    if others:
        lines.append(f"{key}: unknown key {', '.join(map(repr, others))} (allowed: {allowed})")
    return lines


def has_key(config: Mapping[str, Any], dotted: str) -> bool:
    """Whether `config` gives the dotted key `dotted`."""
    *parents, last = dotted.split(".")
    for part in parents:
        config = config.get(part)
        if not isinstance(config, Mapping):
            return False
    return last in config


def missing_key(error: jsonschema.ValidationError) -> str:
    """The dotted key that a `required` error finds missing (jsonschema names it in its message only)."""
    prefix = "" if not error.absolute_path else key_name(error.absolute_path) + "."
    missing = [name for name in error.validator_value if name not in error.instance]
    return prefix + next((name for name in missing if error.message.startswith(repr(name))), "")


def describe_schema_error(error: jsonschema.ValidationError) -> list[str]:
    key = key_name(error.absolute_path)
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "additionalProperties":
        allowed = ", ".join(sorted(schema.get("properties", {})))
        return unknown_keys(key, sorted(set(error.instance) - set(schema.get("properties", {}))), allowed)
    return [describe_value_error(error, key, schema)]


def describe_value_error(error: jsonschema.ValidationError, key: str, schema: Mapping[str, Any]) -> str:
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


def schema_problems(config: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """Every key the schema rejects, in key order, one line each; a key that a config still gives under its
    old name is not missing as well (unknown_keys says where it went)."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda error: list(map(str, error.absolute_path)))
    moved = {new for old, new in RENAMED_KEYS.items() if has_key(config, old)}
    errors = [error for error in errors if error.validator != "required" or missing_key(error) not in moved]
    return [line for error in errors for line in describe_schema_error(error)]


def non_finite_problems(value: Any, path: tuple[Any, ...] = ()) -> list[str]:
    """A line for every NaN or infinite number in the config: the schema's ranges let them through (NaN
    compares false with every bound, inf has no upper bound on most keys)."""
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{key_name(path)}: {value} is not a finite number"]
    if isinstance(value, Mapping):
        return [line for name, item in value.items() for line in non_finite_problems(item, (*path, name))]
    if isinstance(value, list):
        return [
            line for index, item in enumerate(value) for line in non_finite_problems(item, (*path, index))
        ]
    return []


def check_unique_names(entries: Sequence[Mapping[str, Any]], key: str) -> None:
    """ConfigError naming the second of two entries of the list `key` with one `name`: results are keyed by
    name, so the later would replace the earlier."""
    first: dict[str, int] = {}
    problems = []
    for position, entry in enumerate(entries):
        name = entry["name"]
        if name in first:
            problems.append(
                f"{key}[{position}].name: {name!r} is also {key}[{first[name]}]'s; names must differ"
            )
        first.setdefault(name, position)
    if problems:
        raise ConfigError(*problems)


def check_names(config: Mapping[str, Any]) -> None:
    """Lists whose entries are referred to by name: demand charges (their KPI column and bill line)."""
    check_unique_names(config["grid"]["demand_charges"], "grid.demand_charges")


def check_hours(config: Mapping[str, Any]) -> None:
    # Each window by its two keys, so that the message names exactly what to change.
    windows = {
        "ev": ("opening_hour", "closing_hour"),
        "ev.arrival_peak": ("start_hour", "end_hour"),
        "building_load": ("opening_hour", "closing_hour"),
        "bess": ("deficit_start_hour", "deficit_end_hour"),
    }
    problems = []
    for section, (start_key, end_key) in windows.items():
        values = config
        for part in section.split("."):
            values = values[part]
        start, end = values[start_key], values[end_key]
        if start >= end:
            problems.append(f"{section}.{start_key}: {start} must be before {section}.{end_key} ({end})")
    if problems:
        raise ConfigError(*problems)
    opening, closing = config["ev"]["opening_hour"], config["ev"]["closing_hour"]
    peak_start, peak_end = (
        config["ev"]["arrival_peak"]["start_hour"],
        config["ev"]["arrival_peak"]["end_hour"],
    )
    if peak_start < opening or peak_end > closing:
        raise ConfigError(
            f"ev.arrival_peak: hours {peak_start}-{peak_end} must lie within "
            f"opening hours {opening}-{closing}"
        )


def month_days(year: int, month: int) -> range:
    """The days of the year (0 = 1 January) that make up `month` (1-12)."""
    first = datetime.date(year, month, 1)
    after = datetime.date(year + month // 12, month % 12 + 1, 1)
    start = (first - datetime.date(year, 1, 1)).days
    return range(start, start + (after - first).days)


def check_test_months(config: Mapping[str, Any], week_sets: Mapping[str, set[int]]) -> None:
    """Test months lie within site.days and share no day with a training or validation week."""
    episodes, site = config["episodes"], config["site"]
    months = {month: month_days(site["year"], month) for month in episodes["test_months"]}
    beyond = sorted(month for month, days in months.items() if days.stop > site["days"])
    if beyond:
        raise ConfigError(
            f"episodes.test_months: months {beyond} end after the site's {site['days']} days (site.days)"
        )
    for name in ("training_weeks", "validation_weeks"):
        for month, days in months.items():
            shared = sorted(
                week for week in week_sets[name] if 7 * week < days.stop and 7 * week + 7 > days.start
            )
            if shared:
                raise ConfigError(
                    f"episodes.{name}: weeks {shared} share days with test month {month} "
                    f"({calendar.month_name[month]}); training and validation stay outside the test months"
                )


def check_weeks(config: Mapping[str, Any]) -> None:
    episodes = config["episodes"]
    if bool(episodes["test_weeks"]) == bool(episodes["test_months"]):
        given = "both are set" if episodes["test_weeks"] else "both are empty"
        raise ConfigError(
            f"episodes.test_months: {given}; test on weeks (test_weeks) or months (test_months)"
        )
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
    check_test_months(config, sets)
    if episodes["episode_days"] > 7 * len(sets["training_weeks"]):
        raise ConfigError("episodes.episode_days: longer than the training weeks together")


def check_files(config: Mapping[str, Any]) -> None:
    weather = config["solar"]["weather"]
    if weather["source"] == "file" and not weather["file"]:
        raise ConfigError("solar.weather.file: required when solar.weather.source is 'file'")
    named_files = {
        "solar.weather.file": weather["file"],
        "building_load.file": config["building_load"]["file"],
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
    for position, entry in enumerate(config["building_load"]["holidays"]):
        # A leap year stands in for MM-DD entries so that 02-29 counts as a date.
        text = entry if len(entry) == 10 else f"2000-{entry}"
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            raise ConfigError(
                f"building_load.holidays[{position}]: {entry!r} is not a date (MM-DD or YYYY-MM-DD)"
            ) from None


def check_site_profiles(config: Mapping[str, Any]) -> None:
    """Cross-key rules of the generators: one load value per open hour, and arrival SOC spreads that a
    distribution on [0, 1] can have."""
    building = config["building_load"]
    open_hours = building["closing_hour"] - building["opening_hour"]
    if len(building["open_hours_shape"]) != open_hours:
        raise ConfigError(
            f"building_load.open_hours_shape: {len(building['open_hours_shape'])} values, but opening hours "
            f"{building['opening_hour']}-{building['closing_hour']} need {open_hours} (one per open hour)"
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


Check = Callable[[Mapping[str, Any]], None]
# The cross-key rules, each raising ConfigError; they read a config whose keys, types and ranges are right.
CROSS_KEY_CHECKS: tuple[Check, ...] = (
    check_hours,
    check_weeks,
    check_files,
    check_timezone,
    check_holidays,
    check_site_profiles,
    check_names,
    check_bess,
    check_bess_sizing,
    check_training,
    check_mpc,
)


def validate_config(config: Mapping[str, Any], schema_path: str | Path, *later: Sequence[Check]) -> None:
    """Raise ConfigError listing every problem: the schema's keys, types and ranges and finite numbers
    first; once those hold, every cross-key rule; once those hold, each of the `later` groups of checks in
    turn (the stages' own, which read data files, then what is computed from those) — each rule's
    problems, so that one run lists what an edit has to fix."""
    non_finite = non_finite_problems(config)
    # -inf below a minimum is one problem, not two: the non-finite line names it.
    flagged = {line.split(":")[0] for line in non_finite}
    schema = [
        line for line in schema_problems(config, load_yaml(schema_path)) if line.split(":")[0] not in flagged
    ]
    problems = schema + non_finite
    # Each stage runs on what the previous ones vouched for: the stages' checks build the site's time
    # axis and read its files, which a bad time zone or hour key would crash.
    for checks in (CROSS_KEY_CHECKS, *later):
        if problems:
            break
        problems += problems_of(partial(check, config) for check in checks)
    if problems:
        raise ConfigError(*problems)


def section_keys(config: Mapping[str, Any], section: str, keys: Iterable[str]) -> dict[str, Any]:
    """`config[section]` reduced to `keys`, in the order given: a rule's params, so that its jobs rerun when
    one of the keys it reads changes and for no other edit of the section."""
    return {key: config[section][key] for key in keys}


def study_name(paths: Sequence[str | Path]) -> str:
    """The `study` of config files given together: the last file's that names one, as Snakemake merges later
    files over earlier ones. ConfigError when none does."""
    for path in reversed(paths):
        study = read_config_file(path).get("study")
        if study is not None:
            return str(study)
    raise ConfigError(f"study: missing in {', '.join(map(str, paths))} (a short name, e.g. study: my_site)")


def main(arguments: Sequence[str]) -> None:
    """`python -m solarev.config FILE...`: the config files' own problems in one line each. `make run` runs it
    before Snakemake, which refuses an empty, non-mapping or tab-indented --configfile with two lines naming
    neither the file nor the line, before the workflow's own checks can run.
    `python -m solarev.config --study FILE...` prints the study's name (the Makefile's output folder)."""
    try:
        if arguments[:1] == ["--study"]:
            print(study_name(arguments[1:]))
        else:
            check_config_files(arguments)
            study_name(arguments)  # the folder `make` writes to
    except ConfigError as error:
        sys.exit(report_lines(error))


if __name__ == "__main__":
    main(sys.argv[1:])
