"""Rule score_policy: a model trained elsewhere (config control.policies) scored as it is on the test weeks
through CityLearn, like an agent's evaluation; KPIs and time series in the controllers' format."""

from pathlib import Path

import solarev.logs
from solarev.env.citylearn_env import make_env
from solarev.evaluate.runs import evaluate_policy, write_evaluation
from solarev.rl.policy import load_saved_policy
from solarev.rl.saved import SavedPolicy
from solarev.site.model import SITE_FILES, load_site

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
policy_name = smk.wildcards.policy
site = load_site(
    {name: smk.input[name] for name in SITE_FILES}, smk.params.site, smk.params.bess, smk.params.grid
)
env = make_env(site, Path(smk.input.schema), smk.params.episodes, smk.params.env, "test")
saved = SavedPolicy(
    policy_name,
    smk.input.model,
    smk.params.algorithm,
    smk.input.get("vecnormalize"),
    smk.params.battery_action,
)
evaluation = evaluate_policy(env, load_saved_policy(saved, env))
log.info(
    "%s (%s, %s) KPIs per test week:\n%s",
    policy_name,
    saved.algorithm,
    saved.path,
    evaluation.kpis.to_string(),
)
write_evaluation(evaluation, smk.output.kpis, smk.output.timeseries, controller=policy_name)
