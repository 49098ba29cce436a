"""Rule comparison: results/comparison.pdf, the PNG of each page for the HTML report, and the summary table
the PDF shows (results/summary.csv)."""

from pathlib import Path

import xarray as xr

import solarev.logs
from solarev.config import load_yaml
from solarev.env.objective import Objective
from solarev.report.collect import read_kpis_table, read_learning_curves
from solarev.report.paths import REPORT_PNGS
from solarev.report.pdf import ComparisonInputs, build_comparison, write_pdf, write_pngs
from solarev.report.provenance import code_version
from solarev.report.tables import Bootstrap

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
run_configs = [load_yaml(path) for path in smk.input.run_configs]
sizing_figure = smk.input.get("sizing_figure")  # bess.sizing optimal's only
with xr.open_dataset(smk.input.timeseries, engine="h5netcdf") as timeseries:
    inputs = ComparisonInputs(
        kpis=read_kpis_table(smk.input.kpis),
        timeseries=timeseries.load(),
        curves=read_learning_curves(smk.input.learning_curves, run_configs),
        run_configs=run_configs,
        site_figure=Path(smk.input.site_figure),
        sizing_figure=None if sizing_figure is None else Path(sizing_figure),
        annual_bill_figure=Path(smk.input.annual_bill_figure),
        site_config=smk.params.site,
        grid_config=smk.params.grid,
        objective=Objective.from_config(smk.params.objective),
        forecasts=smk.params.forecasts,
        config_files=smk.params.config_files,
        config_hash=smk.params.config_hash,
        code_version=code_version(),
    )
comparison = build_comparison(inputs, Bootstrap.from_config(smk.params.report))
comparison.summary.to_csv(smk.output.summary, index=False)
write_pdf(comparison, smk.output.pdf, subject=f"config {inputs.config_hash}; {inputs.code_version}")
write_pngs(comparison, dict(zip(REPORT_PNGS, smk.output.figures, strict=True)))
log.info("wrote %s (%s); summary:\n%s", smk.output.pdf, inputs.code_version, comparison.summary.to_string())
