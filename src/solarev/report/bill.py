"""The annual bill's figure (results/figures/annual_bill.png, also a page of comparison.pdf): what the site
pays in a year under each controller, month by month, and under bess.sizing optimal the battery's net
benefit under each controller's dispatch beside the sizing's bounds. No pyplot: no global figure state."""

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from solarev.env.objective import Objective
from solarev.evaluate.annual_bill import (
    PENALISED,
    REFERENCE,
    SAVING,
    annual_rows,
    days_covered,
    month_rows,
)
from solarev.evaluate.bill_benefit import BatteryBenefit
from solarev.report.figures import (
    FONT_SIZE,
    PAGE_SIZE,
    THOUSANDS,
    controller_colors,
    controller_label,
    style_axes,
)

UNMET_SHOWN_KWH = 0.05  # EV energy left unmet below this is not worth a label


def bill_column(objective: Objective) -> str:
    """What a bill is on the figure: what the site pays (energy + demand charges − export) under the cost
    objective; the settled objective (kg CO2) under co2."""
    return "total_cost_usd" if objective.name == "cost" else "objective"


def bill_unit(objective: Objective) -> str:
    return "USD" if objective.name == "cost" else objective.unit


def annual_bars(ax: Axes, table: pd.DataFrame, objective: Objective) -> None:
    """Per controller a horizontal bar of its annual bill (under cost: energy less export, and demand
    charges, stacked), labelled with the bill, its saving against uncontrolled on the penalised objective
    and the EV energy it left unmet."""
    year = annual_rows(table)
    controllers = list(year.index)
    colors = [controller_colors(controllers)[c] for c in controllers]
    positions = list(range(len(controllers)))[::-1]  # the first controller on top
    column = bill_column(objective)
    if objective.name == "cost":
        energy = year["energy_cost_usd"] - year["export_revenue_usd"]
        ax.barh(positions, energy, color=colors, alpha=0.55, label="energy − export")
        ax.barh(
            positions,
            year["demand_charge_usd"],
            left=energy,
            color=colors,
            hatch="//",
            edgecolor="white",
            label="demand charges",
        )
        ax.legend(
            loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, fontsize=FONT_SIZE - 2, frameon=False
        )
    else:
        ax.barh(positions, year[column], color=colors)
    reference = year.loc[REFERENCE, PENALISED]
    for position, controller in zip(positions, controllers, strict=True):
        row = year.loc[controller]
        text = f" {row[column]:,.0f}"
        if controller != REFERENCE:
            text += f"  saves {row[SAVING]:,.0f} ({row[SAVING] / reference:.1%})"
        if row["ev_unmet_kwh"] > UNMET_SHOWN_KWH:
            text += f"; EVs short {row['ev_unmet_kwh']:,.1f} kWh"
        ax.text(row[column], position, text, va="center", fontsize=FONT_SIZE - 2)
    ax.set_yticks(positions, [controller_label(c) for c in controllers])
    ax.set_xlim(0, 1.6 * year[column].max())
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_formatter(THOUSANDS)
    ax.set_xlabel(f"Annual bill [{bill_unit(objective)}]")
    ax.set_title(
        f"The year's bill ({days_covered(table)} days of data)", pad=22 if objective.name == "cost" else 6
    )


def month_lines(ax: Axes, table: pd.DataFrame, column: str, label: str) -> None:
    """`column` per month, one line per controller."""
    months = month_rows(table)
    controllers = list(dict.fromkeys(months["controller"]))
    colors = controller_colors(controllers)
    ticks = list(dict.fromkeys(months["month"]))
    for controller in controllers:
        rows = months[months["controller"] == controller].set_index("month").loc[ticks]
        ax.plot(
            range(len(ticks)),
            rows[column],
            marker="o",
            color=colors[controller],
            label=controller_label(controller),
        )
    names = [f"{pd.Timestamp(month + '-01'):%b}" for month in ticks]
    ax.set_xticks(range(len(ticks)), names)
    ax.yaxis.set_major_formatter(THOUSANDS)
    ax.set_ylabel(label)
    ax.grid(alpha=0.3)


