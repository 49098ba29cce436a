"""One function per page of the comparison: each takes the data frames of solarev.report.tables and returns
a matplotlib Figure (A4 landscape, fonts sized for print). No pyplot: figures hold no global state."""

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from solarev import palette
from solarev.env.forecasts import PERFECT_TIER, REALISTIC_TIER, WHOLE_EPISODE_TIER
from solarev.env.objective import Objective
from solarev.report.tables import BOUNDS, episode_name
from solarev.site.model import hour_of_day

PAGE_SIZE = (11.69, 8.27)  # A4 landscape, inches
TITLE_LINE_CHARS = 115  # wrap the title page's lines to the page width
FONT_SIZE = 11
THOUSANDS = StrMethodFormatter("{x:,.0f}")  # tick labels like 16,000
SHARES = {"pv_used_share", "optimum_share", "optimum_share_co2"}  # fractions shown in percent
KPIS = {  # KPI -> name, unit (as displayed)
    "optimum_share": ("Share of optimum's saving (objective)", "%"),
    "optimum_share_co2": ("Share of optimum's CO2 saving", "%"),
    "co2_kg": ("CO2", "kg"),
    "grid_import_kwh": ("Grid import", "kWh"),
    "peak_import_kw": ("Peak grid import", "kW"),
    "pv_used_share": ("PV used on site", "%"),
    "pv_curtailed_kwh": ("PV not used (exported)", "kWh"),
    "ev_delivered_kwh": ("EV energy delivered", "kWh"),
    "ev_unmet_kwh": ("EV energy unmet at departure", "kWh"),
    "bess_equivalent_cycles": ("Battery equivalent full cycles", "-"),
    "energy_cost_usd": ("Energy cost", "USD"),
    "demand_charge_usd": ("Demand charges", "USD"),
    "export_revenue_usd": ("Export revenue", "USD"),
    "total_cost_usd": ("Total cost", "USD"),
    "stored_energy_change_kwh": ("Stored energy left over the start", "kWh"),
    "co2_settled_kg": ("CO2 settled for stored energy", "kg"),
    "objective": ("Objective (settled)", "-"),
}
CONTROLLER_LABELS = {
    "uncontrolled": "Uncontrolled",
    "rule_based": "Rule-based",
    "rule_tuned": "Tuned rule",
    "rule_level": "Window-level rule",
    "mpc": "MPC",
    "mpc_perfect": "MPC (perfect forecasts)",
    "optimum": "LP optimum",
}
CONTROLLER_COLORS = {  # the same colour for a controller on every page
    "uncontrolled": "#b2182b",
    "rule_based": "#ef8a62",
    "rule_tuned": "#fdb863",
    "rule_level": "#e6c700",
    "mpc": "#7fbc41",
    "mpc_perfect": "#b8e186",
    "optimum": "#1a9850",
    "sac": "#2166ac",
    "ppo": "#762a83",
    "a2c": "#35978f",
}
OTHER_COLORS = ["#8c510a", "#4d4d4d", "#c51b7d"]  # agents of other algorithms
FLOW_STYLES = {  # dispatch lines: column -> (label, colour, line style)
    "pv_kw": ("PV", palette.PV, "-"),
    "building_load_kw": ("Building load", palette.BUILDING_LOAD, "-"),
    "ev_charging_kw": ("EV charging", palette.EV_CHARGING, "-"),
    "battery_kw": ("Battery (+ charging, − discharging)", palette.BATTERY, "-"),
    "grid_import_kw": ("Grid import", palette.GRID_IMPORT, "--"),
}


def kpi_label(kpi: str, per: str = "") -> str:
    """'CO2 [kg]', or with `per` 'CO2 per validation week [kg]'."""
    name, unit = KPIS[kpi]
    return f"{name}{' per ' + per if per else ''} [{unit}]"


def controller_label(controller: str) -> str:
    """The reference controllers' labels; any other name (an algorithm, a user's method) in capitals."""
    return CONTROLLER_LABELS.get(controller, controller.upper())


