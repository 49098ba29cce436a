"""Rule annual_bill: every controller's months (rule monthly_bills) as one table with each controller's
year, and its figure; under bess.sizing optimal the battery's net benefit under each controller's dispatch
beside the sizing's bounds."""

import json
from pathlib import Path

import pandas as pd

import solarev.logs
from solarev.env.objective import Objective
from solarev.evaluate.annual_bill import annual_bill_table, annual_rows
from solarev.evaluate.bill_benefit import battery_benefit
from solarev.report.bill import annual_bill_figure

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
bills = {
    controller: pd.read_csv(path)
    for controller, path in zip(smk.params.controllers, smk.input.bills, strict=True)
}
table = annual_bill_table(bills, smk.params.env["unmet_energy_weight"])
optimal = smk.input.get("optimal")  # bess.sizing optimal's only
benefit = (
    None
    if optimal is None
    else battery_benefit(
        table,
        smk.params.bess["capital"],
        json.loads(Path(smk.input.bess).read_text()),
        json.loads(Path(optimal).read_text()),
        pd.read_csv(smk.input.sizing),
    )
)
log.info("the annual bill, each controller's year:\n%s", annual_rows(table).to_string())
if benefit is not None:
    log.info("the battery's net benefit under each dispatch: %s", benefit)
table.to_csv(smk.output.table, index=False)
figure = annual_bill_figure(table, Objective.from_config(smk.params.env), smk.params.site["name"], benefit)
figure.savefig(smk.output.figure, dpi=150)
