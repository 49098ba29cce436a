"""results/figures/site.png: the site at a glance, with the variation the generators put in (day types,
wet and dry months, session counts, energies and arrivals) and the battery sized from it."""

from collections.abc import Mapping
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates  # noqa: E402 (the backend must be chosen first)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from solarev import palette  # noqa: E402
from solarev.site.calendar import day_of_step, site_days  # noqa: E402
from solarev.site.model import hour_of_day, time_step_hours  # noqa: E402
from solarev.site.profiles import SiteProfiles  # noqa: E402

# Curve of a mean-day panel: the steps it averages, their values (kW) and its colour.
Curve = tuple[pd.DatetimeIndex, np.ndarray, str]
DAY_TYPES = {"Monday-Friday": [0, 1, 2, 3, 4], "Saturday": [5], "Sunday": [6]}
DAY_TYPE_COLOURS = ["#a6cee3", "#1f78b4", "#08306b"]
CLASS_COLOURS = ["#7570b3", "#e7298a", "#66a61e", "#a6761d"]
LOW_PV = "#8c6d1f"


def mean_daily_profile(time: pd.DatetimeIndex, values: np.ndarray) -> pd.Series:
    """Mean value per step of the day, with the first value repeated at hour 24 so steps close the day."""
    profile = pd.Series(values).groupby(hour_of_day(time)).mean()
    return pd.concat([profile, pd.Series([profile.iloc[0]], index=[24.0])])


def draw_mean_days(axis, curves: Mapping[str, Curve], title: str) -> None:
    """Mean day of each curve (label -> steps, kW, colour), hours 0-24."""
    for label, (time, values, colour) in curves.items():
        profile = mean_daily_profile(time, values)
        axis.step(profile.index, profile.to_numpy(), where="post", label=label, color=colour)
    axis.set(title=title, xlabel="Hour of day (local)", ylabel="Power (kW)", xlim=(0, 24))
    axis.set_xticks(range(0, 25, 3))
    axis.legend(frameon=False, fontsize="small")


def day_type_curves(time: pd.DatetimeIndex, load_kw: np.ndarray) -> dict[str, Curve]:
    """The load on weekdays, Saturdays and Sundays (those the period has)."""
    weekday = np.asarray(time.day_of_week)
    curves = {}
    for (name, days), colour in zip(DAY_TYPES.items(), DAY_TYPE_COLOURS, strict=True):
        chosen = np.isin(weekday, days)
        if chosen.any():
            curves[name] = (time[chosen], load_kw[chosen], colour)
    return curves


def daily_energy(time: pd.DatetimeIndex, values_kw: np.ndarray) -> pd.Series:
    """Energy per local day (kWh) of a kW profile, indexed by date."""
    per_step = pd.Series(values_kw * time_step_hours(time))
    return per_step.groupby(day_of_step(time)).sum().set_axis(site_days(time))


def monthly_pv_mwh_per_day(time: pd.DatetimeIndex, pv_kw: np.ndarray) -> pd.Series:
    """Mean daily PV energy (MWh) of each month in the period, by month number."""
    per_day = daily_energy(time, pv_kw) / 1000
    return per_day.groupby(np.asarray(per_day.index.month)).mean()


def low_and_high_pv_curves(time: pd.DatetimeIndex, pv_kw: np.ndarray, monthly: pd.Series) -> dict[str, Curve]:
    """The PV of the months with the least and the most PV (one curve when the period has one month): the
    wet season's clouds and the sun's path together set them."""
    months = np.asarray(time.month)
    extremes = {monthly.idxmin(): ("least PV", LOW_PV), monthly.idxmax(): ("most PV", palette.PV)}
    return {
        f"{pd.Timestamp(2000, month, 1):%B} ({kind})": (time[months == month], pv_kw[months == month], colour)
        for month, (kind, colour) in extremes.items()
    }


def draw_monthly_pv(axis, monthly: pd.Series) -> None:
    axis.bar(monthly.index, monthly.to_numpy(), color=palette.PV)
    axis.set(title="PV by month", xlabel="Month", ylabel="Mean energy (MWh/day)")
    axis.set_xticks(range(1, 13))


def draw_daily_series(axis, time: pd.DatetimeIndex, load_kw: np.ndarray, sessions: pd.DataFrame) -> None:
    """Each day's building energy and EV sessions: the weekly cycle and the day-to-day noise."""
    load = daily_energy(time, load_kw) / 1000
    axis.plot(load.index, load.to_numpy(), color=palette.BUILDING_LOAD, linewidth=0.8)
    axis.set(title="Each day", ylabel="Building load (MWh/day)")
    axis.tick_params(axis="y", labelcolor=palette.BUILDING_LOAD)
    days = day_of_step(time)[sessions["arrival_step"].to_numpy()]
    counts = np.bincount(days, minlength=len(load))
    sessions_axis = axis.twinx()
    sessions_axis.plot(load.index, counts, color=palette.EV_CHARGING, linewidth=0.8)
    sessions_axis.set_ylabel("EV sessions per day", color=palette.EV_CHARGING)
    sessions_axis.tick_params(axis="y", labelcolor=palette.EV_CHARGING)
    sessions_axis.set_ylim(0, counts.max() * 1.15)
    dates = matplotlib.dates.AutoDateLocator()
    axis.xaxis.set_major_locator(dates)
    axis.xaxis.set_major_formatter(matplotlib.dates.ConciseDateFormatter(dates))


