"""rule_level: the fixed policy that the agents' `window_level` battery action (solarev.env.socket_grouping)
makes one constant action, scored as a controller so that the report shows what the agents learn beyond it.

It sees what an agent sees: the site's state now and the observation's forecasts of load and PV for
env.forecast_steps steps (config env.forecast_steps and env.forecasts); not the EV arrivals ahead. Per step,
EVs at full power (as rule_based):
- Battery, PV surplus left after load and EVs: charges from it (as rule_based).
- Battery, inside a demand-charge window that the objective charges for: discharges what holds the site's
  import at the level its deliverable energy can keep over the rest of the window in sight, the EVs taken as
  they are now (water-filling: solarev.env.socket_grouping.window_level_discharge_kwh).
- Battery, any other step: keeps its energy for the next window; a site whose objective charges no window
  (e.g. the co2 objective) has none to keep it for, and there the rule covers the import as rule_based.

It reads no price: where the import weight varies outside the windows, its energy waits for a window all the
same. It does not charge from the grid, so an overcast day leaves the evening short (what an agent or the
MPC may learn or plan around).
"""

import numpy as np

from solarev.env.gym_env import Policy, SiteEnv
from solarev.env.socket_grouping import window_level_discharge_kwh
from solarev.site.model import CHARGER_EFFICIENCY


def rule_level(env: SiteEnv) -> Policy:
    keeps_for_windows = bool(env.in_charged_window.any())

    def policy(observation: np.ndarray) -> np.ndarray:
        ev_kwh = env.asap_ev_kwh()
        surplus = env.surplus_kwh()
        if surplus > 0.0 or not keeps_for_windows:
            return env.action_from_energy(surplus, ev_kwh)
        if not env.in_charged_window_now():
            return env.action_from_energy(0.0, ev_kwh)
        discharge = window_level_discharge_kwh(env, float(ev_kwh.sum()) / CHARGER_EFFICIENCY)
        return env.action_from_energy(-discharge, ev_kwh)

    return policy
