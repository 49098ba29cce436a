"""Config validation, the two helpers every rule declares its dependencies with (the code it runs, the
config keys it reads), and wildcard constraints."""

import sys
from pathlib import Path

from solarev.codebase import solarev_closure
from solarev.config import (
    ConfigError,
    check_config_files,
    report_lines,
    section_keys,
    validate_config,
)
from solarev.env.objective import check_ev_delivery
from solarev.evaluate.methods import study_methods
from solarev.site.bess import capacity_label, sweep_capacities
from solarev.site.inputs import SITE_CHECKS
from solarev.site.limits import check_import_limit

REPO = Path(workflow.basedir)
CONFIG_SCHEMA = REPO / "config" / "schema.yaml"
SCRIPTS = REPO / "workflow" / "scripts"

try:
    # Snakemake has read the config files already, but keeps the last of a key given twice: read them again,
    # strictly. Then every problem of the config at once, the data files it names included.
    check_config_files(workflow.configfiles)
    validate_config(
        config, CONFIG_SCHEMA, SITE_CHECKS, [check_ev_delivery, check_import_limit]
    )
    # Every method's name, once: reference, user and saved controllers and the algorithms.
    METHODS = study_methods(config)
except ConfigError as error:
    sys.exit(report_lines(error))


def one_of(names):
    """A wildcard constraint that matches exactly `names`; with none, nothing (Snakemake would take an
    empty constraint for none and let rule score_policy claim every controller's folder).
    """
    return "|".join(names) or "(?!)"


wildcard_constraints:
    algo=one_of(METHODS.algorithms),
    seed=r"\d+",
    controller=one_of(METHODS.controllers),
    policy=one_of(METHODS.policies),
    capacity=r"\d+(\.\d+)?",


def code(name):
    """Every solarev source file the script workflow/scripts/{name} imports (transitively), as inputs:
    Snakemake watches the script itself but not the modules it runs, so an edit of one of those must rerun
    exactly the rules whose scripts import it. Derived from the imports, never typed."""
    return [str(path) for path in solarev_closure(SCRIPTS / name, REPO / "src")]


def keys(section, *names):
    """The config keys `names` of `section` that a rule reads, as one param, so that its jobs rerun when one
    of them changes and for no other config edit (whole sections would rerun them for any key).
    """
    return section_keys(config, section, names)


def optional_file(name, path):
    """A named input for a user-supplied file that the config may leave out (None): no input then."""
    return {name: path} if path else {}


# The control rule's inputs and params per controller (rules/control.smk).
def custom_code(wildcards):
    """A user controller's module and the solarev modules it imports (none for the reference ones)."""
    custom = METHODS.custom.get(wildcards.controller)
    return [str(path) for path in custom.code_files(REPO / "src")] if custom else []


def controller_custom(wildcards):
    """A user controller's `module:function` (control.custom); None for the reference controllers."""
    custom = METHODS.custom.get(wildcards.controller)
    return custom.entry if custom else None


def controller_inputs(wildcards):
    """rule_tuned reads its tuned thresholds."""
    if wildcards.controller == "rule_tuned":
        return {"thresholds": "resources/rule_tuned.json"}
    return {}


def controller_env_keys(wildcards):
    """Every controller is scored on the objective; the planners (LP optimum, MPC) also weigh the unmet EV
    energy; of the reference controllers rule_level reads the forecasts of the agents' observation and the
    MPC the forecasts over its horizon (env.forecasts); a user controller sees the env as an agent does.
    """
    if wildcards.controller in METHODS.custom:
        return keys(
            "env",
            *OBJECTIVE_KEYS,
            "forecast_steps",
            "forecasts",
            "unmet_energy_weight",
        )
    if wildcards.controller == "mpc":
        return keys("env", *OBJECTIVE_KEYS, "forecasts", "unmet_energy_weight")
    if wildcards.controller in ("optimum", "mpc_perfect"):
        return keys("env", *OBJECTIVE_KEYS, "unmet_energy_weight")
    if wildcards.controller == "rule_level":
        return keys("env", *OBJECTIVE_KEYS, "forecast_steps", "forecasts")
    return keys("env", *OBJECTIVE_KEYS)


def controller_episode_keys(wildcards):
    """Controllers only see the test episodes, but the MPC's expected EV arrivals come from the training
    weeks."""
    if wildcards.controller == "mpc":
        return keys("episodes", "training_weeks", "test_weeks", "test_months")
    return keys("episodes", "test_weeks", "test_months")


def controller_config(wildcards):
    """The `control` section's entry of the controller that has one."""
    section = {"optimum": "optimum", "mpc": "mpc", "mpc_perfect": "mpc"}.get(
        wildcards.controller
    )
    return keys("control", section) if section else {}


# The annual bill (rules/bill.smk); its controllers take rule control's inputs and keys above.
def bill_episode_keys(wildcards):
    """Only the MPC reads episodes: its expected EV arrivals come from the training weeks."""
    if wildcards.controller == "mpc":
        return keys("episodes", "training_weeks")
    return {}


def bill_sizing_inputs():
    """Under bess.sizing optimal the battery's net benefit needs the sizing's result and sweep."""
    if config["bess"]["sizing"] == "optimal":
        return {
            "optimal": "resources/bess_optimal.json",
            "sizing": "resources/bess_sizing.csv",
            "bess": "resources/bess.json",
        }
    return {}


def bill_bess_keys():
    """The battery's capital cost, under bess.sizing optimal only (as its inputs)."""
    if config["bess"]["sizing"] == "optimal":
        return keys("bess", "capital")
    return {}


# Battery sizing (rules/site.smk bess_sizing, rules/sizing.smk).
def sizing_mode_keys():
    """The `bess` keys of the sizing mode: fixed also reads its size."""
    if config["bess"]["sizing"] == "fixed":
        return ("sizing", "fixed_capacity_kwh", "fixed_power_kw")
    return ("sizing",)


def sized_battery_inputs():
    """bess.json takes the joint LP's optimum under sizing optimal; rule and fixed need no LP."""
    if config["bess"]["sizing"] == "optimal":
        return {"optimal": "resources/bess_optimal.json"}
    return {}


def sizing_outputs():
    """Rule all builds the sizing curve when the size comes from the LP (the sweep is not cheap)."""
    if config["bess"]["sizing"] == "optimal":
        return ["resources/bess_sizing.csv", "results/figures/bess_sizing.png"]
    return []


def sizing_page():
    """The comparison's battery-sizing page, the curve's figure, under sizing optimal only (as rule all)."""
    if config["bess"]["sizing"] == "optimal":
        return {"sizing_figure": "results/figures/bess_sizing.png"}
    return {}


def sweep_points():
    """One file per capacity of the sweep (0, no battery, among them)."""
    return [
        f"resources/bess_sizing/{capacity_label(capacity)}kwh.json"
        for capacity in sweep_capacities(config["bess"]["sweep_kwh"])
    ]
