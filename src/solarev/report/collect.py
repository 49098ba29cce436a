"""Gather every run's KPIs and time series into results/kpis.csv and results/timeseries.nc.

A run is a reference controller (solarev.control.CONTROLLERS: deterministic, no seed) or an agent
(algorithm, seed). kpis.csv holds one row per run and held-out week, seed empty for the controllers, with
`optimum_share`. The dataset has dims controller, seed and time; a controller's series does not depend on
the seed and is repeated along it (coordinate `seeded` says which controllers have seeds).
"""

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from solarev.evaluate.kpis import KPI_NAMES, PEAK_FORMAT, SHARES, add_optimum_share
from solarev.report.paths import Run

KPI_COLUMNS = [*KPI_NAMES, *SHARES]


def peak_columns(frame: pd.DataFrame) -> list[str]:
    """The demand charges' window peaks among a KPI table's columns (one per configured charge)."""
    prefix, suffix = PEAK_FORMAT.split("{}")
    return [column for column in frame.columns if column.startswith(prefix) and column.endswith(suffix)]


def read_run_kpis(run: Run) -> pd.DataFrame:
    """A run's kpis.json (records with episode and every KPI) as KPIs indexed by episode."""
    records = json.loads((run.folder / "kpis.json").read_text())
    frame = pd.DataFrame.from_records(records).set_index("episode").sort_index()
    return frame[[*KPI_NAMES, *peak_columns(frame)]]


def collect_kpis(runs: Sequence[Run], unmet_weight: float) -> pd.DataFrame:
    """One row per run and episode: controller, seed (nullable), episode, every KPI and the optimum shares
    (solarev.evaluate.kpis.add_optimum_share: `unmet_weight` prices unmet EV energy in the objective's)."""
    frames = add_optimum_share({run.name: read_run_kpis(run) for run in runs}, unmet_weight)
    rows = [frames[run.name].reset_index().assign(controller=run.controller, seed=run.seed) for run in runs]
    table = pd.concat(rows, ignore_index=True)
    table["seed"] = table["seed"].astype("Int64")
    return table[["controller", "seed", "episode", *KPI_COLUMNS, *peak_columns(table)]]


def read_kpis_table(path: str | Path) -> pd.DataFrame:
    """results/kpis.csv as written by collect_kpis (seed a nullable integer)."""
    return pd.read_csv(path, dtype={"controller": str, "seed": "Int64", "episode": int})


def same_time(series: Mapping[str, xr.Dataset]) -> None:
    """Raise ValueError unless every run was evaluated on the same steps."""
    names = list(series)
    first = series[names[0]]
    for name in names[1:]:
        if not np.array_equal(series[name]["time"].to_numpy(), first["time"].to_numpy()):
            raise ValueError(f"{name} was evaluated on other steps than {names[0]}")


def collect_timeseries(runs: Sequence[Run]) -> xr.Dataset:
    """Every run's timeseries.nc in one Dataset with dims controller, seed and time."""
    series = {}
    for run in runs:
        with xr.open_dataset(run.folder / "timeseries.nc", engine="h5netcdf") as dataset:
            series[run.name] = dataset.load()
    same_time(series)
    seeds = sorted({run.seed for run in runs if run.seed is not None})
    controllers = list(dict.fromkeys(run.controller for run in runs))
    by_controller = []
    for controller in controllers:
        own = [run for run in runs if run.controller == controller]
        if own[0].seed is None:
            stacked = series[own[0].name].expand_dims(seed=seeds or [0])
        else:
            stacked = xr.concat(
                [series[run.name].expand_dims(seed=[run.seed]) for run in own], dim="seed"
            ).reindex(seed=seeds)
        by_controller.append(stacked.drop_attrs(deep=False))
    dataset = xr.concat(by_controller, dim=pd.Index(controllers, name="controller"), coords="minimal")
    seeded = [any(run.seed is not None for run in runs if run.controller == c) for c in controllers]
    first = series[runs[0].name]
    return dataset.assign_coords(
        seeded=("controller", seeded, {"long_name": "whether the controller's runs depend on the seed"})
    ).assign_attrs(
        step_hours=first.attrs["step_hours"],
        bess_capacity_kwh=first.attrs["bess_capacity_kwh"],
        period=first.attrs["period"],
        description=f"Every controller and agent (algorithm, seed) on the held-out {first.attrs['period']}s",
    )


def read_learning_curves(
    paths: Sequence[str | Path], run_configs: Sequence[Mapping[str, Any]]
) -> pd.DataFrame:
    """Every agent run's learning_curve.csv stacked, with the algo and seed of its config.yaml."""
    return pd.concat(
        [
            pd.read_csv(path).assign(algo=config["algo"], seed=config["seed"])
            for path, config in zip(paths, run_configs, strict=True)
        ],
        ignore_index=True,
    )
