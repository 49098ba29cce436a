"""Start-up cost of a workflow job: seconds for a fresh Python process to import what one kind of job
imports, with the bytecode that `make install` compiles (`uv sync --compile-bytecode`) and without it (an
empty PYTHONPYCACHEPREFIX folder, as on a machine that sets PYTHONDONTWRITEBYTECODE and was synced
without compiling). Every Snakemake job and every `snakemake` command pays this once.

    .venv/bin/python benchmarks/bench_startup.py
    .venv/bin/python benchmarks/bench_startup.py --repeats 5
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

# What the workflow's scripts import, by the kind of job (workflow/scripts/).
JOB_IMPORTS = {
    "control": "solarev.evaluate.controllers, solarev.evaluate.runs, solarev.env.citylearn_env",
    "train": "solarev.rl.training, solarev.env.fast",
    "comparison": "solarev.report.pdf, solarev.report.collect, xarray",
    "snakemake": "snakemake.cli",
}


def import_seconds(modules: str, environment: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {modules}"], env=environment, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3, help="processes per figure; the median is printed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as empty:
        # PYTHONDONTWRITEBYTECODE keeps the empty prefix empty, so every process compiles from source.
        environments = {
            "installed bytecode": {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            "no bytecode": {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": empty},
        }
        print(f"{'job':<12}" + "".join(f"{name:>20}" for name in environments) + "  (s, median)")
        for job, modules in JOB_IMPORTS.items():
            medians = [
                statistics.median(import_seconds(modules, environment) for _ in range(args.repeats))
                for environment in environments.values()
            ]
            print(f"{job:<12}" + "".join(f"{median:>20.2f}" for median in medians))


if __name__ == "__main__":
    main()
