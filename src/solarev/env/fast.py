"""A numpy twin of the site's CityLearn env for fast training: the same spaces, observations, reward and
episodes as solarev.env.citylearn_env.SolarEvEnv (both are solarev.env.gym_env.SiteEnv), with the physics
of the generated schema (solarev.env.schema) computed the way CityLearn 3.0.2 computes it, vectorised over
sockets.

What CityLearn does for this schema, per step t (tests/test_env_fast.py proves the twin equal step by step):
- battery: flat efficiency and power curves, no degradation or standby loss. The requested energy
  action × nominal power × step hours is capped by the nominal power, by the room left up to capacity (over
  sqrt(efficiency) when charging) and by the energy above 1 - DoD (times sqrt(efficiency) when discharging).
- EVs: one per socket, lossless, accepting its charger's full power; a charger delivers action × its power ×
  step hours, capped by the room left in the EV battery. An EV's SOC is set from the charger file at its
  session's first step in the episode and then only changes by charging (CityLearn's random drift touches
  only unplugged EVs, whose SOC nothing reads).
- grid: net = load + battery + chargers - PV; emissions max(0, net × intensity_t); cost max(0, net) × price_t,
  with the per-step signals of the site's grid (CityLearn reads them from carbon_intensity.csv and
  pricing.csv).
CityLearn keeps its series in float32 and, under numpy 2's promotion rules, computes most of these steps in
float32; the twin does the same (SOC as float32, sums in CityLearn's order) so that the two agree to the bit
in nearly every step rather than drifting apart by float32 rounding.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from solarev.config import check_choice
from solarev.env.citylearn_env import make_env
from solarev.env.construct import env_options, split_windows
from solarev.env.episodes import Window
from solarev.env.gym_env import EpisodeRecord, SiteEnv
from solarev.env.sessions import EpisodeSessions, asap_energy
from solarev.site.model import CHARGER_EFFICIENCY, Site

F32 = np.float32
SIMULATORS = ("fast", "citylearn")
# EpisodeRecord's series, in the order the twin records them per step (float32 like CityLearn's).
RECORDED = ("pv_kwh", "load_kwh", "net_kwh", "co2_kg", "cost_usd", "bess_kwh", "bess_soc", "ev_kwh")


@dataclass(frozen=True)
class BatteryModel:
    """CityLearn's Battery with flat curves, as plain numbers (python floats, as CityLearn holds them)."""

    capacity: float
    nominal_power: float
    depth_of_discharge: float
    efficiency: float  # one way: sqrt of the round trip
    minimum_energy: float
    initial_soc: F32
    step_hours: float

    @classmethod
    def of_site(cls, site: Site, step_hours: float) -> "BatteryModel":
        bess = site.bess
        minimum_soc = float(np.clip(1.0 - bess.depth_of_discharge, 0.0, 1.0))
        return cls(
            capacity=bess.capacity_kwh,
            nominal_power=bess.power_kw,
            depth_of_discharge=bess.depth_of_discharge,
            efficiency=bess.round_trip_efficiency**0.5,
            minimum_energy=minimum_soc * bess.capacity_kwh,
            initial_soc=F32(max(bess.initial_soc, minimum_soc)),
            step_hours=step_hours,
        )


def battery_step(battery: BatteryModel, soc: F32, action: float) -> tuple[F32, F32]:
    """(SOC after the step, grid-side kWh) for `action` in [-1, 1] of nominal power, + charging.

    The expressions and operand types follow citylearn.energy_model.Battery.charge and StorageDevice._charge
    so that the rounding is the same: the SOC is float32, a float32 times a python float stays float32
    under numpy 2, and CityLearn's time-step ratio (a numpy float64 1.0) makes the requested energy float64.
    """
    capacity, efficiency = battery.capacity, battery.efficiency
    requested = np.float64(action * battery.nominal_power * battery.step_hours)
    step_limit = battery.nominal_power * battery.step_hours
    energy_init = max(battery.minimum_energy, soc * capacity)
    if requested >= 0:
        energy = np.float64(min(requested, step_limit, max(capacity - energy_init, 0.0) / efficiency))
        energy_final = min(energy_init + energy * efficiency, capacity)
    else:
        above_minimum = max(energy_init - (1.0 - battery.depth_of_discharge) * capacity, 0.0) * efficiency
        energy = -np.float64(min(abs(requested), step_limit, above_minimum))
        energy_final = max(battery.minimum_energy, energy_init + energy / efficiency)
    delta = energy_final - energy_init
    balance = delta / efficiency if delta >= 0 else delta * efficiency
    return F32(energy_final / capacity), F32(balance)


