"""Checkpoints that let a crashed or killed training job continue where it was.

A checkpoint folder holds the model, its VecNormalize statistics, SAC's replay buffer, the run's CSV files
so far (Snakemake deletes a failed job's declared outputs, monitor.csv and learning_curve.csv among them) and
the model selected so far (solarev.rl.selection), so that a resumed run selects as an uninterrupted one.
The checkpoint store must therefore be a folder the rule does not declare. A checkpoint records the run's
identity (algorithm, seed, budget, hyperparameters, anything the caller adds) and is resumed only by a run
with the same identity. Only the latest checkpoint is kept: each one replaces the previous one atomically.
"""

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.buffers import ReplayBuffer
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm

from solarev.rl.policy import MODEL_FILE, VECNORMALIZE_FILE, save_policy
from solarev.rl.selection import SELECTED_FOLDER, latest_selection_folder

CHECKPOINT_FILE = "checkpoint.json"
REPLAY_BUFFER_FILE = "replay_buffer.npz"
RUN_FILES = ("monitor.csv", "learning_curve.csv")
REPLAY_ARRAYS = ("observations", "next_observations", "actions", "rewards", "dones", "timeouts")
FOLDER_PREFIX = "steps_"


@dataclass(frozen=True)
class Checkpoint:
    folder: Path
    num_timesteps: int
    wall_time_s: float  # the run's wall time when the checkpoint was written, over every session

    @property
    def model(self) -> Path:
        return self.folder / MODEL_FILE

    @property
    def vecnormalize(self) -> Path:
        return self.folder / VECNORMALIZE_FILE

    @property
    def replay_buffer(self) -> Path:
        return self.folder / REPLAY_BUFFER_FILE


def save_replay_buffer(buffer: ReplayBuffer, path: Path) -> None:
    """The filled rows only: SB3's own save pickles the whole preallocated buffer (7 GB for the original
    preset's million transitions at the Iquitos sizes), however little of it is used."""
    filled = buffer.buffer_size if buffer.full else buffer.pos
    arrays = {
        name: getattr(buffer, name)[:filled] for name in REPLAY_ARRAYS if getattr(buffer, name) is not None
    }
    with open(path, "wb") as handle:
        np.savez(handle, pos=buffer.pos, full=buffer.full, **arrays)


def load_replay_buffer(buffer: ReplayBuffer, path: Path) -> None:
    """Fill a freshly allocated buffer of the same size with the saved rows."""
    with np.load(path) as saved:
        for name in REPLAY_ARRAYS:
            if name in saved:
                rows = saved[name]
                getattr(buffer, name)[: len(rows)] = rows
        buffer.pos, buffer.full = int(saved["pos"]), bool(saved["full"])


def comparable(identity: Mapping[str, Any]) -> Any:
    """The identity as it reads back from JSON (tuples become lists, keys strings)."""
    return json.loads(json.dumps(identity, sort_keys=True, default=str))


class CheckpointStore:
    def __init__(self, folder: Path, identity: Mapping[str, Any]):
        self.folder = Path(folder)
        self.identity = comparable(identity)

    def folders(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(self.folder.glob(f"{FOLDER_PREFIX}*"), key=lambda path: path.name)

    def latest(self) -> Checkpoint | None:
        """The newest complete checkpoint of this run's identity."""
        for folder in reversed(self.folders()):
            if not (folder / CHECKPOINT_FILE).exists():
                continue
            record = json.loads((folder / CHECKPOINT_FILE).read_text())
            if record["identity"] == self.identity:
                return Checkpoint(folder, record["num_timesteps"], record["wall_time_s"])
        return None

    def save(self, model: BaseAlgorithm, run_dir: Path, wall_time_s: float) -> Checkpoint:
        """Written into a hidden folder and renamed when complete, so a kill mid-write leaves the previous
        checkpoint intact; older checkpoints are removed afterwards."""
        target = self.folder / f"{FOLDER_PREFIX}{model.num_timesteps:012d}"
        partial = self.folder / f".{target.name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        save_policy(model, partial)
        if isinstance(model, OffPolicyAlgorithm):
            save_replay_buffer(model.replay_buffer, partial / REPLAY_BUFFER_FILE)
        for name in RUN_FILES:
            if (run_dir / name).exists():
                shutil.copy2(run_dir / name, partial / name)
        selection = latest_selection_folder(run_dir)
        if selection is not None:
            shutil.copytree(selection, partial / SELECTED_FOLDER / selection.name)
        record = {"num_timesteps": model.num_timesteps, "wall_time_s": wall_time_s, "identity": self.identity}
        (partial / CHECKPOINT_FILE).write_text(json.dumps(record, indent=1))
        shutil.rmtree(target, ignore_errors=True)
        os.replace(partial, target)
        for older in self.folders():
            if older != target:
                shutil.rmtree(older)
        return Checkpoint(target, model.num_timesteps, wall_time_s)

    def clear(self) -> bool:
        """Remove every checkpoint, complete or partial (the run finished, or they belong to another
        configuration); True when there was any."""
        found = [*self.folders(), *self.folder.glob(f".{FOLDER_PREFIX}*.partial")]
        for folder in found:
            shutil.rmtree(folder)
        return bool(found)


def restore_run_files(checkpoint: Checkpoint | None, run_dir: Path) -> None:
    """Put back the CSV files and the selected model as they were at the checkpoint, or remove them when
    starting afresh."""
    for name in RUN_FILES:
        saved = checkpoint.folder / name if checkpoint else None
        if saved is not None and saved.exists():
            shutil.copy2(saved, run_dir / name)
        else:
            (run_dir / name).unlink(missing_ok=True)
    shutil.rmtree(run_dir / SELECTED_FOLDER, ignore_errors=True)
    if checkpoint is not None and (checkpoint.folder / SELECTED_FOLDER).is_dir():
        shutil.copytree(checkpoint.folder / SELECTED_FOLDER, run_dir / SELECTED_FOLDER)
