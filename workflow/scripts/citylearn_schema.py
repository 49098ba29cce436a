"""Rule citylearn_schema: the site's CityLearn schema.json and CSVs, from the site stage's files."""

from pathlib import Path

import solarev.logs
from solarev.env.schema import write_citylearn_site
from solarev.site.model import SITE_FILES, load_site

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
site = load_site(
    {name: smk.input[name] for name in SITE_FILES}, smk.params.site, smk.params.bess, smk.params.grid
)
schema = write_citylearn_site(site, smk.params.random_seed, Path(smk.output.schema).parent)
log.info("%s: %d steps, %d sockets, %d EV sessions", schema, site.n_steps, site.n_sockets, len(site.sessions))
