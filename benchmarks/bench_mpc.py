"""The MPC's speed and quality on the numpy twin (the simulator does not change the solves), per week of a
split: the hourly re-plan the MPC used to run (every 2 steps, each LP built with linopy) beside the
every-step re-plan (each LP assembled as arrays, control/lp.py lp_arrays): solves and seconds per week and
their ratio (target: <= 1, the every-step week no dearer than the hourly one); then each controller's share
of the optimum's saving (objective plus unmet EV energy at its penalty, as the report's optimum_share):
rule_level on the same forecasts, mpc hourly, mpc every step (control.mpc.hedge, or each --hedge), and
mpc_perfect (every step, perfect forecasts: a bound). Forecast nMAE of PV and load over the horizon too.

    .venv/bin/python benchmarks/bench_mpc.py --resources /work/iq/resources   # the test weeks
    # tuning the hedge on the validation weeks only (never the test weeks), no hourly baseline:
    .venv/bin/python benchmarks/bench_mpc.py --resources resources --split validation --no-hourly \\
        --hedge 1,1,1 --hedge 0.7,1,1.1

Without --resources it runs the workflow's site stage for --config into a temporary folder (bench_env).
"""

import dataclasses
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from bench_env import prepare, site_parser

from solarev.control.baselines import uncontrolled
from solarev.control.mpc import Hedge, MpcSettings, mpc
from solarev.control.optimum import optimum
from solarev.control.rule_level import rule_level
from solarev.env.citylearn_env import SolarEvEnv
from solarev.env.construct import split_windows
from solarev.env.fast import make_fast_env
from solarev.env.forecasts import Forecaster, forecast_errors
from solarev.env.gym_env import Policy
from solarev.evaluate.kpis import add_optimum_share
from solarev.evaluate.runs import evaluate_policy


def hedge_option(text: str) -> Hedge:
    """`pv,load,ev_arrivals` factors."""
    pv, load, ev = (float(value) for value in text.split(","))
    return Hedge(pv, load, ev)


def timed(
    make_env: Callable[[], SolarEvEnv], policy_on: Callable[[SolarEvEnv], Policy]
) -> tuple[pd.DataFrame, float]:
    """KPIs per week of the controller, and its seconds per week."""
    env = make_env()
    policy = policy_on(env)
    started = time.perf_counter()
    kpis = evaluate_policy(env, policy).kpis
    return kpis, (time.perf_counter() - started) / len(kpis)


def main() -> None:
    parser = site_parser(__doc__)
    parser.add_argument("--split", default="test", choices=["test", "validation"], help="the weeks scored")
    parser.add_argument(
        "--hedge",
        type=hedge_option,
        action="append",
        help="pv,load,ev_arrivals (repeatable; default: config)",
    )
    parser.add_argument("--no-hourly", action="store_true", help="skip the hourly linopy re-plan (slow)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        site, config = prepare(args, Path(folder))
    episodes, env_config = config["episodes"], config["env"]
    settings = MpcSettings.from_config(config["control"]["mpc"], env_config["forecasts"], site.step_hours)
    perfect = MpcSettings.from_config(
        config["control"]["mpc"], env_config["forecasts"], site.step_hours, perfect=True
    )
    training = split_windows(site, episodes, "training")

    def make_env() -> SolarEvEnv:
        return make_fast_env(site, episodes, env_config, args.split)

    forecaster = Forecaster(site, settings.forecasts, training)
    errors = forecast_errors(forecaster, make_env().windows, settings.horizon_steps)
    print(
        f"{args.split} weeks, forecasts {dict(settings.forecasts)}, horizon {settings.horizon_steps} steps: ",
        end="",
    )
    print(f"nMAE PV {errors['pv']:.3f}, load {errors['load']:.3f}")

    def mpc_on(run: MpcSettings, solves: list[int]) -> Callable[[SolarEvEnv], Policy]:
        def policy_on(env: SolarEvEnv) -> Policy:
            policy, log = mpc(env, run, Forecaster(site, run.forecasts, training))

            def counted(observation: np.ndarray) -> np.ndarray:
                action = policy(observation)
                solves.append(len(log.seconds))
                log.seconds.clear()
                return action

            return counted

        return policy_on

    kpis, seconds, solves = {}, {}, {}
    runs: dict[str, MpcSettings] = {}
    if not args.no_hourly:
        runs["mpc hourly (linopy)"] = dataclasses.replace(settings, resolve_every=2, direct=False)
    for hedge in args.hedge or [settings.hedge]:
        name = f"mpc every step (hedge pv {hedge.pv:g}, load {hedge.load:g}, ev {hedge.ev:g})"
        runs[name] = dataclasses.replace(settings, resolve_every=1, hedge=hedge)
    runs["mpc_perfect every step"] = dataclasses.replace(perfect, resolve_every=1)
    for name, policy_on in (("uncontrolled", uncontrolled), ("rule_level", rule_level)):
        kpis[name], seconds[name] = timed(make_env, policy_on)
    kpis["optimum"], seconds["optimum"] = timed(make_env, lambda env: optimum(env, 600)[0])
    for name, run in runs.items():
        counts: list[int] = []
        kpis[name], seconds[name] = timed(make_env, mpc_on(run, counts))
        solves[name] = sum(counts) / len(kpis[name])
    scored = add_optimum_share(kpis, env_config["unmet_energy_weight"])

    print("\nseconds per week (solves per week):")
    for name in runs:
        print(f"  {name:<60} {seconds[name]:7.1f} s ({solves[name]:.0f} solves)")
    hourly = "mpc hourly (linopy)"
    if hourly in runs:
        for name in runs:
            if name != hourly:
                print(f"  ratio {name} / hourly: {seconds[name] / seconds[hourly]:.2f}")
    weeks = list(scored["optimum"].index)
    print("\nshare of the optimum's saving per week (unmet EV kWh per week):")
    print(f"  {'':<60} " + " ".join(f"{'week ' + str(week):>16}" for week in weeks) + f" {'mean':>7}")
    for name in ("rule_level", *runs):
        frame = scored[name]
        cells = " ".join(
            f"{100 * frame['optimum_share'][week]:8.1f}% ({frame['ev_unmet_kwh'][week]:4.0f})"
            for week in weeks
        )
        print(f"  {name:<60} {cells} {100 * frame['optimum_share'].mean():6.1f}%")


if __name__ == "__main__":
    main()