def controller_colors(controllers: Sequence[str]) -> dict[str, str]:
    others = [c for c in controllers if c not in CONTROLLER_COLORS]
    extra = {c: OTHER_COLORS[i % len(OTHER_COLORS)] for i, c in enumerate(others)}
    return {c: CONTROLLER_COLORS.get(c) or extra[c] for c in controllers}


def page(title: str) -> Figure:
    figure = Figure(figsize=PAGE_SIZE, layout="constrained")
    figure.suptitle(title, fontsize=FONT_SIZE + 4, fontweight="bold")
    return figure


def display_value(kpi: str, value: float) -> float:
    return 100 * value if kpi in SHARES else value


def decimals(values: Sequence[float]) -> int:
    """Decimals that give the largest value four significant digits (at most three decimals)."""
    finite = [abs(v) for v in values if np.isfinite(v) and v != 0]
    if not finite:
        return 1
    return int(min(3, max(0, 3 - math.floor(math.log10(max(finite))))))


def format_number(value: float, digits: int) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:,.{digits}f}"


def summary_cells(summary: pd.DataFrame, controllers: Sequence[str], kpis: Sequence[str]) -> list[list[str]]:
    """Cell text of the summary table: KPI rows × controller columns; 'IQM\\n[low, high]' for agents."""
    cells = []
    for kpi in kpis:
        rows = summary[summary["kpi"] == kpi].set_index("controller")
        shown = rows[["point", "low", "high"]].map(lambda v, k=kpi: display_value(k, v))
        digits = decimals(shown.to_numpy().ravel())
        row = []
        for controller in controllers:
            point, low, high = (format_number(v, digits) for v in shown.loc[controller])
            row.append(point if rows.loc[controller, "runs"] == 1 else f"{point}\n[{low}, {high}]")
        cells.append(row)
    return cells


def tier_tag(summary: pd.DataFrame, controller: str) -> str:
    """The summary's tier of `controller`, short, 'bound' where it is one (solarev.report.tables)."""
    tier = summary.loc[summary["controller"] == controller, "tier"].iloc[0]
    short = {
        "realistic forecasts": "realistic",
        "perfect forecasts": "perfect fc.",
        "whole episode": f"whole {summary_period(summary)}",
    }
    return f"{short[tier]}{' (bound)' if controller in BOUNDS else ''}"


def summary_period(summary: pd.DataFrame) -> str:
    """What the summary's held-out episodes are: week or month."""
    return str(summary["period"].iloc[0])


def share_text(summary: pd.DataFrame, controller: str, share: str = "optimum_share", digits: int = 0) -> str:
    """'32 %', with '[31, 34]' (the CI) for a controller with seeds."""
    row = summary[(summary["controller"] == controller) & (summary["kpi"] == share)].iloc[0]
    point, low, high = (f"{100 * row[column]:.{digits}f}" for column in ("point", "low", "high"))
    return f"{point} %" if row["runs"] == 1 else f"{point} % [{low}, {high}]"


def summary_font_size(columns: int) -> float:
    """The summary table's font: the body's less one up to seven columns, half a point less per column
    beyond, never below 5."""
    return max(5.0, FONT_SIZE - 1 - 0.5 * max(0, columns - 7))


