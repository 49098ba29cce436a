"""`make run` as the README gives it: the snakemake command it runs, word for word, plans the whole study
(as a dry run on the tiny config, outside the repository)."""

import shlex
import subprocess
from pathlib import Path

from snakemake_runner import REPO, TEST_CONFIG, snakemake_environment


def make_run_command(config: Path) -> list[str]:
    """The snakemake command line `make run CONFIG=config` runs (make --dry-run prints it)."""
    printed = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", "run", f"CONFIG={config}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (line,) = [line for line in printed.splitlines() if "snakemake" in line and not line.startswith("echo")]
    return shlex.split(line)


def test_make_run_plans_the_comparison(tmp_path: Path) -> None:
    program, *arguments = make_run_command(TEST_CONFIG)
    result = subprocess.run(
        [str(REPO / program), "--dry-run", "--directory", str(tmp_path), *arguments],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        env=snakemake_environment(),
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert "comparison" in result.stdout and "train" in result.stdout, result.stdout[-4000:]
    assert not (tmp_path / "results").exists()  # planned, not run
