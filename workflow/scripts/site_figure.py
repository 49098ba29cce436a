"""Rule site_figure: results/figures/site.png."""

import json

import solarev.logs
from solarev.site.figure import site_figure
from solarev.site.profiles import read_profiles

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
profiles = read_profiles(smk.params.site, smk.input)
with open(smk.input.bess) as file:
    bess = json.load(file)
figure = site_figure(profiles, bess, smk.params.site["name"])
figure.savefig(smk.output.figure, dpi=150)
log.info("wrote %s", smk.output.figure)
