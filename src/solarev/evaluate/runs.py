"""Run any policy (a reference controller or a trained agent) through CityLearn on an env's evaluation
windows and score it with the one KPI code (solarev.evaluate.kpis).

A policy maps the wrapper's observation to its action (e.g. `lambda obs: model.predict(obs, True)[0]` for an
SB3 model); controllers that need the physical state read it from the env (see solarev.control).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr

from solarev.env.citylearn_env import SolarEvEnv
from solarev.env.gym_env import Policy, SiteEnv
from solarev.evaluate.kpis import episode_dataset, kpis_by_episode


@dataclass(frozen=True)
class Evaluation:
    kpis: pd.DataFrame  # one row per episode (window label)
    timeseries: xr.Dataset  # dimension time over all episodes, coordinate `episode`


def run_episode(env: SolarEvEnv, policy: Policy, window: int) -> xr.Dataset:
    observation, _ = env.reset(options={"window": window})
    terminated = False
    while not terminated:
        observation, _, terminated, _, _ = env.step(policy(observation))
    return episode_dataset(env.episode_record(), env.site, env.objective)


def evaluate_policy(env: SolarEvEnv, policy: Policy) -> Evaluation:
    """Every window of `env` once, in order."""
    timeseries = xr.concat(
        [run_episode(env, policy, window) for window in range(len(env.windows))], dim="time"
    )
    return Evaluation(kpis=kpis_by_episode(timeseries), timeseries=timeseries)


def mean_kpis(env: SiteEnv) -> Callable[[Callable[[SiteEnv], Policy]], dict[str, float]]:
    """(env -> policy on it) -> its KPIs averaged over the env's evaluation weeks (a row of an agent's
    learning curve)."""

    def evaluate(policy_on: Callable[[SiteEnv], Policy]) -> dict[str, float]:
        kpis = evaluate_policy(env, policy_on(env)).kpis
        return {name: float(value) for name, value in kpis.mean().items()}

    return evaluate


def write_evaluation(
    evaluation: Evaluation, kpis_path: str | Path, timeseries_path: str | Path, **labels: Any
) -> None:
    """kpis.json (one record per episode: episode, every KPI and the labels) and timeseries.nc (labels as
    attributes), the same for controllers and agents; labels are e.g. controller="sac", seed=0."""
    records = evaluation.kpis.reset_index().assign(**labels).to_dict(orient="records")
    Path(kpis_path).write_text(json.dumps(records, indent=2))
    evaluation.timeseries.assign_attrs(**labels).to_netcdf(timeseries_path, engine="h5netcdf")