def summary_table_figure(summary: pd.DataFrame, confidence: float) -> Figure:
    controllers = list(dict.fromkeys(summary["controller"]))
    kpis = list(KPIS)
    period = summary_period(summary)
    figure = page(f"Summary: every controller on the held-out test {period}s (per {period})")
    ax = figure.add_subplot()
    ax.axis("off")
    # From eight columns on, headers at the body font overlap: the font shrinks with the column count and
    # each header wraps to the width its column has.
    font_size = summary_font_size(len(controllers))
    width = max(6, round(120 / (len(controllers) * font_size / FONT_SIZE)))
    # Names wrap between words only: a method's name (LEAST_LAXITY_FIRST) stays whole, as the reader
    # searches for it.
    headers = [
        textwrap.fill(controller_label(c), width, break_long_words=False, break_on_hyphens=False)
        + f"\n{tier_tag(summary, c)}"
        for c in controllers
    ]
    table = ax.table(
        cellText=summary_cells(summary, controllers, kpis),
        rowLabels=[kpi_label(kpi) for kpi in kpis],
        colLabels=headers,
        cellLoc="center",
        loc="upper center",
        bbox=[0.3, 0.08, 0.7, 0.9],
    )
    table.auto_set_font_size(False)
    table.set_fontsize(font_size)
    header_lines = max(header.count("\n") + 1 for header in headers)
    for (row, column), cell in table.get_celld().items():
        if row == 0:
            cell.set_height(cell.get_height() * header_lines / 2)
            cell.set_text_props(fontweight="bold")
            cell.set_facecolor("#e8e8e8")
        elif row == 1:  # optimum_share: the headline
            cell.set_facecolor("#fff5d6")
        if column == -1:
            cell.set_text_props(ha="right")
    episodes = int(summary["episodes"].max())
    seeds = int(summary["runs"].max())
    ax.text(
        0.0,
        0.0,
        f"Each value is the interquartile mean (IQM) over the {episodes} held-out {period}(s); for the "
        f"agents over {seeds} seeds × {episodes} {period}(s), with its {confidence:.0%} stratified bootstrap "
        "confidence interval in brackets.\nShare of optimum's saving = (X uncontrolled − X controller) / "
        f"(X uncontrolled − X optimum), per {period}, X the objective or CO2 settled for the stored energy "
        "left: 0 % = no saving, 100 % = the LP optimum.",
        transform=ax.transAxes,
        fontsize=FONT_SIZE - 2,
        va="bottom",
        wrap=True,
    )
    return figure


TIERS = (REALISTIC_TIER, PERFECT_TIER, WHOLE_EPISODE_TIER)  # the headline's groups, top to bottom
FOOTNOTE_CHARS = 145  # wrap the headline's footnote to the page width


def headline_rows(summary: pd.DataFrame) -> pd.DataFrame:
    """The optimum_share rows the headline figure draws, grouped by tier (TIERS' order), within a tier in the
    summary's order; the uncontrolled site, 0 % by definition, is the axis' zero instead."""
    rows = summary[(summary["kpi"] == "optimum_share") & (summary["controller"] != "uncontrolled")]
    order = rows["tier"].map(TIERS.index)
    return rows.assign(order=order).sort_values("order", kind="stable").drop(columns="order")


def headline_positions(tiers: Sequence[str]) -> tuple[np.ndarray, dict[str, float]]:
    """Rows' y positions from the top, each tier's group after a heading line of its own: (the rows'
    positions, each present tier's heading position)."""
    positions, headings, y = [], {}, 0.0
    for position, tier in enumerate(tiers):
        if position == 0 or tier != tiers[position - 1]:
            headings[tier] = y
            y -= 0.8
        positions.append(y)
        y -= 1.0
    return np.array(positions), headings


