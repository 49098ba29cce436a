"""The battery's annual net benefit under each controller's dispatch (bess.sizing optimal): its saving
against uncontrolled over the annual bill (solarev.evaluate.annual_bill) less its annualised capital and
O&M, beside the battery sizing's bounds for the battery it chose (solarev.control.sizing: the LP's dispatch,
the upper; rule_based dispatch, solarev.control.sizing_bound, the lower)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from solarev.control.sizing import WEEKS_PER_YEAR, capital_cost, dispatch_bounds
from solarev.env.episodes import DAYS_PER_WEEK
from solarev.evaluate.annual_bill import SAVING, annual_rows, days_covered

# The sizing's year (52 weeks): the days its annual figures stand for.
SIZING_YEAR_DAYS = WEEKS_PER_YEAR * DAYS_PER_WEEK


def battery_annual_capital(capital: Mapping[str, Any], capacity_kwh: float, power_kw: float) -> float:
    """A battery's annualised capital and fixed O&M, USD per year (config `bess.capital`), as the sizing
    counts it (solarev.control.sizing.capital_cost)."""
    cost = capital_cost(capital)
    return cost.usd_per_kwh_year * capacity_kwh + cost.usd_per_kw_year * power_kw


@dataclass(frozen=True)
class BatteryBenefit:
    """The battery's annual net benefit (saving less annualised capital and O&M, USD per year) under each
    controller's dispatch, beside the sizing's bounds for the battery it chose (bess.sizing optimal)."""

    capacity_kwh: float
    power_kw: float
    annual_capital_usd: float  # of this battery (bess.json), config bess.capital
    net_benefit_usd: dict[str, float]  # per controller: its annual saving against uncontrolled less capital
    lp_upper_usd: float  # the sizing's: under the LP's dispatch on the sampled weeks (perfect foresight)
    rule_based_lower_usd: float  # the sizing's: under rule_based dispatch on the same weeks
    sizing_weeks: int  # how many training weeks the sizing sampled
    scale: float  # SIZING_YEAR_DAYS / the annual bill's days: its savings as the sizing's year


def battery_benefit(
    table: pd.DataFrame,
    capital: Mapping[str, Any],
    battery: Mapping[str, Any],
    optimal: Mapping[str, Any],
    sizing: pd.DataFrame,
) -> BatteryBenefit:
    """BatteryBenefit of the site's battery (resources/bess.json: `battery`) from the annual bill
    (annual_bill_table), config `bess.capital`, the joint sizing LP's result (resources/bess_optimal.json:
    `optimal`) and its sweep (resources/bess_sizing.csv: `sizing`). Savings are scaled to the sizing's year
    of SIZING_YEAR_DAYS days when the bill covers another number of days."""
    scale = SIZING_YEAR_DAYS / days_covered(table)
    annual_capital = battery_annual_capital(capital, battery["capacity_kwh"], battery["power_kw"])
    savings = annual_rows(table)[SAVING] * scale
    lower, upper = dispatch_bounds(sizing, optimal)
    return BatteryBenefit(
        capacity_kwh=float(battery["capacity_kwh"]),
        power_kw=float(battery["power_kw"]),
        annual_capital_usd=annual_capital,
        net_benefit_usd={str(name): float(saving - annual_capital) for name, saving in savings.items()},
        lp_upper_usd=upper,
        rule_based_lower_usd=lower,
        sizing_weeks=len(optimal["weeks"]),
        scale=scale,
    )
