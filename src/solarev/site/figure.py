"""results/figures/site.png: the site at a glance (profiles, PV by month, EV arrivals, battery sizing)."""

from collections.abc import Mapping
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (the backend must be chosen first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from solarev import palette  # noqa: E402
from solarev.site.model import hour_of_day, time_step_hours  # noqa: E402
from solarev.site.profiles import SiteProfiles  # noqa: E402


def mean_daily_profile(time: pd.DatetimeIndex, values: np.ndarray) -> pd.Series:
    """Mean value per step of the day, with the first value repeated at hour 24 so steps close the day."""
    profile = pd.Series(values).groupby(hour_of_day(time)).mean()
    return pd.concat([profile, pd.Series([profile.iloc[0]], index=[24.0])])


def draw_daily_profiles(axis, time: pd.DatetimeIndex, profiles: Mapping[str, tuple[np.ndarray, str]]) -> None:
    """`profiles`: label -> (kW per step, colour)."""
    for label, (values, color) in profiles.items():
        profile = mean_daily_profile(time, values)
        axis.step(profile.index, profile.to_numpy(), where="post", label=label, color=color)
    axis.set(title="Mean day", xlabel="Hour of day (local)", ylabel="Power (kW)", xlim=(0, 24))
    axis.set_xticks(range(0, 25, 3))
    axis.legend(frameon=False)


def draw_monthly_pv(axis, time: pd.DatetimeIndex, pv_kw: np.ndarray, step_hours: float) -> None:
    monthly_mwh = pd.Series(pv_kw * step_hours / 1000).groupby(np.asarray(time.month)).sum()
    axis.bar(monthly_mwh.index, monthly_mwh.to_numpy(), color=palette.PV)
    axis.set(title="PV energy by month", xlabel="Month", ylabel="Energy (MWh)")
    axis.set_xticks(range(1, 13))


def draw_arrivals(axis, sessions: pd.DataFrame, time: pd.DatetimeIndex, days: int) -> None:
    hours = hour_of_day(time[sessions["arrival_step"].to_numpy()])
    for name, group in pd.Series(hours).groupby(sessions["vehicle_class"].to_numpy()):
        counts, edges = np.histogram(group, bins=24, range=(0, 24))
        axis.stairs(counts / days, edges, label=name)
    axis.set(
        title="EV plug-ins", xlabel="Hour of day (local)", ylabel="Sessions per day and hour", xlim=(0, 24)
    )
    axis.set_xticks(range(0, 25, 3))
    axis.legend(frameon=False)


def draw_sizing(axis, bess: Mapping[str, Any]) -> None:
    labels = ["evening\nEV deficit", "/ (DoD × η)\nrounded", f"× {bess['design_factor']:g}\ncapacity"]
    values = [bess["deficit_kwh_per_day"], bess["rounded_requirement_kwh"], bess["capacity_kwh"]]
    bars = axis.bar(labels, values, color=["#9e9e9e", "#6d9eeb", "#3c78d8"])
    axis.bar_label(bars, fmt="%.0f kWh")
    axis.set(
        title=f"Battery: {bess['capacity_kwh']:.0f} kWh, {bess['power_kw']:.0f} kW", ylabel="Energy (kWh)"
    )
    axis.set_ylim(0, max(values) * 1.2)


def site_figure(profiles: SiteProfiles, bess: Mapping[str, Any], site_name: str) -> Figure:
    time = profiles.time
    step_hours = time_step_hours(time)
    days = round(len(time) * step_hours / 24)
    figure, axes = plt.subplots(2, 2, figsize=(11, 7.5), layout="constrained")
    draw_daily_profiles(
        axes[0, 0],
        time,
        {
            "PV": (profiles.pv_kw, palette.PV),
            "mall load": (profiles.load_kw, palette.MALL_LOAD),
            "EVs (uncontrolled)": (profiles.ev_kw, palette.EV_CHARGING),
        },
    )
    draw_monthly_pv(axes[0, 1], time, profiles.pv_kw, step_hours)
    draw_arrivals(axes[1, 0], profiles.sessions, time, days)
    draw_sizing(axes[1, 1], bess)
    figure.suptitle(f"{site_name}: {days} days at {step_hours * 60:.0f}-minute steps")
    return figure
