"""CityLearn 3.0.2 schema and CSV files for the site: one building, one central agent, one charger per socket.

Physics choices (checked by running CityLearn 3.0.2 and against its source; docs/design.md "Simulators"):
- Battery curves are explicit and flat, so efficiency is constant and the power limit is nominal; no
  degradation and no standby loss. CityLearn applies the square root of the round-trip efficiency per
  direction.
- PV is given in absolute kWh per step (generation_mode "absolute").
- Each socket has its own EV id. A session's EV arrives with SOC 1 - energy/battery and needs SOC 1 at
  departure, so full charge is the need and the battery cannot take more. The EV's SOC is set on every
  plugged-in row (electric_vehicle_current_soc, read by CityLearn only when a session starts, including an
  episode starting mid-session) to its full-power-since-arrival value (see solarev.env.sessions).
- Every file has one more row than the site has steps: CityLearn needs a terminal row after an episode's
  last step, and the last week of the year must be playable.
"""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from solarev.env.forecasts import forecast_matrix
from solarev.env.sessions import asap_energy, session_steps
from solarev.site.model import CHARGER_EFFICIENCY, Site

if TYPE_CHECKING:
    from citylearn.citylearn import CityLearnEnv

SCHEMA_FILE = "schema.json"
BUILDING = "site"
FLAT_CURVE = [[0.0, 1.0], [1.0, 1.0]]
# CityLearn's own observations stay few: the wrapper builds its observations from the site arrays.
CITYLEARN_OBSERVATIONS = [
    "month",
    "day_type",
    "hour",
    "solar_generation",
    "non_shiftable_load",
    "electrical_storage_soc",
    "net_electricity_consumption",
]
FORECASTS = 3  # CityLearn's *_predicted_1/2/3 columns: perfect forecasts 1, 2 and 3 steps ahead


def charger_id(socket: int) -> str:
    return f"socket_{socket:03d}"


def ev_id(socket: int) -> str:
    return f"ev_{socket:03d}"


def pad_terminal_row(frame: pd.DataFrame) -> pd.DataFrame:
    """Repeat the last row: the terminal observation after the year's last step."""
    return pd.concat([frame, frame.iloc[[-1]]], ignore_index=True)


def building_frame(site: Site) -> pd.DataFrame:
    time = site.time
    frame = pd.DataFrame(
        {
            "month": time.month,
            "hour": time.hour + 1,  # CityLearn counts hours 1-24
            "minutes": time.minute,
            "day_type": time.day_of_week + 1,  # 1 = Monday
            "daylight_savings_status": 0,
            "indoor_dry_bulb_temperature": site.weather["temp_air_c"].to_numpy(),
            "non_shiftable_load": site.load_kwh,
            "dhw_demand": 0.0,
            "cooling_demand": 0.0,
            "heating_demand": 0.0,
            "solar_generation": site.pv_kwh,
        }
    )
    return pad_terminal_row(frame)


def weather_frame(site: Site) -> pd.DataFrame:
    sources = {
        "outdoor_dry_bulb_temperature": "temp_air_c",
        "outdoor_relative_humidity": "relative_humidity",
        "diffuse_solar_irradiance": "dhi_w_m2",
        "direct_solar_irradiance": "dni_w_m2",
    }
    columns = {}
    for name, source in sources.items():
        values = site.weather[source].to_numpy(float)
        forecasts = forecast_matrix(values, FORECASTS)
        columns[name] = values
        columns |= {f"{name}_predicted_{k + 1}": forecasts[:, k] for k in range(FORECASTS)}
    return pad_terminal_row(pd.DataFrame(columns))


def signal_frame(name: str, values: np.ndarray, forecasts: bool) -> pd.DataFrame:
    """A grid signal per step (plus the terminal row), with CityLearn's perfect predictions if `forecasts`."""
    values = np.append(values, values[-1])
    columns = {name: values}
    if forecasts:
        predicted = forecast_matrix(values, FORECASTS)
        columns |= {f"{name}_predicted_{k + 1}": predicted[:, k] for k in range(FORECASTS)}
    return pd.DataFrame(columns)


