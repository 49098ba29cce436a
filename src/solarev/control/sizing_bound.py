"""The lower bound of a battery's value: its saving under rule_based dispatch on the twin (the sizing LP's,
with perfect foresight, is the upper). Apart from solarev.control.sizing so that the sweep's jobs, which
solve LPs only, do not load the simulators."""

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from solarev.control.baselines import rule_based, uncontrolled
from solarev.control.rule_tuned import window_score
from solarev.control.sizing import WEEKS_PER_YEAR
from solarev.env.fast import make_fast_env
from solarev.site.model import Site


def rule_based_saving(
    site: Site, weeks: Sequence[int], capacity_kwh: float, power_kw: float, env_config: Mapping[str, Any]
) -> float:
    """The battery's annual saving under rule_based dispatch, the lower bound of its value (the LP's is
    the upper): the sampled weeks on the twin with the battery idle (uncontrolled) minus with rule_based,
    each scored as the tuned rule is (settled objective + unmet penalty), × 52 / n_weeks.
    `env_config`: the `env` keys OBJECTIVE_KEYS and unmet_energy_weight."""
    bess = replace(site.bess, capacity_kwh=capacity_kwh, power_kw=power_kw)
    env = make_fast_env(replace(site, bess=bess), {"test_weeks": list(weeks)}, env_config, "test")
    saving = sum(
        window_score(env, uncontrolled(env), window) - window_score(env, rule_based(env), window)
        for window in range(len(env.windows))
    )
    return saving * WEEKS_PER_YEAR / len(weeks)
