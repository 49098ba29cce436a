"""Entering a method of one's own (docs/add-your-method.md): user controllers (control.custom), saved policies
(control.policies) and the algorithm names, checked before any job with one line naming the key."""

import copy
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import gymnasium as gym
import numpy as np
import pytest
import yaml
from snakemake_runner import REPO, run_snakemake

from solarev.config import ConfigError, load_yaml, validate_config
from solarev.control import CONTROLLERS
from solarev.control.custom import custom_policy
from solarev.evaluate.methods import study_methods
from solarev.rl.policy import inferred_action_groups

TINY = load_yaml(REPO / "config" / "test.yaml")
EXAMPLE = REPO / "docs" / "examples" / "least_laxity.py"
USER_MODULE = """
def greedy(env):
    return lambda observation: observation


def two_arguments(env, horizon):
    return greedy(env)


def not_a_policy(env):
    return 3


def td3(env):
    return greedy(env)
"""


def with_methods(
    custom: tuple[str, ...] = (), policies: tuple[dict, ...] = (), algorithms: tuple[str, ...] = ("sac",)
) -> dict:
    config = copy.deepcopy(TINY)
    config["control"] |= {"custom": list(custom), "policies": list(policies)}
    config["training"]["algorithms"] = list(algorithms)
    return config


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A working directory with a user package (mine/rules.py), a saved model and a module that fails."""
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "rules.py").write_text(USER_MODULE)
    (tmp_path / "broken.py").write_text("raise RuntimeError('no data here')\n")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "td3.zip").write_bytes(b"")
    return tmp_path


def test_user_controllers_and_saved_policies_join_the_reference_controllers(workdir: Path) -> None:
    policy = {"name": "fleet_td3", "path": "models/td3.zip", "algorithm": "td3"}
    config = with_methods(("mine.rules:greedy", "json:loads"), (policy,), ("sac", "tqc"))
    validate_config(config, REPO / "config" / "schema.yaml")
    methods = study_methods(config, workdir)
    assert methods.controllers == (*CONTROLLERS, "greedy", "loads")
    assert methods.seedless == (*methods.controllers, "fleet_td3")
    assert methods.algorithms == ("sac", "tqc")
    # from the working directory first, else from the installed packages (here the standard library's)
    assert methods.custom["greedy"].file == workdir / "mine" / "rules.py"
    assert methods.custom["loads"].file.name == "__init__.py" and methods.custom["loads"].module == "json"
    assert methods.policies["fleet_td3"].files() == {"model": "models/td3.zip"}


def test_a_user_controllers_code_inputs_are_its_file_and_the_solarev_modules_it_runs() -> None:
    methods = study_methods(with_methods(["docs.examples.least_laxity:least_laxity_first"]), REPO)
    files = methods.custom["least_laxity_first"].code_files(REPO / "src")
    assert files[0] == EXAMPLE
    assert {REPO / "src/solarev/control/rule_tuned.py", REPO / "src/solarev/site/model.py"} <= set(files)


BAD = [
    (
        with_methods(["nowhere:policy"]),
        "control.custom[0]: cannot import module 'nowhere' from the working directory",
    ),
    (with_methods(["broken:policy"]), "(RuntimeError: no data here)"),
    (with_methods(["mine.rules:missing"]), "control.custom[0]: module 'mine.rules' ("),
    (
        with_methods(["mine.rules:greedy", "mine.rules:two_arguments"]),
        "control.custom[1]: mine.rules:two_arguments must take one argument, the env, and return a policy; "
        "it takes (env, horizon)",
    ),
    (
        with_methods(["mine.rules:td3"], algorithms=["td3"]),
        "control.custom[0]: name 'td3' is already training.algorithms[0]",
    ),
    (
        with_methods(policies=[{"name": "rule_based", "path": "models/td3.zip", "algorithm": "td3"}]),
        "control.policies[0].name: name 'rule_based' is already the reference controller rule_based",
    ),
    (
        with_methods(
            ["mine.rules:greedy"], [{"name": "greedy", "path": "models/td3.zip", "algorithm": "td3"}]
        ),
        "control.policies[0].name: name 'greedy' is already control.custom[0]",
    ),
    (
        with_methods(policies=[{"name": "p", "path": "models/td3.zip", "algorithm": "dqn"}]),
        "control.policies[0].algorithm: 'dqn' is not allowed (allowed: sac, td3",
    ),
    (
        with_methods(policies=[{"name": "p", "path": "models/none.zip", "algorithm": "td3"}]),
        "control.policies[0].path: file 'models/none.zip' does not exist",
    ),
    (
        with_methods(
            policies=[{"name": "p", "path": "models/td3.zip", "algorithm": "td3", "vecnormalize": "v.pkl"}]
        ),
        "control.policies[0].vecnormalize: file 'v.pkl' does not exist",
    ),
]


@pytest.mark.parametrize(("config", "message"), BAD, ids=[message[:40] for _, message in BAD])
def test_bad_methods_name_the_key_in_one_line(workdir: Path, config: dict, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        study_methods(config, workdir)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_the_schema_checks_the_entries_form() -> None:
    with pytest.raises(ConfigError, match=r"^control.custom\[0\]: 'mine.rules' does not match"):
        validate_config(with_methods(["mine.rules"]), REPO / "config" / "schema.yaml")


def test_a_user_controller_must_return_a_policy(workdir: Path) -> None:
    with pytest.raises(TypeError, match="mine.rules:not_a_policy returned int, not a policy"):
        custom_policy("mine.rules:not_a_policy", env=None, directory=workdir)


def test_a_saved_models_action_space_says_how_its_sockets_are_grouped() -> None:
    powers = np.array([2.0, 2.0, 3.0, 3.0, 3.0, 2.0])
    batteries = np.array([3.0, 3.0, 6.0, 6.0, 6.0, 3.0])

    def model(actions: int) -> SimpleNamespace:
        return SimpleNamespace(action_space=gym.spaces.Box(-1, 1, (actions,)))

    np.testing.assert_array_equal(inferred_action_groups(model(7), powers, batteries, "p"), np.arange(6))
    np.testing.assert_array_equal(
        inferred_action_groups(model(3), powers, batteries, "p"), [0, 0, 1, 1, 1, 0]
    )
    np.testing.assert_array_equal(inferred_action_groups(model(2), powers, batteries, "p"), np.zeros(6))
    with pytest.raises(
        ValueError, match="p: the model sets 4 charging actions .* socket 6, power 2, vehicle 2, site 1"
    ):
        inferred_action_groups(model(5), powers, batteries, "p")


# Through the command line (one Snakemake start each, two at a time): each stops before any job with one line
# naming the key and writes nothing. An unknown algorithm is tests/test_config.py's.
WORKFLOW_CASES = [
    ({"custom": ["nowhere:policy"]}, {}, "control.custom[0]: cannot import module 'nowhere'"),
    ({"custom": ["mine.rules:two_arguments"]}, {}, "control.custom[0]: mine.rules:two_arguments must take"),
    (
        {"policies": [{"name": "p", "path": "models/none.zip", "algorithm": "td3"}]},
        {},
        "control.policies[0].path: file 'models/none.zip' does not exist",
    ),
    ({}, {"algorithms": ["crossq"]}, "training.algorithms: crossq missing from preset 'test'"),
]


def stopped_run(root: Path, control: dict, training: dict) -> tuple[str, Path]:
    workdir = root / "run"
    (workdir / "mine").mkdir(parents=True)
    (workdir / "mine" / "rules.py").write_text(USER_MODULE)
    config = copy.deepcopy(TINY)
    config["control"] |= control
    config["training"] |= training
    (root / "bad.yaml").write_text(yaml.safe_dump(config))
    result = run_snakemake(workdir, configfile=root / "bad.yaml")
    assert result.returncode != 0
    return result.stderr, workdir


def test_snakemake_stops_before_any_job(tmp_path: Path) -> None:
    roots = [tmp_path / str(case) for case in range(len(WORKFLOW_CASES))]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda root, case: stopped_run(root, *case[:2]), roots, WORKFLOW_CASES))
    for (stderr, workdir), (_, _, expected) in zip(results, WORKFLOW_CASES, strict=True):
        error_lines = [line for line in stderr.splitlines() if "invalid configuration" in line]
        assert len(error_lines) == 1 and expected in error_lines[0], stderr
        assert not any((workdir / folder).exists() for folder in ("resources", "results", "logs"))


def test_dag_time_import_loads_no_torch_nor_citylearn() -> None:
    """rules/common.smk imports the methods' checks on every Snakemake start."""
    check = (
        "import sys, solarev.evaluate.methods; "
        "assert not {'torch', 'citylearn'} & set(sys.modules), 'heavy import'"
    )
    subprocess.run([sys.executable, "-c", check], check=True)
