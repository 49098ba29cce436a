"""The site's CityLearn env (the environment of record): SiteEnv simulated by CityLearn 3.0.2 from the
site's schema (solarev.env.schema), and make_env, which builds it for a split of the config's episodes."""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from solarev.env.construct import env_options, split_windows
from solarev.env.episodes import Window
from solarev.env.gym_env import EpisodeRecord, SiteEnv
from solarev.env.schema import charger_id, check_citylearn_site
from solarev.site.model import CHARGER_EFFICIENCY, Site


class SolarEvEnv(SiteEnv):
    """SiteEnv simulated by CityLearn from the site's schema."""

    def __init__(self, site: Site, schema_path: str | Path, windows: Sequence[Window], **options: Any):
        """`options`: SiteEnv's forecast_steps, forecasts, unmet_weight, sample and objective (see
        solarev.env.construct.env_options)."""
        super().__init__(site, windows, **options)
        # Imported here: a job on the numpy twin (training, validation) never loads CityLearn (and the
        # scikit-learn it imports), ~2 s of every such job's start.
        from citylearn.citylearn import CityLearnEnv

        # A Path (not str): CityLearn treats an unknown string as a dataset name and would go online.
        self.citylearn = CityLearnEnv(Path(schema_path), central_agent=True, offline=True, render_mode="none")
        check_citylearn_site(self.citylearn, site)
        self.building = self.citylearn.buildings[0]
        self.chargers = self.building.electric_vehicle_chargers
        names = self.citylearn.action_names[0]
        self.bess_action = names.index("electrical_storage")
        self.ev_actions = np.array(
            [names.index(f"electric_vehicle_storage_{charger_id(s)}") for s in range(site.n_sockets)]
        )

    @property
    def step_index(self) -> int:
        return int(self.citylearn.time_step)

    def bess_soc(self) -> float:
        # The building's own step: after the last step CityLearn advances the env but not the building, and
        # the env's terminal row of the SOC series is never written.
        building = self.building
        return float(building.electrical_storage.soc[building.time_step])

    def start_simulation(self) -> None:
        # One explicit split: CityLearn's episode is exactly this window (end row is the terminal one).
        self.citylearn.episode_time_steps = [(self.window.start, self.window.end)]
        self.citylearn.reset()
        # CityLearn reallocates these arrays on reset; holding them avoids attribute lookups per step.
        self.charger_consumption = [charger.electricity_consumption for charger in self.chargers]

    def citylearn_actions(self, bess_action: float, ev_actions: np.ndarray) -> list[np.ndarray]:
        actions = np.empty(1 + len(ev_actions))
        actions[self.bess_action] = bess_action
        actions[self.ev_actions] = ev_actions
        return [actions]

    def simulate(self, bess_action: float, ev_actions: np.ndarray) -> tuple[np.ndarray, float]:
        step = self.step_index
        # CityLearn's step would also assemble its own observations, reward and info, none of which this
        # wrapper uses; the runtime's feedback-free step is the same simulation without that work.
        self.citylearn._runtime_service.step_without_feedback(self.citylearn_actions(bess_action, ev_actions))
        delivered = np.fromiter((consumption[step] for consumption in self.charger_consumption), float)
        return delivered, float(self.building.net_electricity_consumption[step])

    def episode_record(self) -> EpisodeRecord:
        """CityLearn's time series of the episode just finished (read before the next reset)."""
        n_steps = self.window.n_steps
        building = self.building
        delivered = np.column_stack([consumption[:n_steps] for consumption in self.charger_consumption])
        return EpisodeRecord(
            window=self.window,
            time=self.site.time[self.window.start : self.window.end],
            pv_kwh=-building.solar_generation[:n_steps].astype(float),
            load_kwh=building.non_shiftable_load_electricity_consumption[:n_steps].astype(float),
            net_kwh=building.net_electricity_consumption[:n_steps].astype(float),
            co2_kg=building.net_electricity_consumption_emission[:n_steps].astype(float),
            cost_usd=building.net_electricity_consumption_cost[:n_steps].astype(float),
            bess_kwh=building.electrical_storage_electricity_consumption[:n_steps].astype(float),
            bess_soc=building.electrical_storage.soc[:n_steps].astype(float),
            ev_kwh=building.chargers_electricity_consumption[:n_steps].astype(float),
            ev_delivered_kwh=delivered.astype(float) * CHARGER_EFFICIENCY,
            sessions=self.sessions,
        )


def make_env(
    site: Site,
    schema_path: str | Path,
    episodes: Mapping[str, Any],
    env_config: Mapping[str, Any],
    split: str,
) -> SolarEvEnv:
    """The env for `split`: "training" (seeded random windows) or "validation"/"test" (each week in order).

    `episodes` and `env_config` are the config sections of those names.
    """
    windows = split_windows(site, episodes, split)
    return SolarEvEnv(site, schema_path, windows, **env_options(env_config, split))
