"""Rule bess_optimal: the joint LP of capacity, power and dispatch over the sampled training weeks."""

import json
from dataclasses import asdict

import solarev.logs
from solarev.control.sizing import capital_cost, optimal_size, sizing_site, sizing_weeks
from solarev.env.objective import Objective
from solarev.site.bess import sweep_capacities
from solarev.site.model import PROFILE_FILES

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
bess = smk.params.bess
site = sizing_site({name: smk.input[name] for name in PROFILE_FILES}, smk.params.site, bess, smk.params.grid)
weeks = sizing_weeks(smk.params.episodes["training_weeks"], bess["sizing_weeks"])
result = optimal_size(
    site,
    weeks,
    capital_cost(bess["capital"]),
    max(sweep_capacities(bess["sweep_kwh"])),
    Objective.from_config(smk.params.env),
    smk.params.env["unmet_energy_weight_kg_per_kwh"],
    smk.params.time_limit_s,
)
log.info("weeks %s: %s", weeks, result)
with open(smk.output.optimal, "w") as file:
    json.dump({**asdict(result), "weeks": weeks}, file, indent=2)
