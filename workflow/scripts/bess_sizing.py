"""Rule bess_sizing: the battery sized from the generated PV, load and uncontrolled EV demand."""

import json

import solarev.logs
from solarev.site.bess import site_battery
from solarev.site.profiles import read_profiles

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
profiles = read_profiles(smk.params.site, smk.input)
battery = site_battery(profiles.time, profiles.pv_kw, profiles.load_kw, profiles.ev_kw, smk.params.bess)
log.info("battery sizing: %s", battery)
with open(smk.output.bess, "w") as file:
    json.dump(battery, file, indent=2)
