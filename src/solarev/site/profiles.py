"""The site's profiles together, for the stages that combine them (battery sizing, site figure)."""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from solarev.site.ev import uncontrolled_charging_kw
from solarev.site.model import config_step_hours, read_site_tables


@dataclass(frozen=True)
class SiteProfiles:
    time: pd.DatetimeIndex
    pv_kw: np.ndarray
    load_kw: np.ndarray
    ev_kw: np.ndarray  # uncontrolled: full power from arrival until full
    sessions: pd.DataFrame


def read_profiles(site: Mapping[str, Any], files: Mapping[str, str | Path]) -> SiteProfiles:
    """The profiles of the site files (paths by solarev.site.model.PROFILE_FILES name), read and checked by
    the site model's reader."""
    tables = read_site_tables(files, site)
    return SiteProfiles(
        time=tables.time,
        pv_kw=tables.solar["ac_kw"].to_numpy(float),
        load_kw=tables.load["load_kw"].to_numpy(float),
        ev_kw=uncontrolled_charging_kw(tables.sessions, len(tables.time), config_step_hours(site)),
        sessions=tables.sessions,
    )
