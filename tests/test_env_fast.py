"""The numpy twin equals CityLearn step by step: the same random and scripted actions through SolarEvEnv
(CityLearn) and FastSolarEvEnv give the same observations, rewards, grid exchange, emissions, battery SOC and
EV SOC at every step, on the tiny site (time-of-use price, a demand charge, objective cost) and on a
default-like one (30-minute steps, sessions across midnight and across week boundaries, EV batteries that
float32 cannot hold exactly, EVs arriving empty; price and carbon intensity varying every step from CSV
files, a carbon price, paid export under a limit, an import limit the action layer enforces and two demand
charges)."""

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import TEST_CONFIG, TinyCityLearn
from stable_baselines3 import A2C
from stable_baselines3.common.env_checker import check_env
from stable_baselines3.common.vec_env import DummyVecEnv
from synthetic import SyntheticSite, write_synthetic_site

from solarev.env.citylearn_env import SolarEvEnv, make_env
from solarev.env.fast import FastSolarEvEnv, make_fast_env, simulator_env
from solarev.env.gym_env import SiteEnv
from solarev.env.schema import ev_id, write_citylearn_site
from solarev.evaluate.controllers import evaluate_controller
from solarev.rl.training import silent_logger
from solarev.site.model import Site, load_site, site_files, site_time

RELATIVE = 1e-6
RECORD_SERIES = ("pv_kwh", "load_kwh", "net_kwh", "co2_kg", "cost_usd", "bess_kwh", "bess_soc", "ev_kwh")
DEFAULT_LIKE = SyntheticSite(
    days=TEST_CONFIG["site"]["days"],
    time_step_minutes=30,
    sockets=((2.0, 3.7),) * 5 + ((3.0, 6.1),) * 3,
    sessions_per_socket_day=8,
    pv_peak_kw=60.0,
    load_mean_kw=20.0,
    bess_capacity_kwh=97.3,
    bess_power_kw=35.4,
)


def grid_files(root: Path, site_config: dict, seed: int) -> dict:
    """Seeded per-step price and carbon intensity files in the config's format, and a `grid` section that
    reads them, pays export within a limit and charges two demand windows."""
    time = site_time(site_config)
    rng = np.random.default_rng(seed)
    stamps = [stamp.isoformat() for stamp in time]
    price, carbon = root / "price.csv", root / "carbon.csv"
    pd.DataFrame({"time": stamps, "usd_per_kwh": rng.uniform(0.1, 0.4, len(time))}).to_csv(price, index=False)
    pd.DataFrame({"time": stamps, "kg_per_kwh": rng.uniform(0.3, 0.9, len(time))}).to_csv(carbon, index=False)
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return TEST_CONFIG["grid"] | {
        "carbon_intensity_file": str(carbon),
        "import_price": {"usd_per_kwh": 0.2, "periods": [], "file": str(price)},
        "export_price_usd_per_kwh": 0.05,
        "export_limit_kw": 10.0,
        # Below the load plus every charger and the battery at full power: the action layer cuts them.
        "import_limit_kw": 45.0,
        "demand_charges": [
            {"name": "peak", "start_hour": 18, "end_hour": 23, "days": every_day, "usd_per_kw_month": 19.0},
            {
                "name": "noon",
                "start_hour": 11,
                "end_hour": 14,
                "days": every_day[:5],
                "usd_per_kw_month": 5.0,
            },
        ],
    }


