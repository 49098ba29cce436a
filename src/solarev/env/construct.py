"""An env's episodes and options from the config: the windows of a split (solarev.env.episodes) and
SiteEnv's keyword arguments from the `env` section, shared by every simulator (solarev.env.citylearn_env,
solarev.env.fast)."""

from collections.abc import Mapping
from typing import Any

from solarev.env.episodes import Window, evaluation_windows, training_windows
from solarev.env.forecasts import PERFECT
from solarev.env.objective import Objective
from solarev.site.model import Site


def split_windows(site: Site, episodes: Mapping[str, Any], split: str) -> list[Window]:
    """The windows of `split`: "training" (every training window) or "validation"/"test" (each week)."""
    if split == "training":
        return training_windows(episodes, site.steps_per_day, site.n_steps)
    return evaluation_windows(episodes, split, site.time)


# The env a caller gets for the `env` keys it leaves out. A controller that reads neither the observation's
# forecasts nor the reward (uncontrolled, rule_based) acts the same whatever they are, so its jobs are
# handed none of them and do not rerun when they change (the objective it is scored on, it gets:
# solarev.env.objective.OBJECTIVE_KEYS).
UNREAD_ENV_KEYS = {"forecast_steps": 0, "forecasts": PERFECT, "unmet_energy_weight": 0.0}


def env_options(env_config: Mapping[str, Any], split: str) -> dict[str, Any]:
    """SiteEnv's keyword arguments from the config's `env` keys (UNREAD_ENV_KEYS for those not given):
    training samples windows at random."""
    env_config = {**UNREAD_ENV_KEYS, **env_config}
    return {
        "forecast_steps": env_config["forecast_steps"],
        "forecasts": env_config["forecasts"],
        "unmet_weight": env_config["unmet_energy_weight"],
        "sample": split == "training",
        "objective": Objective.from_config(env_config),
    }
