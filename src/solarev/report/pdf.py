"""The comparison: summary numbers and every page, written as one multi-page PDF plus a PNG per figure
(the Snakemake HTML report shows the PNGs)."""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.image
import pandas as pd
import xarray as xr
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from solarev.control import CONTROLLERS
from solarev.env.forecasts import tier
from solarev.env.objective import Objective
from solarev.report import figures, tables
from solarev.report.paths import ANNUAL_BILL_PAGE, SIZING_PAGE

LEARNING_CURVE_KPIS = ("objective", "co2_kg", "ev_unmet_kwh")  # what the agents minimise first
PNG_DPI = 110


@dataclass(frozen=True)
class ComparisonInputs:
    kpis: pd.DataFrame  # results/kpis.csv
    timeseries: xr.Dataset  # results/timeseries.nc
    curves: pd.DataFrame  # every learning_curve.csv stacked, columns algo and seed added
    run_configs: Sequence[Mapping[str, Any]]  # every agent run's config.yaml
    site_figure: Path  # results/figures/site.png, drawn once by the site stage
    sizing_figure: Path | None  # results/figures/bess_sizing.png under bess.sizing optimal, else None
    annual_bill_figure: Path | None  # results/figures/annual_bill.png (rule annual_bill), None if not drawn
    site_config: Mapping[str, Any]  # the config's `site` keys the title page names
    grid_config: Mapping[str, Any]  # the config's `grid` keys (the tariff the title page states)
    objective: Objective  # what the shares are of (config env.objective)
    forecasts: Mapping[str, str]  # config env.forecasts: the tier of the agents, rule_level and the MPC
    config_files: Sequence[str]
    config_hash: str
    code_version: str


@dataclass(frozen=True)
class Comparison:
    summary: pd.DataFrame  # tables.summary_table: the numbers of the summary page
    title: Figure
    pages: dict[str, Figure]  # by FIGURES name (and SIZING_PAGE), in the PDF's order


# The controllers a site could deploy (no perfect foresight), whose shares the title page gives.
PRACTICAL_CONTROLLERS = ("rule_based", "rule_tuned", "rule_level", "mpc")
# The controllers beside the best agent on the dispatch days (those the study ran).
DISPATCH_CONTROLLERS = ("optimum", "mpc", "rule_tuned", "rule_based")


def headline(
    summary: pd.DataFrame, agents: Sequence[str], confidence: float, objective: Objective, look_ahead: str
) -> list[str]:
    """The answer: what the optimum saves on the objective and in CO2 (both settled for the stored energy
    left), how much of it each controller (the user's among them) gets, cost and CO2 per controller, and the
    EV energy the agents leave unmet (the price an agent may pay for its saving). `look_ahead`: the tier of
    the controllers and agents that read env.forecasts."""
    point = summary.set_index(["kpi", "controller"])["point"]
    settled, co2 = point["objective"], point["co2_kg"]
    saving = settled["uncontrolled"] - settled["optimum"]
    co2_saving = point["co2_settled_kg"]["uncontrolled"] - point["co2_settled_kg"]["optimum"]
    ranked = point["optimum_share"][list(agents)].sort_values(ascending=False).index
    controllers = [c for c in settled.index if c not in agents]
    users = [c for c in controllers if c not in CONTROLLERS]
    unmet = point["ev_unmet_kwh"]
    period = figures.summary_period(summary)
    return [
        f"Objective: {objective.name}. The LP optimum (perfect foresight) saves {saving:,.0f} "
        f"{objective.unit} per {period}, {saving / settled['uncontrolled']:.1%} of the uncontrolled site's "
        f"{settled['uncontrolled']:,.0f}, and {co2_saving:,.0f} kg CO2 (settled for the stored energy left).",
        f"Share of the objective's saving (and of the CO2 saving), forecasting on {look_ahead}: "
        + "; ".join(
            f"{figures.controller_label(c)} {figures.share_text(summary, c)} "
            f"({figures.share_text(summary, c, 'optimum_share_co2')})"
            for c in [*PRACTICAL_CONTROLLERS, *users]
            if c in settled
        )
        + ".",
        f"Agents on {look_ahead}, best first (IQM over seeds and {period}s [{confidence:.0%} CI]): "
        + "; ".join(f"{figures.controller_label(a)} {figures.share_text(summary, a)}" for a in ranked)
        + ".",
        f"Per {period}, cost (energy + demand charges - export) and CO2: "
        + "; ".join(
            f"{figures.controller_label(c)} {point['total_cost_usd'][c]:,.0f} USD, {co2[c]:,.0f} kg"
            for c in [*controllers, *ranked]
        )
        + ".",
        f"EV energy unmet at departure per {period}: "
        + "; ".join(f"{figures.controller_label(c)} {unmet[c]:,.1f} kWh" for c in ["optimum", *ranked])
        + ".",
    ]


def held_out_period(inputs: ComparisonInputs) -> str:
    """What the test episodes are (week or month), as the episodes' time series record it."""
    return str(inputs.timeseries.attrs["period"])


