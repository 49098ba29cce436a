"""The connection's limits in the action layer: every controller's actions (agents, rules, MPC, the LP's
replay) are clipped to what the grid connection allows before either simulator (CityLearn or the twin)
sees them, as a site's energy management system curtails charging at its meter.

Per step, with base = load - PV (kWh, known at the meter), b the battery's grid-side energy the action
gives at its state of charge (+ charging) and e the chargers' requested grid-side energy:
- import above grid.import_limit_kw × h: battery charging is cut first, then the chargers, each in
  proportion; what remains above the limit (base alone, or the battery unable to cover it) no action can
  avoid: it is imported, counted as `import_over_limit_kwh` and priced at the lost-load weight
  (solarev.env.objective.lost_load_weight);
- export above grid.export_limit_kw × h: battery discharge is cut (PV beyond the limit is curtailed, as the
  scoring already does).
With both limits infinite (the default) the actions pass unchanged.
"""

from dataclasses import dataclass

import numpy as np

from solarev.site.model import CHARGER_EFFICIENCY


@dataclass(frozen=True)
class StepState:
    """What the meter and the battery's controller know at a step, kWh (grid side)."""

    base_kwh: float  # load - PV
    bess_power_kwh: float  # nominal power × h
    bess_chargeable_kwh: float  # grid-side energy that fills the battery
    bess_deliverable_kwh: float  # grid-side energy the battery can still give
    socket_step_kwh: np.ndarray  # per socket, full power × h into the EV


def bess_energy_kwh(action: float, state: StepState) -> float:
    """The battery's grid-side energy for `action` in [-1, 1] of nominal power (+ charging)."""
    requested = action * state.bess_power_kwh
    if requested >= 0:
        return min(requested, state.bess_chargeable_kwh)
    return -min(-requested, state.bess_deliverable_kwh)


def within_limits(
    bess_action: float,
    ev_actions: np.ndarray,
    state: StepState,
    import_limit_kwh: float,
    export_limit_kwh: float,
) -> tuple[float, np.ndarray]:
    """(battery action, charger actions in [0, 1]) cut so that the step's exchange stays within the limits
    where cutting charging or discharging can keep it there (the module docstring); unchanged otherwise."""
    bess = bess_energy_kwh(bess_action, state)
    ev_total = float((ev_actions * state.socket_step_kwh).sum()) / CHARGER_EFFICIENCY
    net = state.base_kwh + bess + ev_total
    if net > import_limit_kwh:
        excess = net - import_limit_kwh
        cut = min(max(bess, 0.0), excess)
        if cut > 0:
            bess_action, excess = (bess - cut) / state.bess_power_kwh, excess - cut
        if excess > 0 and ev_total > 0:
            ev_actions = ev_actions * (max(ev_total - excess, 0.0) / ev_total)
    elif net < -export_limit_kwh and bess < 0:
        bess_action = min(bess + (-export_limit_kwh - net), 0.0) / state.bess_power_kwh
    return bess_action, ev_actions
