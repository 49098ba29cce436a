"""Rule building_load: the building's load on every simulation step."""

import pandas as pd

import solarev.logs
from solarev.site.load import building_load
from solarev.site.model import config_step_hours

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
table_path = smk.input.get("table")
table = pd.read_csv(table_path) if table_path else None
load = building_load(smk.params.site, smk.params.building_load, table)
step_hours = config_step_hours(smk.params.site)
daily_kwh = (load["load_kw"] * step_hours).groupby(load.index // round(24 / step_hours)).sum()
log.info(
    "building load %.1f kWh per day (days from %.0f to %.0f kWh), peak %.1f kW",
    daily_kwh.mean(),
    daily_kwh.min(),
    daily_kwh.max(),
    load["load_kw"].max(),
)
load.to_csv(smk.output.load, index=False)
