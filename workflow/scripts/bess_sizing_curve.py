"""Rule bess_sizing_curve: resources/bess_sizing.csv and results/figures/bess_sizing.png from the sweep's
points, the joint LP's optimum and the rule's size."""

import json
from pathlib import Path

import solarev.logs
from solarev.control.sizing import sizing_figure, sizing_table

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
points = [json.loads(Path(path).read_text()) for path in smk.input.points]
optimum = json.loads(Path(smk.input.optimal).read_text())
battery = json.loads(Path(smk.input.bess).read_text())
rule_kwh = battery.get("rule_capacity_kwh", battery["capacity_kwh"])
table = sizing_table(points)
table.to_csv(smk.output.table, index=False)
log.info("sweep:\n%s\njoint LP: %s; rule: %.0f kWh", table.to_string(), optimum, rule_kwh)
figure = sizing_figure(table, optimum, rule_kwh, smk.params.site_name)
figure.savefig(smk.output.figure, dpi=150)
