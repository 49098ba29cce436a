"""What the grid bills and credits the site for, expanded once to per-step arrays (`GridSignals` on the Site):
carbon intensity, import price, export price and limit, import limit, demand charges.

The config's `grid` section (keys GRID_KEYS) gives each signal as a constant, named time-of-use periods or a
CSV time series (a `time` column with the site's local steps and offset, and one value column); everything
downstream (CityLearn's pricing and carbon files, the numpy twin, the LP, the KPIs) reads the arrays made
here, so that no two consumers can expand a tariff differently. check_grid stops a bad section at DAG time
with one line naming the key.

Windows (time-of-use periods, demand charges) are [start_hour, end_hour) on the listed days of the week,
local time; a step belongs to a window when its start does. A window never wraps midnight: a night period is
two entries. Demand charges are billed per kW-month on the window's maximum import; an episode is charged the
pro-rated share `rate × episode days / (365 / 12)` of its own window peak (see solarev.env.objective).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from solarev.config import ConfigError

GRID_KEYS = (
    "carbon_intensity_kg_per_kwh",
    "carbon_intensity_file",
    "import_price",
    "export_price_usd_per_kwh",
    "export_limit_kw",
    "import_limit_kw",
    "demand_charges",
)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The value column of each signal file.
FILE_COLUMNS = {"carbon_intensity_file": "kg_per_kwh", "import_price.file": "usd_per_kwh"}
DAYS_PER_MONTH = 365 / 12


@dataclass(frozen=True)
class DemandCharge:
    """USD per kW-month on the maximum import over the steps `in_window`."""

    name: str
    in_window: np.ndarray  # bool per step
    usd_per_kw_month: float


@dataclass(frozen=True)
class GridSignals:
    """Per step of the site (or of a window of it, see `over`); limits are inf where the config sets none."""

    carbon_kg_per_kwh: np.ndarray
    import_usd_per_kwh: np.ndarray
    export_usd_per_kwh: float
    import_limit_kw: float
    export_limit_kw: float
    demand_charges: tuple[DemandCharge, ...]

    def over(self, steps: slice) -> "GridSignals":
        """The signals of the steps `steps` (an episode's window)."""
        return GridSignals(
            carbon_kg_per_kwh=self.carbon_kg_per_kwh[steps],
            import_usd_per_kwh=self.import_usd_per_kwh[steps],
            export_usd_per_kwh=self.export_usd_per_kwh,
            import_limit_kw=self.import_limit_kw,
            export_limit_kw=self.export_limit_kw,
            demand_charges=tuple(
                DemandCharge(charge.name, charge.in_window[steps], charge.usd_per_kw_month)
                for charge in self.demand_charges
            ),
        )


def in_window(time: pd.DatetimeIndex, entry: Mapping[str, Any]) -> np.ndarray:
    """Whether each step starts inside the entry's [start_hour, end_hour) on one of its days (whole hours:
    a step starting at 17:30 is before 18)."""
    days = [DAYS.index(day) for day in entry["days"]]
    hour = np.asarray(time.hour)
    return (hour >= entry["start_hour"]) & (hour < entry["end_hour"]) & np.isin(time.day_of_week, days)


def read_signal(path: str | Path, column: str, time: pd.DatetimeIndex, key: str) -> np.ndarray:
    """One value per step from a CSV with `time` (local, with offset) and `column`; ConfigError naming `key`
    for missing columns, a wrong length, time stamps off the site's steps (another zone, a gap), empty or
    negative values."""
    frame = pd.read_csv(path)
    missing = [name for name in ("time", column) if name not in frame.columns]
    if missing:
        raise ConfigError(f"{key}: {path} lacks columns {missing} (needs time, {column})")
    if len(frame) != len(time):
        raise ConfigError(
            f"{key}: {path} has {len(frame)} rows, the site has {len(time)} steps (one row each)"
        )
    stamps = pd.to_datetime(frame["time"], utc=True, errors="coerce")
    off = np.flatnonzero(stamps.to_numpy() != time.tz_convert("UTC").to_numpy())
    if len(off):
        raise ConfigError(
            f"{key}: {path} row {off[0]} is {frame['time'].iloc[off[0]]!r}, the site's step is "
            f"{time[off[0]].isoformat()} ({time.tz}): another time zone, step or a gap"
        )
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~(values >= 0))
    if len(bad):
        raise ConfigError(f"{key}: {path} row {bad[0]} has {column} {values[bad[0]]:g} (needs a number >= 0)")
    return values


