"""The annual bill: what the site pays over the year under each controller that needs no training on it,
every calendar month the site's data covers billed as a month (the whole demand charge on the month's
window maximum), scored with the one KPI code (solarev.evaluate.kpis) and summed over the year.

This module holds the names, the year's months and the tables, and stays light (no simulator, no LP): the
rules read BILL_CONTROLLERS at DAG time. Running the controllers is solarev.evaluate.bill_runs; the battery's
net benefit under each controller's dispatch, solarev.evaluate.bill_benefit.
"""

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from solarev.control import CONTROLLERS
from solarev.env.episodes import Window
from solarev.env.objective import with_penalties
from solarev.site.model import local_steps, time_step_hours

# The controllers a site could run over a year without training on it, and the optimum, the bound. The MPC
# on perfect forecasts (mpc_perfect) is left out: a bound too, and six times the MPC's solve time.
BILL_CONTROLLERS = tuple(name for name in CONTROLLERS if name != "mpc_perfect")
REFERENCE = "uncontrolled"  # what savings are counted against
YEAR = "year"  # the `month` of each controller's annual row
# The bill's columns (KPIs of solarev.evaluate.kpis), then the score the LP minimises and the shares take.
BILL_KPIS = (
    "objective",
    "energy_cost_usd",
    "demand_charge_usd",
    "export_revenue_usd",
    "total_cost_usd",
    "peak_import_kw",
    "ev_unmet_kwh",
    "import_over_limit_kwh",
)
# The objective with unmet EV energy and import over the limit at their weights.
PENALISED = "objective_with_penalties"
SAVING = "saving"  # uncontrolled's PENALISED less the controller's, the same month (or year)
MONTH_COLUMNS = ("month", "first_day", "last_day", "days")


def year_windows(time: pd.DatetimeIndex) -> list[Window]:
    """Every calendar month (local time) that the site's time axis (site_time) covers, as a window billed as
    a month (Window.billed_months 1), labelled with its number counted from January of the site's first
    year (1-12; 13 for a 366-day site's last day in the next year). The last ends at the site's last step:
    a site of 364 days cuts its December at the 30th, a 21-day site has one January of 21 days."""
    step = pd.Timedelta(hours=time_step_hours(time))
    local = time.tz_localize(None)
    site_end = local[-1] + step
    windows = []
    for month in local.to_period("M").unique():
        first, after = month.start_time, (month + 1).start_time
        start, end = local_steps(time, pd.DatetimeIndex([max(first, local[0]), min(after, site_end)]))
        label = (month.year - local[0].year) * 12 + month.month
        windows.append(Window(int(start), int(end), label, "month"))
    return windows


def month_columns(windows: Sequence[Window], time: pd.DatetimeIndex) -> pd.DataFrame:
    """Per window: its month (YYYY-MM), first and last local day and how many days of data it holds."""
    local = time.tz_localize(None)
    first = [local[window.start] for window in windows]
    last = [local[window.end - 1] for window in windows]
    return pd.DataFrame(
        {
            "month": [f"{day:%Y-%m}" for day in first],
            "first_day": [f"{day:%Y-%m-%d}" for day in first],
            "last_day": [f"{day:%Y-%m-%d}" for day in last],
            "days": [
                (end.normalize() - start.normalize()).days + 1 for start, end in zip(first, last, strict=True)
            ],
        },
        index=pd.Index([window.label for window in windows], name="episode"),
    )


def monthly_bills(kpis: pd.DataFrame, windows: Sequence[Window], time: pd.DatetimeIndex) -> pd.DataFrame:
    """One controller's KPIs per month (kpis_by_episode over `windows`, indexed by the month's number) with
    each month's calendar columns first: its row of the annual bill."""
    months = month_columns(windows, time)
    return months.join(kpis, how="inner").reset_index(drop=True)


def penalised(bills: pd.DataFrame, unmet_weight: float) -> pd.Series:
    """Per row, the objective with unmet EV energy and import over the limit at their weights (config
    env.unmet_energy_weight): what the LP minimises and the shares of the optimum's saving are taken on."""
    return with_penalties(
        bills["objective"], bills["ev_unmet_kwh"], bills["import_over_limit_kwh"], unmet_weight
    )


def annual_bill_table(bills: Mapping[str, pd.DataFrame], unmet_weight: float) -> pd.DataFrame:
    """Controller × month (monthly_bills per controller, in the order given; uncontrolled among them) with
    the bill's columns, and per controller a row `month` = YEAR holding the sums over its months (the annual
    bill; peak_import_kw the year's largest). SAVING: what the controller saves against uncontrolled in the
    same month (year) on the penalised objective, so an EV left short is not a saving."""
    if REFERENCE not in bills:
        raise ValueError(f"annual bill: the savings are counted against {REFERENCE}, which is missing")
    rows = []
    for controller, frame in bills.items():
        months = frame[list(MONTH_COLUMNS)].assign(**{kpi: frame[kpi] for kpi in BILL_KPIS})
        months[PENALISED] = penalised(months, unmet_weight)
        year = months.drop(columns=list(MONTH_COLUMNS)).sum().to_frame().T
        year["peak_import_kw"] = months["peak_import_kw"].max()
        year = year.assign(
            month=YEAR,
            first_day=months["first_day"].iloc[0],
            last_day=months["last_day"].iloc[-1],
            days=months["days"].sum(),
        )
        rows.append(pd.concat([months, year], ignore_index=True).assign(controller=controller))
    table = pd.concat(rows, ignore_index=True)
    reference = table[table["controller"] == REFERENCE].set_index("month")[PENALISED]
    if not table["month"].isin(reference.index).all():
        raise ValueError("annual bill: the controllers' months differ from uncontrolled's")
    table[SAVING] = table["month"].map(reference).to_numpy() - table[PENALISED]
    return table[["controller", *MONTH_COLUMNS, *BILL_KPIS, PENALISED, SAVING]]


def annual_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Each controller's annual row of annual_bill_table, indexed by controller."""
    return table[table["month"] == YEAR].set_index("controller")


def month_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The month rows of annual_bill_table (the annual rows left out)."""
    return table[table["month"] != YEAR]


def days_covered(table: pd.DataFrame) -> int:
    """How many days of data the annual bill holds (the same for every controller)."""
    days = np.unique(annual_rows(table)["days"])
    if len(days) != 1:
        raise ValueError(f"annual bill: the controllers cover different days ({days.tolist()})")
    return int(days[0])
