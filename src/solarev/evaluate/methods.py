"""The methods a study scores, by name: the reference controllers (solarev.control.CONTROLLERS), the user's
controllers (config control.custom, solarev.control.custom), policies trained elsewhere (control.policies,
solarev.rl.saved) and the trained algorithms (training.algorithms, solarev.rl.presets.ALGORITHMS).

Each name is one run folder, one column of the report and one `controller` of results/kpis.csv, so names
must be unique. The rules read the study's methods from here at DAG time (light: no torch, no CityLearn).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solarev.config import ConfigError
from solarev.control import CONTROLLERS
from solarev.control.custom import CustomController, custom_controllers
from solarev.rl.presets import check_algorithms
from solarev.rl.saved import SavedPolicy, saved_policies


@dataclass(frozen=True)
class Methods:
    custom: dict[str, CustomController]  # name -> user controller, in the config's order
    policies: dict[str, SavedPolicy]  # name -> saved model
    algorithms: tuple[str, ...]

    @property
    def controllers(self) -> tuple[str, ...]:
        """What rule control runs: the reference controllers, then the user's."""
        return (*CONTROLLERS, *self.custom)

    @property
    def seedless(self) -> tuple[str, ...]:
        """Every method without a seed, each in results/control/{name}/: the controllers, then the saved
        policies."""
        return (*self.controllers, *self.policies)


def check_unique(names: Iterable[tuple[str, str]]) -> None:
    """`names` as (config key, name) pairs; ConfigError naming the second key of a name used twice."""
    seen: dict[str, str] = {}
    for key, name in names:
        if name in seen:
            raise ConfigError(f"{key}: name {name!r} is already {seen[name]}; each method needs its own name")
        seen[name] = key


def study_methods(config: Mapping[str, Any], directory: Path = Path()) -> Methods:
    """The configured methods, checked (user modules and model files found from `directory`, the working
    directory)."""
    control, algorithms = config["control"], tuple(config["training"]["algorithms"])
    check_algorithms(algorithms)
    custom = custom_controllers(control.get("custom", []), directory)
    policies = saved_policies(control.get("policies", []), directory)
    check_unique(
        [
            *((f"the reference controller {name}", name) for name in CONTROLLERS),
            *((f"training.algorithms[{i}]", algo) for i, algo in enumerate(algorithms)),
            *((f"control.custom[{i}]", controller.name) for i, controller in enumerate(custom)),
            *((f"control.policies[{i}].name", policy.name) for i, policy in enumerate(policies)),
        ]
    )
    return Methods(
        custom={controller.name: controller for controller in custom},
        policies={policy.name: policy for policy in policies},
        algorithms=algorithms,
    )
