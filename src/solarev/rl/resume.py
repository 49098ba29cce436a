"""What a training run's checkpoint must share with a rerun to be resumed: its inputs and environment."""

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any


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
