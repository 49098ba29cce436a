"""What every simulator of the site shares as a Gymnasium environment for SB3 (SiteEnv); the CityLearn one,
the environment of record, is solarev.env.citylearn_env.SolarEvEnv.

SiteEnv chooses the episode window, maps actions, and builds observations and the reward from arrays
precomputed per episode plus the battery's SOC and each socket's charger consumption, which a subclass
simulates: SolarEvEnv with CityLearn (adding little to CityLearn's own step time, benchmarks/bench_env.py
measures it), solarev.env.fast.FastSolarEvEnv with its numpy twin.

Actions, all in [-1, 1]: [0] battery (fraction of nominal power, + charges), [1 + s] socket s's charging
power mapped linearly from [-1, 1] to [0, 1] of its charger's power (ignored while no EV is plugged in).
Reward per step, in the objective's unit (solarev.env.objective, config env.objective): -(the energy term
the EVs and the battery add to the building's own: w_t import - v export against the building's load - PV
alone) - each demand charge's episode rate × the increase of its running peak in its window - unmet_weight ×
(kWh an EV still lacks when it is due). The building's own term is the same whatever the agent does, so this
ranks policies exactly as the objective does, without the building's weather-driven part that drowned the
agents' in the returns (measured in docs/tuning.md); the peak increases sum to the episode's window peaks.

The observation's features and their scales: solarev.env.features.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
import pandas as pd

from solarev.env.connection import StepState, within_limits
from solarev.env.episodes import Window
from solarev.env.features import (
    observation_names,
    static_features,
    with_terminal_row,
    with_terminal_rows,
)
from solarev.env.forecasts import Forecaster
from solarev.env.objective import Objective, energy_term, lost_load_weight, peak_increase_kw
from solarev.env.sessions import EpisodeSessions, episode_sessions, session_steps, shortfall
from solarev.site.model import CHARGER_EFFICIENCY, Site

# What every controller and agent is to the env: the wrapper's observation in, its action out.
Policy = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class EpisodeRecord:
    """What CityLearn simulated in one finished episode: energies per step, kWh (net > 0 imports)."""

    window: Window
    time: pd.DatetimeIndex
    pv_kwh: np.ndarray
    load_kwh: np.ndarray
    net_kwh: np.ndarray
    co2_kg: np.ndarray
    cost_usd: np.ndarray
    bess_kwh: np.ndarray  # grid side, + charging
    bess_soc: np.ndarray  # after the step
    ev_kwh: np.ndarray  # chargers' consumption
    ev_delivered_kwh: np.ndarray  # steps × sockets, into the EV batteries
    sessions: EpisodeSessions


class SiteEnv(gym.Env):
    """One building, central agent: the battery and every socket, episodes drawn from `windows`.

    reset() picks the window: `options={"window": i}` explicitly, else a seeded random one when `sample`
    (training), else the next one in order (evaluation). A subclass simulates: `start_simulation()` for
    `self.window`, `simulate(bess_action, ev_actions)` one step, returning each socket's charger consumption
    (kWh) and the step's kg CO2, `bess_soc()`, `step_index` and `episode_record()`.
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        site: Site,
        windows: Sequence[Window],
        *,
        forecast_steps: int,
        forecasts: Mapping[str, str],
        unmet_weight: float,
        sample: bool,
        objective: Objective,
    ):
        self.site = site
        self.forecaster = Forecaster(site, forecasts)
        self.objective = objective
        self.windows = list(windows)
        self.forecast_steps = forecast_steps
        self.unmet_weight = unmet_weight
        self.lost_load_weight = lost_load_weight(unmet_weight)
        self.sample = sample
        self.bess_step_kwh = max(site.bess.power_kw * site.step_hours, 1e-9)
        # The connection's limits per step, kWh (solarev.env.connection); inf where the config sets none.
        self.import_limit_kwh = site.grid.import_limit_kw * site.step_hours
        self.export_limit_kwh = site.grid.export_limit_kw * site.step_hours
        self.limited = bool(np.isfinite(self.import_limit_kwh) or np.isfinite(self.export_limit_kwh))
        # Per site step plus the terminal row: the building's own balance, for the reward and observations.
        self.site_surplus_kwh = with_terminal_row(site.pv_kwh) - with_terminal_row(site.load_kwh)
        self.import_weight = with_terminal_row(objective.import_weight(site.grid))
        self.building_term = energy_term(
            -self.site_surplus_kwh, self.import_weight, objective, site.grid, site.step_hours
        )
        self.carbon = site.grid.carbon_kg_per_kwh
        # The most a step can import (load, every charger, the battery at full power), kWh: the peaks' scale.
        self.import_scale = float(site.load_kwh.max() + site.socket_step_kwh.sum() + self.bess_step_kwh)
        charges = site.grid.demand_charges
        # Per site step plus the terminal row: inside a demand-charge window that the objective charges for.
        self.in_charged_window = with_terminal_row(objective.charged_window_steps(site.grid))
        # Per site step plus the terminal row: PV, load and PV - load now (column 0, observed) and as
        # forecast for the forecast_steps after it (solarev.env.forecasts, config env.forecasts).
        self.pv_ahead_kwh, self.load_ahead_kwh = (
            with_terminal_rows(
                np.column_stack([records, self.forecaster.ahead_matrix(signal, forecast_steps)])
            )
            for signal, records in (("pv", site.pv_kwh), ("load", site.load_kwh))
        )
        self.surplus_ahead_kwh = self.pv_ahead_kwh - self.load_ahead_kwh
        self.site_features = static_features(
            site,
            self.import_weight,
            self.pv_ahead_kwh,
            self.load_ahead_kwh,
            self.scaled_surplus(self.surplus_ahead_kwh[:, 1:]),
            forecast_steps,
        )
        self.due_scale = float((site.sessions.end - site.sessions.start).max(initial=1))
        n_sockets = site.n_sockets
        self.observation_names = observation_names(
            [charge.name for charge in charges], forecast_steps, n_sockets
        )
        self.observation_space = gym.spaces.Box(-1.0, 1.0, (len(self.observation_names),), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (1 + n_sockets,), np.float32)
        self.next_window = 0

    def scaled_surplus(self, surplus_kwh: np.ndarray | float) -> np.ndarray:
        """kWh of surplus in the battery's energy per step at nominal power, clipped to [-1, 1]."""
        return np.clip(np.asarray(surplus_kwh) / self.bess_step_kwh, -1.0, 1.0)

    def choose_window(self, options: Mapping[str, Any] | None) -> int:
        if options and "window" in options:
            return int(options["window"])
        if self.sample:
            return int(self.np_random.integers(len(self.windows)))
        index = self.next_window
        self.next_window = (index + 1) % len(self.windows)
        return index

    def prepare_episode(self) -> None:
        """Per-episode arrays: plugged-in sockets, due countdowns, when needs start and fall due."""
        window, site = self.window, self.site
        n_steps, n_sockets = window.n_steps, site.n_sockets
        sessions = episode_sessions(site, window.start, window.end)
        index, steps = session_steps(sessions.first, sessions.last)
        socket = sessions.socket[index]
        plugged = np.zeros((n_steps + 1, n_sockets), dtype=bool)
        plugged[steps, socket] = True
        steps_to_due = np.zeros((n_steps + 1, n_sockets))
        steps_to_due[steps, socket] = sessions.last[index] + 1 - steps
        self.steps_to_due = steps_to_due
        self.need_start = np.full((n_steps + 1, n_sockets), np.nan)
        self.need_start[sessions.first, sessions.socket] = sessions.need_kwh
        self.needs_start = ~np.isnan(self.need_start)
        self.due = np.zeros((n_steps + 1, n_sockets), dtype=bool)
        self.due[sessions.last, sessions.socket] = True
        self.sessions, self.plugged = sessions, plugged
        self.static_observations = self.site_features[window.start : window.end + 1].astype(np.float32)
        self.static_socket_observations = np.column_stack([plugged, steps_to_due / self.due_scale]).astype(
            np.float32
        )
        self.remaining = np.zeros(n_sockets)
        self.peak_kw = np.zeros(len(site.grid.demand_charges))
        months = window.billed_months(site.step_hours)
        self.demand_rates = np.array(
            [self.objective.monthly_rate(charge) * months for charge in site.grid.demand_charges]
        )
        self.start_needs(0)

    def start_needs(self, step: int) -> None:
        np.copyto(self.remaining, self.need_start[step], where=self.needs_start[step])

    @property
    def step_index(self) -> int:
        raise NotImplementedError

    def bess_soc(self) -> float:
        raise NotImplementedError

    def start_simulation(self) -> None:
        raise NotImplementedError

    def simulate(self, bess_action: float, ev_actions: np.ndarray) -> tuple[np.ndarray, float]:
        """One step: (each socket's charger consumption, the site's net exchange), kWh."""
        raise NotImplementedError

    def episode_record(self) -> EpisodeRecord:
        raise NotImplementedError

    def asap_ev_kwh(self) -> np.ndarray:
        """Energy into each plugged-in EV this step at full power until its remaining need is met."""
        return np.where(self.plugged_now, np.clip(self.remaining, 0.0, self.site.socket_step_kwh), 0.0)

    def site_surplus_now(self) -> float:
        """PV - load this step, kWh."""
        return float(self.site_surplus_kwh[self.window.start + self.step_index])

    def in_charged_window_now(self) -> bool:
        return bool(self.in_charged_window[self.window.start + self.step_index])

    def window_import_ahead_kwh(self, ev_grid_kwh: float) -> np.ndarray:
        """What the site would import without the battery, kWh, this step and the rest of the charged demand
        window it lies in, up to forecast_steps ahead: load - PV now and as the observation forecasts it
        (env.forecasts), the EVs at this step's `ev_grid_kwh` throughout (the arrivals ahead are not known).
        Empty outside a charged window."""
        now = self.window.start + self.step_index
        ahead = self.in_charged_window[now : now + self.forecast_steps + 1]
        steps = len(ahead) if ahead.all() else int(np.argmin(ahead))
        return ev_grid_kwh - self.surplus_ahead_kwh[now, :steps]

    def bess_deliverable_kwh(self) -> float:
        """What the battery can still discharge, grid side, kWh: its energy above the depth-of-discharge
        floor after the one-way loss."""
        bess = self.site.bess
        above_floor = (self.bess_soc() - (1.0 - bess.depth_of_discharge)) * bess.capacity_kwh
        return max(above_floor, 0.0) * bess.round_trip_efficiency**0.5

    def surplus_kwh(self) -> float:
        """PV - load - the plugged-in EVs' energy at full power (asap_ev_kwh) this step, kWh (grid side)."""
        return self.site_surplus_now() - float(self.asap_ev_kwh().sum() / CHARGER_EFFICIENCY)

    def must_charge_kwh(self) -> np.ndarray:
        """Per socket, the energy its plugged-in EV must take this step to be full when due: what the later
        steps at full power cannot deliver (0 where none is plugged in)."""
        need = np.clip(self.remaining, 0.0, None)
        per_step = self.site.socket_step_kwh
        later = per_step * np.clip(self.steps_to_due_now - 1, 0, None)
        return np.where(self.plugged_now, np.clip(need - later, 0.0, per_step), 0.0)

    def laxity_steps(self) -> np.ndarray:
        """Per socket, the steps its plugged-in EV can still wait: steps until due minus the steps its
        remaining need takes at full power (where none is plugged in: the steps to due, 0)."""
        return self.steps_to_due_now - np.clip(self.remaining, 0.0, None) / self.site.socket_step_kwh

    def fleet_features(self) -> list[float]:
        """[pressure, must go in now] of the plugged-in EVs (the module's docstring), 0 with none plugged."""
        plugged = self.plugged_now
        if not plugged.any():
            return [0.0, 0.0]
        need = np.clip(self.remaining[plugged], 0.0, None)
        per_step = self.site.socket_step_kwh[plugged]
        steps_to_due = self.steps_to_due_now[plugged]
        pressure = need.sum() / max(float((per_step * steps_to_due).sum()), 1e-9)
        must_now = self.must_charge_kwh()[plugged].sum() / per_step.sum()
        return [min(float(pressure), 1.0), float(must_now)]

    def observation(self) -> np.ndarray:
        surplus = self.surplus_kwh()
        peak_kwh = self.peak_kw * self.site.step_hours
        return np.concatenate(
            [
                self.static_observations[self.step_index],
                [self.scaled_surplus(surplus), self.bess_soc()],
                peak_kwh / self.import_scale,
                self.scaled_surplus(peak_kwh + surplus),
                self.fleet_features(),
                self.static_socket_observations[self.step_index],
                self.remaining / self.site.socket_battery_kwh,
            ],
            dtype=np.float32,
        )

    @property
    def plugged_now(self) -> np.ndarray:
        """Which sockets have an EV plugged in at the current step (bool per socket)."""
        return self.plugged[self.step_index]

    @property
    def steps_to_due_now(self) -> np.ndarray:
        """Per socket, the steps (this one included) until its plugged-in EV is due; 0 where none is."""
        return self.steps_to_due[self.step_index]

    def reset(self, *, seed: int | None = None, options: Mapping[str, Any] | None = None):
        super().reset(seed=seed)
        self.window_index = self.choose_window(options)
        self.window = self.windows[self.window_index]
        self.prepare_episode()
        self.start_simulation()
        return self.observation(), {"window": self.window.label}

    def action_from_energy(self, bess_kwh: float, ev_kwh: np.ndarray) -> np.ndarray:
        """The action that asks for `bess_kwh` (grid side, + charging) and `ev_kwh` into each socket's EV."""
        site = self.site
        bess = bess_kwh / (site.bess.power_kw * site.step_hours)
        ev = 2.0 * ev_kwh / site.socket_step_kwh - 1.0
        return np.clip(np.concatenate([[bess], ev]), -1.0, 1.0).astype(np.float32)

    def connection_state(self) -> StepState:
        """What the meter and the battery know this step (solarev.env.connection)."""
        bess = self.site.bess
        stored = max(self.bess_soc(), 1.0 - bess.depth_of_discharge) * bess.capacity_kwh
        return StepState(
            base_kwh=-self.site_surplus_now(),
            bess_power_kwh=self.bess_step_kwh,
            bess_chargeable_kwh=max(bess.capacity_kwh - stored, 0.0) / bess.one_way_efficiency,
            bess_deliverable_kwh=self.bess_deliverable_kwh(),
            socket_step_kwh=np.where(self.plugged_now, self.site.socket_step_kwh, 0.0),
        )

    def step(self, action: np.ndarray):
        step = self.step_index
        # The battery's action is a fraction of nominal power; a socket's maps [-1, 1] to [0, 1] of its power.
        action = np.asarray(action, dtype=float).clip(-1.0, 1.0)
        bess_action, ev_actions = float(action[0]), (action[1:] + 1.0) / 2.0
        if self.limited:
            bess_action, ev_actions = within_limits(
                bess_action, ev_actions, self.connection_state(), self.import_limit_kwh, self.export_limit_kwh
            )
        delivered, net = self.simulate(bess_action, ev_actions)
        self.remaining -= delivered * CHARGER_EFFICIENCY
        due = self.due[step]
        unmet = float(shortfall(self.remaining[due]).sum())
        self.remaining[due] = 0.0
        terminated = bool(self.step_index == self.window.n_steps)
        if not terminated:
            self.start_needs(step + 1)
        t = self.window.start + step
        grid, step_hours = self.site.grid, self.site.step_hours
        energy = (
            energy_term(net, self.import_weight[t], self.objective, grid, step_hours) - self.building_term[t]
        )
        demand = 0.0
        for c, charge in enumerate(grid.demand_charges):
            increase = peak_increase_kw(max(net, 0.0), step_hours, charge.in_window[t], self.peak_kw[c])
            self.peak_kw[c] += increase
            demand += self.demand_rates[c] * increase
        over_limit = max(net - self.import_limit_kwh, 0.0)
        reward = -float(energy + demand + self.unmet_weight * unmet + self.lost_load_weight * over_limit)
        co2 = max(net * float(self.carbon[t]), 0.0)
        return self.observation(), reward, terminated, False, {"co2_kg": co2, "ev_unmet_kwh": unmet}
