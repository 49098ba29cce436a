"""Reference controllers on the held-out test weeks: uncontrolled, rule_based, rule_tuned (thresholds tuned
on the training weeks by rule tune_rule), rule_level, the MPC on forecasts and on perfect ones, and the LP
optimum; the user's controllers (control.custom) beside them, and models trained elsewhere
(control.policies) scored as they are.
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
        env=keys("env", *OBJECTIVE_KEYS, "unmet_energy_weight"),
    script:
        "../workflow/scripts/tune_rule.py"


rule control:
    input:
        unpack(controller_inputs),
        **SITE_INPUTS,
        schema="resources/citylearn/schema.json",
        code=code("control.py"),
        custom_code=custom_code,
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
        custom=controller_custom,
    script:
        "../workflow/scripts/control.py"


rule score_policy:
    input:
        unpack(lambda wildcards: METHODS.policies[wildcards.policy].files()),
        **SITE_INPUTS,
        schema="resources/citylearn/schema.json",
        code=code("score_policy.py"),
    output:
        kpis="results/control/{policy}/kpis.json",
        timeseries="results/control/{policy}/timeseries.nc",
    log:
        "logs/score_policy_{policy}.log",
    benchmark:
        "benchmarks/score_policy_{policy}.tsv"
    conda:
        "../envs/solarev.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        site=keys("site", *SITE_MODEL_KEYS),
        bess=keys("bess", *BESS_MODEL_KEYS),
        grid=keys("grid", *GRID_KEYS),
        # As an agent's evaluation (rule evaluate): the test weeks, the observation's forecasts.
        episodes=keys("episodes", "test_weeks", "test_months"),
        env=keys("env", *OBJECTIVE_KEYS, "forecast_steps", "forecasts"),
        algorithm=lambda wildcards: METHODS.policies[wildcards.policy].algorithm,
        battery_action=lambda wildcards: METHODS.policies[
            wildcards.policy
        ].battery_action,
    script:
        "../workflow/scripts/score_policy.py"
