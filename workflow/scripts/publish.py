"""Rule publish: the study's summary, KPIs, headline figure and provenance into docs/results/<study>/."""

from pathlib import Path

import solarev.logs
from solarev.report.provenance import code_version
from solarev.report.publish import provenance, publish, read_benchmarks

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
destination = Path(smk.output.provenance).parent
record = provenance(
    study=smk.params.study,
    site=smk.params.site,
    objective=smk.params.objective,
    config_hash=smk.params.config_hash,
    config_files=smk.params.config_files,
    code_version=code_version(outside=[destination]),
    benchmarks=read_benchmarks(Path(smk.params.benchmarks), skip=[Path(smk.params.own_benchmark)]),
)
files = {Path(smk.output[name]).name: Path(smk.input[name]) for name in ("summary", "kpis", "headline")}
publish(files, record, destination)
log.info("published %s to %s: %s", ", ".join(files), destination, record)
