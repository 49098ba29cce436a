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


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, timeout=10
    ).stdout.strip()


def code_version(repo: Path = REPO, outside: Iterable[Path] = ()) -> str:
    """solarev's package version and, in a git checkout, `git describe` (the commit, '-dirty' if a tracked
    file is edited). Files under `outside` do not count: a publication's own folder, whose committed files
    Snakemake removes before the job that rewrites them runs."""
    version = f"solarev {solarev.__version__}"
    excluded = [f":(exclude){Path(path).resolve()}" for path in outside]
    try:
        commit = git(repo, "describe", "--always", "--tags")
        edited = git(repo, "status", "--porcelain", "--untracked-files=no", "--", ".", *excluded)
    except (OSError, subprocess.SubprocessError):
        return version
    return f"{version}, git {commit}{'-dirty' if edited else ''}"


def config_file_names(paths: Iterable[str | Path], repo: Path = REPO) -> list[str]:
    """Config files as the reader knows them: relative to the repository when inside it."""
    names = []
    for path in map(Path, paths):
        resolved = path.resolve()
        names.append(str(resolved.relative_to(repo)) if resolved.is_relative_to(repo) else str(path))
    return names
