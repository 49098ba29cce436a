"""Reference controllers on the held-out test weeks: uncontrolled, rule_based and the LP optimum."""


rule control:
    input:
        **SITE_INPUTS,
        schema="resources/citylearn/schema.json",
        code=code("control.py"),
    output:
        kpis="results/control/{controller}/kpis.json",
        timeseries="results/control/{controller}/timeseries.nc",
    log:
        "logs/control_{controller}.log",
    benchmark:
        "benchmarks/control_{controller}.tsv"
    conda:
        "../envs/solarev.yaml"
    resources:
        mem_mb=4000,
    params:
        site=keys("site", *SITE_MODEL_KEYS),
        bess=keys("bess", *BESS_MODEL_KEYS),
        grid=keys("grid", *GRID_KEYS),
        # Controllers only see the test weeks: changing training or validation weeks reruns nothing here.
        episodes=keys("episodes", "test_weeks"),
        # Every controller is scored on the objective; only the LP optimum reads the unmet-energy weight
        # and the `control` section; the others read neither the reward nor the forecasts.
        env=lambda wildcards: (
            keys("env", *OBJECTIVE_KEYS, "unmet_energy_weight_kg_per_kwh")
            if wildcards.controller == "optimum"
            else keys("env", *OBJECTIVE_KEYS)
        ),
        control=lambda wildcards: (
            keys("control", "optimum") if wildcards.controller == "optimum" else {}
        ),
    script:
        "../workflow/scripts/control.py"
