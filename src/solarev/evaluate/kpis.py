"""KPIs of evaluation episodes, computed from CityLearn's simulated time series for every controller alike.

`episode_dataset` turns one finished episode into an xarray Dataset (variables with units, dimension time);
`episode_kpis` scores one episode's Dataset; `kpis_by_episode` scores each episode of a concatenation.
Emissions count grid import only; PV that the site does not use (exported) earns nothing and counts as
curtailed.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

if TYPE_CHECKING:  # importing gym_env loads CityLearn (seconds); the report only needs the KPI code
    from solarev.env.gym_env import EpisodeRecord
from solarev.env.sessions import session_shortfall

KPI_NAMES = [
    "co2_kg",
    "grid_import_kwh",
    "peak_import_kw",
    "pv_used_share",
    "pv_curtailed_kwh",
    "ev_delivered_kwh",
    "ev_unmet_kwh",
    "bess_equivalent_cycles",
    "cost_usd",
]
UNITS = {
    "pv_kwh": ("kWh", "PV generation (AC) in the step"),
    "load_kwh": ("kWh", "mall load in the step"),
    "net_kwh": ("kWh", "net grid exchange in the step, positive = import"),
    "co2_kg": ("kg", "CO2 of grid import in the step"),
    "cost_usd": ("USD", "cost of grid import in the step"),
    "bess_kwh": ("kWh", "battery exchange with the site bus, positive = charging"),
    "bess_soc": ("1", "battery state of charge after the step"),
    "ev_kwh": ("kWh", "electricity drawn by all EV chargers in the step"),
    "ev_delivered_kwh": ("kWh", "energy put into EV batteries in the step"),
    "ev_unmet_kwh": ("kWh", "energy EVs still lacked when due in the step (departure or episode end)"),
}


def episode_dataset(record: "EpisodeRecord", bess_capacity_kwh: float, step_hours: float) -> xr.Dataset:
    """One episode's time series; coordinate `episode` (the window's label, e.g. the week) along time."""
    shortfall = session_shortfall(record.sessions, record.ev_delivered_kwh)
    values = {
        "pv_kwh": record.pv_kwh,
        "load_kwh": record.load_kwh,
        "net_kwh": record.net_kwh,
        "co2_kg": record.co2_kg,
        "cost_usd": record.cost_usd,
        "bess_kwh": record.bess_kwh,
        "bess_soc": record.bess_soc,
        "ev_kwh": record.ev_kwh,
        "ev_delivered_kwh": record.ev_delivered_kwh.sum(axis=1),
        "ev_unmet_kwh": np.bincount(record.sessions.last, weights=shortfall, minlength=record.window.n_steps),
    }
    time = record.time
    return xr.Dataset(
        {
            name: (
                "time",
                np.asarray(series, dtype=float),
                {"units": UNITS[name][0], "long_name": UNITS[name][1]},
            )
            for name, series in values.items()
        },
        coords={
            "time": ("time", time.tz_localize(None), {"timezone": str(time.tz)}),
            "episode": ("time", np.full(len(time), record.window.label)),
        },
        attrs={"bess_capacity_kwh": bess_capacity_kwh, "step_hours": step_hours},
    )


def episode_kpis(episode: xr.Dataset) -> dict[str, float]:
    """Every KPI of one episode (docs/design.md "KPIs"; optimum_share needs other controllers: see below)."""
    net = episode["net_kwh"].to_numpy()
    pv = episode["pv_kwh"].to_numpy()
    grid_import = np.maximum(net, 0.0)
    unused_pv = np.minimum(pv, np.maximum(-net, 0.0))
    pv_total = pv.sum()
    return {
        "co2_kg": float(episode["co2_kg"].sum()),
        "grid_import_kwh": float(grid_import.sum()),
        "peak_import_kw": float(grid_import.max() / episode.attrs["step_hours"]),
        "pv_used_share": float(1.0 - unused_pv.sum() / pv_total) if pv_total > 0 else float("nan"),
        "pv_curtailed_kwh": float(unused_pv.sum()),
        "ev_delivered_kwh": float(episode["ev_delivered_kwh"].sum()),
        "ev_unmet_kwh": float(episode["ev_unmet_kwh"].sum()),
        "bess_equivalent_cycles": float(
            np.abs(episode["bess_kwh"]).sum() / (2 * episode.attrs["bess_capacity_kwh"])
        ),
        "cost_usd": float(episode["cost_usd"].sum()),
    }


def kpis_by_episode(timeseries: xr.Dataset) -> pd.DataFrame:
    """One row of KPIs per episode of a (concatenated) timeseries Dataset, indexed by episode."""
    rows = {int(label): episode_kpis(episode) for label, episode in timeseries.groupby("episode")}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("episode")[KPI_NAMES]


def optimum_share(co2_kg: float, co2_uncontrolled_kg: float, co2_optimum_kg: float) -> float:
    """Share of the optimum's CO2 saving over uncontrolled that a controller achieves (1 = optimal)."""
    possible = co2_uncontrolled_kg - co2_optimum_kg
    return (co2_uncontrolled_kg - co2_kg) / possible if possible > 0 else float("nan")


def add_optimum_share(kpis: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Add `optimum_share` per episode to each controller's KPIs; needs "uncontrolled" and "optimum"."""
    uncontrolled, optimum = kpis["uncontrolled"]["co2_kg"], kpis["optimum"]["co2_kg"]
    return {
        name: frame.assign(
            optimum_share=[
                optimum_share(co2, uncontrolled[episode], optimum[episode])
                for episode, co2 in frame["co2_kg"].items()
            ]
        )
        for name, frame in kpis.items()
    }
