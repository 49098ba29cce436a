"""Reference controllers on the held-out test weeks: uncontrolled, rule_based, rule_tuned (thresholds tuned
on the training weeks by rule tune_rule), the MPC on forecasts and on perfect ones, and the LP optimum.
"""


rule tune_rule:
    input:
        **SITE_INPUTS,
        code=code("tune_rule.py"),
    output:
        thresholds="resources/rule_tuned.json",
        candidates="resources/rule_tuned_candidates.csv",
    log:
        "logs/tune_rule.log",
    benchmark:
        "benchmarks/tune_rule.tsv"
    conda:
        "../envs/solarev.yaml"
    resources:
        mem_mb=4000,
    params:
        site=keys("site", *SITE_MODEL_KEYS),
        bess=keys("bess", *BESS_MODEL_KEYS),
        grid=keys("grid", *GRID_KEYS),
        # Tuned on the training weeks only: changing validation or test weeks reruns nothing here.
        episodes=keys("episodes", "episode_days", "training_weeks"),
        # Scored on the settled objective plus the unmet-energy penalty, on the numpy twin.
        env=keys("env", *OBJECTIVE_KEYS, "unmet_energy_weight_kg_per_kwh"),
    script:
        "../workflow/scripts/tune_rule.py"


rule control:
    input:
        unpack(controller_inputs),
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
        episodes=controller_episode_keys,
        env=controller_env_keys,
        control=controller_config,
    script:
        "../workflow/scripts/control.py"
