"""Controllers by name: each reference controller of solarev.control.CONTROLLERS, or a user's
(solarev.control.custom), as a policy on an env. (Config `control.policies` is another thing: models trained
elsewhere, solarev.rl.saved.)"""

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from solarev.control import CONTROLLERS
from solarev.control.baselines import rule_based, uncontrolled
from solarev.control.custom import custom_policy
from solarev.control.mpc import MpcSettings, mpc
from solarev.control.optimum import Dispatch, optimum
from solarev.control.rule_level import rule_level
from solarev.control.rule_tuned import RuleThresholds, rule_tuned
from solarev.env.citylearn_env import SolarEvEnv
from solarev.env.episodes import Window
from solarev.env.forecasts import Forecaster, forecast_errors
from solarev.env.gym_env import Policy

log = logging.getLogger("solarev")


def mpc_policy(
    name: str, env: SolarEvEnv, mpc_config: Mapping[str, Any], training_windows: Sequence[Window]
) -> Policy:
    """mpc (the configured forecasts) or mpc_perfect; logs its solve times when an episode ends."""
    settings = MpcSettings.from_config(
        mpc_config, env.forecaster.methods, env.site.step_hours, perfect=name == "mpc_perfect"
    )
    forecaster = Forecaster(env.site, settings.forecasts, training_windows)
    errors = forecast_errors(forecaster, env.windows, settings.horizon_steps)
    log.info(
        "%s forecasts %s: nMAE over the episodes' steps, %d steps ahead: PV %.3f, load %.3f",
        name,
        dict(settings.forecasts),
        settings.horizon_steps,
        errors["pv"],
        errors["load"],
    )
    policy, solves = mpc(env, settings, forecaster)

    def logged(observation: np.ndarray) -> np.ndarray:
        action = policy(observation)
        if env.step_index == env.window.n_steps - 1:
            seconds = np.array(solves.seconds)
            log.info(
                "%s %s %d: %d solves, median %.3f s, p95 %.3f s, %.1f s in all",
                name,
                env.window.period,
                env.window.label,
                len(seconds),
                np.median(seconds),
                np.percentile(seconds, 95),
                seconds.sum(),
            )
            solves.seconds.clear()
        return action

    return logged


def controller_policy(
    name: str,
    env: SolarEvEnv,
    control_config: Mapping[str, Any],
    training_windows: Sequence[Window] = (),
    rule_thresholds: RuleThresholds | None = None,
    custom: str | None = None,
) -> tuple[Policy, list[Dispatch]]:
    """(policy, LP dispatch per window) of controller `name` on `env`; only the optimum plans ahead of the
    run, the others return no dispatches. The MPC's expected EV arrivals come from `training_windows`;
    rule_tuned runs with `rule_thresholds` (rule tune_rule's, from the training weeks); a user controller
    (solarev.control.custom) with its `module:function` entry, `custom`."""
    if custom is not None:
        return custom_policy(custom, env), []
    if name == "optimum":
        return optimum(env, control_config["optimum"]["time_limit_s"])
    if name in ("mpc", "mpc_perfect"):
        return mpc_policy(name, env, control_config["mpc"], training_windows), []
    if name == "rule_tuned":
        if rule_thresholds is None:
            raise ValueError("rule_tuned needs the thresholds tuned on the training weeks (rule tune_rule)")
        return rule_tuned(env, rule_thresholds), []
    baselines = {"uncontrolled": uncontrolled, "rule_based": rule_based, "rule_level": rule_level}
    if name not in baselines:
        raise ValueError(f"unknown controller {name!r} (allowed: {', '.join(CONTROLLERS)})")
    return baselines[name](env), []
