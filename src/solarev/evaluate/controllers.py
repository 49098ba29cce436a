"""The reference controllers scored like every policy (apart from solarev.evaluate.runs, so that an edit of
a controller reruns the controllers' jobs and not the agents' evaluations)."""

from collections.abc import Mapping, Sequence
from typing import Any

from solarev.control.by_name import controller_policy
from solarev.control.optimum import Dispatch
from solarev.control.rule_tuned import RuleThresholds
from solarev.env.citylearn_env import SolarEvEnv
from solarev.env.episodes import Window
from solarev.evaluate.runs import Evaluation, evaluate_policy


def evaluate_controller(
    name: str,
    env: SolarEvEnv,
    control_config: Mapping[str, Any],
    training_windows: Sequence[Window] = (),
    rule_thresholds: RuleThresholds | None = None,
    custom: str | None = None,
) -> tuple[Evaluation, list[Dispatch]]:
    """Run controller `name` on every window of `env` (arguments as controller_policy's); the LP's plans too
    for the optimum."""
    policy, dispatches = controller_policy(
        name, env, control_config, training_windows, rule_thresholds, custom
    )
    return evaluate_policy(env, policy), dispatches
