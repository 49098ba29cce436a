"""Perfect-foresight optimum of an episode: the site's LP (solarev.control.lp) over each window with the
site's own records, solved with HiGHS, and the policy that replays its plan in the env."""

import time
from dataclasses import dataclass, replace

import numpy as np

from solarev.control.lp import Solution, WindowData, build_model, lp_arrays, solve, solve_arrays, window_data
from solarev.env.citylearn_env import SolarEvEnv
from solarev.env.episodes import Window
from solarev.env.gym_env import Policy
from solarev.env.objective import Objective
from solarev.site.model import Site


@dataclass(frozen=True)
class Dispatch:
    """The LP's plan for one window."""

    window: Window
    bess_kwh: np.ndarray  # site side, + charging
    bess_energy_kwh: np.ndarray  # stored, after each step
    import_kwh: np.ndarray
    ev_kwh: np.ndarray  # steps × sockets, into the EV batteries
    unmet_kwh: np.ndarray  # per session of the window
    shed_kwh: np.ndarray  # building load the connection could not carry
    co2_kg: float
    objective: float
    build_seconds: float
    solve_seconds: float


def planned_ev_kwh(data: WindowData, ev: np.ndarray) -> np.ndarray:
    """Steps × sockets energy into the EVs from the per-plug solution (an MPC's expected arrivals, with no
    socket, left out)."""
    session, step = data.plugs
    socket = data.sessions.socket[session]
    at_socket = socket >= 0
    ev_kwh = np.zeros((data.n_steps, data.n_sockets))
    np.add.at(ev_kwh, (step[at_socket], socket[at_socket]), ev[at_socket])
    return ev_kwh


def solve_window(
    data: WindowData,
    window: Window,
    objective: Objective,
    unmet_weight: float,
    time_limit_s: float,
    direct: bool = False,
) -> Dispatch:
    """Build and solve the LP of `data` (the steps of `window`) with linopy, or `direct`ly as arrays
    (lp_arrays, the same LP: an MPC's every-step re-plan)."""
    what = f"window {window.label} (steps {window.start}-{window.end})"
    started = time.perf_counter()
    if direct:
        arrays = lp_arrays(data, objective, unmet_weight)
        built = time.perf_counter()
        solution = solve_arrays(arrays, time_limit_s, what)
    else:
        model = build_model(data, objective, unmet_weight)
        built = time.perf_counter()
        solve(model, time_limit_s, what)
        solution = Solution(
            {name: model.solution[name].to_numpy() for name in model.variables}, float(model.objective.value)
        )
    solved = time.perf_counter()
    values = solution.values
    grid_import = values["import"]
    return Dispatch(
        window=window,
        bess_kwh=values["charge"] - values["discharge"],
        bess_energy_kwh=values["energy"],
        import_kwh=grid_import,
        ev_kwh=planned_ev_kwh(data, values["ev"]),
        unmet_kwh=values["unmet"],
        shed_kwh=values["shed"],
        co2_kg=float(data.grid.carbon_kg_per_kwh @ grid_import),
        objective=solution.objective,
        build_seconds=built - started,
        solve_seconds=solved - built,
    )


def solve_optimum(
    site: Site, window: Window, objective: Objective, unmet_weight: float, time_limit_s: float
) -> Dispatch:
    """The window's LP from the site's records."""
    started = time.perf_counter()
    data = window_data(site, window)
    read_seconds = time.perf_counter() - started
    dispatch = solve_window(data, window, objective, unmet_weight, time_limit_s)
    return replace(dispatch, build_seconds=read_seconds + dispatch.build_seconds)


def optimum(env: SolarEvEnv, time_limit_s: float) -> tuple[Policy, list[Dispatch]]:
    """Solve every window of `env`; the policy replays the plan of the window the env is in."""
    dispatches = [
        solve_optimum(env.site, window, env.objective, env.unmet_weight, time_limit_s)
        for window in env.windows
    ]

    def policy(observation: np.ndarray) -> np.ndarray:
        plan, step = dispatches[env.window_index], env.step_index
        return env.action_from_energy(plan.bess_kwh[step], plan.ev_kwh[step])

    return policy, dispatches
