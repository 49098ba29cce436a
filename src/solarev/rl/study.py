"""The agents of the study on the site: the learning curve's KPIs, a run's resume key, and the agent's KPI
files in the controllers' format."""

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from solarev.env.evaluation import evaluate_policy
from solarev.env.gym_env import SiteEnv
from solarev.rl.callbacks import EvaluatePolicy
from solarev.rl.policy import Policy


def mean_kpis(env: SiteEnv) -> EvaluatePolicy:
    """Policy -> its KPIs averaged over the env's evaluation weeks (a row of the learning curve)."""

    def evaluate(policy: Policy) -> dict[str, float]:
        return {name: float(value) for name, value in evaluate_policy(env, policy).kpis.mean().items()}

    return evaluate


def files_digest(paths: Iterable[str | Path]) -> str:
    """SHA-256 over the files' contents, in the order given."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def resume_key(inputs: Iterable[str | Path], **sections: Any) -> dict[str, Any]:
    """What a checkpoint must share with a rerun besides the hyperparameters: the input files' digest and
    the config sections the environment was built from."""
    return {"inputs_sha256": files_digest(inputs), **json.loads(json.dumps(sections, default=str))}
