"""Battery sizing by optimisation: the site's LP (solarev.control.lp) with capacity E and power P as
variables, over sampled training weeks joined into one time axis (the battery restarts each week, each
week's demand charges have their own peaks: the LP is the sum of the weeks' optimum LPs sharing E and P).

The objective is the sampled weeks' operating objective plus the annualised capital cost scaled to their
share of a year (n_weeks / 52); reported figures are annual: operating × 52 / n_weeks. The sweep solves the
same LP with E fixed at each capacity and P still optimised, so the joint optimum is the best point of the
sweep's curve when the curve is resolved finely enough.
"""

import json
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from solarev.control.lp import Sizing, WindowData, build_model, solve, window_data
from solarev.env.episodes import DAYS_PER_WEEK, Window, week_windows
from solarev.env.objective import Objective
from solarev.env.sessions import concatenated
from solarev.site.grid import DemandCharge, GridSignals
from solarev.site.model import Site, load_site

WEEKS_PER_YEAR = 52
# USD per kWh-year and per kW-year added to any capital cost: among sizes of equal value the LP takes the
# smallest (with no capital cost, any larger battery than the useful one would do as well).
TIE_BREAK_USD_PER_YEAR = 1e-3


@dataclass(frozen=True)
class CapitalCost:
    """Annualised capital and fixed O&M of a battery, USD per year per kWh and per kW."""

    usd_per_kwh_year: float
    usd_per_kw_year: float


@dataclass(frozen=True)
class SizingResult:
    """One sizing LP's solution, annual figures in the objective's unit (USD)."""

    capacity_kwh: float
    power_kw: float
    annual_operating: float
    annual_capital: float
    solve_seconds: float

    @property
    def annual_total(self) -> float:
        return self.annual_operating + self.annual_capital


def capital_recovery_factor(discount_rate: float, lifetime_years: float) -> float:
    """The share of a capital cost paid each year to repay it over its lifetime at the discount rate."""
    if discount_rate == 0:
        return 1.0 / lifetime_years
    growth = (1.0 + discount_rate) ** lifetime_years
    return discount_rate * growth / (growth - 1.0)


def capital_cost(capital: Mapping[str, Any]) -> CapitalCost:
    """From the config's `bess.capital`: capital × CRF, plus the fixed O&M per kW-year."""
    crf = capital_recovery_factor(capital["discount_rate"], capital["lifetime_years"])
    return CapitalCost(
        usd_per_kwh_year=capital["usd_per_kwh"] * crf,
        usd_per_kw_year=capital["usd_per_kw"] * crf + capital["fixed_om_usd_per_kw_year"],
    )


def sizing_weeks(training_weeks: Sequence[int], count: int | None) -> list[int]:
    """`count` weeks evenly spaced among the training weeks (the first and the last included); all of them
    when `count` is None or not smaller."""
    weeks = sorted(training_weeks)
    if count is None or count >= len(weeks):
        return weeks
    positions = np.round(np.linspace(0, len(weeks) - 1, count)).astype(int)
    return [weeks[position] for position in positions]


