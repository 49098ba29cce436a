"""Every rule's code inputs are exactly the solarev modules its script runs: the inputs Snakemake itself
plans (its file graph) against the modules that importing the script's imports loads in a fresh Python."""

import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from snakemake_runner import REPO, TEST_CONFIG, snakemake_command

from solarev.config import load_yaml

SOURCE = REPO / "src" / "solarev"
SCRIPT = re.compile(r'script:\s*"\.\./workflow/scripts/([\w.]+)"')
# A fresh interpreter runs only the script's own import statements (its top level, before any Snakemake
# object is needed) and lists the solarev modules that loaded.
LOADED_MODULES = """
import ast, json, sys
path = sys.argv[1]
tree = ast.parse(open(path).read(), path)
imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
exec(compile(ast.Module(imports, type_ignores=[]), path, "exec"))
print(json.dumps(sorted(
    module.__file__ for name, module in sys.modules.items()
    if name.split(".")[0] == "solarev" and getattr(module, "__file__", None)
)))
"""


def rule_scripts() -> dict[str, str]:
    """rule name -> its script's file name, from the rule files."""
    scripts = {}
    for rules_file in sorted((REPO / "rules").glob("*.smk")):
        for block in re.split(r"^rule ", rules_file.read_text(), flags=re.MULTILINE)[1:]:
            found = SCRIPT.search(block)
            if found:
                scripts[block.split(":", 1)[0]] = found.group(1)
    return scripts


def planned_code_inputs(workdir: Path) -> dict[str, set[Path]]:
    """rule name -> the solarev source files among its inputs, as Snakemake plans them (--filegraph), on the
    test config with a user controller and a saved policy (whose rule runs only for one)."""
    config = load_yaml(TEST_CONFIG)
    config["control"] |= {
        "custom": ["docs.examples.least_laxity:least_laxity_first"],
        "policies": [{"name": "saved", "path": "model.zip", "algorithm": "sac"}],
    }
    (workdir / "docs" / "examples").mkdir(parents=True)
    shutil.copy(REPO / "docs" / "examples" / "least_laxity.py", workdir / "docs" / "examples")
    (workdir / "model.zip").touch()
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    graph = subprocess.run(
        # The sizing curve's rules run only under bess.sizing: optimal, outside rule all of the test config;
        # rule publish only on request.
        snakemake_command(
            workdir,
            "--filegraph",
            "all",
            "resources/bess_sizing.csv",
            "publish",
            configfile=workdir / "config.yaml",
        ),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    inputs = {}
    for rule, body in re.findall(r'point-size="18">(\w+)</font>(.*?)</table>', graph, flags=re.DOTALL):
        input_part = body.split("output &rarr;")[0]
        files = re.findall(r'face="monospace">([^<]+)</font>', input_part)
        inputs[rule] = {Path(file) for file in files if Path(file).is_relative_to(SOURCE)}
    return inputs


def loaded_modules(script: str) -> set[Path]:
    result = subprocess.run(
        [sys.executable, "-c", LOADED_MODULES, str(REPO / "workflow" / "scripts" / script)],
        capture_output=True,
        text=True,
        check=True,
    )
    return {Path(file) for file in json.loads(result.stdout)}


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[Path]]:
    return planned_code_inputs(tmp_path_factory.mktemp("filegraph"))


@pytest.fixture(scope="module")
def loaded() -> dict[str, set[Path]]:
    """script -> the modules it loads, every script in its own interpreter, two at a time."""
    scripts = sorted(set(rule_scripts().values()))
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(scripts, pool.map(loaded_modules, scripts), strict=True))


@pytest.mark.parametrize(("rule", "script"), sorted(rule_scripts().items()))
def test_code_inputs_are_the_scripts_imports(
    rule: str, script: str, planned: dict[str, set[Path]], loaded: dict[str, set[Path]]
):
    loaded = loaded[script]
    assert loaded, script
    assert planned[rule] == loaded, {
        "listed but not run": sorted(map(str, planned[rule] - loaded)),
        "run but not listed": sorted(map(str, loaded - planned[rule])),
    }


def test_every_rule_with_a_script_is_checked():
    assert set(rule_scripts()) >= {"solar", "control", "score_policy", "train", "evaluate", "comparison"}
