"""The comparison: every controller and agent (algorithm, seed) collected into results/kpis.csv and
results/timeseries.nc, then results/comparison.pdf with its figures in the Snakemake HTML report.
"""

from solarev.report.layout import FIGURES, run_files, study_runs
from solarev.report.provenance import config_file_names, config_hash

AGENT_RUNS = [
    (algo, seed)
    for algo in config["training"]["algorithms"]
    for seed in config["training"]["seeds"]
]
RUNS = study_runs(CONTROLLERS, AGENT_RUNS)


report: "../report/workflow.rst"


rule collect:
    input:
        kpis=run_files(RUNS, "kpis.json"),
        timeseries=run_files(RUNS, "timeseries.nc"),
        code=code("evaluate/kpis", "report/layout", "report/collect"),
    output:
        kpis=report(
            "results/kpis.csv",
            caption="../report/kpis.rst",
            category="Data",
        ),
        timeseries="results/timeseries.nc",
    log:
        "logs/collect.log",
    benchmark:
        "benchmarks/collect.tsv"
    conda:
        "../envs/solarev.yaml"
    resources:
        mem_mb=2000,
    params:
        controllers=list(CONTROLLERS),
        agents=AGENT_RUNS,
    script:
        "../workflow/scripts/collect.py"


rule comparison:
    input:
        kpis=rules.collect.output.kpis,
        timeseries=rules.collect.output.timeseries,
        learning_curves=run_files(RUNS, "learning_curve.csv", agents_only=True),
        run_configs=run_files(RUNS, "config.yaml", agents_only=True),
        solar="resources/solar.csv",
        load="resources/mall_load.csv",
        sessions="resources/ev_sessions.csv",
        bess="resources/bess.json",
        code=code(
            "evaluate/stats",
            "report/layout",
            "report/collect",
            "report/tables",
            "report/figures",
            "report/pdf",
            "report/provenance",
            "site/figure",
            "site/profiles",
        ),
    output:
        pdf=report(
            "results/comparison.pdf",
            caption="../report/comparison.rst",
            category="Comparison",
        ),
        summary=report(
            "results/summary.csv",
            caption="../report/summary_csv.rst",
            category="Data",
        ),
        figures=[
            report(
                f"results/comparison/{name}.png",
                caption=f"../report/{name}.rst",
                category="Comparison",
                labels={"page": name.replace("_", " ")},
            )
            for name in FIGURES
        ],
    log:
        "logs/comparison.log",
    benchmark:
        "benchmarks/comparison.tsv"
    conda:
        "../envs/solarev.yaml"
    resources:
        mem_mb=4000,
    params:
        report=config["report"],
        site=config["site"],
        # The title page names the configuration: its hash changes with any key, so the PDF is redrawn.
        config_hash=config_hash(config),
        config_files=config_file_names(workflow.configfiles),
    script:
        "../workflow/scripts/comparison.py"
