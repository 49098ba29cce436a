"""Users' measured tables (weather, building load) brought onto the simulation steps."""

import numpy as np
import pandas as pd


def local_times(column: pd.Series, tz: str) -> pd.Series:
    """Times of a log column in the site's zone: naive times are local, times with an offset (or Z) are
    converted; unreadable or non-existent local times become NaT (reported by the caller)."""
    text = column.astype(str).str.strip()
    with_offset = text.str.contains(r"(?:[+-]\d\d:?\d\d|Z)$")
    naive = pd.to_datetime(text[~with_offset], errors="coerce", format="ISO8601")
    aware = pd.to_datetime(text[with_offset], errors="coerce", format="ISO8601", utc=True)
    return pd.concat(
        [
            naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT"),
            aware.dt.tz_convert(tz),
        ]
    ).sort_index()


def first_bad_line(bad: np.ndarray) -> int:
    """The file line of the first row flagged in `bad` (line 1 is the header)."""
    return int(np.argmax(bad)) + 2


def indexed_by_time(frame: pd.DataFrame, tz: str, what: str, columns: list[str]) -> pd.DataFrame:
    """`frame`'s `columns` indexed by its `time` column (naive times are taken as local `tz`), sorted;
    ValueError naming `what` (the config key) for a missing column, and the line of the first time that is
    not one or value that is not a number."""
    missing = [column for column in ["time", *columns] if column not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks columns {missing}")
    stamps = local_times(frame["time"], tz)
    if stamps.isna().any():
        line = first_bad_line(stamps.isna().to_numpy())
        raise ValueError(
            f"{what} line {line}: time {frame['time'].iloc[line - 2]!r} is not a time (or one that daylight "
            "saving skips or repeats in site.timezone: give its UTC offset)"
        )
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
        if not np.isfinite(values).all():
            line = first_bad_line(~np.isfinite(values))
            value = str(frame[column].iloc[line - 2])
            raise ValueError(f"{what} line {line}: {column} {value!r} is not a number")
    return frame.drop(columns="time").set_index(pd.DatetimeIndex(stamps)).sort_index()


def onto_steps(table: pd.DataFrame, time: pd.DatetimeIndex) -> pd.DataFrame:
    """`table` (indexed by time) at every simulation step: interpolated in time, held flat past its ends."""
    union = table.index.union(time)
    return table.reindex(union).interpolate("time").ffill().bfill().reindex(time)
