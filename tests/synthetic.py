"""A small seeded site in the site stage's file format, for tests and benchmarks of the env and controllers.

It is not a model of any real site: bell-shaped PV with random daily cloudiness, a shop-hours load and EV
sessions laid one after another on each socket during opening hours.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from solarev.site.model import hour_of_day, site_time


@dataclass(frozen=True)
class SyntheticSite:
    days: int = 21
    time_step_minutes: int = 60
    year: int = 2023
    timezone: str = "America/Lima"
    sockets: tuple[tuple[float, float], ...] = ((2.0, 3.0), (2.0, 3.0), (2.0, 3.0), (3.0, 6.0))  # kW, kWh
    sessions_per_socket_day: int = 3
    session_hours: float = 0.5  # longest charging time at full power
    pv_peak_kw: float = 12.0
    load_mean_kw: float = 4.0
    bess_capacity_kwh: float = 20.0
    bess_power_kw: float = 8.0
    seed: int = 0

    def site_config(self) -> dict:
        """The config `site` section this site was made for."""
        return {
            "year": self.year,
            "days": self.days,
            "time_step_minutes": self.time_step_minutes,
            "timezone": self.timezone,
        }


def solar_frame(spec: SyntheticSite, time: pd.DatetimeIndex, rng: np.random.Generator) -> pd.DataFrame:
    hour = hour_of_day(time)
    bell = np.clip(np.sin((hour - 6) / 12 * np.pi), 0, None)
    clearness = rng.uniform(0.3, 1.0, spec.days).repeat(len(time) // spec.days)
    ghi = 1000 * bell * clearness
    return pd.DataFrame(
        {
            "time": time.astype(str),
            "ac_kw": spec.pv_peak_kw * bell * clearness,
            "clear_sky_ac_kw": spec.pv_peak_kw * bell,
            "ghi_w_m2": ghi,
            "dni_w_m2": 0.7 * ghi,
            "dhi_w_m2": 0.3 * ghi,
            "temp_air_c": 27 + 4 * bell,
            "relative_humidity": 80 - 20 * bell,
        }
    )


def load_frame(spec: SyntheticSite, time: pd.DatetimeIndex) -> pd.DataFrame:
    open_hours = (time.hour >= 9) & (time.hour < 22)
    return pd.DataFrame(
        {"time": time.astype(str), "load_kw": spec.load_mean_kw * np.where(open_hours, 1.4, 0.3)}
    )


def session_rows(spec: SyntheticSite, rng: np.random.Generator) -> list[dict]:
    steps_per_hour = 60 // spec.time_step_minutes
    steps_per_day = 24 * steps_per_hour
    rows = []
    for socket, (power, battery) in enumerate(spec.sockets):
        step_kwh = power / steps_per_hour
        for day in range(spec.days):
            step = day * steps_per_day + 9 * steps_per_hour + rng.integers(0, 3 * steps_per_hour)
            for _ in range(spec.sessions_per_socket_day):
                energy = float(rng.uniform(0.3, 1.0) * min(battery, power * spec.session_hours))
                dwell = int(np.ceil(energy / step_kwh)) + int(rng.integers(0, 3 * steps_per_hour))
                end = step + dwell
                if end > (day + 1) * steps_per_day:
                    break
                rows.append(
                    {
                        "session_id": len(rows),
                        "vehicle_class": "moto" if battery < 5 else "mototaxi",
                        "charger": socket // 2,
                        "socket": socket,
                        "arrival_step": step,
                        "departure_step": end,
                        "energy_kwh": energy,
                        "charger_power_kw": power,
                        "battery_kwh": battery,
                        "queued_steps": 0,
                    }
                )
                step = end + int(rng.integers(0, 2 * steps_per_hour))
    return rows


def write_synthetic_site(spec: SyntheticSite, directory: str | Path) -> Path:
    """Write solar.csv, building_load.csv, ev_sockets.csv, ev_sessions.csv and bess.json; return
    `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(spec.seed)
    time = site_time(spec.site_config())
    solar_frame(spec, time, rng).to_csv(directory / "solar.csv", index=False)
    load_frame(spec, time).to_csv(directory / "building_load.csv", index=False)
    sockets = pd.DataFrame(
        {
            "socket": range(len(spec.sockets)),
            "charger": [socket // 2 for socket in range(len(spec.sockets))],
            "vehicle_class": ["moto" if battery < 5 else "mototaxi" for _, battery in spec.sockets],
            "power_kw": [power for power, _ in spec.sockets],
            "battery_kwh": [battery for _, battery in spec.sockets],
        }
    )
    sockets.to_csv(directory / "ev_sockets.csv", index=False)
    sessions = pd.DataFrame(session_rows(spec, rng))
    sessions.insert(4, "arrival", time[sessions["arrival_step"]].astype(str))
    sessions.insert(5, "departure", time[np.minimum(sessions["departure_step"], len(time) - 1)].astype(str))
    sessions.to_csv(directory / "ev_sessions.csv", index=False)
    bess = {
        "capacity_kwh": spec.bess_capacity_kwh,
        "power_kw": spec.bess_power_kw,
        "depth_of_discharge": 0.8,
        "round_trip_efficiency": 0.95,
    }
    (directory / "bess.json").write_text(json.dumps(bess, indent=2))
    return directory
