"""One controller over every month of the site's year on the numpy twin (proven equal to CityLearn,
tests/test_env_fast.py), each month billed as a month, scored like every evaluation: the controller's rows
of the annual bill (solarev.evaluate.annual_bill)."""

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from solarev.control.rule_tuned import RuleThresholds
from solarev.env.construct import env_options
from solarev.env.episodes import week_windows
from solarev.env.fast import FastSolarEvEnv
from solarev.env.objective import Objective, undelivered_kwh_saving
from solarev.evaluate.annual_bill import monthly_bills, year_windows
from solarev.evaluate.controllers import evaluate_controller
from solarev.site.model import Site

log = logging.getLogger("solarev")


def month_unmet_floor(site: Site, env_config: Mapping[str, Any]) -> float:
    """What one kWh not delivered to an EV can save on a month's bill (undelivered_kwh_saving with the whole
    monthly demand charge), in the objective's unit: an unmet-energy weight at or below it lets the planners
    leave EVs short to lower a month's peak."""
    return undelivered_kwh_saving(Objective.from_config(env_config), site.grid, 1.0, site.step_hours)


def controller_year(
    controller: str,
    site: Site,
    env_config: Mapping[str, Any],
    control_config: Mapping[str, Any],
    training_weeks: Sequence[int] = (),
    rule_thresholds: RuleThresholds | None = None,
) -> pd.DataFrame:
    """Controller `controller` (solarev.control.by_name) on every month of the site's year on the twin: one
    row per month, its calendar columns and every KPI. `env_config`: the `env` keys the controller reads
    (rule control's); the MPC's expected EV arrivals come from `training_weeks`; rule_tuned runs with
    `rule_thresholds` (rule tune_rule's)."""
    windows = year_windows(site.time)
    env = FastSolarEvEnv(site, windows, **env_options(env_config, "test"))
    if "unmet_energy_weight" in env_config:  # the planners, which may trade EV energy against a peak
        floor = month_unmet_floor(site, env_config)
        if env_config["unmet_energy_weight"] <= floor:
            log.warning(
                "env.unmet_energy_weight %g is not above %.2f, what one kWh not delivered to an EV can save "
                "on a month's bill: %s may leave EVs short to lower a month's peak (ev_unmet_kwh shows it)",
                env_config["unmet_energy_weight"],
                floor,
                controller,
            )
    evaluation, _ = evaluate_controller(
        controller,
        env,
        control_config,
        training_windows=week_windows(training_weeks, site.steps_per_day, site.n_steps),
        rule_thresholds=rule_thresholds,
    )
    return monthly_bills(evaluation.kpis, windows, site.time)