def study_lines(inputs: ComparisonInputs) -> list[str]:
    runs = tables.runs_table(inputs.run_configs)
    presets = sorted({str(config.get("preset")) for config in inputs.run_configs})
    period = held_out_period(inputs)
    episodes = [tables.episode_name(label, period) for label in sorted(inputs.kpis["episode"].unique())]
    seeds = sorted(runs["seed"].unique())
    return [
        f"Agents: {', '.join(figures.controller_label(a) for a in dict.fromkeys(runs['algo']))} × seeds "
        f"{', '.join(map(str, seeds))} (preset {', '.join(presets)}); environment steps per run: "
        f"{figures.steps_text(runs)}.",
        "References: uncontrolled (EVs charge on arrival, battery idle); rule-based (EVs on arrival, battery "
        "stores PV surplus and covers import); tuned rule (peak shaving under an import threshold, EVs "
        "least-laxity-first, thresholds grid-searched on the training weeks); window-level rule (battery "
        "holds each demand window's import at the level its energy can keep, on the agents' forecasts, the "
        "agents' window_level action at -1); MPC (the LP over a receding horizon on forecasts, and on "
        f"perfect ones); LP optimum (perfect foresight over the {period}, HiGHS).",
        f"Held-out test {period}s: {', '.join(episodes)} (never seen in training"
        + ("; each billed as the month it is" if period == "month" else "")
        + "); every number comes from a CityLearn run on them.",
    ]


def dispatch_page(inputs: ComparisonInputs, agent: str, seed: int, day: pd.Timestamp, kind: str) -> Figure:
    seed_free = tables.any_seed(inputs.timeseries)
    present = set(inputs.timeseries["controller"].values)
    runs = {
        figures.controller_label(controller): (controller, seed_free)
        for controller in DISPATCH_CONTROLLERS
        if controller in present
    } | {f"{figures.controller_label(agent)} (seed {seed})": (agent, seed)}
    frames = {
        name: tables.dispatch_frame(inputs.timeseries, controller, run_seed, day)
        for name, (controller, run_seed) in runs.items()
    }
    return figures.dispatch_figure(frames, f"Dispatch on {kind}: {day:%a %d %b %Y}")


def image_page(path: Path) -> Figure:
    """A stage's own figure (the site's, the battery sizing's) as it is, on a page of the report's size:
    one drawing, in the PDF and in the HTML report alike."""
    figure = Figure(figsize=figures.PAGE_SIZE, layout="constrained")
    axis = figure.subplots()
    axis.imshow(matplotlib.image.imread(path))
    axis.set_axis_off()
    return figure


def sizing_pages(inputs: ComparisonInputs) -> dict[str, Figure]:
    """The battery-sizing page when the sweep ran (bess.sizing optimal), else none."""
    return {} if inputs.sizing_figure is None else {SIZING_PAGE: image_page(inputs.sizing_figure)}


def annual_bill_pages(inputs: ComparisonInputs) -> dict[str, Figure]:
    """The annual bill's page (rule annual_bill's figure as it is), when there is one."""
    figure = inputs.annual_bill_figure
    return {} if figure is None else {ANNUAL_BILL_PAGE: image_page(figure)}


def build_comparison(
    inputs: ComparisonInputs, bootstrap: tables.Bootstrap, date: str | None = None
) -> Comparison:
    period = held_out_period(inputs)
    summary = tables.summary_table(inputs.kpis, bootstrap, inputs.forecasts, period)
    agents = tables.agent_names(inputs.kpis)
    agent = tables.best_agent(summary, agents)
    seed = tables.representative_seed(inputs.kpis, agent)
    days = tables.dispatch_days(inputs.timeseries, agent, seed)
    best = figures.controller_label(agent)
    pages = {
        "summary": figures.summary_table_figure(summary, bootstrap.confidence),
        "headline": figures.headline_figure(summary, bootstrap.confidence, inputs.objective),
        "objective_per_episode": figures.objective_per_episode_figure(
            tables.episode_table(inputs.kpis, "objective", bootstrap),
            period,
            bootstrap.confidence,
            agents,
            inputs.objective,
        ),
        "learning_curves": figures.learning_curves_figure(
            {kpi: tables.learning_curve_table(inputs.curves, kpi, bootstrap) for kpi in LEARNING_CURVE_KPIS},
            figures.selected_steps(inputs.run_configs),
            bootstrap.confidence,
        ),
        "dispatch_representative": dispatch_page(
            inputs, agent, seed, days.representative, f"a typical held-out day (best agent {best})"
        ),
        "dispatch_worst": dispatch_page(
            inputs, agent, seed, days.worst, f"the best agent's ({best}) worst held-out day vs the optimum"
        ),
        "site": image_page(inputs.site_figure),
        **sizing_pages(inputs),
        **annual_bill_pages(inputs),
        "cost": figures.cost_figure(tables.runs_table(inputs.run_configs)),
    }
    title = figures.title_figure(
        figures.TitleInfo(
            site=inputs.site_config,
            grid=inputs.grid_config,
            config_files=inputs.config_files,
            config_hash=inputs.config_hash,
            code_version=inputs.code_version,
            date=date or datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            study=study_lines(inputs),
            headline=headline(
                summary, agents, bootstrap.confidence, inputs.objective, tier(inputs.forecasts)
            ),
        )
    )
    return Comparison(summary=summary, title=title, pages=pages)


def write_pdf(comparison: Comparison, path: str | Path, subject: str) -> None:
    """Title page then every page, with the traceability line in the PDF's metadata."""
    metadata = {"Title": "solarev comparison", "Subject": subject, "Creator": "solarev"}
    with PdfPages(path, metadata=metadata) as pdf:
        for figure in (comparison.title, *comparison.pages.values()):
            pdf.savefig(figure)


def write_pngs(comparison: Comparison, paths: Mapping[str, str | Path]) -> None:
    """The pages named in `paths` (figure name -> PNG path) as PNGs."""
    for name, path in paths.items():
        comparison.pages[name].savefig(path, dpi=PNG_DPI)
