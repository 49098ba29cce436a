"""Battery sizing by the original study's rule: cover the evening EV energy that PV cannot supply.

capacity = design_factor * ceil(deficit / (DoD * round-trip efficiency), rounding);
power = capacity / discharge_hours.

The battery the site gets (bess.sizing): the rule's, a fixed one, or the LP's optimum
(solarev.control.sizing); the rule's figures stay in resources/bess.json for the site figure.
"""

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from solarev.site.model import hour_of_day, time_step_hours


def window_mask(time: pd.DatetimeIndex, start_hour: float, end_hour: float) -> np.ndarray:
    hour = hour_of_day(time)
    return (hour >= start_hour) & (hour < end_hour)


def evening_deficit_kwh_per_day(
    time: pd.DatetimeIndex,
    pv_kw: np.ndarray,
    load_kw: np.ndarray,
    ev_kw: np.ndarray,
    start_hour: float,
    end_hour: float,
) -> float:
    """Mean daily EV energy in the window that the PV left over after the building's own load cannot cover."""
    step_hours = time_step_hours(time)
    surplus_kw = np.clip(pv_kw - load_kw, 0, None)
    deficit_kw = np.clip(ev_kw - surplus_kw, 0, None) * window_mask(time, start_hour, end_hour)
    days = len(time) * step_hours / 24
    return float(deficit_kw.sum() * step_hours / days)


def size_battery(
    deficit_kwh_per_day: float,
    depth_of_discharge: float,
    round_trip_efficiency: float,
    design_factor: float,
    rounding_kwh: float,
    discharge_hours: float,
) -> dict[str, float]:
    """Capacity and power of the battery, with the inputs that produced them."""
    usable_kwh = deficit_kwh_per_day / (depth_of_discharge * round_trip_efficiency)
    # At least one rounding unit: a site with no evening deficit still gets a (small) battery to control.
    rounded_kwh = max(1, math.ceil(usable_kwh / rounding_kwh - 1e-9)) * rounding_kwh
    capacity_kwh = design_factor * rounded_kwh
    return {
        "capacity_kwh": round(capacity_kwh, 6),
        "power_kw": float(round(capacity_kwh / discharge_hours)),
        "deficit_kwh_per_day": deficit_kwh_per_day,
        "depth_of_discharge": depth_of_discharge,
        "round_trip_efficiency": round_trip_efficiency,
        "design_factor": design_factor,
        "rounding_kwh": rounding_kwh,
        "discharge_hours": discharge_hours,
        "rounded_requirement_kwh": rounded_kwh,
    }


def site_battery(
    time: pd.DatetimeIndex,
    pv_kw: np.ndarray,
    load_kw: np.ndarray,
    ev_kw: np.ndarray,
    bess: Mapping[str, Any],
) -> dict[str, Any]:
    """resources/bess.json: the sizing rule applied to the generated profiles."""
    deficit = evening_deficit_kwh_per_day(
        time, pv_kw, load_kw, ev_kw, bess["deficit_start_hour"], bess["deficit_end_hour"]
    )
    sizing = size_battery(
        deficit,
        bess["depth_of_discharge"],
        bess["round_trip_efficiency"],
        bess["design_factor"],
        bess["rounding_kwh"],
        bess["discharge_hours"],
    )
    return {
        **sizing,
        "deficit_window_hours": [bess["deficit_start_hour"], bess["deficit_end_hour"]],
    }


class SizingError(ValueError):
    """A sizing the simulators cannot take (a battery of no size)."""


# Below this the LP has bought no battery (HiGHS returns zeros within its tolerances).
SMALLEST_BATTERY_KWH = 1e-3


def sweep_capacities(sweep: Sequence[float] | Mapping[str, float]) -> list[float]:
    """The config's `bess.sweep_kwh` (a list, or start, stop and step with stop included when on the grid)
    with 0, the no-battery reference every saving is measured against."""
    if isinstance(sweep, Mapping):
        count = math.floor((sweep["stop"] - sweep["start"]) / sweep["step"] + 1e-9) + 1
        sweep = [sweep["start"] + index * sweep["step"] for index in range(count)]
    return sorted({0.0, *(float(capacity) for capacity in sweep)})


def capacity_label(capacity_kwh: float) -> str:
    """A sweep point's wildcard: 250, 2.5."""
    return f"{capacity_kwh:g}"


def chosen_battery(
    rule: Mapping[str, Any], sizing: str, capacity_kwh: float | None, power_kw: float | None
) -> dict[str, Any]:
    """resources/bess.json: the rule's sizing unchanged under `rule`; otherwise the given size, with the
    rule's kept beside it (rule_capacity_kwh, rule_power_kw) and the mode named."""
    if sizing == "rule":
        return dict(rule)
    if capacity_kwh < SMALLEST_BATTERY_KWH or power_kw < SMALLEST_BATTERY_KWH:
        # The envs scale their battery action by the power: a site without battery is not simulated.
        raise SizingError(
            f"bess.sizing: {sizing} gives no battery ({capacity_kwh:.3g} kWh, {power_kw:.3g} kW): at "
            "bess.capital's costs no battery pays; the simulations need one: lower bess.capital or use "
            "sizing rule or fixed"
        )
    return {
        **rule,
        "sizing": sizing,
        "rule_capacity_kwh": rule["capacity_kwh"],
        "rule_power_kw": rule["power_kw"],
        "capacity_kwh": capacity_kwh,
        "power_kw": power_kw,
    }
