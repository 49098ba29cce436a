"""Tune rule_tuned's thresholds by grid search on the training weeks (the numpy twin); the best and every
candidate's score."""

import json
from pathlib import Path

import solarev.logs
from solarev.control.rule_tuned import tune_rule
from solarev.env.fast import make_fast_env
from solarev.site.model import SITE_FILES, load_site

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
site = load_site(
    {name: smk.input[name] for name in SITE_FILES}, smk.params.site, smk.params.bess, smk.params.grid
)
env = make_fast_env(site, smk.params.episodes, smk.params.env, "training")
thresholds, candidates = tune_rule(env)
log.info("rule_tuned candidates on the training weeks, best first:\n%s", candidates.to_string())
log.info("rule_tuned thresholds: %s", thresholds)
Path(smk.output.thresholds).write_text(json.dumps(thresholds.to_dict(), indent=2))
candidates.to_csv(smk.output.candidates, index=False)
