"""The user's data files read at DAG time by the readers of the jobs that take them, so that a bad row stops
the run before any job with one line naming its key and line (the grid's signal files: solarev.site.grid)."""

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from solarev.config import ConfigError
from solarev.site.ev import charging_sessions
from solarev.site.grid import check_grid, check_something_to_save
from solarev.site.load import load_from_file
from solarev.site.model import SiteDataError, check_sessions, config_step_hours, site_time
from solarev.site.solar import weather_from_file


def check_session_log(frame: pd.DataFrame, config: Mapping[str, Any]) -> None:
    """The sessions of a charging log placed on the sockets and checked as the site model reads them."""
    sockets, sessions, _ = charging_sessions(config["ev"], config["site"], frame)
    check_sessions(sessions, sockets, len(site_time(config["site"])), config_step_hours(config["site"]))


def check_input_files(config: Mapping[str, Any]) -> None:
    """ConfigError with a line per data file (ev.sessions_file, solar.weather.file, building_load.file) that
    its job would refuse; files that do not exist are solarev.config.check_files's to report."""
    time = site_time(config["site"])
    readers: dict[str, tuple[str | None, Callable[[pd.DataFrame], object]]] = {
        "ev.sessions_file": (config["ev"]["sessions_file"], lambda frame: check_session_log(frame, config)),
        "solar.weather.file": (
            config["solar"]["weather"]["file"],
            lambda frame: weather_from_file(frame, time),
        ),
        "building_load.file": (config["building_load"]["file"], lambda frame: load_from_file(frame, time)),
    }
    problems = []
    for key, (path, read) in readers.items():
        if not path or not Path(path).is_file():
            continue
        try:
            read(pd.read_csv(path))
        except (SiteDataError, ValueError) as error:
            message = str(error)
            problems.append(message if message.startswith(key) else f"{key}: {path}: {message}")
    if problems:
        raise ConfigError(*problems)


def check_grid_section(config: Mapping[str, Any]) -> None:
    """The `grid` section against the site's steps (solarev.site.grid.check_grid), then whether the
    objective has anything to save under it."""
    time = site_time(config["site"])
    check_grid(config["grid"], time)
    check_something_to_save(config["grid"], config["env"], time)


# The site stage's checks of a config the schema accepts (solarev.config.validate_config's more_checks).
SITE_CHECKS = (check_grid_section, check_input_files)
