"""Weather files for `solar.weather.file`: a TMY3 file turned into the weather table the solar rule reads.

TMY3 is NREL's typical-meteorological-year format (pvlib ships samples in its package data); pvlib reads
it, this module relabels it. Usage: python -m solarev.site.weather_file TMY3.csv weather.csv --year 2023
(prints the site keys that match the file's station).
"""

import argparse
from pathlib import Path
from typing import Any

import pandas as pd
import pvlib

TABLE_COLUMNS = ["ghi", "dni", "dhi", "temp_air", "relative_humidity"]


def tmy3_weather(path: str | Path, year: int) -> tuple[pd.DataFrame, dict[str, Any]]:
    """(weather table, station metadata) of a TMY3 file. The table has the columns solar.weather.file
    needs: time (local standard time with its UTC offset), ghi, dni, dhi [W/m2], temp_air [C] and
    relative_humidity [%]. A TMY stitches months of different years together: every month is set in `year`.
    TMY3 stamps mark the end of each hour's average; the table labels each hour by its start, as the
    simulation steps are labelled, so that hourly steps take each hour's own values."""
    data, metadata = pvlib.iotools.read_tmy3(path, coerce_year=year, map_variables=True)
    starts = data.index - pd.Timedelta(hours=1)
    table = data[TABLE_COLUMNS].set_axis(starts).rename_axis("time").reset_index()
    table["time"] = table["time"].astype(str)
    return table, metadata


def site_location(metadata: dict[str, Any]) -> dict[str, Any]:
    """The config's site location keys for a TMY3 station. Its standard-time offset becomes an IANA
    Etc/GMT zone (whose sign is inverted by POSIX convention: UTC-5 is Etc/GMT+5): the file's clock, without
    daylight saving."""
    return {
        "latitude": float(metadata["latitude"]),
        "longitude": float(metadata["longitude"]),
        "altitude_m": float(metadata["altitude"]),
        "timezone": f"Etc/GMT{-int(metadata['TZ']):+d}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Convert a TMY3 file into a solar.weather.file table.")
    parser.add_argument("tmy3", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--year", type=int, required=True, help="the config's site.year")
    args = parser.parse_args()
    table, metadata = tmy3_weather(args.tmy3, args.year)
    table.to_csv(args.output, index=False)
    print(f"wrote {args.output}; site keys for {metadata['Name']}: {site_location(metadata)}")


if __name__ == "__main__":
    main()
