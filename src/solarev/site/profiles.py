"""The generated site profiles read back together, for the stages that combine them."""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from solarev.site.ev import uncontrolled_charging_kw
from solarev.site.model import config_step_hours, site_time


@dataclass(frozen=True)
class SiteProfiles:
    time: pd.DatetimeIndex
    pv_kw: np.ndarray
    load_kw: np.ndarray
    ev_kw: np.ndarray  # uncontrolled: full power from arrival until full
    sessions: pd.DataFrame


def read_profiles(
    site: Mapping[str, Any], solar_csv: str | Path, load_csv: str | Path, sessions_csv: str | Path
) -> SiteProfiles:
    time = site_time(site)
    sessions = pd.read_csv(sessions_csv)
    return SiteProfiles(
        time=time,
        pv_kw=pd.read_csv(solar_csv)["ac_kw"].to_numpy(float),
        load_kw=pd.read_csv(load_csv)["load_kw"].to_numpy(float),
        ev_kw=uncontrolled_charging_kw(sessions, len(time), config_step_hours(site)),
        sessions=sessions,
    )