def headline_figure(summary: pd.DataFrame, confidence: float, objective: Objective) -> Figure:
    """The answer at a glance: each controller's and agent's share of the optimum's saving, one bar each
    (an agent's IQM with its CI), grouped by what it knew (the summary's tier); the bounds hatched."""
    rows = headline_rows(summary)
    controllers = list(rows["controller"])
    figure = page(f"Share of the LP optimum's saving on the objective ({objective.name}) per controller")
    ax = figure.add_subplot()
    y, headings = headline_positions(list(rows["tier"]))
    shares = 100 * rows[["point", "low", "high"]].to_numpy(float)
    colors = controller_colors(controllers)
    bars = ax.barh(
        y,
        shares[:, 0],
        height=0.75,
        color=[colors[c] for c in controllers],
        hatch=["//" if c in BOUNDS else "" for c in controllers],
        edgecolor="black",
        linewidth=0.6,
    )
    seeded = (rows["runs"] > 1).to_numpy()
    ax.errorbar(
        shares[seeded, 0],
        y[seeded],
        xerr=[shares[seeded, 0] - shares[seeded, 1], shares[seeded, 2] - shares[seeded, 0]],
        fmt="none",
        ecolor="black",
        elinewidth=1.5,
        capsize=6,
    )
    # Right of the bar, or of its error bar.
    ends = np.where(seeded, shares[:, 2], shares[:, 0]) - shares[:, 0]
    for bar, end, controller in zip(bars, ends, controllers, strict=True):
        ax.annotate(
            share_text(summary, controller),
            (max(bar.get_width(), 0) + end, bar.get_y() + bar.get_height() / 2),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=FONT_SIZE + 1,
        )
    for tier, heading in headings.items():
        ax.text(
            0.005,
            heading,
            f"{tier[0].upper()}{tier[1:]}",
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize=FONT_SIZE + 1,
            fontweight="bold",
            fontstyle="italic",
        )
    ax.set_yticks(y, [controller_label(c) for c in controllers])
    ax.axvline(0, color=CONTROLLER_COLORS["uncontrolled"], linestyle="--", linewidth=1.5)
    ax.axvline(100, color=CONTROLLER_COLORS["optimum"], linestyle=":", linewidth=1.5)
    ax.set_xlim(min(0.0, np.nanmin(shares)) - 3, max(100.0, np.nanmax(shares)) + 22)
    ax.set_ylim(y.min() - 0.7, max(headings.values()) + 0.6)
    period = summary_period(summary)
    ax.set_xlabel(
        f"Share of the optimum's saving per held-out {period} [%]: 0 % uncontrolled (dashed line), "
        "100 % the LP optimum (dotted)"
    )
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    style_axes(ax)
    ax.tick_params(axis="y", labelsize=FONT_SIZE + 1, length=0)
    footnote = (
        f"Saving = objective ({objective.unit}, settled for the stored energy left) of the uncontrolled site "
        f"minus the controller's. Each value is the interquartile mean (IQM) over the held-out {period}s; an "
        f"agent's over seeds × {period}s, with its {confidence:.0%} stratified bootstrap confidence interval "
        "(error bar, brackets). Hatched: bounds no site can reach (perfect foresight of the forecasts or of "
        f"the whole {period})."
    )
    figure.supxlabel(textwrap.fill(footnote, FOOTNOTE_CHARS), fontsize=FONT_SIZE - 1, ha="left", x=0.02)
    return figure


def reference_levels(
    ax: Axes, per_episode: pd.DataFrame, positions: Mapping[int, float], width: float
) -> None:
    """Horizontal marks of the uncontrolled and optimum levels across each episode's group of bars."""
    for controller, style in (("uncontrolled", "--"), ("optimum", ":")):
        levels = per_episode[per_episode["controller"] == controller].set_index("episode")["point"]
        for i, (episode, level) in enumerate(levels.items()):
            ax.hlines(
                level,
                positions[episode] - width / 2,
                positions[episode] + width / 2,
                colors=CONTROLLER_COLORS[controller],
                linestyles=style,
                linewidth=2.5,
                label=f"{controller_label(controller)} (level)" if i == 0 else None,
            )


