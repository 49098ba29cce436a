"""The connection's import limit (grid.import_limit_kw) against the site, before any job: at some step the
building's load less the PV and less all the battery can give may exceed the limit, and then no controller
keeps the import within it. EV charging is not counted: a controller can always hold it back.

The site stage's profiles are generated here in memory, as its jobs would write them (pvlib and the load
and EV generators, or the user's files), only when a limit is set. The battery is the one bess.sizing
gives: the rule's or the fixed size; under `optimal` a job chooses it, so none is assumed.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from solarev.config import ConfigError
from solarev.site.bess import site_battery
from solarev.site.ev import charging_sessions, uncontrolled_charging_kw
from solarev.site.load import building_load
from solarev.site.model import config_step_hours, site_time
from solarev.site.profiles import SiteProfiles
from solarev.site.solar import solar_profile


def optional_table(path: str | None) -> pd.DataFrame | None:
    return pd.read_csv(Path(path)) if path else None


def config_profiles(config: Mapping[str, Any]) -> SiteProfiles:
    """The site's PV, load and uncontrolled EV demand, as the site stage's jobs generate them."""
    site = config["site"]
    time = site_time(site)
    pv_kw = solar_profile(site, config["solar"], optional_table(config["solar"]["weather"]["file"]))["ac_kw"]
    load_kw = building_load(site, config["building_load"], optional_table(config["building_load"]["file"]))
    _, sessions, _ = charging_sessions(config["ev"], site, optional_table(config["ev"]["sessions_file"]))
    return SiteProfiles(
        time=time,
        pv_kw=pv_kw.to_numpy(float),
        load_kw=load_kw["load_kw"].to_numpy(float),
        ev_kw=uncontrolled_charging_kw(sessions, len(time), config_step_hours(site)),
        sessions=sessions,
    )


def battery_power_kw(bess: Mapping[str, Any], profiles: SiteProfiles) -> float:
    """The battery's power under bess.sizing: the rule's, the fixed one, or none under `optimal`."""
    if bess["sizing"] == "fixed":
        return float(bess["fixed_power_kw"])
    if bess["sizing"] == "rule":
        return float(
            site_battery(profiles.time, profiles.pv_kw, profiles.load_kw, profiles.ev_kw, bess)["power_kw"]
        )
    return 0.0


def unavoidable_import_kw(load_kw: np.ndarray, pv_kw: np.ndarray, battery_kw: float) -> np.ndarray:
    """Per step, the import no dispatch avoids: the load less the PV and the battery's full discharge."""
    return np.maximum(load_kw - pv_kw - battery_kw, 0.0)


def check_import_limit(config: Mapping[str, Any]) -> None:
    """ConfigError naming grid.import_limit_kw and the first step whose unavoidable import exceeds it."""
    limit_kw = config["grid"]["import_limit_kw"]
    if limit_kw is None:
        return
    profiles = config_profiles(config)
    battery_kw = battery_power_kw(config["bess"], profiles)
    over = np.flatnonzero(unavoidable_import_kw(profiles.load_kw, profiles.pv_kw, battery_kw) > limit_kw)
    if len(over) == 0:
        return
    step = int(over[0])
    load_kw, pv_kw = profiles.load_kw[step], profiles.pv_kw[step]
    if config["bess"]["sizing"] == "optimal":
        battery, note = "", " (bess.sizing optimal: no battery is assumed before its job sizes one)"
    else:
        battery, note = f" less the battery's {battery_kw:g} kW", ""
    raise ConfigError(
        f"grid.import_limit_kw: {limit_kw:g} kW is below what the site must import at step {step} "
        f"({profiles.time[step]}, {len(over)} steps in all): load {load_kw:.1f} kW less PV {pv_kw:.1f} kW"
        f"{battery} leaves {load_kw - pv_kw - battery_kw:.1f} kW{note}"
    )
