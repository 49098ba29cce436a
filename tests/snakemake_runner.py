"""Run the real Snakemake command line on the workflow, in a working directory of the test's own."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
TEST_CONFIG = REPO / "config" / "test.yaml"


def run_snakemake(
    workdir: Path, *args: str, configfile: Path = TEST_CONFIG, timeout: float = 1200
) -> subprocess.CompletedProcess:
    """`snakemake` on the repository's Snakefile with outputs under `workdir`; never raises on failure."""
    command = [
        str(SNAKEMAKE),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(configfile),
        "--cores",
        "2",
        *args,
    ]
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=environment)