def objective_per_episode_figure(
    per_episode: pd.DataFrame, period: str, confidence: float, agents: Sequence[str], objective: Objective
) -> Figure:
    """Bars: the settled objective of every controller but the two levels per held-out episode (a week or
    a month: `period`), `agents` with CI over seeds; lines: uncontrolled and optimum levels."""
    figure = page(f"{'Cost' if objective.name == 'cost' else 'CO2'} per held-out {period} (the objective)")
    ax = figure.add_subplot()
    barred = [c for c in dict.fromkeys(per_episode["controller"]) if c not in ("uncontrolled", "optimum")]
    colors = controller_colors(list(dict.fromkeys(per_episode["controller"])))
    episodes = sorted(per_episode["episode"].unique())
    group = 0.8
    width = group / len(barred)
    positions = {episode: float(i) for i, episode in enumerate(episodes)}
    for j, controller in enumerate(barred):
        rows = per_episode[per_episode["controller"] == controller].set_index("episode").loc[episodes]
        x = np.arange(len(episodes)) - group / 2 + (j + 0.5) * width
        has_ci = controller in agents
        ax.bar(
            x,
            rows["point"],
            width * 0.9,
            color=colors[controller],
            label=controller_label(controller)
            + (f" (IQM over seeds, {confidence:.0%} CI)" if has_ci else ""),
            yerr=[rows["point"] - rows["low"], rows["high"] - rows["point"]] if has_ci else None,
            capsize=4,
        )
    reference_levels(ax, per_episode, positions, group)
    ax.set_xticks(list(positions.values()), [episode_name(episode, period) for episode in episodes])
    ax.set_xlabel(
        "Held-out test month (as billed)"
        if period == "month"
        else "Held-out test week (weeks counted from 1 January, week 0)"
    )
    ax.set_ylabel(f"Objective (settled) per {period} [{objective.unit}]")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(THOUSANDS)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, fontsize=FONT_SIZE - 1, frameon=False)
    style_axes(ax)
    return figure


def steps_text(runs: pd.DataFrame) -> str:
    """'SAC 3,000, PPO 4,096' environment steps of each algorithm's runs (a range when seeds differ)."""
    parts = []
    for algo, steps in runs.groupby("algo", sort=False)["num_timesteps"]:
        low, high = int(steps.min()), int(steps.max())
        parts.append(f"{controller_label(algo)} {low:,}" + (f"–{high:,}" if high > low else ""))
    return ", ".join(parts)


def style_axes(*axes: Axes) -> None:
    for ax in axes:
        ax.tick_params(labelsize=FONT_SIZE - 1)
        ax.xaxis.label.set_size(FONT_SIZE)
        ax.yaxis.label.set_size(FONT_SIZE)
        ax.title.set_size(FONT_SIZE + 1)


