"""The annual bill (docs/design.md "The annual bill"): every controller that needs no training on the year
(solarev.evaluate.annual_bill.BILL_CONTROLLERS) over every calendar month of the site's data on the numpy
twin, each month billed as a month; the table, its figure and, under bess.sizing optimal, the battery's net
benefit under each controller's dispatch beside the sizing's bounds.
"""

from solarev.evaluate.annual_bill import BILL_CONTROLLERS
from solarev.report.paths import ANNUAL_BILL_FIGURE


rule monthly_bills:
    input:
        # rule_tuned's tuned thresholds and the site, as rule control's (rules/control.smk).
        unpack(controller_inputs),
        **SITE_INPUTS,
        code=code("monthly_bills.py"),
    output:
        bills="results/annual_bill/{controller}.csv",
    log:
        "logs/monthly_bills_{controller}.log",
    benchmark:
        "benchmarks/monthly_bills_{controller}.tsv"
    wildcard_constraints:
        controller=one_of(BILL_CONTROLLERS),
    conda:
        "../envs/solarev.yaml"
    resources:
        mem_mb=4000,
    params:
        site=keys("site", *SITE_MODEL_KEYS),
        bess=keys("bess", *BESS_MODEL_KEYS),
        grid=keys("grid", *GRID_KEYS),
        episodes=bill_episode_keys,
        # What each controller reads, as rule control's: the objective, the planners' unmet-energy weight,
        # the forecasts of rule_level and the MPC; the MPC's hedge and the optimum's time limit.
        env=controller_env_keys,
        control=controller_config,
    script:
        "../workflow/scripts/monthly_bills.py"


rule annual_bill:
    input:
        **bill_sizing_inputs(),
        bills=expand(
            "results/annual_bill/{controller}.csv", controller=BILL_CONTROLLERS
        ),
        code=code("annual_bill.py"),
    output:
        table=report(
            "results/annual_bill.csv",
            caption="../report/annual_bill_csv.rst",
            category="Data",
        ),
        figure=report(
            f"results/figures/{ANNUAL_BILL_FIGURE}",  # a page of the comparison
            caption="../report/annual_bill.rst",
            category="Comparison",
        ),
    log:
        "logs/annual_bill.log",
    benchmark:
        "benchmarks/annual_bill.tsv"
    conda:
        "../envs/solarev.yaml"
    resources:
        mem_mb=2000,
    params:
        controllers=list(BILL_CONTROLLERS),
        site=keys("site", "name"),
        bess=bill_bess_keys(),
        env=keys("env", *OBJECTIVE_KEYS, "unmet_energy_weight"),
    script:
        "../workflow/scripts/annual_bill.py"
