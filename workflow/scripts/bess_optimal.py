"""Rule bess_optimal: the joint LP of capacity, power and dispatch over the sampled training weeks."""

import json
from dataclasses import asdict

import solarev.logs
from solarev.control.sizing import capital_cost, optimal_size, sizing_site, sizing_weeks
from solarev.control.sizing_bound import rule_based_saving
from solarev.env.objective import Objective
from solarev.site.bess import SMALLEST_BATTERY_KWH, sweep_capacities
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
    smk.params.env["unmet_energy_weight"],
    smk.params.time_limit_s,
)
# The lower bound of the battery's value; the envs cannot simulate a battery of no size (it saves nothing).
bought = min(result.capacity_kwh, result.power_kw) >= SMALLEST_BATTERY_KWH
rule_based = (
    rule_based_saving(site, weeks, result.capacity_kwh, result.power_kw, smk.params.env) if bought else 0.0
)
log.info("weeks %s: %s; saving under rule_based dispatch %.0f a year", weeks, result, rule_based)
with open(smk.output.optimal, "w") as file:
    json.dump({**asdict(result), "rule_based_annual_saving": rule_based, "weeks": weeks}, file, indent=2)
