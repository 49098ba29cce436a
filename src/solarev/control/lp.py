"""The site's linear program, written once in linopy (xarray, HiGHS through highspy) and read like its
equations, per step t of a window (dim `time`), energies in kWh:
  battery   e_t = e_{t-1} + sqrt(eta) c_t - d_t / sqrt(eta),  0 <= c_t, d_t <= P h,  (1 - DoD) E <= e_t <= E,
            e_{-1} = the initial energy; c_t, d_t are on the site side, as CityLearn's battery consumption
  EVs       0 <= x_{j,t} <= charger power × h × charger efficiency while session j is plugged in (dim
            `plug`: one entry per session step), sum_t x_{j,t} + u_j = need_j (dim `session`; u_j >= 0:
            energy still lacking when due, see solarev.env.sessions)
  grid      i_t - x_t + s_t >= load_t - pv_t + c_t - d_t + sum_j x_{j,t} / charger efficiency,
            0 <= i_t <= import limit × h,  0 <= x_t <= min(pv_t, export limit × h)
            (what is neither used nor exported is curtailed), 0 <= s_t <= load_t: building load shed where
            the connection cannot carry it, so that a limit below the load never makes the LP infeasible
  peaks     p_c >= i_t / h for every step t of demand charge c's window (dim `demand_charge`)
  ledger    e_{T-1} >= e_{-1}: the plan ends with at least the energy it started with
  minimise  sum_t w_t i_t - v sum_t x_t + sum_c r_c p_c + unmet weight × sum_j u_j
            + lost-load weight × sum_t s_t + a negligible price on battery throughput
A window that ends before its episode does (an MPC's horizon) may replace the ledger by a terminal value:
the term - s e_{T-1}, s per kWh stored at the window's end (WindowData.terminal_value, the ledger's price
of solarev.env.objective, with which the KPIs settle the energy an episode leaves), so that the plan may
end below or above its start at the price the episode's settlement will put on the difference.
with w_t, v, r_c (the demand charges pro-rated to the window) and the lost-load weight from the configured
objective (solarev.env.objective, the one definition the reward and the KPIs use too). The throughput price (a
millionth of w_t) only breaks ties against charging and discharging in the same step, which CityLearn's
single battery action cannot replay.

One model, several uses: the perfect-foresight optimum (solarev.control.optimum) builds it from the site's
records; an MPC builds it from forecasts and the state it is in (a WindowData of its own); sizing makes E
and P variables in add_battery (WindowData.sizing, below). Each constraint group is added by its own
function and the objective is the sum of named terms (objective_terms), so a new use adds a group or a
term (a price per step, a peak variable with its constraints) without touching the others. The
arithmetic is written so that linopy's legacy and v1 semantics agree (absent slots are filled
explicitly), and HiGHS is reached in memory (io_api="direct"): no files, nothing downloaded.

An MPC solves a small window every step, and linopy's model building costs about a hundred times HiGHS's
solve of it; lp_arrays writes the same rows as arrays for highspy directly (a given battery only), and a
test holds it to build_model's plan, so that the equations above stay the one definition.

Sizing (WindowData.sizing set; solarev.control.sizing): capacity E and power P become variables, the
battery's bounds read (1 - DoD) E <= e_t <= E and c_t, d_t <= P h, the battery restarts at
max(initial SOC, 1 - DoD) E at each `restarts` step and the ledger holds at the last step before each
restart (spans such as sampled weeks are independent), and the objective gains the term capital
= price per kWh × E + price per kW × P. Without it the model is exactly the one above.
"""

import logging
from dataclasses import dataclass
from functools import cached_property

import highspy
import linopy
import numpy as np
import pandas as pd
import xarray as xr
from scipy import sparse

from solarev.env.episodes import Window
from solarev.env.objective import Objective, lost_load_weight
from solarev.env.sessions import EpisodeSessions, episode_sessions, session_steps
from solarev.site.grid import GridSignals
from solarev.site.model import CHARGER_EFFICIENCY, Bess, Site

THROUGHPUT_PRICE = 1e-6  # × the import weight w_t, per kWh charged or discharged
# linopy logs 15 lines per solve at INFO: an MPC's thousand solves would drown the job's log.
logging.getLogger("linopy").setLevel(logging.WARNING)


class OptimumError(RuntimeError):
    """HiGHS did not return an optimal solution (time limit, numerical trouble)."""


