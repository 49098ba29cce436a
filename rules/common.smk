"""Config validation, path helpers and wildcard constraints shared by every rule file."""

import sys
from pathlib import Path

from solarev.config import ConfigError, validate_config
from solarev.control import CONTROLLERS

REPO = Path(workflow.basedir)
CONFIG_SCHEMA = REPO / "config" / "schema.yaml"

try:
    validate_config(config, CONFIG_SCHEMA)
except ConfigError as error:
    sys.exit(f"solarev: invalid configuration: {error}")


wildcard_constraints:
    algo="|".join(config["training"]["algorithms"]),
    seed=r"\d+",
    controller="|".join(CONTROLLERS),


def code(*modules):
    """Source files of solarev modules a rule runs, as inputs so that code edits rerun the rule."""
    return [str(REPO / "src" / "solarev" / f"{module}.py") for module in modules]


def optional_file(name, path):
    """A named input for a user-supplied file that the config may leave out (None): no input then."""
    return {name: path} if path else {}
