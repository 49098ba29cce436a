"""Battery sizing by optimisation (bess.sizing optimal, docs/design.md "Battery sizing"): the joint LP of
size and dispatch over sampled training weeks, and a sweep of capacities, one job per capacity.
"""

from solarev.env.objective import OBJECTIVE_KEYS
from solarev.site.grid import GRID_KEYS, grid_files
from solarev.site.model import SITE_MODEL_KEYS

# The site without its battery (the LP sizes it), and the grid signal files the config names.
SIZING_INPUTS = {**PROFILE_INPUTS, **grid_files(config["grid"])}
# The `bess` keys of the sizing LP (the capacity's range, the sweep, is added where it is read).
SIZING_BESS_KEYS = (
    "depth_of_discharge",
    "round_trip_efficiency",
    "initial_soc",
    "capital",
    "sizing_weeks",
)


rule bess_sizing_point:
    input:
        **SIZING_INPUTS,
        code=code("bess_sizing_point.py"),
    output:
        point="resources/bess_sizing/{capacity}kwh.json",
    log:
        "logs/bess_sizing/{capacity}kwh.log",
    benchmark:
        "benchmarks/bess_sizing/{capacity}kwh.tsv"
    conda:
        "../envs/solarev.yaml"
    resources:
        mem_mb=4000,
    params:
        site=keys("site", *SITE_MODEL_KEYS),
        bess=keys("bess", *SIZING_BESS_KEYS),
        grid=keys("grid", *GRID_KEYS),
        episodes=keys("episodes", "training_weeks"),
        env=keys("env", *OBJECTIVE_KEYS, "unmet_energy_weight"),
        time_limit_s=config["control"]["optimum"]["time_limit_s"],
    script:
        "../workflow/scripts/bess_sizing_point.py"


rule bess_optimal:
    input:
        **SIZING_INPUTS,
        code=code("bess_optimal.py"),
    output:
        optimal="resources/bess_optimal.json",
    log:
        "logs/bess_optimal.log",
    benchmark:
        "benchmarks/bess_optimal.tsv"
    conda:
        "../envs/solarev.yaml"
    resources:
        mem_mb=8000,
    params:
        site=keys("site", *SITE_MODEL_KEYS),
        bess=keys("bess", *SIZING_BESS_KEYS, "sweep_kwh"),
        grid=keys("grid", *GRID_KEYS),
        episodes=keys("episodes", "training_weeks"),
        env=keys("env", *OBJECTIVE_KEYS, "unmet_energy_weight"),
        time_limit_s=config["control"]["optimum"]["time_limit_s"],
    script:
        "../workflow/scripts/bess_optimal.py"


rule bess_sizing_curve:
    input:
        points=sweep_points(),
        optimal="resources/bess_optimal.json",
        bess="resources/bess.json",
        code=code("bess_sizing_curve.py"),
    output:
        table="resources/bess_sizing.csv",
        figure=report(
            "results/figures/bess_sizing.png",
            caption="../report/bess_sizing.rst",
            category="Site",
        ),
    log:
        "logs/bess_sizing_curve.log",
    benchmark:
        "benchmarks/bess_sizing_curve.tsv"
    conda:
        "../envs/solarev.yaml"
    resources:
        mem_mb=1000,
    params:
        site_name=config["site"]["name"],
    script:
        "../workflow/scripts/bess_sizing_curve.py"
