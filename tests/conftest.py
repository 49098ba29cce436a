"""Shared fixtures: a tiny synthetic site in the site stage's file format, its CityLearn schema, and envs.

The site matches config/test.yaml's `site` section (3 weeks, hourly, 2023, America/Lima), so the test
config's episodes (training week 0, validation week 1, test week 2) apply to it.
"""

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from synthetic import SyntheticSite, write_synthetic_site

from solarev.config import load_yaml
from solarev.env.citylearn_env import SolarEvEnv, make_env
from solarev.env.schema import write_citylearn_site
from solarev.site.model import Site, load_site, site_files

REPO = Path(__file__).resolve().parents[1]
TEST_CONFIG = load_yaml(REPO / "config" / "test.yaml")
TINY_SPEC = SyntheticSite(
    days=TEST_CONFIG["site"]["days"], time_step_minutes=TEST_CONFIG["site"]["time_step_minutes"]
)


@dataclass(frozen=True)
class TinySite:
    resources: Path
    config: dict[str, Any]

    def load(self) -> Site:
        return load_site(
            site_files(self.resources), self.config["site"], self.config["bess"], self.config["grid"]
        )


@pytest.fixture
def tiny_site(tmp_path: Path) -> TinySite:
    """Site files written afresh into tmp_path/resources (edit them freely)."""
    return TinySite(write_synthetic_site(TINY_SPEC, tmp_path / "resources"), TEST_CONFIG)


@dataclass(frozen=True)
class TinyCityLearn:
    site: Site
    schema_path: Path
    config: dict[str, Any]

    def env(self, split: str) -> SolarEvEnv:
        return make_env(self.site, self.schema_path, self.config["episodes"], self.config["env"], split)


@pytest.fixture(scope="session")
def tiny_citylearn(tmp_path_factory: pytest.TempPathFactory) -> TinyCityLearn:
    """The tiny site and its CityLearn schema, built once per test session (read only)."""
    root = tmp_path_factory.mktemp("tiny")
    site = TinySite(write_synthetic_site(TINY_SPEC, root / "resources"), TEST_CONFIG).load()
    schema_path = write_citylearn_site(site, TEST_CONFIG["env"]["random_seed"], root / "citylearn")
    return TinyCityLearn(site, schema_path, TEST_CONFIG)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a network connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's `make run` on config/test.yaml, once, into a folder of its own, with the network blocked
    in every process (tests/offline.py); tests read its outputs, never edit them (copy the folder with
    shutil.copytree(..., symlinks=True) to change things: it keeps file times)."""
    from offline import offline_environment
    from snakemake_runner import make

    root = tmp_path_factory.mktemp("tiny_run")
    workdir = root / "run"
    result = make("run", workdir, env=offline_environment(root))
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    return workdir
