"""Rule solar: the site's PV output and weather on every simulation step."""

import warnings

import pandas as pd

import solarev.logs
from solarev.site.model import config_step_hours
from solarev.site.solar import solar_profile

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
# pvlib 0.16 still calls pandas APIs that pandas 3 deprecates; the notices are not about our data.
warnings.filterwarnings("ignore", category=pd.errors.Pandas4Warning, module="pvlib")
weather_path = smk.input.get("weather")
weather_table = pd.read_csv(weather_path) if weather_path else None
profile = solar_profile(smk.params.site, smk.params.solar, weather_table)
step_hours = config_step_hours(smk.params.site)
days = smk.params.site["days"]
log.info(
    "PV %.0f kWh over %d days (%.0f kWh/yr), GHI %.2f kWh/m2/day, peak %.0f kW",
    profile["ac_kw"].sum() * step_hours,
    days,
    profile["ac_kw"].sum() * step_hours * 365 / days,
    profile["ghi_w_m2"].sum() * step_hours / 1000 / days,
    profile["ac_kw"].max(),
)
profile.to_csv(smk.output.solar, index=False)
