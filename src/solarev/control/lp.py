"""The site's linear program, written once in linopy (xarray, HiGHS through highspy) and read like its
equations, per step t of a window (dim `time`), energies in kWh:
  battery   e_t = e_{t-1} + sqrt(eta) c_t - d_t / sqrt(eta),  0 <= c_t, d_t <= P h,  (1 - DoD) E <= e_t <= E,
            e_{-1} = the initial energy; c_t, d_t are on the site side, as CityLearn's battery consumption
  EVs       0 <= x_{j,t} <= charger power × h × charger efficiency while session j is plugged in (dim
            `plug`: one entry per session step), sum_t x_{j,t} + u_j = need_j (dim `session`; u_j >= 0:
            energy still lacking when due, see solarev.env.sessions)
  grid      i_t >= load_t - pv_t + c_t - d_t + sum_j x_{j,t} / charger efficiency,  i_t >= 0
            (a negative balance is exported or curtailed and earns nothing)
  minimise  sum_t CI_t i_t + w sum_j u_j + a negligible price on battery throughput
The throughput price (a millionth of the carbon intensity) only breaks ties against charging and
discharging in the same step, which CityLearn's single battery action cannot replay.

One model, several uses: the perfect-foresight optimum (solarev.control.optimum) builds it from the site's
records; an MPC builds it from forecasts and the state it is in (a WindowData of its own); sizing makes E
and P variables in add_battery. Each constraint group is added by its own function and the objective is
the sum of named terms (objective_terms), so a new use adds a group or a term (a price per step, a peak
variable with its constraints) without touching the others. The arithmetic is written so that linopy's
legacy and v1 semantics agree (absent slots are filled explicitly), and HiGHS is reached in memory
(io_api="direct"): no files, nothing downloaded.
"""

from dataclasses import dataclass
from functools import cached_property

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from solarev.env.episodes import Window
from solarev.env.sessions import EpisodeSessions, episode_sessions, session_steps
from solarev.site.model import CHARGER_EFFICIENCY, Bess, Site

THROUGHPUT_PRICE = 1e-6  # × carbon intensity, per kWh charged or discharged


class OptimumError(RuntimeError):
    """HiGHS did not return an optimal solution (time limit, numerical trouble)."""


@dataclass(frozen=True)
class WindowData:
    """What the LP reads for one window, per step of it: the site's records for the optimum; forecasts and
    the current state for an MPC."""

    step_hours: float
    load_kwh: np.ndarray
    pv_kwh: np.ndarray
    carbon_kg_per_kwh: np.ndarray
    bess: Bess
    initial_energy_kwh: float
    sessions: EpisodeSessions
    socket_step_kwh: np.ndarray  # per socket: energy into its EV in one step at full power

    @property
    def n_steps(self) -> int:
        return len(self.load_kwh)

    @property
    def time(self) -> pd.RangeIndex:
        """The index of dim `time`: the window's steps from 0."""
        return pd.RangeIndex(self.n_steps, name="time")

    @cached_property
    def plugs(self) -> tuple[np.ndarray, np.ndarray]:
        """(session, step) of every step an EV is plugged in: the index of dim `plug`."""
        return session_steps(self.sessions.first, self.sessions.last)


def window_data(site: Site, window: Window) -> WindowData:
    """The site's records over `window`. Every need is deliverable: load_site rejects sessions their
    charger cannot serve (naming them), and an episode only owes what full-power charging delivers in it."""
    steps = slice(window.start, window.end)
    return WindowData(
        step_hours=site.step_hours,
        load_kwh=site.load_kwh[steps],
        pv_kwh=site.pv_kwh[steps],
        carbon_kg_per_kwh=np.full(window.n_steps, site.carbon_intensity_kg_per_kwh),
        bess=site.bess,
        initial_energy_kwh=site.bess.initial_energy_kwh,
        sessions=episode_sessions(site, window.start, window.end),
        socket_step_kwh=site.socket_step_kwh,
    )


def per_step(data: WindowData, values: np.ndarray) -> xr.DataArray:
    return xr.DataArray(values, coords=[data.time])


