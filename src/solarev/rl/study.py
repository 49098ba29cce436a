"""The agents of the study on the site: training environments on the configured simulator, the validation
KPIs of the learning curve (in CityLearn), a run's resume key, and the agent's KPI files in the controllers'
format."""

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from solarev.env.evaluation import Evaluation, evaluate_policy
from solarev.env.gym_env import SolarEvEnv, make_env
from solarev.env.site import Site
from solarev.rl.callbacks import EvaluatePolicy
from solarev.rl.policy import Policy
from solarev.rl.training import EnvFactory

SIMULATORS = ("fast", "citylearn")


def training_env_factory(
    simulator: str,
    site: Site,
    schema_path: Path,
    episodes: Mapping[str, Any],
    env_config: Mapping[str, Any],
) -> EnvFactory:
    """seed -> training environment on `simulator` (the environments' own seeds come from SB3's reset)."""
    if simulator == "citylearn":
        return lambda seed: make_env(site, schema_path, episodes, env_config, "training")
    if simulator == "fast":
        from solarev.env.fast import training_env_factory as fast_factory

        return fast_factory(simulator, site, schema_path, episodes, env_config, "training")
    raise ValueError(f"training.simulator: {simulator!r} is not allowed (allowed: {', '.join(SIMULATORS)})")


def mean_kpis(env: SolarEvEnv) -> EvaluatePolicy:
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