def benefit_bars(ax: Axes, benefit: BatteryBenefit) -> None:
    """The battery's annual net benefit under each controller's dispatch, with the sizing's LP upper and
    rule_based lower bounds as lines and the range between them shaded."""
    controllers = list(benefit.net_benefit_usd)
    colors = [controller_colors(controllers)[c] for c in controllers]
    positions = list(range(len(controllers)))[::-1]
    values = [benefit.net_benefit_usd[c] for c in controllers]
    ax.barh(positions, values, color=colors)
    for position, value in zip(positions, values, strict=True):
        ha = "left" if value >= 0 else "right"
        ax.text(value, position, f" {value:,.0f} ", ha=ha, va="center", fontsize=FONT_SIZE - 2)
    ax.axvspan(benefit.rule_based_lower_usd, benefit.lp_upper_usd, color="tab:red", alpha=0.08)
    ax.axvline(
        benefit.lp_upper_usd,
        color="tab:red",
        linewidth=2,
        label=f"LP dispatch (perfect foresight): {benefit.lp_upper_usd:,.0f}",
    )
    ax.axvline(
        benefit.rule_based_lower_usd,
        color="tab:red",
        linestyle="--",
        linewidth=2,
        label=f"rule-based dispatch: {benefit.rule_based_lower_usd:,.0f}",
    )
    ax.axvline(0, color="grey", linewidth=0.8)
    low = min(0.0, *values, benefit.rule_based_lower_usd)
    high = max(0.0, *values, benefit.lp_upper_usd)
    ax.set_xlim(low - 0.15 * (high - low), high + 0.2 * (high - low))
    ax.set_yticks(positions, [controller_label(c) for c in controllers])
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_formatter(THOUSANDS)
    scaled = "" if benefit.scale == 1 else f", savings × {benefit.scale:.2f} to 52 weeks"
    ax.set_xlabel(
        f"Net benefit [USD/year]: saving − capital and O&M ({benefit.annual_capital_usd:,.0f}{scaled})"
    )
    ax.set_title(
        f"The battery ({benefit.capacity_kwh:,.0f} kWh / {benefit.power_kw:,.0f} kW) under each dispatch"
    )
    ax.legend(
        loc="upper right",
        fontsize=FONT_SIZE - 3,
        framealpha=0.9,
        title=f"the sizing's bounds ({benefit.sizing_weeks} training weeks)",
        title_fontsize=FONT_SIZE - 3,
    )


def annual_bill_figure(
    table: pd.DataFrame, objective: Objective, site_name: str, benefit: BatteryBenefit | None = None
) -> Figure:
    """The annual bill (solarev.evaluate.annual_bill.annual_bill_table): per controller the year's bill, the
    bill and the saving against uncontrolled month by month, and with `benefit` (bess.sizing optimal) the
    battery's net benefit under each controller's dispatch beside the sizing's bounds."""
    figure = Figure(figsize=PAGE_SIZE, layout="constrained")
    figure.suptitle(
        f"{site_name}: the annual bill, every month billed as a month (numpy twin)",
        fontsize=FONT_SIZE + 4,
        fontweight="bold",
    )
    grid = figure.add_gridspec(2, 2, width_ratios=[1.2, 1])
    year = figure.add_subplot(grid[0, 0] if benefit else grid[:, 0])
    month = figure.add_subplot(grid[0, 1])
    saving = figure.add_subplot(grid[1, 1], sharex=month)
    annual_bars(year, table, objective)
    unit = bill_unit(objective)
    month_lines(month, table, bill_column(objective), f"Month's bill [{unit}]")
    month.set_title("Month by month")
    month_lines(saving, table, SAVING, f"Saving against uncontrolled [{objective.unit}]")
    saving.axhline(0, color="grey", linewidth=0.8)
    saving.set_title("The month's saving (EVs left short at their penalty)")
    handles, labels = month.get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=FONT_SIZE - 1)
    axes = [year, month, saving]
    if benefit:
        net = figure.add_subplot(grid[1, 0])
        benefit_bars(net, benefit)
        axes.append(net)
    style_axes(*axes)
    return figure
