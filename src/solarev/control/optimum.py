"""Perfect-foresight optimum of an episode: the site's LP (solarev.control.lp) over each window with the
site's own records, solved with HiGHS, and the policy that replays its plan in the env."""

import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from solarev.control.lp import THROUGHPUT_PRICE, OptimumError, WindowData, build_model, solve, window_data
from solarev.env.episodes import Window
from solarev.env.gym_env import Policy, SolarEvEnv
from solarev.env.sessions import episode_sessions, session_steps
from solarev.site.model import CHARGER_EFFICIENCY, Site


@dataclass(frozen=True)
class Dispatch:
    """The LP's plan for one window."""

    window: Window
    bess_kwh: np.ndarray  # site side, + charging
    bess_energy_kwh: np.ndarray  # stored, after each step
    import_kwh: np.ndarray
    ev_kwh: np.ndarray  # steps × sockets, into the EV batteries
    unmet_kwh: np.ndarray  # per session of the window
    co2_kg: float
    objective: float
    build_seconds: float
    solve_seconds: float


def planned_ev_kwh(data: WindowData, ev: np.ndarray) -> np.ndarray:
    """Steps × sockets energy into the EVs from the per-plug solution."""
    session, step = data.plugs
    ev_kwh = np.zeros((data.n_steps, len(data.socket_step_kwh)))
    np.add.at(ev_kwh, (step, data.sessions.socket[session]), ev)
    return ev_kwh


def solve_optimum(
    site: Site, window: Window, unmet_weight_kg_per_kwh: float, time_limit_s: float
) -> Dispatch:
    """Build and solve the window's LP from the site's records."""
    started = time.perf_counter()
    data = window_data(site, window)
    model = build_model(data, unmet_weight_kg_per_kwh)
    built = time.perf_counter()
    solve(model, time_limit_s, f"window {window.label} (steps {window.start}-{window.end})")
    solved = time.perf_counter()
    solution = model.solution
    charge, discharge = solution["charge"].to_numpy(), solution["discharge"].to_numpy()
    grid_import = solution["import"].to_numpy()
    return Dispatch(
        window=window,
        bess_kwh=charge - discharge,
        bess_energy_kwh=solution["energy"].to_numpy(),
        import_kwh=grid_import,
        ev_kwh=planned_ev_kwh(data, solution["ev"].to_numpy()),
        unmet_kwh=solution["unmet"].to_numpy(),
        co2_kg=float(data.carbon_kg_per_kwh @ grid_import),
        objective=float(model.objective.value),
        build_seconds=built - started,
        solve_seconds=solved - built,
    )


def solve_optimum_matrices(
    site: Site, window: Window, unmet_weight_kg_per_kwh: float, time_limit_s: float
) -> Dispatch:
    """Solve the window's LP. Every need is deliverable: load_site rejects sessions their charger cannot
    serve (naming them), and an episode only owes what full-power charging delivers in it."""
    begun = time.perf_counter()
    sessions = episode_sessions(site, window.start, window.end)
    step_kwh = site.socket_step_kwh[sessions.socket]
    bess = site.bess
    n, n_sessions = window.n_steps, len(sessions)
    session, step = session_steps(sessions.first, sessions.last)
    n_pairs = len(session)
    # Variable blocks: c, d, e, i (n each), x (one per plugged-in session step), u (one per session).
    c, d, e, i = (np.arange(n) + k * n for k in range(4))
    x = 4 * n + np.arange(n_pairs)
    u = 4 * n + n_pairs + np.arange(n_sessions)
    n_variables = 4 * n + n_pairs + n_sessions
    eta = bess.one_way_efficiency
    steps = np.arange(n)

    soc_rows = np.concatenate([steps, steps[1:], steps, steps])
    soc_cols = np.concatenate([e, e[:-1], c, d])
    soc_vals = np.concatenate([np.ones(n), -np.ones(n - 1), np.full(n, -eta), np.full(n, 1 / eta)])
    need_rows = n + np.concatenate([session, np.arange(n_sessions)])
    need_cols = np.concatenate([x, u])
    a_eq = sparse.csc_array(
        (
            np.concatenate([soc_vals, np.ones(n_pairs + n_sessions)]),
            (np.concatenate([soc_rows, need_rows]), np.concatenate([soc_cols, need_cols])),
        ),
        shape=(n + n_sessions, n_variables),
    )
    b_eq = np.concatenate([np.zeros(n), sessions.need_kwh])
    b_eq[0] = bess.initial_energy_kwh

    a_ub = sparse.csc_array(
        (
            np.concatenate([-np.ones(n), np.ones(n), -np.ones(n), np.full(n_pairs, 1 / CHARGER_EFFICIENCY)]),
            (np.concatenate([steps, steps, steps, step]), np.concatenate([i, c, d, x])),
        ),
        shape=(n, n_variables),
    )
    load = site.load_kwh[window.start : window.end]
    pv = site.pv_kwh[window.start : window.end]
    b_ub = pv - load

    intensity = site.carbon_intensity_kg_per_kwh
    cost = np.zeros(n_variables)
    cost[i] = intensity
    cost[u] = unmet_weight_kg_per_kwh
    cost[np.concatenate([c, d])] = THROUGHPUT_PRICE * intensity
    lower, upper = np.zeros(n_variables), np.full(n_variables, np.inf)
    upper[np.concatenate([c, d])] = bess.power_kw * site.step_hours
    lower[e], upper[e] = bess.min_energy_kwh, bess.capacity_kwh
    upper[x] = step_kwh[session]

    started = time.perf_counter()
    result = linprog(
        cost,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=np.column_stack([lower, upper]),
        method="highs",
        options={"time_limit": time_limit_s},
    )
    solve_seconds = time.perf_counter() - started
    if result.status != 0:
        raise OptimumError(
            f"window {window.label} (steps {window.start}-{window.end}): HiGHS: {result.message}"
        )
    solution = result.x
    ev_kwh = np.zeros((n, site.n_sockets))
    np.add.at(ev_kwh, (step, sessions.socket[session]), solution[x])
    return Dispatch(
        window=window,
        bess_kwh=solution[c] - solution[d],
        bess_energy_kwh=solution[e],
        import_kwh=solution[i],
        ev_kwh=ev_kwh,
        unmet_kwh=solution[u],
        co2_kg=float(intensity * solution[i].sum()),
        objective=float(result.fun),
        build_seconds=started - begun,
        solve_seconds=solve_seconds,
    )


def optimum(env: SolarEvEnv, time_limit_s: float) -> tuple[Policy, list[Dispatch]]:
    """Solve every window of `env`; the policy replays the plan of the window the env is in."""
    dispatches = [solve_optimum(env.site, window, env.unmet_weight, time_limit_s) for window in env.windows]

    def policy(observation: np.ndarray) -> np.ndarray:
        plan, step = dispatches[env.window_index], env.step_index
        return env.action_from_energy(plan.bess_kwh[step], plan.ev_kwh[step])

    return policy, dispatches
