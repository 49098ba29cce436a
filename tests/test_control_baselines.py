"""Uncontrolled and rule-based controllers behave as specified, step by step."""

import numpy as np
import pytest

from solarev.evaluate.controllers import evaluate_controller


@pytest.fixture(scope="module")
def runs(tiny_citylearn):
    env = tiny_citylearn.env("validation")
    config = tiny_citylearn.config["control"]
    return {
        name: evaluate_controller(name, env, config)[0].timeseries for name in ("uncontrolled", "rule_based")
    }


def test_uncontrolled_leaves_the_battery_idle(runs):
    assert float(np.abs(runs["uncontrolled"]["bess_kwh"]).max()) == 0


def test_rule_based_never_imports_more_than_uncontrolled(runs):
    imports = {name: np.maximum(series["net_kwh"], 0) for name, series in runs.items()}
    assert (imports["rule_based"] <= imports["uncontrolled"] + 1e-4).all()
    assert float(imports["rule_based"].sum()) < float(imports["uncontrolled"].sum())


def test_rule_based_charges_only_from_pv_surplus(runs):
    series = runs["rule_based"]
    charging = series["bess_kwh"] > 1e-6
    surplus = series["pv_kwh"] - series["load_kwh"] - series["ev_kwh"]
    assert (series["bess_kwh"].where(charging, 0) <= surplus.where(charging, 0) + 1e-4).all()


def test_both_charge_every_ev_identically(runs):
    np.testing.assert_allclose(runs["rule_based"]["ev_kwh"], runs["uncontrolled"]["ev_kwh"])
