"""Users' measured tables (weather, mall load) brought onto the simulation steps."""

import pandas as pd


def indexed_by_time(frame: pd.DataFrame, tz: str, what: str, columns: list[str]) -> pd.DataFrame:
    """`frame`'s `columns` indexed by its `time` column (naive times are taken as local `tz`), sorted;
    ValueError naming `what` when a column is missing."""
    missing = [column for column in ["time", *columns] if column not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks columns {missing}")
    stamps = pd.to_datetime(frame["time"])
    if stamps.dt.tz is None:
        stamps = stamps.dt.tz_localize(tz)
    return frame.drop(columns="time").set_index(pd.DatetimeIndex(stamps).tz_convert(tz)).sort_index()


def onto_steps(table: pd.DataFrame, time: pd.DatetimeIndex) -> pd.DataFrame:
    """`table` (indexed by time) at every simulation step: interpolated in time, held flat past its ends."""
    union = table.index.union(time)
    return table.reindex(union).interpolate("time").ffill().bfill().reindex(time)