def check_windows(entries: Sequence[Mapping[str, Any]], key: str) -> None:
    """Each window non-empty; no two on a shared day overlapping (a step would have two prices)."""
    for position, entry in enumerate(entries):
        if entry["start_hour"] >= entry["end_hour"]:
            raise ConfigError(
                f"{key}[{position}]: the window {entry['start_hour']}-{entry['end_hour']} is empty "
                "(start_hour must be before end_hour; split a window across midnight in two)"
            )
    for position, entry in enumerate(entries):
        for earlier, other in enumerate(entries[:position]):
            shared = sorted(set(entry["days"]) & set(other["days"]), key=DAYS.index)
            if shared and entry["start_hour"] < other["end_hour"] and other["start_hour"] < entry["end_hour"]:
                raise ConfigError(
                    f"{key}[{position}]: hours {entry['start_hour']}-{entry['end_hour']} overlap "
                    f"{key}[{earlier}] ({other['start_hour']}-{other['end_hour']}) on {', '.join(shared)}"
                )


def check_grid(grid_config: Mapping[str, Any], time: pd.DatetimeIndex) -> None:
    """Raise ConfigError naming the first bad key of the `grid` section that the schema cannot see: windows,
    and the signal files' contents against the site's steps `time` (solarev.site.model.site_time)."""
    check_windows(grid_config["import_price"]["periods"], "grid.import_price.periods")
    check_windows(grid_config["demand_charges"], "grid.demand_charges")
    files = {
        "carbon_intensity_file": grid_config["carbon_intensity_file"],
        "import_price.file": grid_config["import_price"]["file"],
    }
    for key, path in files.items():
        if path and not Path(path).is_file():
            raise ConfigError(f"grid.{key}: file {path!r} does not exist")
        if path:
            read_signal(path, FILE_COLUMNS[key], time, f"grid.{key}")


def check_something_to_save(
    grid_config: Mapping[str, Any], env_config: Mapping[str, Any], time: pd.DatetimeIndex
) -> None:
    """ConfigError naming the keys when the objective (the config's env.objective) weighs nothing: every
    controller would score 0 and every share of the optimum's saving be 0 / 0."""
    if env_config["objective"] == "co2":
        if not carbon_intensity(grid_config, time).any():
            raise ConfigError(
                "env.objective: co2, but grid.carbon_intensity_file is 0 at every step: nothing to save"
            )
        return
    priced = (
        import_price(grid_config["import_price"], time).any()
        or grid_config["demand_charges"]
        or grid_config["export_price_usd_per_kwh"] > 0
        or env_config["carbon_price_usd_per_t"] > 0
    )
    if not priced:
        raise ConfigError(
            "env.objective: cost, but grid.import_price, grid.demand_charges, grid.export_price_usd_per_kwh "
            "and env.carbon_price_usd_per_t price nothing: nothing to save (set a price or objective co2)"
        )


def grid_files(grid_config: Mapping[str, Any]) -> dict[str, str]:
    """The signal files the section names, by input name (rule inputs: editing one reruns its readers)."""
    files = {
        "carbon_intensity_file": grid_config["carbon_intensity_file"],
        "import_price_file": grid_config["import_price"]["file"],
    }
    return {name: path for name, path in files.items() if path}


def import_price(price_config: Mapping[str, Any], time: pd.DatetimeIndex) -> np.ndarray:
    """USD per kWh imported at each step: the file, else the base price overridden in each period."""
    if price_config["file"]:
        return read_signal(
            price_config["file"], FILE_COLUMNS["import_price.file"], time, "grid.import_price.file"
        )
    price = np.full(len(time), float(price_config["usd_per_kwh"]))
    for period in price_config["periods"]:
        price[in_window(time, period)] = period["usd_per_kwh"]
    return price


def carbon_intensity(grid_config: Mapping[str, Any], time: pd.DatetimeIndex) -> np.ndarray:
    """kg CO2 per kWh imported at each step: the file, else the constant."""
    path = grid_config["carbon_intensity_file"]
    if path:
        return read_signal(path, FILE_COLUMNS["carbon_intensity_file"], time, "grid.carbon_intensity_file")
    return np.full(len(time), float(grid_config["carbon_intensity_kg_per_kwh"]))


def limit(value: float | None) -> float:
    return float("inf") if value is None else float(value)


def grid_signals(grid_config: Mapping[str, Any], time: pd.DatetimeIndex) -> GridSignals:
    """The config's `grid` keys GRID_KEYS expanded to the steps `time`."""
    return GridSignals(
        carbon_kg_per_kwh=carbon_intensity(grid_config, time),
        import_usd_per_kwh=import_price(grid_config["import_price"], time),
        export_usd_per_kwh=float(grid_config["export_price_usd_per_kwh"]),
        import_limit_kw=limit(grid_config["import_limit_kw"]),
        export_limit_kw=limit(grid_config["export_limit_kw"]),
        demand_charges=tuple(
            DemandCharge(charge["name"], in_window(time, charge), float(charge["usd_per_kw_month"]))
            for charge in grid_config["demand_charges"]
        ),
    )
