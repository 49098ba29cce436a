"""Model selection on the validation weeks: which of a run's evaluated models the test weeks score.

`best_validation` keeps the model with the lowest validation score, as rl-zoo's EvalCallback keeps its
best_model: the settled objective (the KPI `objective`) plus the unmet-EV-energy penalty (config
env.unmet_energy_weight), what the agents' reward minimises. Without the penalty, a model that
left EVs uncharged early in training scored best and was kept (measured in docs/tuning.md). The final
model competes: the run evaluates it at the end as well. A tie keeps the earlier model. `final` keeps the
last model.

Each time the selection changes, the model and its VecNormalize statistics are saved under the run folder's
`selected/` folder, one complete folder per selection, written beside it and renamed into place (a kill
mid-write leaves the previous selection intact). Checkpoints carry the selection, so a resumed run goes on
from the best model so far; at the end the selected files become the run's model.zip and vecnormalize.pkl.
"""

import json
import math
import os
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from stable_baselines3.common.base_class import BaseAlgorithm

from solarev.env.objective import with_penalties
from solarev.rl.policy import MODEL_FILE, VECNORMALIZE_FILE, save_policy

MODEL_SELECTIONS = ("best_validation", "final")
SELECTION_KPI = "objective"  # lower is better
UNMET_KPI = "ev_unmet_kwh"
OVER_LIMIT_KPI = "import_over_limit_kwh"
SELECTED_FOLDER = "selected"
SELECTION_FILE = "selection.json"
FOLDER_PREFIX = "steps_"


def selection_score(kpis: Mapping[str, float], unmet_weight: float) -> float:
    """The validation objective plus the unmet and over-limit penalties, in the objective's unit (an env
    without EVs, as the tests' pendulum, has neither KPI and a weight 0)."""
    if not unmet_weight:
        return float(kpis[SELECTION_KPI])
    return float(with_penalties(kpis[SELECTION_KPI], kpis[UNMET_KPI], kpis[OVER_LIMIT_KPI], unmet_weight))


@dataclass(frozen=True)
class SelectedModel:
    timesteps: int
    validation_score: float


def is_better(candidate: float, current: float) -> bool:
    """Lower is better; a NaN score (a broken evaluation) is worse than any other."""
    return not math.isnan(candidate) and (math.isnan(current) or candidate < current)


def replaces(mode: str, candidate: SelectedModel, current: SelectedModel | None) -> bool:
    """Whether a newly evaluated model becomes the run's selected one under `mode`."""
    if current is None or mode == "final":
        return True
    return is_better(candidate.validation_score, current.validation_score)


def selection_folders(run_dir: Path) -> list[Path]:
    """The complete selection folders, oldest first (steps are zero-padded: names sort by step)."""
    return sorted((run_dir / SELECTED_FOLDER).glob(f"{FOLDER_PREFIX}*"), key=lambda path: path.name)


def latest_selection_folder(run_dir: Path) -> Path | None:
    folders = selection_folders(run_dir)
    return folders[-1] if folders else None


def read_selection(run_dir: Path) -> SelectedModel | None:
    """The run's selected model so far (a resumed run's as its checkpoint restored it); None before the
    first evaluation."""
    folder = latest_selection_folder(run_dir)
    return None if folder is None else selection_in(folder)


def selection_in(folder: Path) -> SelectedModel:
    return SelectedModel(**json.loads((folder / SELECTION_FILE).read_text()))


def save_selection(model: BaseAlgorithm, selected: SelectedModel, run_dir: Path) -> None:
    """The model and its statistics as the run's selection, replacing the previous one."""
    target = run_dir / SELECTED_FOLDER / f"{FOLDER_PREFIX}{selected.timesteps:012d}"
    partial = target.with_name(f".{target.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    save_policy(model, partial)
    (partial / SELECTION_FILE).write_text(json.dumps(asdict(selected)))
    shutil.rmtree(target, ignore_errors=True)
    os.replace(partial, target)
    for older in selection_folders(run_dir):
        if older != target:
            shutil.rmtree(older)


def install_selection(run_dir: Path) -> SelectedModel:
    """Move the selected model's files to the run folder's model.zip and vecnormalize.pkl (the files the test
    weeks score) and remove the selection folder; returns what was selected."""
    folder = latest_selection_folder(run_dir)
    if folder is None:
        raise RuntimeError(f"no model was selected in {run_dir}: the run evaluated none")
    selected = selection_in(folder)
    for name in (MODEL_FILE, VECNORMALIZE_FILE):
        if (folder / name).exists():
            os.replace(folder / name, run_dir / name)
    shutil.rmtree(run_dir / SELECTED_FOLDER)
    return selected


class ModelSelector:
    """Offered every evaluated model with its validation KPIs; keeps the one `mode` selects in the run
    folder. Starts from the selection already in the run folder (a resumed run's). `unmet_weight`: the
    penalty per kWh of unmet EV energy in the score (selection_score)."""

    def __init__(self, mode: str, run_dir: Path, unmet_weight: float):
        if mode not in MODEL_SELECTIONS:
            raise ValueError(f"model selection {mode!r} is not one of {MODEL_SELECTIONS}")
        self.mode = mode
        self.run_dir = run_dir
        self.unmet_weight = unmet_weight
        self.current = read_selection(run_dir)

    def offer(self, model: BaseAlgorithm, kpis: Mapping[str, float]) -> bool:
        """Whether the model, just evaluated, became the selected one."""
        candidate = SelectedModel(model.num_timesteps, selection_score(kpis, self.unmet_weight))
        if not replaces(self.mode, candidate, self.current):
            return False
        save_selection(model, candidate, self.run_dir)
        self.current = candidate
        return True