def add_night_sessions(resources: Path, steps_per_day: int, n_steps: int) -> None:
    """A session on every socket from 23:00 to 02:00 each night, taking the EV's whole battery (it arrives
    empty), so that episodes start and end in the middle of sessions."""
    sessions = pd.read_csv(resources / "ev_sessions.csv")
    sockets = pd.read_csv(resources / "ev_sockets.csv").set_index("socket")
    rows = []
    for socket, group in sessions.groupby("socket"):
        for midnight in range(steps_per_day, n_steps, steps_per_day):
            ends = group["departure_step"].to_numpy()
            arrival = max(int(ends[ends <= midnight].max(initial=0)), midnight - steps_per_day // 24)
            if arrival < midnight:
                template = group.iloc[0].to_dict()
                rows.append(
                    template
                    | {
                        "session_id": len(sessions) + len(rows),
                        "arrival_step": arrival,
                        "departure_step": midnight + steps_per_day // 12,
                        "energy_kwh": sockets.loc[socket, "battery_kwh"],
                    }
                )
    pd.concat([sessions, pd.DataFrame(rows)]).to_csv(resources / "ev_sessions.csv", index=False)


@pytest.fixture(scope="module")
def default_like(tmp_path_factory: pytest.TempPathFactory) -> TinyCityLearn:
    root = tmp_path_factory.mktemp("default_like")
    site_config = TEST_CONFIG["site"] | DEFAULT_LIKE.site_config()
    config = {
        **TEST_CONFIG,
        "site": site_config,
        "grid": grid_files(root, site_config, seed=3),
        "env": TEST_CONFIG["env"] | {"carbon_price_usd_per_t": 80.0},
    }
    resources = write_synthetic_site(DEFAULT_LIKE, root / "resources")
    steps_per_day = 24 * 60 // DEFAULT_LIKE.time_step_minutes
    add_night_sessions(resources, steps_per_day, DEFAULT_LIKE.days * steps_per_day)
    site = load_site(site_files(resources), config["site"], config["bess"], config["grid"])
    sessions = site.sessions
    assert (sessions.start // steps_per_day < (sessions.end - 1) // steps_per_day).any()
    schema_path = write_citylearn_site(site, config["env"]["random_seed"], root / "citylearn")
    return TinyCityLearn(site, schema_path, config)


@pytest.fixture(params=["tiny", "default_like"])
def sites(request: pytest.FixtureRequest) -> TinyCityLearn:
    return request.getfixturevalue("tiny_citylearn" if request.param == "tiny" else request.param)


def fast_env(sites: TinyCityLearn, split: str) -> FastSolarEvEnv:
    return make_fast_env(sites.site, sites.config["episodes"], sites.config["env"], split)


@dataclass
class Worst:
    """Largest difference seen per quantity, relative to the quantity's largest magnitude (at least 1)."""

    differences: dict[str, float]

    def add(self, name: str, reference: np.ndarray, twin: np.ndarray) -> None:
        reference, twin = np.asarray(reference, dtype=float), np.asarray(twin, dtype=float)
        scale = max(1.0, float(np.abs(reference).max(initial=0.0)))
        difference = float(np.abs(reference - twin).max(initial=0.0)) / scale
        self.differences[name] = max(self.differences.get(name, 0.0), difference)


def plugged_ev_soc(env: SolarEvEnv, step: int) -> np.ndarray:
    evs = {ev.name: ev for ev in env.citylearn.electric_vehicles}
    soc = np.array([evs[ev_id(s)].battery.soc[step] for s in range(env.site.n_sockets)])
    return np.where(env.plugged[step], soc, np.nan)


def actions(kind: str, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    if kind == "random":
        return rng.uniform(-1, 1, shape)
    if kind == "bang_bang":
        return rng.choice([-1.0, 0.0, 1.0], shape)
    return np.full(shape, {"full": 1.0, "off": -1.0}[kind])


def compare_episode(
    reference: SolarEvEnv, twin: FastSolarEvEnv, window: int, kind: str, worst: Worst
) -> None:
    rng = np.random.default_rng(window)
    observation, info = reference.reset(options={"window": window})
    twin_observation, twin_info = twin.reset(options={"window": window})
    worst.add("observation", observation, twin_observation)
    assert info == twin_info
    terminated = False
    while not terminated:
        step = reference.step_index
        action = actions(kind, rng, reference.action_space.shape).astype(np.float32)
        observation, reward, terminated, truncated, info = reference.step(action)
        twin_observation, twin_reward, twin_terminated, twin_truncated, twin_info = twin.step(action)
        assert (terminated, truncated) == (twin_terminated, twin_truncated)
        assert info.keys() == twin_info.keys()
        worst.add("observation", observation, twin_observation)
        worst.add("reward", reward, twin_reward)
        for key in info:
            worst.add(key, info[key], twin_info[key])
        ev_soc, twin_ev_soc = plugged_ev_soc(reference, step), twin.ev_soc_history[step]
        np.testing.assert_array_equal(np.isnan(ev_soc), np.isnan(twin_ev_soc))
        plugged = ~np.isnan(ev_soc)
        worst.add("ev_soc", ev_soc[plugged], twin_ev_soc[plugged])
    record, twin_record = reference.episode_record(), twin.episode_record()
    for name in (*RECORD_SERIES, "ev_delivered_kwh"):
        worst.add(name, getattr(record, name), getattr(twin_record, name))


@pytest.mark.parametrize("split", ["training", "validation", "test"])
def test_twin_equals_citylearn_at_every_step(sites, split):
    reference, twin = sites.env(split), fast_env(sites, split)
    worst = Worst({})
    kinds = ["random", "bang_bang"] + (["full", "off"] if split == "test" else [])
    for window in range(len(reference.windows)):
        for kind in kinds:
            compare_episode(reference, twin, window, kind, worst)
    print(f"{split}: largest relative differences {worst.differences}")
    assert {name for name in worst.differences} >= {"observation", "reward", "co2_kg", "net_kwh", "ev_soc"}
    assert max(worst.differences.values()) <= RELATIVE, worst.differences


def test_controllers_and_lp_replay_give_the_same_kpis_in_both(sites):
    """Scripted actions: the greedy controllers, and the LP optimum's plan replayed in each simulator."""
    control = sites.config["control"]
    reference, twin = sites.env("test"), fast_env(sites, "test")
    for name in ("uncontrolled", "rule_based", "optimum"):
        (evaluation, dispatches), (twin_evaluation, _) = (
            evaluate_controller(name, env, control) for env in (reference, twin)
        )
        pd.testing.assert_frame_equal(evaluation.kpis, twin_evaluation.kpis, rtol=RELATIVE)
        for dispatch in dispatches:
            twin_co2 = twin_evaluation.kpis.loc[dispatch.window.label, "co2_kg"]
            assert twin_co2 == pytest.approx(
                evaluation.kpis.loc[dispatch.window.label, "co2_kg"], rel=RELATIVE
            )
            assert twin_co2 == pytest.approx(dispatch.co2_kg, rel=1e-3)


def test_same_spaces_and_seeded_windows_as_citylearn(tiny_citylearn):
    reference, twin = tiny_citylearn.env("training"), fast_env(tiny_citylearn, "training")
    assert reference.observation_space == twin.observation_space
    assert reference.action_space == twin.action_space
    assert reference.observation_names == twin.observation_names
    windows = [
        [env.reset(seed=5)[1]["window"]] + [env.reset()[1]["window"] for _ in range(6)]
        for env in (reference, twin)
    ]
    assert windows[0] == windows[1]
    assert len(set(windows[1])) > 1


def test_twin_passes_sb3_check_env_and_trains(tiny_citylearn):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(fast_env(tiny_citylearn, "training"), warn=True)
    venv = DummyVecEnv([lambda: fast_env(tiny_citylearn, "training")] * 2)
    model = A2C("MlpPolicy", venv, n_steps=8, seed=0, device="cpu")
    model.set_logger(silent_logger())
    model.learn(total_timesteps=64)


def factory_env(simulator: str, tiny: TinyCityLearn) -> SiteEnv:
    config = tiny.config
    return simulator_env(
        simulator, tiny.site, tiny.schema_path, config["episodes"], config["env"], "training"
    )


def test_simulator_env_picks_the_simulator(tiny_citylearn):
    assert isinstance(factory_env("fast", tiny_citylearn), FastSolarEvEnv)
    assert isinstance(factory_env("citylearn", tiny_citylearn), SolarEvEnv)
    with pytest.raises(ValueError, match="training.simulator: 'gym' is not allowed .*fast, citylearn"):
        factory_env("gym", tiny_citylearn)


def test_learning_curves_are_scored_on_the_training_simulator(tiny_citylearn):
    """Rule train evaluates on the validation weeks with simulator_env: the twin when training on it."""
    site, config = tiny_citylearn.site, tiny_citylearn.config
    simulated = (site, tiny_citylearn.schema_path, config["episodes"], config["env"], "validation")
    twin, reference = simulator_env("fast", *simulated), simulator_env("citylearn", *simulated)
    assert isinstance(twin, FastSolarEvEnv) and isinstance(reference, SolarEvEnv)
    assert twin.windows == reference.windows


def test_make_fast_env_mirrors_make_env(tiny_citylearn):
    site: Site = tiny_citylearn.site
    config = tiny_citylearn.config
    for split in ("training", "validation", "test"):
        reference = make_env(site, tiny_citylearn.schema_path, config["episodes"], config["env"], split)
        twin = fast_env(tiny_citylearn, split)
        assert (twin.windows, twin.sample, twin.unmet_weight) == (
            reference.windows,
            reference.sample,
            reference.unmet_weight,
        )
