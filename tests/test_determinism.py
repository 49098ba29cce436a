"""A seed fixes a run whatever the machine's core count: the same tiny trainings (the test preset's SAC on
sbx/JAX, PPO and A2C on SB3/torch, on the tiny site's twin) in a process pinned to one core and in one
pinned to two give the same learning curves, selections and selected policies' KPIs, to the last bit
(solarev.rl.runtime sets torch's and JAX's threads from the job's `threads`, not from the cores)."""

import json
import logging
import os
import shutil
import subprocess
import sys
from functools import partial
from pathlib import Path

import pandas as pd
import pytest
from conftest import TEST_CONFIG, TINY_SPEC
from synthetic import write_synthetic_site

from solarev.env.fast import make_fast_env
from solarev.env.socket_grouping import socket_groups
from solarev.evaluate.runs import mean_kpis
from solarev.rl.policy import load_policy
from solarev.rl.presets import load_agent_settings
from solarev.rl.training import RunSpec, train
from solarev.site.model import load_site, site_files

REPO = Path(__file__).resolve().parents[1]
ALGORITHMS = ("sac", "ppo", "a2c")
STEPS = 200
CORE_SETS = ("0", "0,1")


def job(resources: Path, out: Path) -> None:
    """Train each algorithm on the tiny site's twin and write what the run produced to `out`/results.json:
    its learning curve (wall times left out), its selection and its selected policy's validation KPIs."""
    site = load_site(site_files(resources), TEST_CONFIG["site"], TEST_CONFIG["bess"], TEST_CONFIG["grid"])
    episodes, env_config = TEST_CONFIG["episodes"], TEST_CONFIG["env"]
    validation = make_fast_env(site, episodes, env_config, "validation")
    results = {"cores": sorted(os.sched_getaffinity(0))}
    for algo in ALGORITHMS:
        settings = load_agent_settings(REPO / "config" / "agents.yaml", "test", algo)
        spec = RunSpec(
            settings,
            seed=1,
            total_timesteps=STEPS,
            checkpoint_every=STEPS,
            eval_every=STEPS // 2,  # PPO: 2 envs x 50 steps per rollout
            run_dir=out / algo,
            action_groups=socket_groups(
                settings.ev_action_groups, site.socket_power_kw, site.socket_battery_kwh
            ),
        )
        make_env = lambda seed: make_fast_env(site, episodes, env_config, "training")  # noqa: E731
        summary = train(make_env, spec, mean_kpis(validation), "cpu", logging.getLogger())
        curve = pd.read_csv(spec.run_dir / "learning_curve.csv").drop(columns="wall_time_s")
        results[algo] = {
            "curve": curve.to_dict(orient="list"),
            "selected": summary["selected_model"],
            "kpis": mean_kpis(validation)(partial(load_policy, spec.run_dir)),
        }
    (out / "results.json").write_text(json.dumps(results))


def pinned_run(cores: str, resources: Path, out: Path) -> dict:
    """job() in a fresh process that may run on `cores` only."""
    script = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from pathlib import Path\n"
        "from test_determinism import job\n"
        f"job(Path({str(resources)!r}), Path({str(out)!r}))\n"
    )
    subprocess.run(["taskset", "-c", cores, sys.executable, "-c", script], check=True)
    return json.loads((out / "results.json").read_text())


@pytest.mark.skipif(
    shutil.which("taskset") is None or not {0, 1} <= os.sched_getaffinity(0), reason="needs taskset, 2 cores"
)
def test_a_run_repeats_exactly_on_one_core_and_on_two(tmp_path: Path) -> None:
    resources = write_synthetic_site(TINY_SPEC, tmp_path / "resources")
    one, two = (pinned_run(cores, resources, tmp_path / cores) for cores in CORE_SETS)
    assert (one.pop("cores"), two.pop("cores")) == ([0], [0, 1])
    assert one == two  # floats from JSON: equal means bit for bit
    for algo in ALGORITHMS:
        assert one[algo]["curve"]["timesteps"] == [0, STEPS // 2, STEPS]