def ev_charge(
    soc: np.ndarray, capacity: np.ndarray, requested: np.ndarray, step_limit: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(SOC after the step, kWh into the battery) of plugged-in EVs: CityLearn's Battery.charge with
    efficiency 1, types as there (see battery_step): the stored energy and the room left are float32, the
    rest float64, except that a battery filled to capacity takes float32 capacity minus its energy."""
    energy_init = soc * capacity.astype(F32)
    room = np.maximum(capacity.astype(F32) - energy_init, F32(0.0))
    reached = energy_init + np.minimum(np.minimum(requested, step_limit), room)
    full = reached > capacity
    energy_final = np.where(full, capacity, reached)
    charged = np.where(full, capacity.astype(F32) - energy_init, energy_final - energy_init)
    return (energy_final / capacity).astype(F32), charged.astype(F32)


def charger_request(action: np.ndarray, power_kw: np.ndarray, step_hours: float) -> np.ndarray:
    """kWh each charger asks of its EV for `action` in [0, 1], as citylearn's Charger computes it."""
    power = np.minimum(action * power_kw, power_kw)
    return np.where(action > 0.0, power / power_kw * power_kw * step_hours, 0.0)


def sequential_sum(values: np.ndarray) -> F32:
    """Float32 sum in index order, as CityLearn's Python loop adds chargers (numpy's sum is pairwise)."""
    return np.cumsum(values, dtype=F32)[-1] if len(values) else F32(0.0)


def arrival_soc(site: Site, window: Window, sessions: EpisodeSessions) -> np.ndarray:
    """Each episode session's EV SOC at its first step in the episode, as the charger files give it: full
    power since arrival (solarev.env.sessions), so 1 - energy / battery at a real arrival."""
    # The site's sessions that overlap the window, in the order episode_sessions lists them.
    rows = np.flatnonzero((site.sessions.start < window.end) & (site.sessions.end > window.start))
    arrival, energy = site.sessions.start[rows], site.sessions.energy_kwh[rows]
    socket = sessions.socket
    held = asap_energy(arrival, energy, site.socket_step_kwh[socket], window.start + sessions.first)
    return 1.0 - (energy - held) / site.socket_battery_kwh[socket]


class FastSolarEvEnv(SiteEnv):
    """SiteEnv simulated by the numpy twin of the site's CityLearn schema."""

    def __init__(self, site: Site, windows: Sequence[Window], **options: Any):
        """`options`: SiteEnv's forecast_steps, forecasts, unmet_weight and sample (see
        env_options)."""
        super().__init__(site, windows, **options)
        # The schema's seconds per step, as CityLearn turns them back into hours.
        self.step_hours = round(site.step_hours * 3600) / 3600.0
        self.battery = BatteryModel.of_site(site, self.step_hours)
        self.pv = site.pv_kwh.astype(F32)
        self.load = site.load_kwh.astype(F32)
        self.intensity = site.grid.carbon_kg_per_kwh.astype(F32)
        self.price = site.grid.import_usd_per_kwh.astype(F32)
        self.ev_step_limit = site.socket_power_kw * self.step_hours
        self.time_index = 0

    @property
    def step_index(self) -> int:
        return self.time_index

    def bess_soc(self) -> float:
        return float(self.soc)

    def start_simulation(self) -> None:
        window, sessions, n_sockets = self.window, self.sessions, self.site.n_sockets
        n_steps = window.n_steps
        self.time_index = 0
        self.soc = self.battery.initial_soc
        # Where an EV connects (a session's first step in the episode), with the SOC CityLearn gives it.
        self.connects = np.zeros((n_steps + 1, n_sockets), dtype=bool)
        self.connects[sessions.first, sessions.socket] = True
        self.connect_soc = np.zeros((n_steps + 1, n_sockets), dtype=F32)
        self.connect_soc[sessions.first, sessions.socket] = arrival_soc(self.site, window, sessions)
        self.ev_soc = np.full(n_sockets, np.nan, dtype=F32)
        self.connect_evs(0)
        self.series = np.zeros((len(RECORDED), n_steps), dtype=F32)
        self.ev_consumption = np.zeros((n_steps, n_sockets), dtype=F32)
        self.ev_soc_history = np.full((n_steps, n_sockets), np.nan, dtype=F32)

    def connect_evs(self, step: int) -> None:
        np.copyto(self.ev_soc, self.connect_soc[step], where=self.connects[step])

    def simulate(self, bess_action: float, ev_actions: np.ndarray) -> tuple[np.ndarray, float]:
        step = self.time_index
        self.soc, bess_kwh = battery_step(self.battery, self.soc, bess_action)
        plugged = self.plugged[step]
        site = self.site
        requested = charger_request(ev_actions[plugged], site.socket_power_kw[plugged], self.step_hours)
        soc, charged = ev_charge(
            self.ev_soc[plugged], site.socket_battery_kwh[plugged], requested, self.ev_step_limit[plugged]
        )
        self.ev_soc[plugged] = soc
        consumption = self.ev_consumption[step]
        consumption[plugged] = charged / F32(CHARGER_EFFICIENCY)
        ev_kwh = sequential_sum(consumption)
        t = self.window.start + step
        pv, load = self.pv[t], self.load[t]
        net = load + bess_kwh - pv + ev_kwh
        co2 = max(F32(0.0), net * self.intensity[t])
        cost = max(net, F32(0.0)) * self.price[t]
        self.series[:, step] = (pv, load, net, co2, cost, bess_kwh, self.soc, ev_kwh)
        self.ev_soc_history[step] = np.where(plugged, self.ev_soc, np.nan)
        self.time_index = step + 1
        if self.time_index < self.window.n_steps:
            self.connect_evs(self.time_index)
        return consumption.astype(float), float(net)

    def episode_record(self) -> EpisodeRecord:
        """The twin's time series of the episode just finished, as SolarEvEnv reads CityLearn's."""
        window = self.window
        return EpisodeRecord(
            window=window,
            time=self.site.time[window.start : window.end],
            ev_delivered_kwh=self.ev_consumption.astype(float) * CHARGER_EFFICIENCY,
            sessions=self.sessions,
            **{name: series.astype(float) for name, series in zip(RECORDED, self.series, strict=True)},
        )


def make_fast_env(
    site: Site, episodes: Mapping[str, Any], env_config: Mapping[str, Any], split: str
) -> FastSolarEvEnv:
    """make_env's twin: the env for `split` ("training", "validation" or "test") without CityLearn."""
    return FastSolarEvEnv(site, split_windows(site, episodes, split), **env_options(env_config, split))


def checked_simulator(simulator: str) -> str:
    check_choice(simulator, SIMULATORS, "training.simulator")
    return simulator


def simulator_env(
    simulator: str,
    site: Site,
    schema_path: str | Path | None,
    episodes: Mapping[str, Any],
    env_config: Mapping[str, Any],
    split: str,
) -> SiteEnv:
    """The env of `split` on `simulator` (config training.simulator): "fast" (the twin; schema_path unused)
    or "citylearn"."""
    if checked_simulator(simulator) == "fast":
        return make_fast_env(site, episodes, env_config, split)
    return make_env(site, schema_path, episodes, env_config, split)