def charger_frames(site: Site) -> dict[int, pd.DataFrame]:
    """One charger file per socket: who is plugged in at each step and with which SOC."""
    n_rows = site.n_steps + 1
    sessions = site.sessions
    index, steps = session_steps(sessions.start, sessions.end - 1)
    socket = sessions.socket[index]
    battery = site.socket_battery_kwh[socket]
    energy = sessions.energy_kwh[index]
    held = asap_energy(sessions.start[index], energy, site.socket_step_kwh[socket], steps)
    plugged = np.zeros((site.n_sockets, n_rows), dtype=bool)
    plugged[socket, steps] = True
    soc = np.full((site.n_sockets, n_rows), np.nan)
    soc[socket, steps] = 1.0 - (energy - held) / battery
    departure = np.full((site.n_sockets, n_rows), np.nan)
    departure[socket, steps] = sessions.end[index] - steps
    session = np.full((site.n_sockets, n_rows), "", dtype=object)
    # Non-numeric ids: pandas would read numbers as integers, and CityLearn only recognises string ids
    # (without them it cannot tell back-to-back sessions of one EV apart).
    session[socket, steps] = "session_" + sessions.session_id[index].astype(object)
    return {
        s: pd.DataFrame(
            {
                "electric_vehicle_charger_state": np.where(plugged[s], 1, 3),
                "electric_vehicle_id": np.where(plugged[s], ev_id(s), ""),
                "electric_vehicle_session_id": session[s],
                "electric_vehicle_departure_time": departure[s],
                "electric_vehicle_required_soc_departure": np.where(plugged[s], 1.0, np.nan),
                "electric_vehicle_estimated_arrival_time": np.nan,
                "electric_vehicle_estimated_soc_arrival": soc[s],
                "electric_vehicle_current_soc": soc[s],
            }
        )
        for s in range(site.n_sockets)
    }


def citylearn_frames(site: Site) -> dict[str, pd.DataFrame]:
    """Every CSV of the schema, by file name."""
    frames = {
        "building.csv": building_frame(site),
        "weather.csv": weather_frame(site),
        "carbon_intensity.csv": signal_frame(
            "carbon_intensity", site.grid.carbon_kg_per_kwh, forecasts=False
        ),
        "pricing.csv": signal_frame("electricity_pricing", site.grid.import_usd_per_kwh, forecasts=True),
    }
    frames |= {f"chargers/{charger_id(s)}.csv": frame for s, frame in charger_frames(site).items()}
    return frames


def battery_attributes(site: Site) -> dict[str, Any]:
    bess = site.bess
    return {
        "capacity": bess.capacity_kwh,
        "nominal_power": bess.power_kw,
        "efficiency": bess.round_trip_efficiency,
        "depth_of_discharge": bess.depth_of_discharge,
        "initial_soc": bess.initial_soc,
        "capacity_loss_coefficient": 0.0,
        "loss_coefficient": 0.0,
        "power_efficiency_curve": [[0.0, bess.round_trip_efficiency], [1.0, bess.round_trip_efficiency]],
        "capacity_power_curve": FLAT_CURVE,
    }


def ev_definition(capacity_kwh: float, power_kw: float) -> dict[str, Any]:
    """A lossless EV battery that accepts its charger's full power at any SOC."""
    return {
        "include": True,
        "battery": {
            "attributes": {
                "capacity": capacity_kwh,
                "nominal_power": power_kw,
                "initial_soc": 0.5,
                "depth_of_discharge": 1.0,
                "efficiency": 1.0,
                "capacity_loss_coefficient": 0.0,
                "loss_coefficient": 0.0,
                "power_efficiency_curve": FLAT_CURVE,
                "capacity_power_curve": FLAT_CURVE,
            }
        },
    }


