"""Policies trained elsewhere (config `control.policies`): saved stable-baselines3 models scored on the test
weeks as they are, without a training job, under their own name (results/control/{name}/), like the
reference controllers. Light, for the rules at DAG time: the checks name the config key before any job;
solarev.rl.policy loads the model in the job."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solarev.config import ConfigError
from solarev.rl.presets import check_algorithm


@dataclass(frozen=True)
class SavedPolicy:
    name: str
    path: str  # the model's .zip (model.save), relative to the working directory or absolute
    algorithm: str  # its class, a name of solarev.rl.presets.ALGORITHMS
    vecnormalize: str | None = None  # the VecNormalize statistics it was trained with (VecNormalize.save)
    # What its battery action is a share of (agents.yaml's battery_action, solarev.env.socket_grouping).
    battery_action: str = "power"

    def files(self) -> dict[str, str]:
        """Its job's inputs by name: model and, when given, vecnormalize."""
        return {"model": self.path} | ({"vecnormalize": self.vecnormalize} if self.vecnormalize else {})


def saved_policies(entries: Sequence[Mapping[str, Any]], directory: Path = Path()) -> list[SavedPolicy]:
    """The entries of config `control.policies` (the schema checked their keys), their algorithm and files
    (relative to `directory`, the working directory) checked."""
    policies = []
    for position, entry in enumerate(entries):
        key = f"control.policies[{position}]"
        policy = SavedPolicy(**entry)
        check_algorithm(policy.algorithm, f"{key}.algorithm")
        for field in ("path", "vecnormalize"):
            path = getattr(policy, field)
            if path is not None and not (directory / path).is_file():
                raise ConfigError(f"{key}.{field}: file {path!r} does not exist")
        policies.append(policy)
    return policies