def class_colours(sessions: pd.DataFrame) -> dict[str, str]:
    names = list(dict.fromkeys(sessions["vehicle_class"]))
    return {name: CLASS_COLOURS[position % len(CLASS_COLOURS)] for position, name in enumerate(names)}


def draw_arrivals(axis, sessions: pd.DataFrame, time: pd.DatetimeIndex) -> None:
    """Arrivals of the served sessions (plug-in less any wait for a socket) per hour of day and class, per
    day (arrivals turned away are in the ev_sessions log, not in the sessions file)."""
    days = len(site_days(time))
    arrived = time[(sessions["arrival_step"] - sessions["queued_steps"]).to_numpy()]
    hours = pd.Series(hour_of_day(arrived))
    for name, colour in class_colours(sessions).items():
        counts, edges = np.histogram(
            hours[(sessions["vehicle_class"] == name).to_numpy()], bins=24, range=(0, 24)
        )
        axis.stairs(counts / days, edges, label=name, color=colour)
    axis.set(
        title="EV arrivals (served sessions)",
        xlabel="Hour of day (local)",
        ylabel="Sessions per day and hour",
        xlim=(0, 24),
    )
    axis.set_xticks(range(0, 25, 3))
    axis.legend(frameon=False, fontsize="small")


def draw_session_energy(axis, sessions: pd.DataFrame) -> None:
    """Distribution of the energy a session takes, per class (share of the class's sessions)."""
    edges = np.linspace(0, sessions["energy_kwh"].max() * 1.001, 31)
    for name, colour in class_colours(sessions).items():
        energy = sessions.loc[sessions["vehicle_class"] == name, "energy_kwh"]
        counts, _ = np.histogram(energy, bins=edges)
        axis.stairs(counts / len(energy), edges, label=f"{name}: mean {energy.mean():.2f} kWh", color=colour)
    axis.set(title="EV session energy", xlabel="Energy per session (kWh)", ylabel="Share of sessions")
    axis.legend(frameon=False, fontsize="small")


# Where a battery other than the rule's comes from (bess.sizing): its bar's label and the title's words.
SIZE_SOURCES = {
    "optimal": ("LP\noptimum", "LP optimum"),
    "fixed": ("fixed\n(config)", "fixed in config"),
}


def draw_sizing(axis, bess: Mapping[str, Any]) -> None:
    """The rule's steps to its capacity; under bess.sizing optimal or fixed (bess.json names it) a fourth
    bar, the battery the site gets, labelled with where its size came from."""
    rule = f"× {bess['design_factor']:g}\ncapacity"
    labels = ["evening\nEV deficit", "/ (DoD × η)\nrounded", rule]
    values = [bess["deficit_kwh_per_day"], bess["rounded_requirement_kwh"], bess["capacity_kwh"]]
    colours = ["#9e9e9e", "#6d9eeb", "#3c78d8"]
    title = f"Battery: {bess['capacity_kwh']:.0f} kWh, {bess['power_kw']:.0f} kW"
    if "sizing" in bess:
        label, words = SIZE_SOURCES[bess["sizing"]]
        labels = [*labels[:2], f"{rule}\n(rule)", label]
        values = [*values[:2], bess["rule_capacity_kwh"], bess["capacity_kwh"]]
        colours.append("#cc4125")
        title = f"{title} ({words})"
    bars = axis.bar(labels, values, color=colours)
    axis.bar_label(bars, fmt="%.0f kWh")
    axis.set(title=title, ylabel="Energy (kWh)")
    axis.set_ylim(0, max(values) * 1.2)


def site_figure(profiles: SiteProfiles, bess: Mapping[str, Any], site_name: str) -> Figure:
    time = profiles.time
    figure, axes = plt.subplots(2, 4, figsize=(19, 8.5), layout="constrained")
    draw_mean_days(
        axes[0, 0],
        {
            "PV": (time, profiles.pv_kw, palette.PV),
            "building load": (time, profiles.load_kw, palette.BUILDING_LOAD),
            "EVs (uncontrolled)": (time, profiles.ev_kw, palette.EV_CHARGING),
        },
        "Mean day",
    )
    draw_mean_days(axes[0, 1], day_type_curves(time, profiles.load_kw), "Building load by day type")
    monthly = monthly_pv_mwh_per_day(time, profiles.pv_kw)
    draw_monthly_pv(axes[0, 2], monthly)
    draw_mean_days(
        axes[0, 3],
        low_and_high_pv_curves(time, profiles.pv_kw, monthly),
        "PV: the months with least and most",
    )
    draw_daily_series(axes[1, 0], time, profiles.load_kw, profiles.sessions)
    draw_arrivals(axes[1, 1], profiles.sessions, time)
    draw_session_energy(axes[1, 2], profiles.sessions)
    draw_sizing(axes[1, 3], bess)
    days = len(site_days(time))
    figure.suptitle(f"{site_name}: {days} days at {time_step_hours(time) * 60:.0f}-minute steps")
    return figure
