"""Speed of the workflow itself: `snakemake -n` with nothing to do on the default config (target <= 3 s),
and the speedup of training 3 algorithms x 2 seeds of the tiny config with --cores 2 over --cores 1.

    .venv/bin/python benchmarks/bench_workflow.py                 # both
    .venv/bin/python benchmarks/bench_workflow.py --skip-training # the dry run only (about a minute)

Running the default config takes hours, so its "nothing to do" state is made without running it: empty
placeholders for every output, then `snakemake --touch`, which orders their times along the DAG and
records each job's metadata (params, inputs, code) as a real run does; the dry run after it then makes
the same checks as after a real run. The dry run that plans every job (an empty folder) is printed too.
"""

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from solarev.rl.presets import ALGORITHMS

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
DEFAULT_CONFIG = REPO / "config" / "config.yaml"
TEST_CONFIG = REPO / "config" / "test.yaml"


def snakemake(workdir: Path, configfile: Path, *args: str) -> subprocess.CompletedProcess:
    command = [str(SNAKEMAKE), "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir)]
    command += ["--configfile", str(configfile), *args]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-4000:]}")
    return result


@dataclass(frozen=True)
class Timing:
    wall_s: float
    cpu_s: float  # of Snakemake and its jobs: the figure that a busy machine does not inflate

    def __str__(self) -> str:
        return f"{self.wall_s:.2f} s (CPU {self.cpu_s:.2f} s)"


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(workdir: Path, configfile: Path, *args: str) -> Timing:
    wall, cpu = time.perf_counter(), children_cpu_s()
    snakemake(workdir, configfile, *args)
    return Timing(time.perf_counter() - wall, children_cpu_s() - cpu)


def median(timings: list[Timing]) -> Timing:
    return Timing(statistics.median(t.wall_s for t in timings), statistics.median(t.cpu_s for t in timings))


def planned_outputs(workdir: Path, configfile: Path) -> list[Path]:
    """Every output file of `all` (--summary lists one per line after its header)."""
    summary = snakemake(workdir, configfile, "--cores", "1", "--summary", "all").stdout
    return [Path(line.split("\t")[0]) for line in summary.splitlines()[1:] if line.strip()]


def up_to_date_without_running(workdir: Path, configfile: Path) -> None:
    for output in planned_outputs(workdir, configfile):
        (workdir / output).parent.mkdir(parents=True, exist_ok=True)
        (workdir / output).touch()
    snakemake(workdir, configfile, "--cores", "1", "--touch", "all")


def bench_dry_run(repeats: int) -> None:
    dry_run = ("--cores", "1", "--dry-run", "all")
    with tempfile.TemporaryDirectory(prefix="solarev-bench-") as tmp:
        root = Path(tmp)
        planning = [timed(root / "empty", DEFAULT_CONFIG, *dry_run) for _ in range(repeats)]
        up_to_date_without_running(root / "done", DEFAULT_CONFIG)
        nothing = snakemake(root / "done", DEFAULT_CONFIG, *dry_run)
        if "Nothing to be done" not in nothing.stdout:
            raise RuntimeError(f"the touched folder is not up to date:\n{nothing.stdout[-4000:]}")
        idle = [timed(root / "done", DEFAULT_CONFIG, *dry_run) for _ in range(repeats)]
        version = timed(root, DEFAULT_CONFIG, "--version")
    fastest = min(t.wall_s for t in idle)
    print(
        f"snakemake -n, default config, nothing to do: median {median(idle)}, fastest {fastest:.2f} s "
        f"of {repeats}; target <= 3 s"
    )
    print(f"snakemake -n, default config, every job planned: median {median(planning)}")
    print(f"snakemake --version alone (interpreter, Snakemake and its plugins' imports): {version}")


def bench_training() -> None:
    """The 6 training jobs of the tiny config (one thread each) with 1 and 2 cores; the site and CityLearn
    schema they read are made once beforehand."""
    with tempfile.TemporaryDirectory(prefix="solarev-bench-") as tmp:
        base = Path(tmp) / "base"
        snakemake(base, TEST_CONFIG, "--cores", "2", "resources/citylearn/schema.json")
        targets = [f"results/agents/{algo}/seed{seed}/model.zip" for algo in ALGORITHMS for seed in (0, 1)]
        timings = {}
        for cores in (1, 2):
            workdir = Path(tmp) / f"cores{cores}"
            shutil.copytree(base, workdir, symlinks=True)
            timings[cores] = timed(workdir, TEST_CONFIG, "--cores", str(cores), *targets)
            print(f"train 3 algos x 2 seeds, tiny config, --cores {cores}: {timings[cores]}")
    print(f"speedup of --cores 2 over --cores 1: {timings[1].wall_s / timings[2].wall_s:.2f}x (ideal 2x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="dry runs timed per case")
    parser.add_argument("--skip-training", action="store_true", help="only the dry-run timings")
    arguments = parser.parse_args()
    bench_dry_run(arguments.repeats)
    if not arguments.skip_training:
        bench_training()


if __name__ == "__main__":
    main()