def selected_steps(run_configs: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The step of each agent run's selected model (the one the test weeks score): algo, seed, timesteps."""
    return pd.DataFrame(
        [
            {
                "algo": config["algo"],
                "seed": config["seed"],
                "timesteps": config["selected_model"]["timesteps"],
            }
            for config in run_configs
        ],
        columns=["algo", "seed", "timesteps"],
    )


SELECTED_MARKER = {"linestyle": "none", "marker": "v", "markersize": 9, "markeredgecolor": "black"}


def mark_selected_steps(ax: Axes, curve: pd.Series, steps: pd.Series, color: str) -> None:
    """A marker on the algorithm's curve (`curve`: displayed value by step) at each seed's selected step,
    with the number of seeds where several selected the same step."""
    seeds = steps.value_counts().sort_index()
    values = curve.reindex(seeds.index)
    ax.plot(seeds.index, values, color=color, zorder=3, **SELECTED_MARKER)
    for step, count in seeds[seeds > 1].items():
        ax.annotate(
            f"×{count}",
            (step, values[step]),
            textcoords="offset points",
            xytext=(0, 8),
            ha="center",
            fontsize=FONT_SIZE - 2,
        )


def learning_curves_figure(
    curves: Mapping[str, pd.DataFrame], selected: pd.DataFrame, confidence: float
) -> Figure:
    """One panel per KPI (`curves` maps KPI -> learning_curve_table): IQM over seeds and its CI band, and a
    marker at each run's selected model (`selected`: selected_steps)."""
    figure = page("Learning curves: deterministic policy on the validation weeks during training")
    axes = figure.subplots(1, len(curves), squeeze=False)[0]
    for ax, (kpi, table) in zip(axes, curves.items(), strict=True):
        algos = list(dict.fromkeys(table["algo"]))
        colors = controller_colors(algos)
        for algo in algos:
            rows = table[table["algo"] == algo].sort_values("timesteps")
            seeds = int(rows["seeds"].max())
            curve = rows.set_index("timesteps")["point"].map(lambda v, k=kpi: display_value(k, v))
            ax.plot(
                curve.index,
                curve,
                color=colors[algo],
                marker="o",
                markersize=3,
                label=f"{controller_label(algo)} (IQM of {seeds} seeds)",
            )
            ax.fill_between(
                rows["timesteps"],
                rows["low"].map(lambda v, k=kpi: display_value(k, v)),
                rows["high"].map(lambda v, k=kpi: display_value(k, v)),
                color=colors[algo],
                alpha=0.2,
                linewidth=0,
            )
            mark_selected_steps(ax, curve, selected.loc[selected["algo"] == algo, "timesteps"], colors[algo])
        ax.set_xlabel("Environment steps")
        ax.set_ylabel(kpi_label(kpi, per="validation week"))
        ax.xaxis.set_major_formatter(THOUSANDS)
        ax.grid(alpha=0.3)
        style_axes(ax)
    axes[0].plot([], [], color="white", label="a seed's model scored on the test weeks", **SELECTED_MARKER)
    axes[0].legend(fontsize=FONT_SIZE - 1, title=f"shaded: {confidence:.0%} bootstrap CI over seeds")
    return figure


def dispatch_figure(frames: Mapping[str, pd.DataFrame], title: str) -> Figure:
    """Power flows (top) and battery SOC (bottom) of each controller on one day, side by side."""
    figure = page(title)
    axes = figure.subplots(2, len(frames), sharex=True, sharey="row", height_ratios=[3, 1], squeeze=False)
    for column, (name, frame) in enumerate(frames.items()):
        power, soc = axes[0, column], axes[1, column]
        # each step's value holds until the next step, the day's last one until midnight
        hours = np.append(hour_of_day(frame.index), 24.0)
        day = pd.concat([frame, frame.iloc[[-1]]])
        for key, (label, color, style) in FLOW_STYLES.items():
            power.step(
                hours, day[key], where="post", color=color, linestyle=style, linewidth=1.8, label=label
            )
        power.axhline(0, color="black", linewidth=0.6)
        power.set_title(name)
        soc.step(hours, 100 * day["soc"], where="post", color=FLOW_STYLES["battery_kw"][1], linewidth=1.8)
        soc.set_ylim(0, 100)
        soc.set_xlabel("Hour of day (local time)")
        soc.set_xticks(range(0, 25, 6))
        soc.set_xlim(0, 24)
        for ax in (power, soc):
            ax.grid(alpha=0.3)
        style_axes(power, soc)
    axes[0, 0].set_ylabel("Power [kW]")
    axes[0, 0].yaxis.set_major_formatter(THOUSANDS)
    axes[1, 0].set_ylabel("Battery SOC [%]")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncol=len(labels), fontsize=FONT_SIZE - 1)
    return figure


