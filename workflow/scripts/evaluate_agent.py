"""Rule evaluate: a trained agent's deterministic policy on the held-out test weeks through CityLearn; KPIs
and time series in the controllers' format."""

from pathlib import Path

import solarev.logs
from solarev.env.citylearn_env import make_env
from solarev.evaluate.runs import evaluate_policy, write_evaluation
from solarev.rl.policy import load_policy
from solarev.rl.runtime import limit_threads
from solarev.site.model import SITE_FILES, load_site

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
limit_threads(smk.threads)  # the policy's actions as in training, whatever the machine's core count
log = solarev.logs.configure(smk.log[0])
algo, seed = smk.wildcards.algo, int(smk.wildcards.seed)
site = load_site(
    {name: smk.input[name] for name in SITE_FILES}, smk.params.site, smk.params.bess, smk.params.grid
)
env = make_env(site, Path(smk.input.schema), smk.params.episodes, smk.params.env, "test")
evaluation = evaluate_policy(env, load_policy(Path(smk.input.model).parent, env, device="cpu"))
log.info("%s seed %d KPIs per test week:\n%s", algo, seed, evaluation.kpis.to_string())
write_evaluation(evaluation, smk.output.kpis, smk.output.timeseries, controller=algo, seed=seed)
