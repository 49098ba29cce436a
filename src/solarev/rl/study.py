"""The agents of the study on the site: the learning curve's KPIs, a run's resume key, and the agent's KPI
files in the controllers' format."""

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from solarev.env.evaluation import Evaluation, evaluate_policy
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


def write_evaluation(
    evaluation: Evaluation, kpis_path: str | Path, timeseries_path: str | Path, **labels: Any
) -> None:
    """kpis.json (one record per episode: episode, every KPI and the labels) and timeseries.nc (labels as
    attributes), as the controllers write them; labels are e.g. controller="sac", seed=0."""
    records = evaluation.kpis.reset_index().assign(**labels).to_dict(orient="records")
    Path(kpis_path).write_text(json.dumps(records, indent=2))
    evaluation.timeseries.assign_attrs(**labels).to_netcdf(timeseries_path, engine="h5netcdf")