def cost_figure(runs: pd.DataFrame) -> Figure:
    """Wall time and speed of every training run, labelled with its device."""
    figure = page("Cost of the study: training runs")
    time_ax, speed_ax = figure.subplots(1, 2, sharey=True)
    order = {algo: i for i, algo in enumerate(dict.fromkeys(runs["algo"]))}  # as configured
    runs = runs.sort_values(["algo", "seed"], key=lambda c: c.map(order) if c.name == "algo" else c)
    runs = runs.reset_index(drop=True)
    labels = [f"{controller_label(a)} seed {s}" for a, s in zip(runs["algo"], runs["seed"], strict=True)]
    colors = controller_colors(list(dict.fromkeys(runs["algo"])))
    y = np.arange(len(runs))
    bar_colors = [colors[a] for a in runs["algo"]]
    minutes = runs["wall_time_s"] / 60
    time_bars = time_ax.barh(y, minutes, color=bar_colors)
    time_ax.set_yticks(y, labels)
    time_ax.invert_yaxis()
    time_ax.set_xlabel("Wall time per run [min] (training incl. evaluations)")
    speed_bars = speed_ax.barh(y, runs["steps_per_second"], color=bar_colors)
    speed_ax.set_xlabel("Training speed [environment steps/s] (evaluations excluded)")
    for ax in (time_ax, speed_ax):
        ax.grid(axis="x", alpha=0.3)
        style_axes(ax)
    devices = [
        device + (f" ({gpu})" if isinstance(gpu, str) else "")
        for device, gpu in zip(runs["device"], runs["gpu"], strict=True)
    ]
    time_ax.bar_label(
        time_bars,
        [f" {m:.1f} min on {d}" for m, d in zip(minutes, devices, strict=True)],
        fontsize=FONT_SIZE - 1,
    )
    speed_ax.bar_label(speed_bars, [f" {v:,.0f}" for v in runs["steps_per_second"]], fontsize=FONT_SIZE - 1)
    for ax in (time_ax, speed_ax):
        ax.margins(x=0.3)
    total_h = runs["wall_time_s"].sum() / 3600
    figure.supxlabel(
        f"{len(runs)} runs; environment steps per run: {steps_text(runs)}; "
        f"{total_h:.2f} h of training in total.",
        fontsize=FONT_SIZE,
    )
    return figure


@dataclass(frozen=True)
class TitleInfo:
    site: Mapping[str, object]  # the config's `site` section
    grid: Mapping[str, Any]  # the config's `grid` section
    config_files: Sequence[str]
    config_hash: str
    code_version: str
    date: str
    study: Sequence[str]  # lines on the runs: algorithms, seeds, steps, weeks
    headline: Sequence[str]  # lines with the answer


def grid_text(grid: Mapping[str, Any]) -> str:
    """One line on the tariff: carbon intensity, energy prices by period, demand charges, export price."""
    carbon = grid["carbon_intensity_file"] or f"{grid['carbon_intensity_kg_per_kwh']} kg CO2/kWh"
    price = grid["import_price"]
    periods = "".join(
        f", {p['name']} {p['start_hour']}-{p['end_hour']} h {p['usd_per_kwh']}" for p in price["periods"]
    )
    energy = price["file"] or f"{price['usd_per_kwh']}{periods} USD/kWh"
    charges = "".join(
        f"; demand charge {c['name']} {c['start_hour']}-{c['end_hour']} h "
        f"{c['usd_per_kw_month']} USD/kW-month"
        for c in grid["demand_charges"]
    )
    return f"Grid {carbon}; energy {energy}{charges}; export {grid['export_price_usd_per_kwh']} USD/kWh"


def title_figure(info: TitleInfo) -> Figure:
    figure = Figure(figsize=PAGE_SIZE)
    site = info.site
    figure.text(
        0.06,
        0.88,
        "solarev: how much cost and CO2 does smart battery and EV charging control save?",
        fontsize=FONT_SIZE + 7,
        fontweight="bold",
    )
    blocks = {
        "Site": [
            f"{site['name']} (lat {site['latitude']}, lon {site['longitude']}, {site['altitude_m']} m, "
            f"{site['timezone']})",
            f"{site['days']} days from 1 January {site['year']} at {site['time_step_minutes']}-minute steps",
            grid_text(info.grid),
        ],
        "Answer": list(info.headline),
        "Study": list(info.study),
        "Traceability": [
            f"Config: {', '.join(info.config_files) or '(defaults)'} — hash {info.config_hash}",
            f"Code version: {info.code_version}",
            f"Built: {info.date}",
        ],
    }
    y = 0.8
    for heading, lines in blocks.items():
        figure.text(0.06, y, heading, fontsize=FONT_SIZE + 3, fontweight="bold")
        y -= 0.042
        for line in lines:
            for part in textwrap.wrap(line, TITLE_LINE_CHARS, subsequent_indent="    "):
                figure.text(0.08, y, part, fontsize=FONT_SIZE + 1)
                y -= 0.034
        y -= 0.02
    return figure
