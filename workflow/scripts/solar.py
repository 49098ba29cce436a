"""Rule solar: the site's PV output and weather on every simulation step."""

import warnings

import pandas as pd

import solarev.logs
from solarev.site.model import config_step_hours
from solarev.site.solar import pv_yield, solar_profile

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
# pvlib 0.16 still calls pandas APIs that pandas 3 deprecates; the notices are not about our data.
warnings.filterwarnings("ignore", category=pd.errors.Pandas4Warning, module="pvlib")
weather_path = smk.input.get("weather")
weather_table = pd.read_csv(weather_path) if weather_path else None
profile = solar_profile(smk.params.site, smk.params.solar, weather_table)
days = smk.params.site["days"]
summary = pv_yield(profile, smk.params.solar["system"]["dc_kwp"], config_step_hours(smk.params.site), days)
log.info(
    "PV %.0f kWh/yr (%d days annualised): %.0f kWh/kWp/yr, performance ratio %.3f; GHI %.2f kWh/m2/day, "
    "peak %.0f kW",
    summary["annual_ac_kwh"],
    days,
    summary["specific_yield_kwh_per_kwp"],
    summary["performance_ratio"],
    summary["ghi_kwh_m2_per_day"],
    profile["ac_kw"].max(),
)
profile.to_csv(smk.output.solar, index=False)
