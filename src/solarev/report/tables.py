"""The numbers behind the comparison's figures, as data frames: every figure is drawn from one of these,
and results/summary.csv is `summary_table`, so a test can check the PDF against results/kpis.csv.

Scores of a controller form a runs × held-out episodes matrix (one run for the deterministic controllers,
one per seed for an agent); a row of the summary is its interquartile mean (IQM) with a stratified
bootstrap confidence interval over seeds, as rliable recommends.
"""

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from solarev.control import CONTROLLERS
from solarev.env.forecasts import PERFECT_TIER, REALISTIC_TIER, WHOLE_EPISODE_TIER, tier
from solarev.evaluate.stats import stratified_bootstrap_iqm
from solarev.report.collect import KPI_COLUMNS


@dataclass(frozen=True)
class Bootstrap:
    reps: int
    confidence: float
    seed: int

    @classmethod
    def from_config(cls, report: Mapping[str, Any]) -> "Bootstrap":
        return cls(report["bootstrap_reps"], report["confidence"], report["bootstrap_seed"])


# The information tier of the controllers whose tier the config does not set: the rules read no forecast
# (a site knows what they know), mpc_perfect and the optimum are bounds. The others (rule_level, the MPC,
# the agents, the user's methods) read env.forecasts.
FIXED_TIERS = {
    "uncontrolled": REALISTIC_TIER,
    "rule_based": REALISTIC_TIER,
    "rule_tuned": REALISTIC_TIER,
    "mpc_perfect": PERFECT_TIER,
    "optimum": WHOLE_EPISODE_TIER,
}
BOUNDS = ("mpc_perfect", "optimum")


def method_tier(controller: str, forecasts: Mapping[str, str]) -> str:
    """What `controller` knew: realistic forecasts, perfect forecasts or the whole episode."""
    return FIXED_TIERS.get(controller, tier(forecasts))


def controller_order(kpis: pd.DataFrame) -> list[str]:
    """Reference controllers first (in solarev.control.CONTROLLERS' order), then the others (the user's
    controllers and saved policies, the agents) as listed."""
    present = list(dict.fromkeys(kpis["controller"]))
    return [c for c in CONTROLLERS if c in present] + [c for c in present if c not in CONTROLLERS]


def score_matrix(kpis: pd.DataFrame, controller: str, column: str) -> np.ndarray:
    """runs × episodes scores of one controller (a deterministic controller is one run)."""
    own = kpis[kpis["controller"] == controller].assign(seed=lambda frame: frame["seed"].fillna(-1))
    return own.pivot(index="seed", columns="episode", values=column).to_numpy(float)


def interval_row(scores: np.ndarray, bootstrap: Bootstrap) -> dict[str, float]:
    """IQM with its CI; a single run has no spread over seeds, so its interval is the point."""
    finite = scores[:, ~np.isnan(scores).any(axis=0)]
    if finite.size == 0:
        return {"point": np.nan, "low": np.nan, "high": np.nan}
    interval = stratified_bootstrap_iqm(finite, bootstrap.reps, bootstrap.confidence, bootstrap.seed)
    if len(finite) == 1:
        return {"point": interval.point, "low": interval.point, "high": interval.point}
    return {"point": interval.point, "low": interval.low, "high": interval.high}


def episode_name(label: int, period: str) -> str:
    """A held-out episode as a reader names it: 'week 17', or the month ('January')."""
    return calendar.month_name[label] if period == "month" else f"{period} {label}"


def summary_table(
    kpis: pd.DataFrame, bootstrap: Bootstrap, forecasts: Mapping[str, str], period: str
) -> pd.DataFrame:
    """One row per controller and KPI (incl. optimum_share): its information tier (under the config's
    env.forecasts), IQM over runs × held-out episodes with its CI, runs and episodes counted, and what an
    episode is (`period`: week or month, solarev.env.episodes)."""
    rows = []
    for controller in controller_order(kpis):
        for kpi in KPI_COLUMNS:
            scores = score_matrix(kpis, controller, kpi)
            runs, episodes = scores.shape
            interval = interval_row(scores, bootstrap)
            rows.append(
                {
                    "controller": controller,
                    "tier": method_tier(controller, forecasts),
                    "kpi": kpi,
                    **interval,
                    "runs": runs,
                    "episodes": episodes,
                    "period": period,
                }
            )
    return pd.DataFrame(rows)


