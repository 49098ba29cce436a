"""Build and solve time of the site's LP per test week (and, with --year, over the whole year): the linopy
model (solarev.control.lp) against the hand-assembled scipy matrices it replaces, with both objectives.
Each figure is the best of --repeats runs, formulations interleaved, so that other load on the machine
hits both alike.

    .venv/bin/python benchmarks/bench_lp.py                     # the default site, generated afresh
    .venv/bin/python benchmarks/bench_lp.py --resources resources --config config/config.yaml --year

Without --resources it runs the workflow's site stage for --config into a temporary folder (bench_env).
"""

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench_env import REPO, prepare

from solarev.control.optimum import Dispatch, solve_optimum, solve_optimum_matrices
from solarev.env.episodes import Window, week_windows
from solarev.site.model import Site

FORMULATIONS: dict[str, Callable[[Site, Window, float, float], Dispatch]] = {
    "linopy": solve_optimum,
    "scipy matrices": solve_optimum_matrices,
}


def best_runs(site: Site, window: Window, weight: float, repeats: int) -> dict[str, Dispatch]:
    """Per formulation, the run of `window` with the least build + solve time out of `repeats`."""
    best: dict[str, Dispatch] = {}
    for _ in range(repeats):
        for name, solve in FORMULATIONS.items():
            run = solve(site, window, weight, 3600)
            if name not in best or run.build_seconds + run.solve_seconds < total_seconds(best[name]):
                best[name] = run
    return best


def total_seconds(dispatch: Dispatch) -> float:
    return dispatch.build_seconds + dispatch.solve_seconds


def report(label: str, runs: dict[str, Dispatch]) -> None:
    reference = runs["scipy matrices"].objective
    print(f"{label}:")
    for name, run in runs.items():
        gap = (run.objective - reference) / reference
        print(
            f"  {name:15s} build {run.build_seconds:6.3f} s, solve {run.solve_seconds:6.3f} s, "
            f"objective {run.objective:,.4f} (vs matrices {gap:+.1e})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--resources", help="the site stage's outputs (default: generated)")
    parser.add_argument("--config", default=REPO / "config" / "config.yaml")
    parser.add_argument("--repeats", type=int, default=3, help="runs per formulation and window (best kept)")
    parser.add_argument("--year", action="store_true", help="also the whole year, once per formulation")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        site, config = prepare(args, Path(folder))
    print(f"site: {site.n_steps} steps of {site.step_hours} h, {site.n_sockets} sockets, ", end="")
    print(f"{len(site.sessions)} sessions")
    weight = config["env"]["unmet_energy_weight_kg_per_kwh"]
    for window in week_windows(config["episodes"]["test_weeks"], site.steps_per_day, site.n_steps):
        report(f"test week {window.label}", best_runs(site, window, weight, args.repeats))
    if args.year:
        report("whole year", best_runs(site, Window(0, site.n_steps, -1), weight, 1))


if __name__ == "__main__":
    main()
