"""What the training rules decide at DAG time, without importing torch: each algorithm's slice of
config/agents.yaml (a job's params, so that editing one algorithm's hyperparameters reruns only its jobs)
and the GPUs a job reserves."""

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from solarev.config import ConfigError, load_yaml


def agent_params(
    agents_path: str | Path, preset: str, algorithms: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """algo -> {preset: {algo: its entry}}, the form solarev.rl.hyperparameters.agent_settings reads; keys
    sorted, since Snakemake compares params as text and reordering keys changes nothing."""
    presets = load_yaml(agents_path)
    if preset not in presets:
        raise ConfigError(
            f"training.preset: {preset!r} is not a preset of {agents_path} (available: {', '.join(presets)})"
        )
    missing = [algo for algo in algorithms if algo not in presets[preset]]
    if missing:
        raise ConfigError(
            f"training.algorithms: {', '.join(missing)} missing from preset {preset!r} of {agents_path}"
        )
    return {
        algo: json.loads(json.dumps({preset: {algo: presets[preset][algo]}}, sort_keys=True))
        for algo in algorithms
    }


def job_gpus(gpus: int, requested_device: str, preferred_device: str) -> int:
    """GPUs a training job reserves: `gpus` (training.gpus_per_job, resolved by
    solarev.rl.devices.gpus_per_job) unless the job will run on the CPU, as it does when training.device
    is cpu, or auto with an algorithm that prefers the CPU (agents.yaml)."""
    device = preferred_device if requested_device == "auto" else requested_device
    return 0 if device == "cpu" else gpus
