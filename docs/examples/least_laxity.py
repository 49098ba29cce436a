"""A controller of your own, entered in the study with one config line (docs/add-your-method.md):

    control:
      custom: [docs.examples.least_laxity:least_laxity_first]

Least laxity first on the PV surplus: an EV's laxity is the steps until it is due minus the steps its
remaining energy takes at full power. Each step, EVs that can wait no longer (laxity 0 or less) charge at
full power; the others, least laxity first, share the PV left after the mall's load; the battery stores
the surplus still left, or covers the site's import, as rule_based does.
"""

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from solarev.env.gym_env import Policy, SiteEnv


def least_laxity_first(env: "SiteEnv") -> "Policy":
    """The function the config names: it gets the env and returns a policy (observation -> action), which
    may read the env's state, as the reference controllers of solarev.control do."""
    # Imported here, not at the top: Snakemake imports this module when it starts, to check this function,
    # and the env's modules load CityLearn.
    from solarev.control.rule_tuned import laxity_steps
    from solarev.site.model import CHARGER_EFFICIENCY

    def policy(observation: np.ndarray) -> np.ndarray:
        full_power = env.asap_ev_kwh()  # per socket, kWh into its EV at full power this step (0: none)
        laxity = laxity_steps(env)
        energy = np.where(laxity <= 0, full_power, 0.0)
        pv_left = env.site_surplus_kwh[env.window.start + env.step_index] - energy.sum() / CHARGER_EFFICIENCY
        waiting = np.flatnonzero((full_power > 0) & (laxity > 0))
        for socket in waiting[np.argsort(laxity[waiting], kind="stable")]:
            from_pv = min(full_power[socket] / CHARGER_EFFICIENCY, max(pv_left, 0.0))  # grid side
            energy[socket] = from_pv * CHARGER_EFFICIENCY
            pv_left -= from_pv
        # Battery, grid side (+ charging): CityLearn holds it within its power and state of charge.
        return env.action_from_energy(pv_left, energy)

    return policy
