"""DAG-time decisions of the training rules: each algorithm's slice of agents.yaml and its GPU count."""

from pathlib import Path

import pytest
import yaml

from solarev.config import ConfigError
from solarev.rl.jobs import agent_params, job_gpus

REPO = Path(__file__).resolve().parents[1]


def test_each_algorithm_gets_its_own_entry_with_sorted_keys() -> None:
    params = agent_params(REPO / "config" / "agents.yaml", "test", ["sac", "a2c"])
    assert set(params) == {"sac", "a2c"} and list(params["sac"]["test"]) == ["sac"]
    assert list(params["sac"]["test"]["sac"]) == sorted(params["sac"]["test"]["sac"])


@pytest.mark.parametrize(
    ("preset", "algorithms", "message"),
    [("fast", ["sac"], "training.preset: 'fast' is not a preset"), ("test", ["td3"], "td3 missing from")],
)
def test_unknown_preset_or_algorithm_names_the_key(
    tmp_path: Path, preset: str, algorithms: list[str], message: str
) -> None:
    agents = tmp_path / "agents.yaml"
    agents.write_text(yaml.safe_dump({"test": {"sac": {"device": "cpu"}}}))
    with pytest.raises(ConfigError, match=message):
        agent_params(agents, preset, algorithms)


@pytest.mark.parametrize(
    ("requested", "preferred", "gpus"),
    [("auto", "auto", 1), ("auto", "cpu", 0), ("cpu", "auto", 0), ("cuda", "cpu", 1), ("auto", "cuda", 1)],
)
def test_jobs_on_the_cpu_reserve_no_gpu(requested: str, preferred: str, gpus: int) -> None:
    assert job_gpus(1, requested, preferred) == gpus
    assert job_gpus(0, requested, preferred) == 0
