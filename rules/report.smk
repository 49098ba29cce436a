"""The comparison: every controller and agent (algorithm, seed) collected into results/kpis.csv and
results/timeseries.nc, then results/comparison.pdf with its figures in the Snakemake HTML report; on
request (`make publish`, not rule all) the study's published results in the repository's docs/results/.
"""

from solarev.report.paths import REPORT_PNGS, run_files, study_runs
from solarev.report.provenance import config_file_names, config_hash

AGENT_RUNS = [
    (algo, seed) for algo in METHODS.algorithms for seed in config["training"]["seeds"]
]
RUNS = study_runs(METHODS.seedless, AGENT_RUNS)


report: "../report/workflow.rst"


rule collect:
    input:
        kpis=run_files(RUNS, "kpis.json"),
        timeseries=run_files(RUNS, "timeseries.nc"),
        code=code("collect.py"),
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
        controllers=list(METHODS.seedless),
        agents=AGENT_RUNS,
        env=keys("env", "unmet_energy_weight"),
    script:
        "../workflow/scripts/collect.py"


rule comparison:
    input:
        **sizing_page(),
        kpis=rules.collect.output.kpis,
        timeseries=rules.collect.output.timeseries,
        learning_curves=run_files(RUNS, "learning_curve.csv", agents_only=True),
        run_configs=run_files(RUNS, "config.yaml", agents_only=True),
        site_figure=rules.site_figure.output.figure,
        annual_bill_figure=rules.annual_bill.output.figure,
        code=code("comparison.py"),
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
            for name in REPORT_PNGS
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
        report=keys("report", "bootstrap_reps", "bootstrap_seed", "confidence"),
        # What the title page names about the site.
        site=keys("site", "name", *SITE_LOCATION_KEYS, *SITE_MODEL_KEYS),
        grid=keys("grid", *GRID_KEYS),
        objective=keys("env", *OBJECTIVE_KEYS),
        # The information tier of the agents, rule_level and the MPC (the summary's tier column).
        forecasts=keys("env", "forecasts")["forecasts"],
        # The title page names the configuration: its hash changes with any key, so the PDF is redrawn.
        config_hash=config_hash(config),
        config_files=config_file_names(workflow.configfiles),
    script:
        "../workflow/scripts/comparison.py"


# In the repository, whatever the working directory: README.md's tables are generated from these files.
PUBLISHED = REPO / "docs" / "results" / config["study"]
PUBLISH_BENCHMARK = "benchmarks/publish.tsv"


rule publish:
    input:
        summary=rules.comparison.output.summary,
        kpis=rules.collect.output.kpis,
        headline="results/comparison/headline.png",
        code=code("publish.py"),
    output:
        summary=str(PUBLISHED / "summary.csv"),
        kpis=str(PUBLISHED / "kpis.csv"),
        headline=str(PUBLISHED / "headline.png"),
        provenance=str(PUBLISHED / "provenance.yaml"),
    log:
        "logs/publish.log",
    benchmark:
        PUBLISH_BENCHMARK
    conda:
        "../envs/solarev.yaml"
    params:
        study=config["study"],
        site=keys("site", "name"),
        objective=keys("env", "objective")["objective"],
        config_hash=config_hash(config),
        config_files=config_file_names(workflow.configfiles),
        # Every job's benchmark (the study's compute) but this job's own, which is being measured.
        benchmarks="benchmarks",
        own_benchmark=PUBLISH_BENCHMARK,
    script:
        "../workflow/scripts/publish.py"
