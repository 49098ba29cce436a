"""The action layer's cut to the connection's limits (solarev.env.connection), step by step."""

import numpy as np
import pytest

from solarev.env.connection import StepState, bess_energy_kwh, within_limits
from solarev.site.model import CHARGER_EFFICIENCY

SOCKETS = np.array([2.0, 2.0])  # kWh into each EV per step at full power


def state(base_kwh: float, chargeable: float = 10.0, deliverable: float = 10.0) -> StepState:
    return StepState(base_kwh, 5.0, chargeable, deliverable, SOCKETS)


def grid_kwh(bess_action: float, ev_actions: np.ndarray, at: StepState) -> float:
    return at.base_kwh + bess_energy_kwh(bess_action, at) + float(ev_actions @ SOCKETS) / CHARGER_EFFICIENCY


def test_actions_within_the_limits_pass_unchanged():
    evs = np.array([1.0, 0.5])
    assert within_limits(0.8, evs, state(3.0), 20.0, 10.0) == (0.8, evs)


def test_battery_charging_is_cut_before_the_chargers():
    at = state(3.0)
    bess, evs = within_limits(1.0, np.ones(2), at, import_limit_kwh=10.0, export_limit_kwh=np.inf)
    assert bess == pytest.approx((10.0 - 3.0 - 4.0 / CHARGER_EFFICIENCY) / 5.0)
    np.testing.assert_array_equal(evs, np.ones(2))
    assert grid_kwh(bess, evs, at) == pytest.approx(10.0)


def test_the_chargers_are_cut_in_proportion_once_the_battery_is_idle():
    at = state(3.0)
    bess, evs = within_limits(0.4, np.array([1.0, 0.5]), at, import_limit_kwh=4.0, export_limit_kwh=np.inf)
    assert bess == 0.0
    assert evs[0] == pytest.approx(2 * evs[1])
    assert grid_kwh(bess, evs, at) == pytest.approx(4.0)


def test_an_import_no_cut_avoids_is_left_to_count():
    """The base alone is above the limit: charging stops, a discharge is kept (it lowers the import)."""
    at = state(12.0)
    bess, evs = within_limits(-0.5, np.ones(2), at, import_limit_kwh=8.0, export_limit_kwh=np.inf)
    assert bess == -0.5
    np.testing.assert_array_equal(evs, np.zeros(2))
    assert grid_kwh(bess, evs, at) == pytest.approx(9.5)


def test_a_full_battery_is_cut_by_what_it_takes_not_by_what_it_was_asked():
    at = state(3.0, chargeable=2.0)
    bess, _ = within_limits(1.0, np.zeros(2), at, import_limit_kwh=4.0, export_limit_kwh=np.inf)
    assert bess_energy_kwh(bess, at) == pytest.approx(1.0)


def test_discharge_into_an_export_limit_is_cut():
    at = state(-3.0)
    bess, _ = within_limits(-1.0, np.zeros(2), at, import_limit_kwh=np.inf, export_limit_kwh=4.0)
    assert grid_kwh(bess, np.zeros(2), at) == pytest.approx(-4.0)
