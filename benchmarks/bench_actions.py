"""Cost of the agents' action space per battery action: steps/s of the numpy twin on training weeks, stepped
through the agent's wrapper (solarev.env.socket_grouping.GroupedSockets, sockets grouped per vehicle as
the default preset groups them) with random actions in a DummyVecEnv (bench_env.vec_steps_per_second), for
each of BATTERY_ACTIONS, and the twin alone.
`window_level` adds a water-filling over the window's steps in sight on each step of a charged demand
window, so its cost depends on the objective (none under co2) and on env.forecast_steps.

    .venv/bin/python benchmarks/bench_actions.py --resources resources    # the study's site data
    .venv/bin/python benchmarks/bench_actions.py                          # the default site, generated

Runs alternate between the variants, so that other load on the machine hits all alike; the best of
--repeats is kept. The last column is the extra time per step against the twin alone: what the action
adds to an agent's step (SAC's own cost is 4-5 ms a step, PPO's 0.5 ms, config/agents.yaml).
"""

import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from bench_env import prepare, site_parser, vec_steps_per_second

from solarev.env.fast import FastSolarEvEnv, make_fast_env
from solarev.env.socket_grouping import BATTERY_ACTIONS, AgentActions, GroupedSockets, socket_groups

TWIN_ALONE = "twin alone"


def wrapped(make_twin: Callable[[], FastSolarEvEnv], actions: AgentActions) -> GroupedSockets:
    return GroupedSockets(make_twin(), actions)


def main() -> None:
    parser = site_parser(__doc__)
    parser.add_argument("--steps", type=int, default=3000, help="steps per timed run")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per variant (best kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        site, config = prepare(args, Path(folder))
    groups = socket_groups("vehicle", site.socket_power_kw, site.socket_battery_kwh)
    twin = partial(make_fast_env, site, config["episodes"], config["env"], "training")
    makes = {TWIN_ALONE: twin}
    for battery in BATTERY_ACTIONS:
        makes[battery] = partial(wrapped, twin, AgentActions(groups, battery))
    best = dict.fromkeys(makes, 0.0)
    for _ in range(args.repeats):
        for name, make in makes.items():
            best[name] = max(best[name], vec_steps_per_second(make, 1, args.steps))
    objective = config["env"]["objective"]
    print(f"{site.n_sockets} sockets in {int(groups.max()) + 1} groups, objective {objective}, ", end="")
    print(f"env.forecast_steps {config['env']['forecast_steps']}, {args.steps} training steps a run")
    for name, speed in best.items():
        extra_ms = 1e3 * (1 / speed - 1 / best[TWIN_ALONE])
        print(f"  {name}: {speed:,.0f} steps/s, {extra_ms:+.3f} ms a step against the twin alone")


if __name__ == "__main__":
    main()
