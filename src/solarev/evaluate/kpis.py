"""KPIs of evaluation episodes, computed from CityLearn's simulated time series for every controller alike.

`episode_dataset` turns one finished episode into an xarray Dataset (variables with units, dimension time);
`episode_kpis` scores one episode's Dataset; `kpis_by_episode` scores each episode of a concatenation.
Emissions count grid import only; PV that the site does not use (exported) counts as curtailed (it earns the
export price within the export limit). The bill, the objective and the stored-energy ledger are
solarev.env.objective's, from the grid signals the episode's Dataset carries, so the KPIs of a saved
timeseries.nc can be recomputed without the config.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

if TYPE_CHECKING:  # importing gym_env loads CityLearn (seconds); the report only needs the KPI code
    from solarev.env.gym_env import EpisodeRecord
from solarev.env.objective import Ledger, Objective, ledger, with_penalties
from solarev.env.sessions import session_shortfall
from solarev.site.grid import DemandCharge, GridSignals
from solarev.site.model import Site

KPI_NAMES = [
    "co2_kg",
    "grid_import_kwh",
    "peak_import_kw",
    "pv_used_share",
    "pv_curtailed_kwh",
    "ev_delivered_kwh",
    "ev_unmet_kwh",
    "import_over_limit_kwh",
    "bess_equivalent_cycles",
    "cost_usd",
    "energy_cost_usd",
    "demand_charge_usd",
    "export_revenue_usd",
    "total_cost_usd",
    "stored_energy_change_kwh",
    "co2_settled_kg",
    "objective",
]
# Per demand charge, besides KPI_NAMES: window_peak_<name>_kw, the peak import in its window.
PEAK_FORMAT = "window_peak_{}_kw"
DEMAND_WINDOW = "demand_window_{}"  # the Dataset's variable: 1 in the charge's window
UNITS = {
    "pv_kwh": ("kWh", "PV generation (AC) in the step"),
    "load_kwh": ("kWh", "building load in the step"),
    "net_kwh": ("kWh", "net grid exchange in the step, positive = import"),
    "co2_kg": ("kg", "CO2 of grid import in the step"),
    "cost_usd": ("USD", "cost of grid import in the step"),
    "bess_kwh": ("kWh", "battery exchange with the site bus, positive = charging"),
    "bess_soc": ("1", "battery state of charge after the step"),
    "ev_kwh": ("kWh", "electricity drawn by all EV chargers in the step"),
    "ev_delivered_kwh": ("kWh", "energy put into EV batteries in the step"),
    "ev_unmet_kwh": ("kWh", "energy EVs still lacked when due in the step (departure or episode end)"),
    "carbon_kg_per_kwh": ("kg/kWh", "grid carbon intensity in the step"),
    "import_usd_per_kwh": ("USD/kWh", "import energy price in the step"),
}


def episode_dataset(record: "EpisodeRecord", site: Site, objective: Objective) -> xr.Dataset:
    """One episode's time series with its grid signals and what the ledger needs (attributes); coordinate
    `episode` (the window's label, e.g. the week) along time."""
    shortfall = session_shortfall(record.sessions, record.ev_delivered_kwh)
    grid = site.grid.over(slice(record.window.start, record.window.end))
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
        "carbon_kg_per_kwh": grid.carbon_kg_per_kwh,
        "import_usd_per_kwh": grid.import_usd_per_kwh,
    }
    windows = {
        DEMAND_WINDOW.format(charge.name): (
            "time",
            charge.in_window.astype(np.int8),
            {
                "usd_per_kw_month": charge.usd_per_kw_month,
                "units": "1",
                "long_name": f"in demand charge {charge.name}'s window (1) or not (0)",
            },
        )
        for charge in grid.demand_charges
    }
    time = record.time
    bess = site.bess
    return xr.Dataset(
        {
            name: (
                "time",
                np.asarray(series, dtype=float),
                {"units": UNITS[name][0], "long_name": UNITS[name][1]},
            )
            for name, series in values.items()
        }
        | windows,
        coords={
            "time": ("time", time.tz_localize(None), {"timezone": str(time.tz)}),
            "episode": ("time", np.full(len(time), record.window.label)),
        },
        attrs={
            "bess_capacity_kwh": bess.capacity_kwh,
            "bess_initial_energy_kwh": bess.initial_energy_kwh,
            "bess_one_way_efficiency": bess.one_way_efficiency,
            "step_hours": site.step_hours,
            "period": record.window.period,
            "billed_months": record.window.billed_months(site.step_hours),
            "export_usd_per_kwh": grid.export_usd_per_kwh,
            "export_limit_kw": grid.export_limit_kw,
            "import_limit_kw": grid.import_limit_kw,
            "objective": objective.name,
            "carbon_price_usd_per_t": objective.carbon_price_usd_per_t,
        },
    )


