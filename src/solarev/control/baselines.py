"""The two reference controllers without foresight. Both read the env's physical state (`env.state`).

- uncontrolled: every EV charges at full power from arrival until it holds its energy; the battery idles.
- rule_based: EVs as uncontrolled; the battery charges from the PV surplus left after load and EVs and
  discharges to cover the site's import. The site has no grid-connection limit in the config, so "within
  the site limits" reduces to the charger and battery power limits CityLearn enforces.
By construction rule_based never imports more than uncontrolled: it charges only from what would be
exported and discharges at most what would be imported.
"""

import numpy as np

from solarev.env.evaluation import Policy
from solarev.env.gym_env import SolarEvEnv, StepState
from solarev.env.site import CHARGER_EFFICIENCY


def asap_ev_kwh(state: StepState, step_kwh: np.ndarray) -> np.ndarray:
    """Energy into each plugged-in EV this step: full power until its remaining need is met."""
    return np.where(state.plugged, np.clip(state.remaining_kwh, 0.0, step_kwh), 0.0)


def uncontrolled(env: SolarEvEnv) -> Policy:
    step_kwh = env.site.socket_step_kwh

    def policy(observation: np.ndarray) -> np.ndarray:
        return env.action_from_energy(0.0, asap_ev_kwh(env.state, step_kwh))

    return policy


def rule_based(env: SolarEvEnv) -> Policy:
    step_kwh = env.site.socket_step_kwh

    def policy(observation: np.ndarray) -> np.ndarray:
        state = env.state
        ev_kwh = asap_ev_kwh(state, step_kwh)
        surplus = state.pv_kwh - state.load_kwh - ev_kwh.sum() / CHARGER_EFFICIENCY
        # Positive surplus charges, negative discharges; CityLearn caps power and SOC.
        return env.action_from_energy(surplus, ev_kwh)

    return policy
