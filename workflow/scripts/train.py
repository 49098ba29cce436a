"""Rule train: one agent (algorithm, seed) on the training weeks, resuming from its checkpoint after a crash;
learning curve on the validation weeks in CityLearn."""

from pathlib import Path

import solarev.logs
from solarev.env.fast import training_env_factory
from solarev.env.gym_env import make_env
from solarev.evaluate.runs import mean_kpis
from solarev.rl.actions import socket_groups
from solarev.rl.hyperparameters import agent_settings
from solarev.rl.resume import resume_key
from solarev.rl.training import train, training_device
from solarev.site.model import SITE_FILES, load_site

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
training, episodes, env_config = smk.params.training, smk.params.episodes, smk.params.env
site = load_site({name: smk.input[name] for name in SITE_FILES}, smk.params.site, smk.params.bess)
schema_path = Path(smk.input.schema)
settings = agent_settings(smk.params.agents, training["preset"], smk.wildcards.algo)
with training_device(training["device"], settings) as device:
    train(
        training_env_factory(training["simulator"], site, schema_path, episodes, env_config, "training"),
        settings,
        total_timesteps=training["total_timesteps"],
        seed=int(smk.wildcards.seed),
        run_dir=Path(smk.output.model).parent,
        checkpoint_every=training["checkpoint_every"],
        eval_every=training["eval_every"],
        evaluate_policy_fn=mean_kpis(make_env(site, schema_path, episodes, env_config, "validation")),
        device=device,
        log=log,
        checkpoint_dir=smk.params.checkpoint_dir,
        resume_key=resume_key(
            smk.input,
            simulator=training["simulator"],
            episodes=episodes,
            env=env_config,
            site=smk.params.site,
            bess=smk.params.bess,
        ),
        threads=smk.threads,
        action_groups=socket_groups(settings.ev_action_groups, site.socket_power_kw),
    )
