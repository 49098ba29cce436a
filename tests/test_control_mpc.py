"""The MPC and its forecasts: with perfect forecasts over the whole episode it is the optimum; it stays
within the limits the LP encodes; a forecast does not move when the future does; stored energy at a
horizon's end has the ledger's price, and the ledger holds where the horizon reaches the episode's end; the
LP built as arrays (the MPC's re-plans) gives linopy's plan; the hedge's config is checked."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from solarev.config import ConfigError, load_yaml, validate_config
from solarev.control.lp import build_model, lp_arrays, solve, solve_arrays
from solarev.control.mpc import Hedge, MpcSettings, horizon_data, mpc
from solarev.control.optimum import optimum
from solarev.env.construct import split_windows
from solarev.env.episodes import week_windows
from solarev.env.fast import make_fast_env
from solarev.env.forecasts import PERFECT, Forecaster, forecast_errors
from solarev.evaluate.runs import evaluate_policy
from solarev.site.grid import GridSignals
from solarev.site.model import Site

REPO = Path(__file__).resolve().parents[1]

REALISTIC = {
    "pv": "clear_sky_persistence",
    "load": "previous_week",
    "grid": "known",
    "ev_arrivals": "expected",
}


def run_mpc(tiny, horizon_hours: float, forecasts, resolve_every: int = 3, site: Site | None = None):
    site = site or tiny.site
    config = tiny.config
    env = make_fast_env(site, config["episodes"], config["env"], "test")
    mpc_config = {
        **config["control"]["mpc"],
        "horizon_hours": horizon_hours,
        "resolve_every_steps": resolve_every,
    }
    settings = MpcSettings.from_config(mpc_config, forecasts, site.step_hours)
    training = split_windows(site, config["episodes"], "training")
    policy, solves = mpc(env, settings, Forecaster(site, forecasts, training))
    return evaluate_policy(env, policy), solves, env


def test_perfect_mpc_over_the_episode_is_the_optimum(tiny_citylearn):
    evaluation, _, _ = run_mpc(tiny_citylearn, horizon_hours=24 * 7, forecasts=PERFECT, resolve_every=6)
    reference_env = make_fast_env(
        tiny_citylearn.site, tiny_citylearn.config["episodes"], tiny_citylearn.config["env"], "test"
    )
    policy, _ = optimum(reference_env, 60)
    reference = evaluate_policy(reference_env, policy)
    mpc_objective = evaluation.kpis["objective"].to_numpy()
    optimum_objective = reference.kpis["objective"].to_numpy()
    np.testing.assert_allclose(mpc_objective, optimum_objective, rtol=1e-3)


def test_realistic_mpc_keeps_the_limits_and_meets_the_evs(tiny_citylearn):
    evaluation, solves, _ = run_mpc(tiny_citylearn, horizon_hours=12, forecasts=REALISTIC)
    site = tiny_citylearn.site
    series = evaluation.timeseries
    bess = site.bess
    power_kwh = bess.power_kw * site.step_hours
    assert (np.abs(series["bess_kwh"]) <= power_kwh * (1 + 1e-5)).all()
    soc = series["bess_soc"].to_numpy()
    assert (soc >= 1 - bess.depth_of_discharge - 1e-5).all() and (soc <= 1 + 1e-5).all()
    assert float(evaluation.kpis["ev_unmet_kwh"].sum()) < 1e-3
    assert len(solves.seconds) == series.sizes["time"] // 3


def test_mpc_holds_a_connection_limit(tiny_citylearn):
    """A connection limit below the uncontrolled peak: with the forecasts right, no step imports more."""
    site = tiny_citylearn.site
    # Re-solving every 6 steps rather than 3 halves the test's time; with perfect forecasts every executed
    # step is a step of a feasible plan either way.
    free, _, _ = run_mpc(tiny_citylearn, horizon_hours=12, forecasts=PERFECT, resolve_every=6)
    peak_kw = float(free.timeseries["net_kwh"].max()) / site.step_hours
    limit_kw = 0.9 * peak_kw
    limited = dataclasses.replace(site, grid=dataclasses.replace(site.grid, import_limit_kw=limit_kw))
    evaluation, _, _ = run_mpc(
        tiny_citylearn, horizon_hours=12, forecasts=PERFECT, resolve_every=6, site=limited
    )
    assert float(evaluation.timeseries["net_kwh"].max()) / site.step_hours <= limit_kw * (1 + 1e-4)


def perturbed_after(site: Site, now: int) -> Site:
    """The site with every record after step `now` changed."""
    later = np.arange(site.n_steps) > now
    noise = np.where(later, 1.7, 1.0)
    grid = site.grid
    return dataclasses.replace(
        site,
        pv_kwh=site.pv_kwh * noise,
        load_kwh=site.load_kwh * noise,
        grid=GridSignals(
            carbon_kg_per_kwh=grid.carbon_kg_per_kwh * noise,
            import_usd_per_kwh=grid.import_usd_per_kwh * noise,
            export_usd_per_kwh=grid.export_usd_per_kwh,
            import_limit_kw=grid.import_limit_kw,
            export_limit_kw=grid.export_limit_kw,
            demand_charges=grid.demand_charges,
        ),
    )


@pytest.mark.parametrize("grid_method", ["known", "previous_day"])
def test_forecasts_use_only_the_past(tiny_citylearn, grid_method):
    site = tiny_citylearn.site
    methods = {**REALISTIC, "grid": grid_method}
    training = split_windows(site, tiny_citylearn.config["episodes"], "training")
    now, steps = 2 * 7 * site.steps_per_day + 13, 30
    original = Forecaster(site, methods, training)
    changed = Forecaster(perturbed_after(site, now), methods, training)
    np.testing.assert_array_equal(original.pv_kwh(now, steps), changed.pv_kwh(now, steps))
    np.testing.assert_array_equal(original.load_kwh(now, steps), changed.load_kwh(now, steps))
    if grid_method == "previous_day":
        for name in ("carbon_kg_per_kwh", "import_usd_per_kwh"):
            np.testing.assert_array_equal(
                getattr(original.grid(now, steps), name), getattr(changed.grid(now, steps), name)
            )
    perfect = Forecaster(perturbed_after(site, now), {**methods, "pv": "perfect"}, training)
    assert not np.array_equal(perfect.pv_kwh(now, steps), original.pv_kwh(now, steps))


def test_expected_arrivals_come_from_the_training_weeks(tiny_citylearn):
    site = tiny_citylearn.site
    first_week = week_windows([0], site.steps_per_day, site.n_steps)
    forecaster = Forecaster(site, REALISTIC, first_week)
    sessions, step_kwh = forecaster.expected_arrivals(2 * 7 * site.steps_per_day, 24)
    assert len(sessions) > 0 and (sessions.socket == -1).all()
    assert (sessions.need_kwh <= step_kwh * (sessions.last - sessions.first + 1) + 1e-9).all()
    starts = site.sessions.start
    in_week_zero = starts < 7 * site.steps_per_day
    assert sessions.need_kwh.sum() <= site.sessions.energy_kwh[in_week_zero].sum()


def test_forecast_errors_are_zero_only_for_perfect_forecasts(tiny_citylearn):
    site = tiny_citylearn.site
    weeks = week_windows([2], site.steps_per_day, site.n_steps)
    training = week_windows([0], site.steps_per_day, site.n_steps)
    perfect = forecast_errors(Forecaster(site, PERFECT, training), weeks, 12)
    realistic = forecast_errors(Forecaster(site, REALISTIC, training), weeks, 12)
    assert perfect == {"pv": 0.0, "load": 0.0}
    assert realistic["pv"] > 0
    assert realistic["load"] == 0.0  # the synthetic load repeats every week: previous_week is exact


def state_at(tiny, step: int, hedge: Hedge | None = None):
    """The test env after `step` idle steps, a forecaster and MPC settings (12 h ahead, realistic)."""
    site, config = tiny.site, tiny.config
    env = make_fast_env(site, config["episodes"], config["env"], "test")
    env.reset(options={"window": 0})
    for _ in range(step):
        env.step(np.zeros(env.action_space.shape, dtype=np.float32))
    mpc_config = {**config["control"]["mpc"], "horizon_hours": 12}
    settings = dataclasses.replace(
        MpcSettings.from_config(mpc_config, REALISTIC, site.step_hours), hedge=hedge or Hedge()
    )
    training = split_windows(site, config["episodes"], "training")
    return env, Forecaster(site, REALISTIC, training), settings


def test_stored_energy_is_priced_until_the_horizon_reaches_the_episode_end(tiny_citylearn):
    env, forecaster, settings = state_at(tiny_citylearn, 5)
    data, _ = horizon_data(env, forecaster, settings)
    bess = tiny_citylearn.site.bess
    episode_grid = tiny_citylearn.site.grid.over(slice(env.window.start, env.window.end))
    assert data.terminal_value == pytest.approx(
        env.objective.stored_energy_value(episode_grid, bess.one_way_efficiency)
    )
    model = build_model(data, env.objective, env.unmet_weight)
    assert "ledger" not in model.constraints
    # The last horizon: the ledger holds (hard), as in the optimum.
    env, forecaster, settings = state_at(tiny_citylearn, env.window.n_steps - settings.horizon_steps)
    data, _ = horizon_data(env, forecaster, settings)
    assert data.terminal_value is None and env.step_index + data.n_steps == env.window.n_steps
    model = build_model(data, env.objective, env.unmet_weight)
    solve(model, 30, "last horizon")
    last = float(model.solution["energy"].isel(time=-1))
    assert last >= min(bess.initial_energy_kwh, bess.capacity_kwh) - 1e-6


@pytest.mark.parametrize("step", [3, 17, 40])
def test_the_lp_as_arrays_gives_linopys_plan(tiny_citylearn, step):
    """lp_arrays (the MPC's re-plans) against build_model on the same data: a terminal value, evenings
    with EVs, a hedge, and the last horizons where the ledger holds."""
    env, forecaster, settings = state_at(tiny_citylearn, step, Hedge(pv=0.6, load=1.2, ev=1.3))
    for _ in range(2):
        data, _ = horizon_data(env, forecaster, settings)
        model = build_model(data, env.objective, env.unmet_weight)
        solve(model, 30, "linopy")
        arrays = solve_arrays(lp_arrays(data, env.objective, env.unmet_weight), 30, "arrays")
        assert arrays.objective == pytest.approx(float(model.objective.value), rel=1e-9, abs=1e-9)
        for name in ("charge", "discharge", "import", "peak"):
            np.testing.assert_allclose(arrays.values[name], model.solution[name].to_numpy(), atol=1e-6)
        env, forecaster, settings = state_at(tiny_citylearn, env.window.n_steps - step)


def test_the_hedge_scales_pv_forecasts_and_the_windows_load_and_arrivals(tiny_citylearn):
    plain_env, forecaster, plain = state_at(tiny_citylearn, 34)
    plain_data, _ = horizon_data(plain_env, forecaster, plain)
    env, forecaster, settings = state_at(tiny_citylearn, 34, Hedge(pv=0.5, load=1.5, ev=2.0))
    data, _ = horizon_data(env, forecaster, settings)
    window = env.objective.charged_window_steps(data.grid)
    window[0] = False  # the step now is observed, not forecast
    assert window.any() and not window.all()
    forecast = np.arange(data.n_steps) > 0
    np.testing.assert_allclose(data.pv_kwh, np.where(forecast, 0.5, 1.0) * plain_data.pv_kwh)
    np.testing.assert_allclose(data.load_kwh, np.where(window, 1.5, 1.0) * plain_data.load_kwh)
    expected = data.sessions.socket < 0
    assert (data.sessions.need_kwh[~expected] == plain_data.sessions.need_kwh[~expected]).all()
    assert data.sessions.need_kwh[expected].sum() > plain_data.sessions.need_kwh[expected].sum()


@pytest.mark.parametrize(
    ("key", "value"), [("pv", 1.2), ("load", 0.9), ("ev_arrivals", "more"), ("loads", 1.0)]
)
def test_the_hedge_config_is_checked(key, value):
    config = load_yaml(REPO / "config" / "config.yaml")
    config["control"]["mpc"]["hedge"][key] = value
    with pytest.raises(ConfigError, match=r"control\.mpc\.hedge"):
        validate_config(config, REPO / "config" / "schema.yaml")


def test_a_perfect_signal_is_not_hedged(tiny_citylearn):
    """A margin on a record would only mislead the plan: mpc_perfect and any signal forecast `perfect`
    plan on the records as they are."""
    config = tiny_citylearn.config["control"]["mpc"]
    hedge = {"pv": 0.5, "load": 1.2, "ev_arrivals": 1.3}
    mixed = MpcSettings.from_config({**config, "hedge": hedge}, {**REALISTIC, "pv": "perfect"}, 1.0)
    assert mixed.hedge == Hedge(pv=1.0, load=1.2, ev=1.3)
    bound = MpcSettings.from_config({**config, "hedge": hedge}, REALISTIC, 1.0, perfect=True)
    assert bound.hedge == Hedge()
