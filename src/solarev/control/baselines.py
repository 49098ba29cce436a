"""The two reference controllers without foresight. Both read the env's physical state.

- uncontrolled: every EV charges at full power from arrival until it holds its energy; the battery idles.
- rule_based: EVs as uncontrolled; the battery charges from the PV surplus left after load and EVs and
  discharges to cover the site's import, within the charger and battery power limits CityLearn enforces.
  It reads no grid signal: it ignores prices, demand-charge windows and the config's grid limits (greedy
  on the PV surplus, the question being how far that gets against the objective's optimum).
By construction rule_based never imports more than uncontrolled: it charges only from what would be
exported and discharges at most what would be imported.
"""

import numpy as np

from solarev.env.gym_env import Policy, SiteEnv


def uncontrolled(env: SiteEnv) -> Policy:
    def policy(observation: np.ndarray) -> np.ndarray:
        return env.action_from_energy(0.0, env.asap_ev_kwh())

    return policy


def rule_based(env: SiteEnv) -> Policy:
    def policy(observation: np.ndarray) -> np.ndarray:
        # Positive surplus charges, negative discharges; CityLearn caps power and SOC.
        return env.action_from_energy(env.surplus_kwh(), env.asap_ev_kwh())

    return policy