@dataclass(frozen=True)
class Sizing:
    """The battery's size as LP variables: E within [min, max] capacity, P free, each priced in the
    objective's unit for the window (capital annualised and scaled to the window's share of a year)."""

    min_capacity_kwh: float
    max_capacity_kwh: float
    price_per_kwh: float
    price_per_kw: float
    restarts: np.ndarray  # bool per step: the battery starts afresh here (the first step of each span)


@dataclass(frozen=True)
class WindowData:
    """What the LP reads for one window, per step of it: the site's records for the optimum; forecasts and
    the current state for an MPC."""

    step_hours: float
    load_kwh: np.ndarray
    pv_kwh: np.ndarray
    grid: GridSignals  # over the window's steps
    bess: Bess
    initial_energy_kwh: float
    sessions: EpisodeSessions  # an MPC's expected arrivals have socket -1 (no socket to act on yet)
    session_step_kwh: np.ndarray  # per session: the most energy into its EV(s) in one step
    n_sockets: int
    # The episode's share of a monthly bill (solarev.env.episodes.Window.billed_months), which prices its
    # demand charges; an MPC's window is part of an episode and carries the episode's.
    billed_months: float
    # An MPC plans part of an episode: its peaks so far are lower bounds of the window's peaks, and the ledger
    # holds the episode's initial energy.
    peak_floor_kw: np.ndarray | None = None  # per demand charge; None: 0
    ledger_energy_kwh: float | None = None  # None: initial_energy_kwh
    terminal_value: float | None = None  # per kWh stored at the last step, replacing the ledger; None: ledger
    sizing: Sizing | None = None  # None: bess's capacity and power are given

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
    sessions = episode_sessions(site, window.start, window.end)
    return WindowData(
        step_hours=site.step_hours,
        load_kwh=site.load_kwh[steps],
        pv_kwh=site.pv_kwh[steps],
        grid=site.grid.over(steps),
        bess=site.bess,
        initial_energy_kwh=site.bess.initial_energy_kwh,
        sessions=sessions,
        session_step_kwh=site.socket_step_kwh[sessions.socket],
        n_sockets=site.n_sockets,
        billed_months=window.billed_months(site.step_hours),
    )


def per_step(data: WindowData, values: np.ndarray) -> xr.DataArray:
    return xr.DataArray(values, coords=[data.time])


def add_battery(model: linopy.Model, data: WindowData) -> None:
    """Variables charge, discharge, energy; constraint battery (the energy balance of every step)."""
    if data.sizing is not None:
        add_sized_battery(model, data, data.sizing)
        return
    time = data.time
    bess, eta = data.bess, data.bess.one_way_efficiency
    power_kwh = bess.power_kw * data.step_hours
    charge = model.add_variables(0, power_kwh, coords=[time], name="charge")
    discharge = model.add_variables(0, power_kwh, coords=[time], name="discharge")
    energy = model.add_variables(bess.min_energy_kwh, bess.capacity_kwh, coords=[time], name="energy")
    previous = energy.to_linexpr().shift(time=1).fillna(0)  # e_{t-1}; e_{-1} is on the right-hand side
    initial = per_step(data, np.where(time == 0, data.initial_energy_kwh, 0.0))
    model.add_constraints(energy - previous - eta * charge + discharge / eta == initial, name="battery")


def start_fraction(bess: Bess) -> float:
    """The share of capacity a battery starts with (CityLearn: max(initial SOC, 1 - DoD))."""
    return max(bess.initial_soc, 1.0 - bess.depth_of_discharge)


def add_sized_battery(model: linopy.Model, data: WindowData, sizing: Sizing) -> None:
    """add_battery with variables capacity (kWh) and power (kW) and the constraints that they bound."""
    time, h = data.time, data.step_hours
    bess, eta = data.bess, data.bess.one_way_efficiency
    capacity = model.add_variables(sizing.min_capacity_kwh, sizing.max_capacity_kwh, name="capacity")
    power = model.add_variables(0, name="power")
    charge = model.add_variables(0, coords=[time], name="charge")
    discharge = model.add_variables(0, coords=[time], name="discharge")
    energy = model.add_variables(0, coords=[time], name="energy")
    model.add_constraints(charge - h * power <= 0, name="charge_power")
    model.add_constraints(discharge - h * power <= 0, name="discharge_power")
    model.add_constraints(energy - capacity <= 0, name="energy_max")
    model.add_constraints(energy - (1.0 - bess.depth_of_discharge) * capacity >= 0, name="energy_min")
    restart = per_step(data, sizing.restarts.astype(float))
    previous = energy.to_linexpr().shift(time=1).fillna(0) * (1.0 - restart)
    initial = start_fraction(bess) * restart * capacity
    model.add_constraints(energy - previous - eta * charge + discharge / eta - initial == 0, name="battery")