def episode_table(kpis: pd.DataFrame, kpi: str, bootstrap: Bootstrap) -> pd.DataFrame:
    """One row per controller and held-out episode: IQM of `kpi` over seeds with its CI."""
    rows = []
    for controller in controller_order(kpis):
        scores = score_matrix(kpis, controller, kpi)
        episodes = sorted(kpis.loc[kpis["controller"] == controller, "episode"].unique())
        for episode, column in zip(episodes, scores.T, strict=True):
            rows.append(
                {"controller": controller, "episode": episode, **interval_row(column[:, None], bootstrap)}
            )
    return pd.DataFrame(rows)


def learning_curve_table(curves: pd.DataFrame, kpi: str, bootstrap: Bootstrap) -> pd.DataFrame:
    """One row per algorithm and evaluation step: IQM of `kpi` over the seeds evaluated there, with CI.

    `curves` is every run's learning_curve.csv stacked, with columns algo and seed added.
    """
    rows = []
    for (algo, timesteps), group in curves.groupby(["algo", "timesteps"], sort=False):
        scores = group[kpi].to_numpy(float)[:, None]
        rows.append(
            {"algo": algo, "timesteps": timesteps, **interval_row(scores, bootstrap), "seeds": len(group)}
        )
    return pd.DataFrame(rows)


def agent_names(kpis: pd.DataFrame) -> list[str]:
    """The trained agents, as listed: the controllers whose runs have seeds (reference, user and saved
    controllers have none)."""
    return list(dict.fromkeys(kpis.loc[kpis["seed"].notna(), "controller"]))


def best_agent(summary: pd.DataFrame, agents: Sequence[str]) -> str:
    """Of `agents`, the one with the highest IQM optimum_share (lowest IQM CO2 when no share is defined)."""
    rows = summary[summary["controller"].isin(agents)]
    if rows.empty:
        raise ValueError("no agent in the comparison")
    share = rows[rows["kpi"] == "optimum_share"].set_index("controller")["point"]
    if share.notna().any():
        return str(share.idxmax())
    return str(rows[rows["kpi"] == "co2_kg"].set_index("controller")["point"].idxmin())


def representative_seed(kpis: pd.DataFrame, controller: str, kpi: str = "co2_kg") -> int:
    """The seed whose mean `kpi` over the held-out episodes is closest to the median over seeds: a typical
    run, not the luckiest one."""
    by_seed = kpis[kpis["controller"] == controller].groupby("seed")[kpi].mean()
    return int((by_seed - by_seed.median()).abs().idxmin())


def daily_co2(timeseries: xr.Dataset, controller: str, seed: int) -> pd.Series:
    """kg CO2 per held-out day (local calendar day) of one run."""
    co2 = timeseries["co2_kg"].sel(controller=controller, seed=seed).to_series()
    return co2.groupby(co2.index.normalize()).sum()


def any_seed(timeseries: xr.Dataset) -> int:
    """A seed to select the seed-free controllers with (their series repeat along seed)."""
    return int(timeseries["seed"][0])


@dataclass(frozen=True)
class DispatchDays:
    representative: pd.Timestamp  # of the other days, the one whose uncontrolled CO2 is nearest the median
    worst: pd.Timestamp  # the day the agent falls furthest behind the optimum (kg CO2)


def dispatch_days(timeseries: xr.Dataset, agent: str, seed: int) -> DispatchDays:
    uncontrolled = daily_co2(timeseries, "uncontrolled", any_seed(timeseries))
    regret = daily_co2(timeseries, agent, seed) - daily_co2(timeseries, "optimum", any_seed(timeseries))
    worst = regret.idxmax()
    others = uncontrolled.drop(worst) if len(uncontrolled) > 1 else uncontrolled
    return DispatchDays(representative=(others - uncontrolled.median()).abs().idxmin(), worst=worst)


def dispatch_frame(timeseries: xr.Dataset, controller: str, seed: int, day: pd.Timestamp) -> pd.DataFrame:
    """Power flows (kW) and battery SOC of one run on one day, indexed by time."""
    run = timeseries.sel(controller=controller, seed=seed).to_dataframe()
    run = run[run.index.normalize() == day]
    step_hours = timeseries.attrs["step_hours"]
    return pd.DataFrame(
        {
            "pv_kw": run["pv_kwh"] / step_hours,
            "building_load_kw": run["load_kwh"] / step_hours,
            "ev_charging_kw": run["ev_kwh"] / step_hours,
            "battery_kw": run["bess_kwh"] / step_hours,
            "grid_import_kw": run["net_kwh"].clip(lower=0) / step_hours,
            "soc": run["bess_soc"],
        }
    )


def runs_table(run_configs: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Cost of the study: one row per training run from its config.yaml."""
    columns = ["algo", "seed", "num_timesteps", "wall_time_s", "steps_per_second", "device", "gpu"]
    return pd.DataFrame([{column: config.get(column) for column in columns} for config in run_configs])
