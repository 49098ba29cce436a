"""Rule bess_sizing: resources/bess.json, the battery sized by the original rule from the generated PV, load
and uncontrolled EV demand, or (bess.sizing) the fixed size or the LP's optimum in its place."""

import json
from pathlib import Path

import solarev.logs
from solarev.site.bess import chosen_battery, site_battery
from solarev.site.profiles import read_profiles

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
profiles = read_profiles(smk.params.site, smk.input)
rule = site_battery(profiles.time, profiles.pv_kw, profiles.load_kw, profiles.ev_kw, smk.params.bess)
sizing = smk.params.sizing["sizing"]
if sizing == "optimal":
    optimum = json.loads(Path(smk.input.optimal).read_text())
    size = (optimum["capacity_kwh"], optimum["power_kw"])
else:
    size = (smk.params.sizing.get("fixed_capacity_kwh"), smk.params.sizing.get("fixed_power_kw"))
battery = chosen_battery(rule, sizing, *size)
log.info("battery sizing (%s): %s", sizing, battery)
with open(smk.output.bess, "w") as file:
    json.dump(battery, file, indent=2)