def charger_definition(socket: int, power_kw: float) -> dict[str, Any]:
    return {
        "type": "citylearn.electric_vehicle_charger.Charger",
        "charger_simulation": f"chargers/{charger_id(socket)}.csv",
        "attributes": {
            "efficiency": CHARGER_EFFICIENCY,
            "max_charging_power": power_kw,
            "min_charging_power": 0.0,
            "max_discharging_power": 0.0,
            "min_discharging_power": 0.0,
        },
    }


def citylearn_schema(site: Site, random_seed: int) -> dict[str, Any]:
    """The schema dict; `root_directory` is left unset so CityLearn reads files next to schema.json."""
    sockets = range(site.n_sockets)
    power = site.socket_power_kw
    return {
        "random_seed": random_seed,
        "root_directory": None,
        "central_agent": True,
        "simulation_start_time_step": 0,
        "simulation_end_time_step": site.n_steps,
        "episode_time_steps": [[0, site.n_steps]],
        "rolling_episode_split": False,
        "random_episode_split": False,
        "seconds_per_time_step": round(site.step_hours * 3600),
        "render_mode": "none",
        "observations": {
            name: {"active": True, "shared_in_central_agent": True} for name in CITYLEARN_OBSERVATIONS
        },
        "actions": {"electrical_storage": {"active": True}, "electric_vehicle_storage": {"active": True}},
        "reward_function": {"type": "citylearn.reward_function.RewardFunction", "attributes": {}},
        "buildings": {
            BUILDING: {
                "include": True,
                "energy_simulation": "building.csv",
                "weather": "weather.csv",
                "carbon_intensity": "carbon_intensity.csv",
                "pricing": "pricing.csv",
                "inactive_observations": [],
                "inactive_actions": [],
                "electrical_storage": {
                    "type": "citylearn.energy_model.Battery",
                    "autosize": False,
                    "attributes": battery_attributes(site),
                },
                "pv": {
                    "type": "citylearn.energy_model.PV",
                    "autosize": False,
                    "attributes": {
                        "nominal_power": float(site.pv_kwh.max() / site.step_hours),
                        "generation_mode": "absolute",
                    },
                },
                "chargers": {charger_id(s): charger_definition(s, power[s]) for s in sockets},
            }
        },
        "electric_vehicles_def": {
            ev_id(s): ev_definition(site.socket_battery_kwh[s], power[s]) for s in sockets
        },
    }


def write_citylearn_site(site: Site, random_seed: int, directory: str | Path) -> Path:
    """Write schema.json and its CSVs into `directory`; return the schema's path."""
    directory = Path(directory)
    (directory / "chargers").mkdir(parents=True, exist_ok=True)
    for name, frame in citylearn_frames(site).items():
        frame.to_csv(directory / name, index=False)
    schema_path = directory / SCHEMA_FILE
    schema_path.write_text(json.dumps(citylearn_schema(site, random_seed), indent=2))
    return schema_path


def check_citylearn_site(citylearn: "CityLearnEnv", site: Site) -> None:
    """Fail loudly where CityLearn would fail silently (an unknown EV id never charges)."""
    building = citylearn.buildings[0]
    chargers = [charger.charger_id for charger in building.electric_vehicle_chargers]
    if chargers != [charger_id(s) for s in range(site.n_sockets)]:
        raise ValueError(
            f"CityLearn chargers {chargers[:3]}... do not match the site's {site.n_sockets} sockets"
        )
    known = {ev.name for ev in citylearn.electric_vehicles}
    for socket, charger in enumerate(building.electric_vehicle_chargers):
        ids = {
            name for name in charger.charger_simulation.electric_vehicle_id if isinstance(name, str) and name
        }
        if not ids <= {ev_id(socket)} or ev_id(socket) not in known:
            raise ValueError(
                f"charger {charger.charger_id}: EV ids {sorted(ids)} missing from electric_vehicles_def"
            )
