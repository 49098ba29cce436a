"""Rebuild only what changed (docs/design.md): the jobs `snakemake --dry-run` plans after each kind of edit,
on copies of the session's tiny run.

Config edits run on the repository itself with every rerun trigger. Edits of files in the repository
(agents.yaml, solarev modules) run on a copy of it, whose files keep their times: there the recorded
inputs (absolute paths of the code files) all differ, so that copy runs without the `input` trigger, and a
test shows that the move alone plans nothing.
"""

import re
import shutil
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from conftest import TEST_CONFIG
from snakemake_runner import REPO, job_counts, run_snakemake
from snakemake_runner import TEST_CONFIG as TEST_CONFIG_FILE

from solarev.control import CONTROLLERS
from solarev.evaluate.annual_bill import BILL_CONTROLLERS

pytestmark = pytest.mark.slow

SEEDS = len(TEST_CONFIG["training"]["seeds"])
REPORT_RULES = set(re.findall(r"^rule (\w+):", (REPO / "rules" / "report.smk").read_text(), re.MULTILINE))
# What a relocated copy of the repository compares: everything but the recorded input paths.
TRIGGERS_WITHOUT_INPUT = ("--rerun-triggers", "mtime", "params", "code", "software-env")


def dry_run(workdir: Path, *args: str, configfile: Path = TEST_CONFIG_FILE) -> Counter[str]:
    """Jobs per rule that `all` would run."""
    # The target first: --rerun-triggers in `args` takes every word after it.
    result = run_snakemake(workdir, "all", "--dry-run", *args, configfile=configfile)
    assert result.returncode == 0, result.stderr[-4000:]
    jobs = job_counts(result.stdout)
    assert jobs or "Nothing to be done" in result.stdout, result.stdout[-4000:]
    return jobs


@pytest.fixture(scope="module")
def workdir(tiny_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the tiny run; dry runs only add to its .snakemake folder."""
    copy = tmp_path_factory.mktemp("rebuild") / "run"
    shutil.copytree(tiny_run, copy, symlinks=True)
    return copy


@pytest.fixture(scope="module")
def everything(workdir: Path) -> Counter[str]:
    return dry_run(workdir, "--forceall")


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """The workflow's files copied with their modification times (copytree uses copy2)."""
    copy = tmp_path / "repo"
    for folder in ("src", "rules", "workflow", "config", "envs", "report"):
        shutil.copytree(REPO / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO / "Snakefile", copy / "Snakefile")
    return copy


def dry_run_in(repo: Path, workdir: Path) -> Counter[str]:
    # A second --snakefile overrides the repository's that run_snakemake passes first.
    return dry_run(workdir, "--snakefile", str(repo / "Snakefile"), *TRIGGERS_WITHOUT_INPUT)


def edit(path: Path) -> None:
    """A source edit: new content and a new modification time."""
    path.write_text(path.read_text() + "\n# edited by tests/test_rebuild.py\n")


def without(jobs: Counter[str], *rules: str) -> Counter[str]:
    return Counter({rule: count for rule, count in jobs.items() if rule not in rules})


def test_nothing_changed_plans_nothing(workdir: Path):
    assert dry_run(workdir) == Counter()


def test_the_repository_copy_alone_plans_nothing(repo_copy: Path, workdir: Path):
    assert dry_run_in(repo_copy, workdir) == Counter()


ALGORITHMS = len(TEST_CONFIG["training"]["algorithms"])
AGENTS = {"train": ALGORITHMS * SEEDS, "evaluate": ALGORITHMS * SEEDS}
REPORT = {"collect": 1, "comparison": 1, "all": 1}
CONTROLS = len(CONTROLLERS)
AFTER_SCHEMA = {"citylearn_schema": 1, "control": CONTROLS, **AGENTS, **REPORT}
# The annual bill: one job per controller (on the twin, no CityLearn schema), and the table with its figure.
BILLS = len(BILL_CONTROLLERS)
ANNUAL = {"annual_bill": 1}
# The site's data or model also reach the rules on the twin (which read no CityLearn schema): the tuned
# rule's tuning and every controller's annual bill.
AFTER_SITE = {**AFTER_SCHEMA, "tune_rule": 1, "monthly_bills": BILLS, **ANNUAL}
# rule_tuned's control job and its annual bill follow its tuning.
TUNING = {"tune_rule": 1, "control": 1, "monthly_bills": 1, **ANNUAL}
# Each config edit (dotted key, new value) and the exact jobs it must rerun on the tiny run: the rules read
# config keys, not sections (docs/design.md, "Rebuild only what changed").
CONFIG_EDITS = {
    "site.name": ("Another mall", {"site_figure": 1, **ANNUAL, "comparison": 1, "all": 1}),
    "env.random_seed": (1, AFTER_SCHEMA),
    # With validation_weeks [2] (COMPANION_EDITS).
    "episodes.test_weeks": ([1], {"control": CONTROLS, **AGENTS, **REPORT}),
    "episodes.episode_days": (3, {**TUNING, **AGENTS, **REPORT}),
    "control.optimum.time_limit_s": (30, {"control": 1, "monthly_bills": 1, **ANNUAL, **REPORT}),
    # mpc and mpc_perfect; the annual bill runs the mpc only.
    "control.mpc.horizon_hours": (6, {"control": 2, "monthly_bills": 1, **ANNUAL, **REPORT}),
    "solar.system.tilt_deg": (15.0, {"solar": 1, "bess_sizing": 1, "site_figure": 1, **AFTER_SITE}),
    "ev.classes.moto.charger_power_kw": (
        2.5,
        {"ev_sessions": 1, "bess_sizing": 1, "site_figure": 1, **AFTER_SITE},
    ),
    "building_load.daily_kwh": (
        100.0,
        {"building_load": 1, "bess_sizing": 1, "site_figure": 1, **AFTER_SITE},
    ),
    "bess.initial_soc": (0.6, AFTER_SITE),
    "bess.design_factor": (1.3, {"bess_sizing": 1, "site_figure": 1, **AFTER_SITE}),
    "report.confidence": (0.9, {"comparison": 1, "all": 1}),
    "training.total_timesteps": (1500, {**AGENTS, **REPORT}),
    "training.model_selection": ("final", {**AGENTS, **REPORT}),
    "training.seeds": (
        [0, 1, 2],
        {"train": ALGORITHMS * (3 - SEEDS), "evaluate": ALGORITHMS * (3 - SEEDS), **REPORT},
    ),
    "env.forecast_steps": (2, {"control": 1, "monthly_bills": 1, **ANNUAL, **AGENTS, **REPORT}),  # rule_level
    "env.forecasts": (  # rule_level and mpc
        {"pv": "clear_sky_persistence", "load": "previous_week", "grid": "known", "ev_arrivals": "expected"},
        {"control": 2, "monthly_bills": 2, **ANNUAL, **AGENTS, **REPORT},
    ),
    # The planners (optimum, mpc, mpc_perfect) and the tuned rule weigh unmet EV energy, as the annual bill
    # (there without mpc_perfect) does in its savings.
    "env.unmet_energy_weight": (
        15.0,
        {"control": 4, "tune_rule": 1, "monthly_bills": 3, **ANNUAL, **AGENTS, **REPORT},
    ),
    # The grid's signals reach CityLearn's files; the objective only what is rewarded or scored.
    "grid.import_price": ({"usd_per_kwh": 0.2, "periods": [], "file": None}, AFTER_SITE),
    "env.objective": (
        "co2",
        {"control": CONTROLS, "tune_rule": 1, "monthly_bills": BILLS, **ANNUAL, **AGENTS, **REPORT},
    ),
    # Battery sizing: a fixed battery (COMPANION_EDITS) replaces the rule's; under sizing rule the LP's
    # costs and sweep feed no job (the PDF's title page names the config's hash).
    "bess.sizing": ("fixed", {"bess_sizing": 1, "site_figure": 1, **AFTER_SITE}),
    "bess.capital": (
        {
            "usd_per_kwh": 200,
            "usd_per_kw": 100,
            "fixed_om_usd_per_kw_year": 5,
            "lifetime_years": 15,
            "discount_rate": 0.05,
        },
        {"comparison": 1, "all": 1},
    ),
    "bess.sweep_kwh": ([10, 20], {"comparison": 1, "all": 1}),
}
# Edits that only make sense together with another.
COMPANION_EDITS = {
    "episodes.test_weeks": {"episodes.validation_weeks": [2]},
    "bess.sizing": {"bess.fixed_capacity_kwh": 30.0, "bess.fixed_power_kw": 10.0},
}


def edited_config(edits: dict[str, object], path: Path) -> Path:
    config = yaml.safe_load(TEST_CONFIG_FILE.read_text())
    for key, value in edits.items():
        *sections, name = key.split(".")
        section = config
        for part in sections:
            section = section[part]
        section[name] = value
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def planned_after_edit(workdir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Counter[str]]:
    """key -> the jobs a dry run plans after that edit alone, two dry runs at a time (they only read the
    tiny run's state, so they need not lock it)."""
    folder = tmp_path_factory.mktemp("edits")

    def plan(key: str) -> Counter[str]:
        value, _ = CONFIG_EDITS[key]
        edits = {key: value, **COMPANION_EDITS.get(key, {})}
        return dry_run(workdir, "--nolock", configfile=edited_config(edits, folder / f"{key}.yaml"))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(CONFIG_EDITS, pool.map(plan, CONFIG_EDITS), strict=True))


