"""Rule control: one reference or user controller on the test weeks through CityLearn; KPIs and time
series."""

import json
from pathlib import Path

import solarev.logs
from solarev.control.rule_tuned import RuleThresholds
from solarev.env.citylearn_env import make_env
from solarev.env.episodes import week_windows
from solarev.env.objective import Objective
from solarev.evaluate.controllers import evaluate_controller
from solarev.evaluate.runs import write_evaluation
from solarev.site.model import SITE_FILES, load_site

smk = snakemake  # noqa: F821 (injected by Snakemake's script directive)
log = solarev.logs.configure(smk.log[0])
controller = smk.wildcards.controller
site = load_site(
    {name: smk.input[name] for name in SITE_FILES}, smk.params.site, smk.params.bess, smk.params.grid
)
env = make_env(site, Path(smk.input.schema), smk.params.episodes, smk.params.env, "test")
training_weeks = smk.params.episodes.get("training_weeks", [])  # the MPC's only
thresholds = smk.input.get("thresholds")  # rule_tuned's only
evaluation, dispatches = evaluate_controller(
    controller,
    env,
    smk.params.control,
    training_windows=week_windows(training_weeks, site.steps_per_day, site.n_steps),
    rule_thresholds=thresholds and RuleThresholds.from_dict(json.loads(Path(thresholds).read_text())),
    custom=smk.params.custom,  # a user controller's module:function (control.custom), else None
)
# The LP minimises the configured objective: its log is in the objective's unit (kg CO2 or USD).
unit = Objective.from_config(smk.params.env).unit
for dispatch in dispatches:
    replayed = evaluation.kpis.loc[dispatch.window.label, "objective"]
    log.info(
        "week %d: LP objective %.2f %s, replayed in CityLearn %.2f %s (gap %+.4f%%), HiGHS %.2f s",
        dispatch.window.label,
        dispatch.objective,
        unit,
        replayed,
        unit,
        100 * (replayed - dispatch.objective) / abs(dispatch.objective),
        dispatch.solve_seconds,
    )
log.info("%s KPIs per test week:\n%s", controller, evaluation.kpis.to_string())
write_evaluation(evaluation, smk.output.kpis, smk.output.timeseries, controller=controller)
