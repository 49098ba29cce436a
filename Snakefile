"""solarev: PV + battery + EV chargers, from site data to the comparison of RL agents with the LP optimum."""

from pathlib import Path

# A --configfile given on the command line replaces the default site instead of being merged into it,
# so a site with other vehicle classes does not inherit the Iquitos ones.
if not workflow.overwrite_configfiles:

    configfile: str(Path(workflow.basedir) / "config" / "config.yaml")


include: "rules/common.smk"
include: "rules/site.smk"
include: "rules/sizing.smk"
include: "rules/env.smk"
include: "rules/control.smk"
include: "rules/bill.smk"
include: "rules/train.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        "results/comparison.pdf",
        "resources/bess.json",
        "results/figures/site.png",
        sizing_outputs(),
        rules.annual_bill.output,
        expand(
            "results/control/{controller}/kpis.json",
            controller=METHODS.seedless,
        ),
        expand(
            "results/agents/{algo}/seed{seed}/kpis.json",
            algo=METHODS.algorithms,
            seed=config["training"]["seeds"],
        ),
