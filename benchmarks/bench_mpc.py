"""The MPC's speed and its forecasts' errors on the test weeks, on the numpy twin (the simulator does not
change the solves): seconds per solve (median, p95) and per test week with control.mpc's horizon, the
settled objective per week beside the optimum's, and the nMAE of the PV and load forecasts. Target: one MPC
week in <= 60 s on the 2-core development machine with the default horizon.

    .venv/bin/python benchmarks/bench_mpc.py                     # the default site, generated afresh
    .venv/bin/python benchmarks/bench_mpc.py --resources resources --config config/config.yaml --perfect

Without --resources it runs the workflow's site stage for --config into a temporary folder (bench_env).
"""

import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr
from bench_env import prepare, site_parser

from solarev.control.mpc import MpcSettings, mpc
from solarev.control.optimum import optimum
from solarev.env.episodes import week_windows
from solarev.env.fast import make_fast_env
from solarev.env.forecasts import Forecaster, forecast_errors
from solarev.evaluate.kpis import kpis_by_episode
from solarev.evaluate.runs import run_episode


def settled_objective(timeseries: xr.Dataset) -> float:
    return float(kpis_by_episode(timeseries)["objective"].iloc[0])


def main() -> None:
    parser = site_parser(__doc__)
    parser.add_argument("--perfect", action="store_true", help="perfect forecasts (mpc_perfect)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        site, config = prepare(args, Path(folder))
    episodes = config["episodes"]
    settings = MpcSettings.from_config(
        config["control"]["mpc"], config["env"]["forecasts"], site.step_hours, perfect=args.perfect
    )
    training = week_windows(episodes["training_weeks"], site.steps_per_day, site.n_steps)
    forecaster = Forecaster(site, settings.forecasts, training)
    env = make_fast_env(site, episodes, config["env"], "test")
    errors = forecast_errors(forecaster, env.windows, settings.horizon_steps)
    print(f"forecasts {dict(settings.forecasts)}, horizon {settings.horizon_steps} steps, ", end="")
    print(f"re-planned every {settings.resolve_every}: nMAE PV {errors['pv']:.3f}, load {errors['load']:.3f}")
    policy, solves = mpc(env, settings, forecaster)
    reference = make_fast_env(site, episodes, config["env"], "test")
    best, _ = optimum(reference, 600)
    for index, window in enumerate(env.windows):
        started = time.perf_counter()
        planned = settled_objective(run_episode(env, policy, index))
        seconds = time.perf_counter() - started
        solve = np.array(solves.seconds)
        solves.seconds.clear()
        print(
            f"week {window.label}: {seconds:.1f} s, {len(solve)} solves, median {np.median(solve):.3f} s, "
            f"p95 {np.percentile(solve, 95):.3f} s; settled objective {planned:,.1f} vs the optimum's "
            f"{settled_objective(run_episode(reference, best, index)):,.1f}"
        )


if __name__ == "__main__":
    main()
