"""Reference controllers on the held-out test weeks: uncontrolled, rule_based and the LP optimum."""


rule control:
    input:
        **SITE_INPUTS,
        schema="resources/citylearn/schema.json",
        code=code(
            "site/model",
            "env/sessions",
            "env/schema",
            "env/episodes",
            "env/gym_env",
            "evaluate/runs",
            "evaluate/kpis",
            "control/__init__",
            "control/policies",
            "control/baselines",
            "control/optimum",
        ),
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
        site=config["site"],
        bess=config["bess"],
        # Controllers only see the test weeks: changing training or validation weeks reruns nothing here.
        episodes={"test_weeks": config["episodes"]["test_weeks"]},
        env=config["env"],
        # Only the optimum reads the `control` section: changing the LP's settings reruns nothing else.
        control=lambda wildcards: (
            config["control"] if wildcards.controller == "optimum" else {}
        ),
    script:
        "../workflow/scripts/control.py"
