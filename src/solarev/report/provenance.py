"""What makes a report traceable: the code version and a hash of the resolved configuration."""

import hashlib
import json
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import solarev

REPO = Path(solarev.__file__).resolve().parents[2]


def config_hash(config: Mapping[str, Any]) -> str:
    """Short SHA-256 of the resolved configuration (key order does not matter)."""
    canonical = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def code_version(repo: Path = REPO) -> str:
    """solarev's package version and, in a git checkout, `git describe` (commit, '-dirty' if edited)."""
    version = f"solarev {solarev.__version__}"
    try:
        described = subprocess.run(
            ["git", "-C", str(repo), "describe", "--always", "--dirty", "--tags"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return version
    return f"{version}, git {described}"


def config_file_names(paths: Iterable[str | Path], repo: Path = REPO) -> list[str]:
    """Config files as the reader knows them: relative to the repository when inside it."""
    names = []
    for path in map(Path, paths):
        resolved = path.resolve()
        names.append(str(resolved.relative_to(repo)) if resolved.is_relative_to(repo) else str(path))
    return names
