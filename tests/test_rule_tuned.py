"""rule_tuned on the tiny site (time-of-use price and an evening demand charge, objective cost): its
thresholds come from the training weeks only, it never leaves an EV short, it keeps the promises of its rule,
its search scores as the KPIs do, and the best candidate is at least as good as rule_based."""

import dataclasses
import json

import numpy as np
import pytest
from conftest import TinyCityLearn

from solarev.control.baselines import rule_based
from solarev.control.rule_tuned import RuleThresholds, peak_steps, rule_tuned, tune_rule
from solarev.env.fast import make_fast_env
from solarev.env.gym_env import SiteEnv
from solarev.evaluate.runs import Evaluation, evaluate_policy
from solarev.site.model import Site

EV_TOLERANCE_KWH = 1e-3


def training_env(site: Site, config: dict) -> SiteEnv:
    return make_fast_env(site, config["episodes"], config["env"], "training")


def week_steps(site: Site, week: int) -> slice:
    steps_per_week = 7 * site.steps_per_day
    return slice(week * steps_per_week, (week + 1) * steps_per_week)


def scaled_load(site: Site, week: int, factor: float) -> Site:
    load = site.load_kwh.copy()
    load[week_steps(site, week)] *= factor
    return dataclasses.replace(site, load_kwh=load)


@pytest.fixture(scope="module")
def tuned(tiny_citylearn: TinyCityLearn):
    return tune_rule(training_env(tiny_citylearn.site, tiny_citylearn.config))


def test_thresholds_come_from_the_training_weeks_only(tiny_citylearn: TinyCityLearn, tuned):
    site, config = tiny_citylearn.site, tiny_citylearn.config
    (test_week,) = config["episodes"]["test_weeks"]
    (training_week,) = config["episodes"]["training_weeks"]
    other_test_weeks = {**config["episodes"], "test_weeks": [test_week - 1]}
    changed = tune_rule(
        training_env(scaled_load(site, test_week, 3.0), {**config, "episodes": other_test_weeks})
    )
    assert changed[0] == tuned[0]
    assert changed[1].equals(tuned[1])
    # Not vacuous: the training week's own data does move them.
    assert tune_rule(training_env(scaled_load(site, training_week, 3.0), config))[0] != tuned[0]


@pytest.fixture(scope="module")
def test_week_run(tiny_citylearn: TinyCityLearn, tuned) -> Evaluation:
    """The tuned rule on the test week through CityLearn, the environment of record."""
    env = tiny_citylearn.env("test")
    return evaluate_policy(env, rule_tuned(env, tuned[0]))


def test_no_ev_lacks_energy_and_the_battery_stays_in_its_limits(tiny_citylearn: TinyCityLearn, test_week_run):
    bess = tiny_citylearn.site.bess
    series = test_week_run.timeseries
    assert float(test_week_run.kpis["ev_unmet_kwh"].sum()) < EV_TOLERANCE_KWH
    assert float(series["bess_soc"].min()) >= 1 - bess.depth_of_discharge - 1e-6
    assert float(series["bess_soc"].max()) <= 1 + 1e-6
    assert float(np.abs(series["bess_kwh"]).max()) <= bess.power_kw * tiny_citylearn.site.step_hours + 1e-6


def test_the_battery_discharges_no_more_than_the_threshold_needs(
    tiny_citylearn: TinyCityLearn, tuned, test_week_run
):
    site, series = tiny_citylearn.site, test_week_run.timeseries
    steps = week_steps(site, tiny_citylearn.config["episodes"]["test_weeks"][0])
    peak = peak_steps(site, tiny_citylearn.env("test").objective)[steps]
    discharging = series["bess_kwh"].to_numpy() < -1e-6
    threshold_kwh = tuned[0].import_threshold_kw * site.step_hours
    assert discharging[peak].any()
    assert (series["net_kwh"].to_numpy()[peak & discharging] >= threshold_kwh - 1e-4).all()
    if not tuned[0].offpeak_discharge:
        assert not discharging[~peak].any()


def test_the_best_candidate_scores_as_the_kpis_and_beats_rule_based(tiny_citylearn: TinyCityLearn, tuned):
    env = training_env(tiny_citylearn.site, tiny_citylearn.config)
    thresholds, candidates = tuned
    tuned_kpis = evaluate_policy(env, rule_tuned(env, thresholds)).kpis
    assert len(tuned_kpis) == candidates["windows"][0]  # the tiny site's 6 training windows, all scored
    assert candidates["score"][0] == pytest.approx(tuned_kpis["objective"].mean(), rel=1e-9)
    assert tuned_kpis["objective"].mean() <= evaluate_policy(env, rule_based(env)).kpis["objective"].mean()


def test_without_peak_steps_the_rule_is_rule_based(tiny_citylearn: TinyCityLearn):
    co2 = {**tiny_citylearn.config["env"], "objective": "co2"}  # a constant intensity: no dear step
    env = make_fast_env(tiny_citylearn.site, tiny_citylearn.config["episodes"], co2, "test")
    greedy = RuleThresholds(import_threshold_kw=0.0, grid_charge_soc=0.0, offpeak_discharge=True)
    tuned_series, rule_series = (
        evaluate_policy(env, policy).timeseries for policy in (rule_tuned(env, greedy), rule_based(env))
    )
    np.testing.assert_array_equal(tuned_series["net_kwh"], rule_series["net_kwh"])


def test_thresholds_round_trip_through_json(tuned):
    thresholds = tuned[0]
    assert RuleThresholds.from_dict(json.loads(json.dumps(thresholds.to_dict()))) == thresholds
    with pytest.raises(ValueError, match="grid_charge_soc"):
        RuleThresholds.from_dict({"import_threshold_kw": 1.0, "offpeak_discharge": True})
