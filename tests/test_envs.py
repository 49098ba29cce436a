"""envs/solarev.yaml (for `--sdm conda`) pins exactly what uv.lock and pyproject.toml pin."""

import re
import tomllib

from snakemake_runner import REPO

from solarev.config import load_yaml


def pip_pins(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for requirement in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.\-\[\]]+)==([^\s;]+)", requirement.split(";")[0].strip())
        if match:
            pins[re.sub(r"\[.*\]", "", match.group(1)).lower().replace("_", "-")] = match.group(2)
    return pins


def conda_pins() -> dict[str, str]:
    spec = load_yaml(REPO / "envs" / "solarev.yaml")
    pip_section = next(item["pip"] for item in spec["dependencies"] if isinstance(item, dict))
    return pip_pins(pip_section)


def test_conda_env_matches_pyproject_pins():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = pip_pins(project["dependencies"])
    assert len(declared) == len(project["dependencies"]), "every dependency is pinned with =="
    pinned = conda_pins()
    assert {name: pinned.get(name) for name in declared} == declared


def test_conda_env_matches_lock():
    lock = tomllib.loads((REPO / "uv.lock").read_text())
    locked = {package["name"]: package["version"] for package in lock["package"] if "version" in package}
    for name, version in conda_pins().items():
        assert locked.get(name) == version, name