def add_evs(model: linopy.Model, data: WindowData) -> None:
    """Variables ev (per plug: session step), unmet (per session); constraint ev_need."""
    session, _ = data.plugs
    plug = pd.RangeIndex(len(session), name="plug")
    most = xr.DataArray(data.session_step_kwh[session], coords=[plug])
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


def most_export_kwh(data: WindowData) -> np.ndarray:
    """x_t's bound: the PV of the step within the export limit."""
    return np.minimum(data.pv_kwh, data.grid.export_limit_kw * data.step_hours)


def most_shed_kwh(data: WindowData) -> np.ndarray:
    """s_t's bound: the building load of the step."""
    return np.maximum(data.load_kwh, 0.0)


def add_grid(model: linopy.Model, data: WindowData) -> None:
    """Variables import, export, shed; constraint grid (they cover the site's balance; the rest is
    curtailed)."""
    grid, h = data.grid, data.step_hours
    grid_import = model.add_variables(0, grid.import_limit_kw * h, coords=[data.time], name="import")
    most_export = per_step(data, most_export_kwh(data))
    grid_export = model.add_variables(0, most_export, coords=[data.time], name="export")
    shed = model.add_variables(0, per_step(data, most_shed_kwh(data)), coords=[data.time], name="shed")
    charge, discharge = model.variables["charge"], model.variables["discharge"]
    net_load = per_step(data, data.load_kwh - data.pv_kwh)
    model.add_constraints(
        grid_import - grid_export + shed >= net_load + charge - discharge + ev_load(model, data), name="grid"
    )


def add_peaks(model: linopy.Model, data: WindowData) -> None:
    """Variable peak (dim `demand_charge`, kW); constraint peaks (at least the import of each step in
    its window)."""
    charges = data.grid.demand_charges
    names = pd.Index([charge.name for charge in charges], name="demand_charge")
    floor = np.zeros(len(charges)) if data.peak_floor_kw is None else data.peak_floor_kw
    peak = model.add_variables(xr.DataArray(floor, coords=[names]), coords=[names], name="peak")
    in_window = xr.DataArray(
        np.array([charge.in_window for charge in charges], dtype=bool).reshape(len(charges), data.n_steps),
        coords=[names, data.time],
    )
    model.add_constraints(
        peak - model.variables["import"] / data.step_hours >= 0, name="peaks", mask=in_window
    )


def add_ledger(model: linopy.Model, data: WindowData) -> None:
    """Constraint ledger: the battery ends with at least the episode's initial energy (no credit for
    spending it), or as close to it as charging at full power since the window's start gets; none where
    a terminal value prices the last step's energy instead (objective_terms)."""
    if data.sizing is not None:
        add_sized_ledger(model, data, data.sizing)
        return
    if data.terminal_value is not None:
        return
    last = model.variables["energy"].isel(time=-1)
    model.add_constraints(last >= ledger_target(data), name="ledger")


def ledger_target(data: WindowData) -> float:
    """The least energy the last step holds under the ledger: the episode's initial energy, or what charging
    at full power since the window's start reaches."""
    target = data.initial_energy_kwh if data.ledger_energy_kwh is None else data.ledger_energy_kwh
    bess = data.bess
    charged = data.n_steps * bess.power_kw * data.step_hours * bess.one_way_efficiency
    return min(target, data.initial_energy_kwh + charged, bess.capacity_kwh)


def add_sized_ledger(model: linopy.Model, data: WindowData, sizing: Sizing) -> None:
    """The ledger of a sized battery: each span ends with at least the energy it started with (a span of
    a week can always recharge it)."""
    span_end = per_step(data, np.roll(sizing.restarts, -1))
    energy, capacity = model.variables["energy"], model.variables["capacity"]
    model.add_constraints(energy - start_fraction(data.bess) * capacity >= 0, name="ledger", mask=span_end)


def demand_rates(data: WindowData, objective: Objective) -> np.ndarray:
    """r_c per demand charge: its monthly rate × the months the episode is billed for."""
    return np.array(
        [objective.monthly_rate(charge) * data.billed_months for charge in data.grid.demand_charges]
    )