def episode_grid(episode: xr.Dataset) -> GridSignals:
    """The grid signals an episode's Dataset carries (episode_dataset)."""
    prefix = DEMAND_WINDOW.format("")
    return GridSignals(
        carbon_kg_per_kwh=episode["carbon_kg_per_kwh"].to_numpy(),
        import_usd_per_kwh=episode["import_usd_per_kwh"].to_numpy(),
        export_usd_per_kwh=float(episode.attrs["export_usd_per_kwh"]),
        import_limit_kw=float(episode.attrs["import_limit_kw"]),
        export_limit_kw=float(episode.attrs["export_limit_kw"]),
        demand_charges=tuple(
            DemandCharge(
                str(name)[len(prefix) :],
                episode[name].to_numpy().astype(bool),
                float(episode[name].attrs["usd_per_kw_month"]),
            )
            for name in episode.data_vars
            if str(name).startswith(prefix)
        ),
    )


def episode_ledger(episode: xr.Dataset) -> Ledger:
    """solarev.env.objective's Ledger of one episode's Dataset."""
    attrs = episode.attrs
    stored = float(episode["bess_soc"][-1]) * attrs["bess_capacity_kwh"] - attrs["bess_initial_energy_kwh"]
    return ledger(
        episode["net_kwh"].to_numpy(),
        episode_grid(episode),
        attrs["step_hours"],
        attrs["billed_months"],
        Objective(attrs["objective"], float(attrs["carbon_price_usd_per_t"])),
        stored,
        attrs["bess_one_way_efficiency"],
    )


def episode_kpis(episode: xr.Dataset) -> dict[str, float]:
    """Every KPI of one episode (docs/design.md "KPIs"; optimum_share needs other controllers: see below)."""
    net = episode["net_kwh"].to_numpy()
    pv = episode["pv_kwh"].to_numpy()
    grid_import = np.maximum(net, 0.0)
    unused_pv = np.minimum(pv, np.maximum(-net, 0.0))
    pv_total = pv.sum()
    settled = episode_ledger(episode)
    return {
        "co2_kg": float(episode["co2_kg"].sum()),
        "grid_import_kwh": float(grid_import.sum()),
        "peak_import_kw": float(grid_import.max() / episode.attrs["step_hours"]),
        "pv_used_share": float(1.0 - unused_pv.sum() / pv_total) if pv_total > 0 else float("nan"),
        "pv_curtailed_kwh": float(unused_pv.sum()),
        "ev_delivered_kwh": float(episode["ev_delivered_kwh"].sum()),
        "ev_unmet_kwh": float(episode["ev_unmet_kwh"].sum()),
        "import_over_limit_kwh": float(
            np.maximum(
                grid_import - episode.attrs["import_limit_kw"] * episode.attrs["step_hours"], 0.0
            ).sum()
        ),
        "bess_equivalent_cycles": float(
            np.abs(episode["bess_kwh"]).sum() / (2 * episode.attrs["bess_capacity_kwh"])
        ),
        "cost_usd": float(episode["cost_usd"].sum()),
        "energy_cost_usd": settled.energy_cost_usd,
        "demand_charge_usd": settled.demand_charge_usd,
        "export_revenue_usd": settled.export_revenue_usd,
        "total_cost_usd": settled.total_cost_usd,
        "stored_energy_change_kwh": settled.stored_energy_change_kwh,
        "co2_settled_kg": settled.co2_settled_kg,
        "objective": settled.objective,
        **{PEAK_FORMAT.format(name): peak for name, peak in settled.peaks_kw.items()},
    }


def kpis_by_episode(timeseries: xr.Dataset) -> pd.DataFrame:
    """One row of KPIs per episode of a (concatenated) timeseries Dataset, indexed by episode."""
    rows = {int(label): episode_kpis(episode) for label, episode in timeseries.groupby("episode")}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("episode")


def optimum_share(value: float, uncontrolled: float, optimum: float) -> float:
    """Share of the optimum's saving over uncontrolled that a controller achieves (1 = optimal)."""
    possible = uncontrolled - optimum
    return (uncontrolled - value) / possible if possible > 0 else float("nan")


# The share columns: of the configured objective with unmet EV energy at its penalty (as the LP weighs it: an
# agent that leaves EVs uncharged is not closer to the optimum for the energy it did not buy), and of the
# settled CO2 (whose unit is not the penalty's).
SHARES = ("optimum_share", "optimum_share_co2")


def shared_kpis(frame: pd.DataFrame, unmet_weight: float) -> dict[str, pd.Series]:
    """Per share of SHARES, the KPI per episode it is taken on."""
    return {
        "optimum_share": with_penalties(
            frame["objective"], frame["ev_unmet_kwh"], frame["import_over_limit_kwh"], unmet_weight
        ),
        "optimum_share_co2": frame["co2_settled_kg"],
    }


def add_optimum_share(kpis: Mapping[str, pd.DataFrame], unmet_weight: float) -> dict[str, pd.DataFrame]:
    """Add SHARES per episode to each controller's KPIs; needs "uncontrolled" and "optimum". `unmet_weight`:
    config env.unmet_energy_weight."""
    scored = {name: shared_kpis(frame, unmet_weight) for name, frame in kpis.items()}
    uncontrolled, optimum = scored["uncontrolled"], scored["optimum"]

    def shares(name: str) -> dict[str, list[float]]:
        return {
            share: [
                optimum_share(value, uncontrolled[share][episode], optimum[share][episode])
                for episode, value in scored[name][share].items()
            ]
            for share in SHARES
        }

    return {name: frame.assign(**shares(name)) for name, frame in kpis.items()}
