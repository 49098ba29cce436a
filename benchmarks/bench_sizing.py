"""Time of the battery sizing (solarev.control.sizing) on a site: the joint LP of size and dispatch over the
sampled training weeks, then the sweep of capacities one after the other (the workflow runs its points in
parallel, one job each), with the optimal size, its net benefit (under the LP's dispatch and under
rule_based's on the twin), and the net benefit of the rule's size and of the original study's 1,632 kWh.

    .venv/bin/python benchmarks/bench_sizing.py            # the default site, generated afresh
    .venv/bin/python benchmarks/bench_sizing.py --resources resources --config config/config.yaml

Without --resources it runs the workflow's site stage for --config into a temporary folder (bench_env).
"""

import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from bench_env import prepare, site_parser

from solarev.control.sizing import capital_cost, optimal_size, sized_at, sizing_table, sizing_weeks
from solarev.control.sizing_bound import rule_based_saving
from solarev.env.objective import Objective
from solarev.site.bess import sweep_capacities


def main() -> None:
    args = site_parser(__doc__).parse_args()
    with tempfile.TemporaryDirectory() as folder:
        site, config = prepare(args, Path(folder))
    bess, env = config["bess"], config["env"]
    weeks = sizing_weeks(config["episodes"]["training_weeks"], bess["sizing_weeks"])
    cost, objective = capital_cost(bess["capital"]), Objective.from_config(env)
    capacities = sweep_capacities(bess["sweep_kwh"])
    weight, limit = env["unmet_energy_weight"], config["control"]["optimum"]["time_limit_s"]
    print(f"site: {site.n_steps} steps, {site.n_sockets} sockets, {len(site.sessions)} sessions")
    print(
        f"sizing weeks {weeks}; rule's battery {site.bess.capacity_kwh:.0f} kWh / {site.bess.power_kw:.0f} kW"
    )
    started = time.perf_counter()
    best = optimal_size(site, weeks, cost, max(capacities), objective, weight, limit)
    joint_seconds = time.perf_counter() - started
    points = [sized_at(site, weeks, cost, capacity, objective, weight, limit) for capacity in capacities]
    sweep_seconds = time.perf_counter() - started - joint_seconds
    table = sizing_table([asdict(point) for point in points])
    no_battery = table.loc[table["capacity_kwh"] == 0, "annual_operating_usd"].iloc[0]
    print(table.to_string(index=False, float_format=lambda value: f"{value:,.1f}"))
    print(
        f"joint LP: {best.capacity_kwh:,.0f} kWh / {best.power_kw:,.0f} kW, net benefit "
        f"{no_battery - best.annual_total:,.0f} USD/year ({joint_seconds:.1f} s)"
    )
    print(
        f"sweep: {len(capacities)} points in {sweep_seconds:.1f} s "
        f"({sweep_seconds / len(capacities):.1f} s each)"
    )
    print(f"sizing in all: {joint_seconds + sweep_seconds:.1f} s")
    lower = rule_based_saving(site, weeks, best.capacity_kwh, best.power_kw, env)
    print(f"the optimum under rule_based dispatch: net benefit {lower - best.annual_capital:,.0f} USD/year")
    for label, capacity in (("rule's battery", site.bess.capacity_kwh), ("original 1,632 kWh", 1632.0)):
        sized = sized_at(site, weeks, cost, capacity, objective, weight, limit)
        print(
            f"{label} ({capacity:,.0f} kWh, power optimised {sized.power_kw:,.0f} kW): "
            f"net benefit {no_battery - sized.annual_total:,.0f} USD/year"
        )


if __name__ == "__main__":
    main()
