"""Build and solve time of the site's LP (solarev.control.lp, linopy with HiGHS) per test week and, with
--year, over the whole year, with its objective. Each figure is the best of --repeats runs.

    .venv/bin/python benchmarks/bench_lp.py                     # the default site, generated afresh
    .venv/bin/python benchmarks/bench_lp.py --resources resources --config config/config.yaml --year

Without --resources it runs the workflow's site stage for --config into a temporary folder (bench_env).
The hand-assembled scipy matrices that the linopy model replaced were measured beside it by this script
at commit 26c46e9 (default site): equal objectives (within 3e-16 relative); per test week they built in
0.002 s and solved in 0.08-0.10 s against linopy's 0.16-0.22 s and 0.10-0.14 s, and over the whole year
0.1 + 11.7 s against 0.7 + 9.1 s: no margin worth a second formulation.
"""

import tempfile
from pathlib import Path

from bench_env import prepare, site_parser

from solarev.control.optimum import Dispatch, solve_optimum
from solarev.env.episodes import Window, week_windows
from solarev.env.objective import Objective
from solarev.site.model import Site


def total_seconds(dispatch: Dispatch) -> float:
    return dispatch.build_seconds + dispatch.solve_seconds


def best_run(site: Site, window: Window, objective: Objective, weight: float, repeats: int) -> Dispatch:
    """The run of `window` with the least build + solve time out of `repeats`."""
    return min(
        (solve_optimum(site, window, objective, weight, 3600) for _ in range(repeats)), key=total_seconds
    )


def report(label: str, run: Dispatch) -> None:
    print(
        f"{label}: build {run.build_seconds:6.3f} s, solve {run.solve_seconds:6.3f} s, "
        f"objective {run.objective:,.4f}, {run.co2_kg:,.1f} kg CO2"
    )


def main() -> None:
    parser = site_parser(__doc__)
    parser.add_argument("--repeats", type=int, default=3, help="runs per window (best kept)")
    parser.add_argument("--year", action="store_true", help="also the whole year, once")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        site, config = prepare(args, Path(folder))
    print(f"site: {site.n_steps} steps of {site.step_hours} h, {site.n_sockets} sockets, ", end="")
    print(f"{len(site.sessions)} sessions")
    weight = config["env"]["unmet_energy_weight"]
    objective = Objective.from_config(config["env"])
    for window in week_windows(config["episodes"]["test_weeks"], site.steps_per_day, site.n_steps):
        report(f"test week {window.label}", best_run(site, window, objective, weight, args.repeats))
    if args.year:
        report("whole year", best_run(site, Window(0, site.n_steps, -1), objective, weight, 1))


if __name__ == "__main__":
    main()
