"""RL agents: train each configured algorithm per seed (resumable), then score it on the held-out weeks."""

from solarev.rl.devices import gpus_per_job
from solarev.rl.presets import job_gpus, job_params

TRAINING = config["training"]
try:
    # Each algorithm's own slice of agents.yaml: editing SAC's hyperparameters reruns SAC's jobs only.
    AGENT_PARAMS = job_params(
        REPO / "config" / "agents.yaml", TRAINING["preset"], TRAINING["algorithms"]
    )
except ConfigError as error:
    sys.exit(f"solarev: invalid configuration: {error}")
# Resolved once at DAG time: 0 on a machine without a GPU, so CPU trainings run side by side.
GPUS_PER_JOB = gpus_per_job(TRAINING["gpus_per_job"])


rule train:
    input:
        **SITE_INPUTS,
        schema="resources/citylearn/schema.json",
        code=code("train.py"),
    output:
        model="results/agents/{algo}/seed{seed}/model.zip",
        vecnormalize="results/agents/{algo}/seed{seed}/vecnormalize.pkl",
        config="results/agents/{algo}/seed{seed}/config.yaml",
        monitor="results/agents/{algo}/seed{seed}/monitor.csv",
        learning_curve="results/agents/{algo}/seed{seed}/learning_curve.csv",
    log:
        "logs/train/{algo}_seed{seed}.log",
    benchmark:
        "benchmarks/train/{algo}_seed{seed}.tsv"
    conda:
        "../envs/solarev.yaml"
    threads: 1  # torch and JAX threads (solarev.rl.runtime): runs repeat on any core count
    resources:
        gpu=lambda wildcards: job_gpus(
            GPUS_PER_JOB,
            TRAINING["device"],
            AGENT_PARAMS[wildcards.algo]["device"],
        ),
        mem_mb=4000,
    params:
        agents=lambda wildcards: AGENT_PARAMS[wildcards.algo],
        # Not the algorithm and seed lists (adding a seed reruns no other job) nor the GPU count.
        training=keys(
            "training",
            "preset",
            "total_timesteps",
            "simulator",
            "device",
            "checkpoint_every",
            "eval_every",
            "model_selection",
        ),
        # Training never sees the test weeks: changing them reruns only the evaluations.
        episodes=keys("episodes", "episode_days", "training_weeks", "validation_weeks"),
        env=keys(
            "env",
            *OBJECTIVE_KEYS,
            "forecast_steps",
            "forecasts",
            "unmet_energy_weight",
        ),
        site=keys("site", *SITE_MODEL_KEYS),
        bess=keys("bess", *BESS_MODEL_KEYS),
        grid=keys("grid", *GRID_KEYS),
        # Outside the rule's outputs, so that a failed or killed job's checkpoints survive for the rerun.
        checkpoint_dir=lambda wildcards: f"checkpoints/{wildcards.algo}/seed{wildcards.seed}",
    script:
        "../workflow/scripts/train.py"


rule evaluate:
    input:
        **SITE_INPUTS,
        schema="resources/citylearn/schema.json",
        model=rules.train.output.model,
        vecnormalize=rules.train.output.vecnormalize,
        config=rules.train.output.config,
        code=code("evaluate_agent.py"),
    output:
        kpis="results/agents/{algo}/seed{seed}/kpis.json",
        timeseries="results/agents/{algo}/seed{seed}/timeseries.nc",
    log:
        "logs/evaluate/{algo}_seed{seed}.log",
    benchmark:
        "benchmarks/evaluate/{algo}_seed{seed}.tsv"
    conda:
        "../envs/solarev.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        site=keys("site", *SITE_MODEL_KEYS),
        bess=keys("bess", *BESS_MODEL_KEYS),
        grid=keys("grid", *GRID_KEYS),
        # The held-out weeks, in CityLearn, as for the controllers; the policy reads the observation's
        # forecasts, not the reward.
        episodes=keys("episodes", "test_weeks", "test_months"),
        env=keys("env", *OBJECTIVE_KEYS, "forecast_steps", "forecasts"),
    script:
        "../workflow/scripts/evaluate_agent.py"
