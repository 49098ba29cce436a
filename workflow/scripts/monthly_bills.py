"""Rule monthly_bills: one controller over every month of the site's year on the numpy twin, each month
billed as a month; its rows of the annual bill."""

import json
from pathlib import Path

import solarev.logs
from solarev.control.rule_tuned import RuleThresholds
from solarev.evaluate.bill_runs import controller_year
from solarev.site.model import SITE_FILES, load_site

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
controller = smk.wildcards.controller
site = load_site(
    {name: smk.input[name] for name in SITE_FILES}, smk.params.site, smk.params.bess, smk.params.grid
)
thresholds = smk.input.get("thresholds")  # rule_tuned's only
bills = controller_year(
    controller,
    site,
    smk.params.env,
    smk.params.control,
    training_weeks=smk.params.episodes.get("training_weeks", []),  # the MPC's only
    rule_thresholds=thresholds and RuleThresholds.from_dict(json.loads(Path(thresholds).read_text())),
)
log.info("%s per month on the twin, each billed as a month:\n%s", controller, bills.to_string())
bills.to_csv(smk.output.bills, index=False)
