"""Each reference controller of solarev.control.CONTROLLERS as a policy on an env."""

from collections.abc import Mapping
from typing import Any

from solarev.control import CONTROLLERS
from solarev.control.baselines import rule_based, uncontrolled
from solarev.control.optimum import Dispatch, optimum
from solarev.env.gym_env import Policy, SolarEvEnv


def controller_policy(
    name: str, env: SolarEvEnv, control_config: Mapping[str, Any]
) -> tuple[Policy, list[Dispatch]]:
    """(policy, LP dispatch per window) of controller `name` on `env`; only the optimum plans, the others
    return no dispatches."""
    if name == "optimum":
        return optimum(env, control_config["optimum"]["time_limit_s"])
    baselines = {"uncontrolled": uncontrolled, "rule_based": rule_based}
    if name not in baselines:
        raise ValueError(f"unknown controller {name!r} (allowed: {', '.join(CONTROLLERS)})")
    return baselines[name](env), []
