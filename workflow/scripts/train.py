"""Rule train: one agent (algorithm, seed) on the training weeks, resuming from its checkpoint after a crash;
learning curve and model selection on the validation weeks, simulated like the training (by default the
numpy twin, proven equal to CityLearn; the test weeks are scored in CityLearn by rule evaluate_agent)."""

from pathlib import Path

import solarev.logs
from solarev.env.fast import simulator_env
from solarev.env.socket_grouping import socket_groups
from solarev.evaluate.runs import mean_kpis
from solarev.rl.presets import agent_settings
from solarev.rl.resume import resume_key
from solarev.rl.runtime import limit_threads
from solarev.rl.training import RunSpec, train, training_device
from solarev.site.model import SITE_FILES, load_site

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
limit_threads(smk.threads)  # before anything computes in JAX
log = solarev.logs.configure(smk.log[0])
training, episodes, env_config = smk.params.training, smk.params.episodes, smk.params.env
site = load_site(
    {name: smk.input[name] for name in SITE_FILES}, smk.params.site, smk.params.bess, smk.params.grid
)
schema_path = Path(smk.input.schema)
settings = agent_settings(smk.params.agents, training["preset"], smk.wildcards.algo)
spec = RunSpec(
    settings,
    seed=int(smk.wildcards.seed),
    total_timesteps=training["total_timesteps"],
    checkpoint_every=training["checkpoint_every"],
    eval_every=training["eval_every"],
    run_dir=Path(smk.output.model).parent,
    checkpoint_dir=Path(smk.params.checkpoint_dir),
    resume_key=resume_key(
        smk.input,
        simulator=training["simulator"],
        episodes=episodes,
        env=env_config,
        site=smk.params.site,
        bess=smk.params.bess,
        grid=smk.params.grid,
    ),
    threads=smk.threads,
    action_groups=socket_groups(settings.ev_action_groups, site.socket_power_kw, site.socket_battery_kwh),
    model_selection=training["model_selection"],
    unmet_weight=env_config["unmet_energy_weight"],
)
simulated = (training["simulator"], site, schema_path, episodes, env_config)
with training_device(training["device"], settings) as device:
    train(
        lambda seed: simulator_env(*simulated, "training"),  # SB3 seeds each env through reset()
        spec,
        mean_kpis(simulator_env(*simulated, "validation")),
        device,
        log,
    )
