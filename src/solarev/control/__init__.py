"""Reference controllers scored on the evaluation weeks: uncontrolled, rule_based and the LP optimum."""

from collections.abc import Mapping
from typing import Any

from solarev.control.baselines import rule_based, uncontrolled
from solarev.control.optimum import Dispatch, optimum
from solarev.env.evaluation import Evaluation, evaluate_policy
from solarev.env.gym_env import SolarEvEnv

CONTROLLERS = ("uncontrolled", "rule_based", "optimum")


def evaluate_controller(
    name: str, env: SolarEvEnv, control_config: Mapping[str, Any]
) -> tuple[Evaluation, list[Dispatch]]:
    """Run controller `name` on every window of `env`; the LP plans too for the optimum (else empty)."""
    if name == "optimum":
        policy, dispatches = optimum(env, control_config["optimum"]["time_limit_s"])
        return evaluate_policy(env, policy), dispatches
    baselines = {"uncontrolled": uncontrolled, "rule_based": rule_based}
    if name not in baselines:
        raise ValueError(f"unknown controller {name!r} (allowed: {', '.join(CONTROLLERS)})")
    return evaluate_policy(env, baselines[name](env)), []
