"""Rule collect: every controller and agent run into results/kpis.csv and results/timeseries.nc."""

import solarev.logs
from solarev.report.collect import collect_kpis, collect_timeseries
from solarev.report.paths import study_runs

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
runs = study_runs(smk.params.controllers, smk.params.agents)
kpis = collect_kpis(runs, smk.params.env["unmet_energy_weight"])
kpis.to_csv(smk.output.kpis, index=False)
collect_timeseries(runs).to_netcdf(smk.output.timeseries, engine="h5netcdf")
log.info(
    "%d runs, %d rows of KPIs; mean per controller:\n%s",
    len(runs),
    len(kpis),
    kpis.drop(columns=["seed", "episode"]).groupby("controller", sort=False).mean().to_string(),
)
