"""PV output of the site with pvlib: offline weather (clear sky with seeded clouds, or a user file) and a
PVWatts system sized by its DC and AC ratings, optionally scaled to a known annual yield."""

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pvlib

from solarev.site.calendar import day_of_step, month_factor
from solarev.site.model import config_step_hours, hour_of_day, site_time, time_step_hours
from solarev.site.tables import indexed_by_time, onto_steps

WEATHER_FILE_COLUMNS = ["ghi", "dni", "dhi", "temp_air"]
# Cells heat with irradiance; an open rack with glass/polymer modules is the usual rooftop mount.
CELL_TEMPERATURE = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_polymer"]
WIND_SPEED_M_S = 1.0
# Hour of the daily temperature maximum, typical of the humid tropics.
WARMEST_HOUR = 15.0
# Dew point stays near the mean temperature minus this spread, so humidity falls as the air warms.
DEW_POINT_SPREAD_C = 3.0


def location(site: Mapping[str, Any]) -> pvlib.location.Location:
    return pvlib.location.Location(
        site["latitude"], site["longitude"], tz=site["timezone"], altitude=site["altitude_m"]
    )


def step_midpoints(time: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Middle of each step: the sun's position there represents the step's mean irradiance best."""
    return time + pd.Timedelta(minutes=int(pd.Timedelta(time.freq).total_seconds() // 120))


def ar1(n: int, rho: float, rng: np.random.Generator) -> np.ndarray:
    """Unit-variance AR(1) series with lag-one correlation `rho`: cloudiness persists from one value to
    the next instead of flickering independently."""
    noise = rng.standard_normal(n) * np.sqrt(1 - rho**2)
    series = np.empty(n)
    series[0] = rng.standard_normal()
    for step in range(1, n):
        series[step] = rho * series[step - 1] + noise[step]
    return series


def clear_sky_index(time: pd.DatetimeIndex, weather: Mapping[str, Any]) -> np.ndarray:
    """Seeded clear-sky index per step: the month's configured mean plus a day-to-day and an hour-to-hour
    AR(1) anomaly (whole cloudy spells and passing clouds), clipped to the physical range (thick overcast
    0.05 up to cloud-edge enhancement 1.1)."""
    rng = np.random.default_rng(weather["seed"])
    days = day_of_step(time)
    daily = ar1(days[-1] + 1, weather["day_to_day_persistence"], rng)[days]
    hourly = ar1(len(time), weather["persistence"] ** time_step_hours(time), rng)
    index = (
        month_factor(time, weather["clear_sky_index_monthly"])
        + weather["day_to_day_sd"] * daily
        + weather["clear_sky_index_sd"] * hourly
    )
    return np.clip(index, 0.05, 1.1)


def calibrated_to_months(
    index: np.ndarray, clear_ghi: np.ndarray, time: pd.DatetimeIndex, monthly: list[float]
) -> np.ndarray:
    """`index` rescaled month by month so that each month's GHI / clear-sky GHI equals its configured mean:
    the seeded anomalies shape days and hours, the config sets each month's climate (clipping and chance
    would otherwise shift it by a few percent)."""
    months = np.asarray(time.month)
    ghi_sum = pd.Series(index * clear_ghi).groupby(months).transform("sum").to_numpy()
    clear_sum = pd.Series(clear_ghi).groupby(months).transform("sum").to_numpy()
    return index * month_factor(time, monthly) * clear_sum / ghi_sum


def air_temperature(time: pd.DatetimeIndex, cloudiness: np.ndarray, weather: Mapping[str, Any]) -> np.ndarray:
    """Daily cycle peaking mid-afternoon, damped under clouds."""
    hour = hour_of_day(time)
    cycle = np.cos(2 * np.pi * (hour - WARMEST_HOUR) / 24)
    return weather["air_temperature_c"] + weather["air_temperature_amplitude_c"] * cycle * (
        1 - 0.5 * cloudiness
    )


def relative_humidity(temp_air_c: np.ndarray, mean_temp_c: float) -> np.ndarray:
    """Magnus formula with a constant dew point: humid nights, drier afternoons."""
    dew_point = mean_temp_c - DEW_POINT_SPREAD_C

    def saturation(t: np.ndarray | float) -> np.ndarray:
        return np.exp(17.62 * np.asarray(t) / (243.12 + np.asarray(t)))

    return np.clip(100 * saturation(dew_point) / saturation(temp_air_c), 0, 100)


def synthetic_weather(
    time: pd.DatetimeIndex, site: Mapping[str, Any], weather: Mapping[str, Any]
) -> pd.DataFrame:
    """Clear-sky irradiance (Ineichen with pvlib's shipped Linke turbidity: no download) times a seeded
    cloud index with the configured monthly means, split into beam and diffuse with the Erbs model."""
    midpoints = step_midpoints(time)
    place = location(site)
    clear_ghi = place.get_clearsky(midpoints, model="ineichen")["ghi"].to_numpy()
    index = calibrated_to_months(
        clear_sky_index(time, weather), clear_ghi, time, weather["clear_sky_index_monthly"]
    )
    ghi = clear_ghi * index
    zenith = place.get_solarposition(midpoints)["apparent_zenith"].to_numpy()
    split = pvlib.irradiance.erbs(ghi, zenith, midpoints)
    temp_air = air_temperature(time, 1 - index, weather)
    return pd.DataFrame(
        {
            "ghi": ghi,
            "dni": np.nan_to_num(np.asarray(split["dni"])),
            "dhi": np.nan_to_num(np.asarray(split["dhi"])),
            "temp_air": temp_air,
            "relative_humidity": relative_humidity(temp_air, weather["air_temperature_c"]),
        },
        index=time,
    )


def clear_sky_weather(
    time: pd.DatetimeIndex, site: Mapping[str, Any], temp_air_c: np.ndarray
) -> pd.DataFrame:
    """Ineichen clear-sky irradiance (pvlib's shipped Linke turbidity) at the site's temperatures: the
    reference of the clear-sky index that PV forecasts persist (solarev.control.forecasts)."""
    clear = location(site).get_clearsky(step_midpoints(time), model="ineichen")
    return pd.DataFrame(
        {name: clear[name].to_numpy() for name in ("ghi", "dni", "dhi")} | {"temp_air": temp_air_c},
        index=time,
    )


def weather_from_file(frame: pd.DataFrame, time: pd.DatetimeIndex) -> pd.DataFrame:
    """A user's weather table (time, ghi, dni, dhi [W/m2], temp_air [C], optional relative_humidity [%])
    brought onto the simulation steps by time interpolation."""
    table = indexed_by_time(frame, time.tz, "solar.weather.file", WEATHER_FILE_COLUMNS)
    if "relative_humidity" not in table:
        table["relative_humidity"] = relative_humidity(table["temp_air"].to_numpy(), table["temp_air"].mean())
    return onto_steps(table, time)


def plane_of_array_w_m2(
    weather: pd.DataFrame, site: Mapping[str, Any], system: Mapping[str, Any]
) -> np.ndarray:
    """Irradiance on the tilted modules (Hay-Davies transposition), the input of the DC model and the
    reference of the performance ratio."""
    midpoints = step_midpoints(weather.index)
    sun = location(site).get_solarposition(midpoints)
    poa = pvlib.irradiance.get_total_irradiance(
        system["tilt_deg"],
        system["azimuth_deg"],
        sun["apparent_zenith"].to_numpy(),
        sun["azimuth"].to_numpy(),
        weather["dni"].to_numpy(),
        weather["ghi"].to_numpy(),
        weather["dhi"].to_numpy(),
        dni_extra=pvlib.irradiance.get_extra_radiation(midpoints).to_numpy(),
        model="haydavies",
    )["poa_global"]
    return np.nan_to_num(np.asarray(poa, dtype=float)).clip(min=0)


def ac_power_kw(poa_w_m2: np.ndarray, temp_air_c: np.ndarray, system: Mapping[str, Any]) -> np.ndarray:
    """PVWatts: SAPM cell temperature, DC at the temperature coefficient less system losses, then an
    inverter capped at its AC rating."""
    temp_cell = pvlib.temperature.sapm_cell(poa_w_m2, temp_air_c, WIND_SPEED_M_S, **CELL_TEMPERATURE)
    dc_kw = pvlib.pvsystem.pvwatts_dc(
        poa_w_m2, temp_cell, system["dc_kwp"], system["temperature_coefficient_per_c"]
    ) * (1 - system["system_losses"])
    eta = system["inverter_efficiency"]
    ac_kw = pvlib.inverter.pvwatts(np.asarray(dc_kw), system["ac_kw"] / eta, eta_inv_nom=eta)
    return np.asarray(ac_kw, dtype=float).clip(0, system["ac_kw"])


def annual_scale(ac_kw: np.ndarray, step_hours: float, days: int, annual_kwh: float | None) -> float:
    """Factor that makes the profile's energy, extrapolated to 365 days, equal `annual_kwh` (1 if None)."""
    if annual_kwh is None:
        return 1.0
    annualised = ac_kw.sum() * step_hours * 365 / days
    if annualised <= 0:
        raise ValueError("solar.scale_to_annual_kwh: the modelled PV produces no energy to scale")
    return annual_kwh / annualised


def pv_yield(profile: pd.DataFrame, dc_kwp: float, step_hours: float, days: int) -> dict[str, float]:
    """A solar profile's annualised AC energy, specific yield (kWh per kWp DC per year), performance ratio
    (IEC 61724: AC yield over the plane-of-array irradiation in kWh/m2, i.e. the reference yield at
    1 kW/m2) and mean GHI: the figures a modeller checks a PV model against."""
    per_year = 365 / days
    ac_kwh = profile["ac_kw"].sum() * step_hours * per_year
    poa_kwh_m2 = profile["poa_w_m2"].sum() * step_hours / 1000 * per_year
    return {
        "annual_ac_kwh": float(ac_kwh),
        "specific_yield_kwh_per_kwp": float(ac_kwh / dc_kwp),
        "performance_ratio": float(ac_kwh / dc_kwp / poa_kwh_m2),
        "ghi_kwh_m2_per_day": float(profile["ghi_w_m2"].sum() * step_hours / 1000 / days),
    }


def solar_profile(
    site: Mapping[str, Any], solar: Mapping[str, Any], weather_file: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The site's PV output and weather on every simulation step (resources/solar.csv)."""
    time = site_time(site)
    if solar["weather"]["source"] == "file":
        if weather_file is None:
            raise ValueError("solar.weather.file: the weather source is 'file' but no table was given")
        weather = weather_from_file(weather_file, time)
    else:
        weather = synthetic_weather(time, site, solar["weather"])
    poa = plane_of_array_w_m2(weather, site, solar["system"])
    ac_kw = ac_power_kw(poa, weather["temp_air"].to_numpy(), solar["system"])
    step_hours = config_step_hours(site)
    scale = annual_scale(ac_kw, step_hours, site["days"], solar["scale_to_annual_kwh"])
    clear_sky = clear_sky_weather(time, site, weather["temp_air"].to_numpy())
    clear_sky_ac_kw = ac_power_kw(
        plane_of_array_w_m2(clear_sky, site, solar["system"]),
        clear_sky["temp_air"].to_numpy(),
        solar["system"],
    )
    return pd.DataFrame(
        {
            "time": time.astype(str),
            "ac_kw": ac_kw * scale,
            "clear_sky_ac_kw": clear_sky_ac_kw * scale,
            "ghi_w_m2": weather["ghi"].to_numpy(),
            "poa_w_m2": poa,
            "dni_w_m2": weather["dni"].to_numpy(),
            "dhi_w_m2": weather["dhi"].to_numpy(),
            "temp_air_c": weather["temp_air"].to_numpy(),
            "relative_humidity": weather["relative_humidity"].to_numpy(),
        }
    )