def objective_terms(
    model: linopy.Model, data: WindowData, objective: Objective, unmet_weight: float
) -> dict[str, linopy.LinearExpression]:
    """The objective's terms by name, in the objective's unit (the objective is their sum)."""
    variables, grid = model.variables, data.grid
    weight = per_step(data, objective.import_weight(grid))
    rates = xr.DataArray(
        demand_rates(data, objective),
        coords=[pd.Index([charge.name for charge in grid.demand_charges], name="demand_charge")],
    )
    terms = {
        "energy": (weight * variables["import"]).sum(),
        "export": -objective.export_weight(grid) * variables["export"].sum(),
        "demand": (rates * variables["peak"]).sum(),
        "unmet": unmet_weight * variables["unmet"].sum(),
        "lost_load": lost_load_weight(unmet_weight) * variables["shed"].sum(),
        "throughput": (THROUGHPUT_PRICE * weight * (variables["charge"] + variables["discharge"])).sum(),
    }
    if data.terminal_value is not None:
        terms["stored"] = -data.terminal_value * variables["energy"].isel(time=-1)
    if data.sizing is not None:
        sizing = data.sizing
        terms["capital"] = (
            sizing.price_per_kwh * variables["capacity"] + sizing.price_per_kw * variables["power"]
        )
    return terms


def build_model(data: WindowData, objective: Objective, unmet_weight: float) -> linopy.Model:
    """The window's LP (module docstring), each group of equations by its own function."""
    model = linopy.Model(force_dim_names=True)
    add_battery(model, data)
    add_evs(model, data)
    add_grid(model, data)
    add_peaks(model, data)
    add_ledger(model, data)
    terms = objective_terms(model, data, objective, unmet_weight)
    model.add_objective(sum(terms.values()))
    return model


def solve(model: linopy.Model, time_limit_s: float, what: str) -> None:
    """Solve `model` in place with HiGHS (quiet); OptimumError naming `what` unless optimal."""
    status, condition = model.solve(
        "highs", io_api="direct", progress=False, time_limit=time_limit_s, output_flag=False
    )
    if status != "ok" or condition != "optimal":
        raise OptimumError(f"{what}: HiGHS: {status}, {condition}")


@dataclass(frozen=True)
class Solution:
    """An LP's optimal values per variable name (as linopy's model.solution) and its objective."""

    values: dict[str, np.ndarray]
    objective: float


@dataclass(frozen=True)
class Arrays:
    """The LP of a battery of given size as HiGHS reads it: min cost x, row_lower <= A x <= row_upper,
    col_lower <= x <= col_upper; the columns of variable `name` are columns[name]."""

    cost: np.ndarray
    matrix: sparse.csc_array
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    columns: dict[str, slice]