def add_battery(model: linopy.Model, data: WindowData) -> None:
    """Variables charge, discharge, energy; constraint battery (the energy balance of every step)."""
    time = data.time
    bess, eta = data.bess, data.bess.one_way_efficiency
    power_kwh = bess.power_kw * data.step_hours
    charge = model.add_variables(0, power_kwh, coords=[time], name="charge")
    discharge = model.add_variables(0, power_kwh, coords=[time], name="discharge")
    energy = model.add_variables(bess.min_energy_kwh, bess.capacity_kwh, coords=[time], name="energy")
    previous = energy.to_linexpr().shift(time=1).fillna(0)  # e_{t-1}; e_{-1} is on the right-hand side
    initial = per_step(data, np.where(time == 0, data.initial_energy_kwh, 0.0))
    model.add_constraints(energy - previous - eta * charge + discharge / eta == initial, name="battery")


def add_evs(model: linopy.Model, data: WindowData) -> None:
    """Variables ev (per plug: session step), unmet (per session); constraint ev_need."""
    session, _ = data.plugs
    plug = pd.RangeIndex(len(session), name="plug")
    most = xr.DataArray(data.socket_step_kwh[data.sessions.socket[session]], coords=[plug])
    ev = model.add_variables(0, most, coords=[plug], name="ev")
    sessions = pd.RangeIndex(len(data.sessions), name="session")
    unmet = model.add_variables(0, coords=[sessions], name="unmet")
    plugged = xr.DataArray(session, coords=[plug], name="session")
    need = xr.DataArray(data.sessions.need_kwh, coords=[sessions])
    model.add_constraints(ev.groupby(plugged).sum() + unmet == need, name="ev_need")


def ev_load(model: linopy.Model, data: WindowData) -> linopy.LinearExpression:
    """sum_j x_{j,t} / charger efficiency over every step (0 where no EV is plugged in)."""
    _, step = data.plugs
    at = xr.DataArray(step, coords=[pd.RangeIndex(len(step), name="plug")], name="time")
    charged = model.variables["ev"].groupby(at).sum() / CHARGER_EFFICIENCY
    return charged.reindex(time=data.time).fillna(0)


def add_grid(model: linopy.Model, data: WindowData) -> None:
    """Variable import; constraint grid (import covers the site's balance; a surplus earns nothing)."""
    grid_import = model.add_variables(0, coords=[data.time], name="import")
    charge, discharge = model.variables["charge"], model.variables["discharge"]
    net_load = per_step(data, data.load_kwh - data.pv_kwh)
    model.add_constraints(grid_import >= net_load + charge - discharge + ev_load(model, data), name="grid")


def objective_terms(
    model: linopy.Model, data: WindowData, unmet_weight_kg_per_kwh: float
) -> dict[str, linopy.LinearExpression]:
    """The objective's terms by name, in kg CO2 (the objective is their sum)."""
    variables = model.variables
    intensity = per_step(data, data.carbon_kg_per_kwh)
    return {
        "co2": (intensity * variables["import"]).sum(),
        "unmet": unmet_weight_kg_per_kwh * variables["unmet"].sum(),
        "throughput": (THROUGHPUT_PRICE * intensity * (variables["charge"] + variables["discharge"])).sum(),
    }


def build_model(data: WindowData, unmet_weight_kg_per_kwh: float) -> linopy.Model:
    """The window's LP (module docstring), each group of equations by its own function."""
    model = linopy.Model(force_dim_names=True)
    add_battery(model, data)
    add_evs(model, data)
    add_grid(model, data)
    terms = objective_terms(model, data, unmet_weight_kg_per_kwh)
    model.add_objective(sum(terms.values()))
    return model


def solve(model: linopy.Model, time_limit_s: float, what: str) -> None:
    """Solve `model` in place with HiGHS (quiet); OptimumError naming `what` unless optimal."""
    status, condition = model.solve(
        "highs", io_api="direct", progress=False, time_limit=time_limit_s, output_flag=False
    )
    if status != "ok" or condition != "optimal":
        raise OptimumError(f"{what}: HiGHS: {status}, {condition}")
