"""Uncontrolled, rule-based and window-level controllers behave as specified, step by step."""

import numpy as np
import pytest

from solarev.evaluate.controllers import evaluate_controller


@pytest.fixture(scope="module")
def runs(tiny_citylearn):
    env = tiny_citylearn.env("validation")
    config = tiny_citylearn.config["control"]
    return {
        name: evaluate_controller(name, env, config)[0].timeseries
        for name in ("uncontrolled", "rule_based", "rule_level")
    }


def test_uncontrolled_leaves_the_battery_idle(runs):
    assert float(np.abs(runs["uncontrolled"]["bess_kwh"]).max()) == 0


def test_rule_based_never_imports_more_than_uncontrolled(runs):
    imports = {name: np.maximum(series["net_kwh"], 0) for name, series in runs.items()}
    assert (imports["rule_based"] <= imports["uncontrolled"] + 1e-4).all()
    assert float(imports["rule_based"].sum()) < float(imports["uncontrolled"].sum())


@pytest.mark.parametrize("controller", ["rule_based", "rule_level"])
def test_the_rules_charge_only_from_pv_surplus(runs, controller):
    series = runs[controller]
    charging = series["bess_kwh"] > 1e-6
    surplus = series["pv_kwh"] - series["load_kwh"] - series["ev_kwh"]
    assert (series["bess_kwh"].where(charging, 0) <= surplus.where(charging, 0) + 1e-4).all()


def test_every_one_charges_every_ev_identically(runs):
    np.testing.assert_allclose(runs["rule_based"]["ev_kwh"], runs["uncontrolled"]["ev_kwh"])
    np.testing.assert_allclose(runs["rule_level"]["ev_kwh"], runs["uncontrolled"]["ev_kwh"])


def window_peaks_kwh(series) -> np.ndarray:
    """Each week's largest step import in the demand-charge window."""
    in_window = series["demand_window_peak"] == 1
    return series["net_kwh"].where(in_window, 0).groupby("episode").max().values


def test_rule_level_keeps_its_energy_for_the_windows_and_shaves_their_peak(runs):
    """It discharges only in the demand-charge windows, exports nothing, and holds their peak below the
    greedy rule's, which spends the same stored PV from the first step the site imports."""
    level = runs["rule_level"]
    discharging = level["bess_kwh"] < -1e-6
    assert discharging.any()
    assert (level["demand_window_peak"].where(discharging, 1) == 1).all()
    assert (level["net_kwh"].where(discharging, 0) >= -1e-4).all()
    assert (window_peaks_kwh(level) < window_peaks_kwh(runs["rule_based"])).all()
