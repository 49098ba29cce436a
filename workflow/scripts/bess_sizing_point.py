"""Rule bess_sizing_point: the sizing LP with the capacity fixed at {capacity} kWh (power optimised)."""

import json
from dataclasses import asdict

import solarev.logs
from solarev.control.sizing import capital_cost, sized_at, sizing_site, sizing_weeks
from solarev.env.objective import Objective
from solarev.site.model import PROFILE_FILES

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
site = sizing_site(
    {name: smk.input[name] for name in PROFILE_FILES}, smk.params.site, smk.params.bess, smk.params.grid
)
weeks = sizing_weeks(smk.params.episodes["training_weeks"], smk.params.bess["sizing_weeks"])
result = sized_at(
    site,
    weeks,
    capital_cost(smk.params.bess["capital"]),
    float(smk.wildcards.capacity),
    Objective.from_config(smk.params.env),
    smk.params.env["unmet_energy_weight"],
    smk.params.time_limit_s,
)
log.info("weeks %s: %s", weeks, result)
with open(smk.output.point, "w") as file:
    json.dump({**asdict(result), "weeks": weeks}, file, indent=2)