def sizing_site(
    files: Mapping[str, str | Path],
    site_config: Mapping[str, Any],
    bess_config: Mapping[str, Any],
    grid_config: Mapping[str, Any],
) -> Site:
    """The site with a battery of no size (the LP chooses it) and the configured DoD and efficiency:
    load_site reads the battery from a file, which sizing has not written yet."""
    battery = {
        "capacity_kwh": 0.0,
        "power_kw": 0.0,
        "depth_of_discharge": bess_config["depth_of_discharge"],
        "round_trip_efficiency": bess_config["round_trip_efficiency"],
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bess.json"
        path.write_text(json.dumps(battery))
        return load_site({**files, "bess": path}, site_config, bess_config, grid_config)


def sizing_windows(site: Site, weeks: Sequence[int]) -> list[Window]:
    return week_windows(weeks, site.steps_per_day, site.n_steps)


def joined_grid(grids: Sequence[GridSignals], labels: Sequence[int]) -> GridSignals:
    """The windows' signals end to end; each demand charge becomes one per window (its own peak)."""
    lengths = [len(grid.import_usd_per_kwh) for grid in grids]
    offsets = np.cumsum([0, *lengths[:-1]])
    charges = []
    for grid, label, offset, length in zip(grids, labels, offsets, lengths, strict=True):
        for charge in grid.demand_charges:
            in_window = np.zeros(sum(lengths), dtype=bool)
            in_window[offset : offset + length] = charge.in_window
            charges.append(DemandCharge(f"{charge.name} week {label}", in_window, charge.usd_per_kw_month))
    first = grids[0]
    return GridSignals(
        carbon_kg_per_kwh=np.concatenate([grid.carbon_kg_per_kwh for grid in grids]),
        import_usd_per_kwh=np.concatenate([grid.import_usd_per_kwh for grid in grids]),
        export_usd_per_kwh=first.export_usd_per_kwh,
        import_limit_kw=first.import_limit_kw,
        export_limit_kw=first.export_limit_kw,
        demand_charges=tuple(charges),
    )


def sizing_data(
    site: Site, windows: Sequence[Window], cost: CapitalCost, capacity_kwh: tuple[float, float]
) -> WindowData:
    """The windows joined into one LP with the battery's size as variables (capacity within
    `capacity_kwh`, the lowest and highest allowed), capital priced for the windows' share of a year."""
    parts = [window_data(site, window) for window in windows]
    offsets = np.cumsum([0, *(part.n_steps for part in parts[:-1])])
    n_steps = sum(part.n_steps for part in parts)
    restarts = np.zeros(n_steps, dtype=bool)
    restarts[offsets] = True
    share_of_year = len(windows) * DAYS_PER_WEEK / (WEEKS_PER_YEAR * DAYS_PER_WEEK)
    return WindowData(
        step_hours=site.step_hours,
        load_kwh=np.concatenate([part.load_kwh for part in parts]),
        pv_kwh=np.concatenate([part.pv_kwh for part in parts]),
        grid=joined_grid([part.grid for part in parts], [window.label for window in windows]),
        bess=site.bess,
        initial_energy_kwh=0.0,  # the sized battery starts at its start fraction of E (lp.add_sized_battery)
        sessions=concatenated([part.sessions for part in parts], offsets, n_steps),
        session_step_kwh=np.concatenate([part.session_step_kwh for part in parts]),
        n_sockets=site.n_sockets,
        billed_months=windows[0].billed_months(site.step_hours),  # per week, as the optimum's
        sizing=Sizing(
            min_capacity_kwh=capacity_kwh[0],
            max_capacity_kwh=capacity_kwh[1],
            price_per_kwh=(cost.usd_per_kwh_year + TIE_BREAK_USD_PER_YEAR) * share_of_year,
            price_per_kw=(cost.usd_per_kw_year + TIE_BREAK_USD_PER_YEAR) * share_of_year,
            restarts=restarts,
        ),
    )


def solve_sizing(
    data: WindowData, n_weeks: int, objective: Objective, unmet_weight: float, time_limit_s: float
) -> SizingResult:
    """Solve the sizing LP of `data` (n_weeks joined weeks); annual figures."""
    started = time.perf_counter()
    model = build_model(data, objective, unmet_weight)
    solve(model, time_limit_s, f"battery sizing over {n_weeks} weeks")
    # abs: HiGHS may return -0.0 for a battery of no size
    capacity = abs(float(model.solution["capacity"]))
    power = abs(float(model.solution["power"]))
    sizing, per_year = data.sizing, WEEKS_PER_YEAR / n_weeks
    capital = sizing.price_per_kwh * capacity + sizing.price_per_kw * power
    return SizingResult(
        capacity_kwh=capacity,
        power_kw=power,
        annual_operating=(float(model.objective.value) - capital) * per_year,
        annual_capital=capital * per_year,
        solve_seconds=time.perf_counter() - started,
    )


def optimal_size(
    site: Site,
    weeks: Sequence[int],
    cost: CapitalCost,
    max_capacity_kwh: float,
    objective: Objective,
    unmet_weight: float,
    time_limit_s: float,
) -> SizingResult:
    """The joint LP: E in [0, max_capacity_kwh] and P chosen with the dispatch of every week."""
    data = sizing_data(site, sizing_windows(site, weeks), cost, (0.0, max_capacity_kwh))
    return solve_sizing(data, len(weeks), objective, unmet_weight, time_limit_s)


def sized_at(
    site: Site,
    weeks: Sequence[int],
    cost: CapitalCost,
    capacity_kwh: float,
    objective: Objective,
    unmet_weight: float,
    time_limit_s: float,
) -> SizingResult:
    """A sweep point: E fixed at `capacity_kwh`, P chosen with the dispatch."""
    data = sizing_data(site, sizing_windows(site, weeks), cost, (capacity_kwh, capacity_kwh))
    return solve_sizing(data, len(weeks), objective, unmet_weight, time_limit_s)


def sizing_table(points: Sequence[Mapping[str, float]]) -> pd.DataFrame:
    """The sweep (SizingResult fields per capacity, 0 among them) as the planner's curve, USD per year:
    operating saving against no battery, annualised capital and O&M, and their difference."""
    table = pd.DataFrame(points).sort_values("capacity_kwh", ignore_index=True)
    no_battery = table.loc[table["capacity_kwh"] == 0, "annual_operating"].iloc[0]
    saving = no_battery - table["annual_operating"]
    return pd.DataFrame(
        {
            "capacity_kwh": table["capacity_kwh"],
            "power_kw": table["power_kw"],
            "annual_operating_usd": table["annual_operating"],
            "annual_saving_usd": saving,
            "annual_capital_usd": table["annual_capital"],
            "net_benefit_usd": saving - table["annual_capital"],
        }
    )


def dispatch_bounds(table: pd.DataFrame, optimum: Mapping[str, Any]) -> tuple[float, float]:
    """The joint LP's battery's annual net benefit, USD per year: under rule_based dispatch (the lower bound)
    and under the LP's (perfect foresight, the upper), from the sweep (sizing_table) and the optimum
    (resources/bess_optimal.json)."""
    no_battery = table.loc[table["capacity_kwh"] == 0, "annual_operating_usd"].iloc[0]
    upper = no_battery - optimum["annual_operating"] - optimum["annual_capital"]
    lower = optimum["rule_based_annual_saving"] - optimum["annual_capital"]
    return float(lower), float(upper)


def sizing_figure(
    table: pd.DataFrame, optimum: Mapping[str, Any], rule_capacity_kwh: float, site_name: str
) -> Figure:
    """The planner's curve: per capacity of the sweep, the annual operating saving, the annualised capital
    and O&M and their difference, the net benefit; the joint LP's optimum with its net benefit under the
    LP's dispatch (perfect foresight, the upper bound) and under rule_based dispatch (the lower bound), and
    the rule's size. Below, the power the LP pairs with each capacity."""
    figure = Figure(figsize=(8, 6.5), layout="constrained")  # no pyplot: no global figure state
    money, power = figure.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    capacity, best_kwh, best_kw = table["capacity_kwh"], optimum["capacity_kwh"], optimum["power_kw"]
    money.plot(
        capacity, table["annual_saving_usd"] / 1000, marker="o", label="operating saving (LP dispatch)"
    )
    money.plot(capacity, table["annual_capital_usd"] / 1000, marker="o", label="annualised capital + O&M")
    money.plot(capacity, table["net_benefit_usd"] / 1000, marker="o", color="black", label="net benefit")
    money.axhline(0, color="grey", linewidth=0.8)
    lower, upper = (usd / 1000 for usd in dispatch_bounds(table, optimum))
    money.vlines(best_kwh, lower, upper, color="tab:red", linewidth=4, alpha=0.3)
    money.plot(
        best_kwh,
        upper,
        marker="*",
        markersize=14,
        color="tab:red",
        linestyle="none",
        label=f"optimum {best_kwh:,.0f} kWh / {best_kw:,.0f} kW: net {upper:,.1f} kUSD/yr",
    )
    money.plot(
        best_kwh,
        lower,
        marker="v",
        markersize=10,
        color="tab:red",
        linestyle="none",
        label=f"the optimum under rule_based dispatch: net {lower:,.1f} (lower bound)",
    )
    money.set(
        ylabel="kUSD per year",
        title=f"{site_name}: which battery pays (annual; training weeks sampled: {len(optimum['weeks'])})",
    )
    power.plot(capacity, table["power_kw"], marker="o", color="tab:green")
    power.plot(best_kwh, best_kw, marker="*", markersize=14, color="tab:red", linestyle="none")
    power.set(xlabel="Battery capacity (kWh)", ylabel="Power (kW)", title="Power chosen with the capacity")
    rule_line = {"color": "tab:purple", "linestyle": "--"}
    money.axvline(rule_capacity_kwh, **rule_line, label=f"the rule's size, {rule_capacity_kwh:,.0f} kWh")
    power.axvline(rule_capacity_kwh, **rule_line)
    figure.legend(loc="outside lower center", ncols=2, fontsize="small", frameon=False)
    return figure