def lp_arrays(data: WindowData, objective: Objective, unmet_weight: float) -> Arrays:
    """build_model's LP (the module docstring's equations, row by row) assembled in numpy: an MPC re-plans
    every step, and linopy's model building takes some hundred times HiGHS's solve of so small a model.
    tests/test_control_mpc.py checks that both give the same plan. Not for sizing."""
    if data.sizing is not None:
        raise ValueError("lp_arrays: a sized battery is built by build_model only")
    n, h, bess, eta = data.n_steps, data.step_hours, data.bess, data.bess.one_way_efficiency
    session, step = data.plugs
    charges = data.grid.demand_charges
    sizes = {
        "charge": n, "discharge": n, "energy": n, "ev": len(session),
        "unmet": len(data.sessions), "import": n, "export": n, "shed": n, "peak": len(charges),
    }  # fmt: skip
    ends = np.cumsum(list(sizes.values()))
    columns = {name: slice(end - size, end) for (name, size), end in zip(sizes.items(), ends, strict=True)}
    col = {name: np.arange(ends[-1])[where] for name, where in columns.items()}
    t = np.arange(n)
    rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (row, column, coefficient) per group
    lower: list[np.ndarray] = []
    upper: list[np.ndarray] = []

    def add_rows(
        entries: list[tuple[np.ndarray, np.ndarray, float]], low: np.ndarray, high: np.ndarray
    ) -> None:
        first = sum(len(bound) for bound in lower)
        for row, column, value in entries:
            rows.append((first + row, column, np.broadcast_to(value, row.shape)))
        lower.append(low)
        upper.append(high)

    # battery: e_t - e_{t-1} - eta c_t + d_t / eta = e_{-1} at t = 0, else 0
    initial = np.where(t == 0, data.initial_energy_kwh, 0.0)
    previous = (t[1:], col["energy"][:-1], -1.0)
    battery = [(t, col["energy"], 1.0), previous, (t, col["charge"], -eta), (t, col["discharge"], 1 / eta)]
    add_rows(battery, initial, initial)
    # ev_need: sum_t x_{j,t} + u_j = need_j
    need = data.sessions.need_kwh
    sessions = np.arange(len(need))
    add_rows([(session, col["ev"], 1.0), (sessions, col["unmet"], 1.0)], need, need)
    # grid: i_t - x_t + s_t - c_t + d_t - sum_j x_{j,t} / charger efficiency >= load_t - pv_t
    grid = [
        (t, col["import"], 1.0), (t, col["export"], -1.0), (t, col["shed"], 1.0), (t, col["charge"], -1.0),
        (t, col["discharge"], 1.0), (step, col["ev"], -1 / CHARGER_EFFICIENCY),
    ]  # fmt: skip
    add_rows(grid, data.load_kwh - data.pv_kwh, np.full(n, np.inf))
    # peaks: p_c - i_t / h >= 0 in each charge's window
    windows = np.array([charge.in_window for charge in charges], dtype=bool).reshape(len(charges), n)
    charge_of, at = np.nonzero(windows)
    peaks = np.arange(len(at))
    add_rows(
        [(peaks, col["peak"][charge_of], 1.0), (peaks, col["import"][at], -1 / h)],
        np.zeros(len(at)),
        np.full(len(at), np.inf),
    )
    if data.terminal_value is None:
        add_rows(
            [(np.zeros(1, int), col["energy"][-1:], 1.0)], np.array([ledger_target(data)]), np.array([np.inf])
        )
    row, column, value = (np.concatenate(part) for part in zip(*rows, strict=True))
    matrix = sparse.csc_array((value, (row, column)), shape=(len(np.concatenate(lower)), ends[-1]))

    weight = objective.import_weight(data.grid)
    cost = np.zeros(ends[-1])
    cost[columns["import"]] = weight
    cost[columns["export"]] = -objective.export_weight(data.grid)
    cost[columns["peak"]] = demand_rates(data, objective)
    cost[columns["unmet"]] = unmet_weight
    cost[columns["shed"]] = lost_load_weight(unmet_weight)
    cost[columns["charge"]] = cost[columns["discharge"]] = THROUGHPUT_PRICE * weight
    if data.terminal_value is not None:
        cost[col["energy"][-1]] = -data.terminal_value
    power = bess.power_kw * h
    floor = np.zeros(len(charges)) if data.peak_floor_kw is None else data.peak_floor_kw
    bounds = {
        "charge": (0.0, power), "discharge": (0.0, power),
        "energy": (bess.min_energy_kwh, bess.capacity_kwh),
        "ev": (0.0, data.session_step_kwh[session]), "unmet": (0.0, np.inf),
        "import": (0.0, data.grid.import_limit_kw * h), "export": (0.0, most_export_kwh(data)),
        "shed": (0.0, most_shed_kwh(data)), "peak": (floor, np.inf),
    }  # fmt: skip
    col_lower, col_upper = np.zeros(ends[-1]), np.zeros(ends[-1])
    for name, (low, high) in bounds.items():
        col_lower[columns[name]], col_upper[columns[name]] = low, high
    return Arrays(cost, matrix, col_lower, col_upper, np.concatenate(lower), np.concatenate(upper), columns)


def solve_arrays(arrays: Arrays, time_limit_s: float, what: str) -> Solution:
    """Solve `arrays` with HiGHS (quiet); OptimumError naming `what` unless optimal."""
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = arrays.matrix.shape[1], arrays.matrix.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = arrays.cost, arrays.col_lower, arrays.col_upper
    lp.row_lower_, lp.row_upper_ = arrays.row_lower, arrays.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = arrays.matrix.indptr
    lp.a_matrix_.index_ = arrays.matrix.indices
    lp.a_matrix_.value_ = arrays.matrix.data
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", float(time_limit_s))
    highs.passModel(lp)
    highs.run()
    status = highs.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise OptimumError(f"{what}: HiGHS: {highs.modelStatusToString(status)}")
    values = np.asarray(highs.getSolution().col_value)
    return Solution(
        {name: values[where] for name, where in arrays.columns.items()},
        highs.getInfo().objective_function_value,
    )