@pytest.mark.parametrize("key", list(CONFIG_EDITS))
def test_config_edit_reruns_exactly_its_jobs(key: str, planned_after_edit: dict[str, Counter[str]]):
    assert planned_after_edit[key] == Counter(CONFIG_EDITS[key][1])


def test_the_table_covers_every_rule(everything: Counter[str]):
    rerun = set().union(*(jobs for _, jobs in CONFIG_EDITS.values()))
    assert rerun == set(everything)


def test_solar_module_edit_reruns_solar_and_everything_downstream(
    repo_copy: Path, workdir: Path, everything: Counter[str]
):
    edit(repo_copy / "src" / "solarev" / "site" / "solar.py")
    assert dry_run_in(repo_copy, workdir) == without(everything, "ev_sessions", "building_load")


def test_sac_learning_rate_reruns_sac_and_the_report_only(
    repo_copy: Path, workdir: Path, everything: Counter[str]
):
    agents = repo_copy / "config" / "agents.yaml"
    presets = yaml.safe_load(agents.read_text())
    presets[TEST_CONFIG["training"]["preset"]]["sac"]["learning_rate"] *= 2
    agents.write_text(yaml.safe_dump(presets, sort_keys=False))
    expected = Counter({"train": SEEDS, "evaluate": SEEDS, "all": 1})
    expected.update({rule: everything[rule] for rule in REPORT_RULES})
    assert dry_run_in(repo_copy, workdir) == expected


def test_report_module_edit_reruns_the_report_only(repo_copy: Path, workdir: Path):
    edit(repo_copy / "src" / "solarev" / "report" / "pdf.py")
    jobs = dry_run_in(repo_copy, workdir)
    assert jobs["comparison"] == 1 and set(jobs) <= REPORT_RULES | {"all"}, jobs
