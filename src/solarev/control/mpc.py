"""Model-predictive control: the optimum's LP (solarev.control.lp, the same model) over the next
`horizon_steps` steps on forecasts (solarev.env.forecasts), from the state the env is in; the plan's
first `resolve_every` steps are applied (the config's default: 1, a re-plan every step), then the LP is
solved again. Between solves EVs follow the plan; EVs that arrive in between charge at full power until the
next solve (the plan has their expected energy, not their sockets).

What carries over from the episode so far: the battery's energy, each plugged-in EV's remaining need and
departure, and each demand charge's running peak (a lower bound of the window's peak, so that only raising
it costs). The demand charges are pro-rated to the episode, not the horizon. Energy stored at the horizon's
end is worth the ledger's price (solarev.env.objective's stored_energy_value over the episode's grid as
forecast at its start), the price at which the KPIs settle what an episode leaves: requiring the episode's
initial energy at the end of every 24 h horizon made the plan owe it inside the next evening's window,
invent a peak there and treat tonight's import up to it as free. A horizon that reaches the episode's end
holds the optimum's ledger instead (as far as charging can reach it): with perfect forecasts and a horizon
covering the episode the MPC solves the optimum's LP from every state it reaches. A session due after the
horizon owes within it only what full-power charging could not deliver after it.

The hedge (config control.mpc.hedge, Hedge) plans for a worse evening than forecast: forecast PV times its
`pv` factor at every forecast step (the PV that is to fill the battery before the window as much as any in
it), forecast load inside the demand-charge windows times `load`, the expected arrivals plugged in there
owing more energy. A peak underestimated tonight is paid for the whole episode, one overestimated costs
only some energy bought early, so the margins are one-sided; they are tuned on validation weeks
(benchmarks/bench_mpc.py). A signal forecast `perfect` (all of them for mpc_perfect) is not hedged.

Each re-plan's LP is assembled as arrays for HiGHS (lp.lp_arrays, the same LP as linopy's build_model,
tested equal): building it with linopy cost some 0.3 s a solve, a hundred times HiGHS's own time.
"""

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from solarev.control.lp import WindowData
from solarev.control.optimum import Dispatch, solve_window
from solarev.env.episodes import Window
from solarev.env.forecasts import PERFECT, Forecaster
from solarev.env.gym_env import Policy, SiteEnv
from solarev.env.sessions import EpisodeSessions, concatenated


@dataclass(frozen=True)
class Hedge:
    """Margins on the forecasts (config control.mpc.hedge): forecast PV is multiplied by `pv`, forecast load
    inside the demand-charge windows by `load`, and expected EV arrivals plugged in during a window owe `ev`
    times their mean energy (within what their chargers deliver). 1 everywhere: the forecasts as made."""

    pv: float = 1.0
    load: float = 1.0
    ev: float = 1.0


@dataclass(frozen=True)
class MpcSettings:
    horizon_steps: int
    resolve_every: int
    forecasts: Mapping[str, str]
    time_limit_s: float
    hedge: Hedge = Hedge()
    direct: bool = True  # build each LP as arrays (lp.lp_arrays); False: with linopy, some 100x slower

    @classmethod
    def from_config(
        cls, mpc: Mapping[str, Any], forecasts: Mapping[str, str], step_hours: float, perfect: bool = False
    ) -> "MpcSettings":
        """From the config's control.mpc and env.forecasts; `perfect`: every forecast perfect (the
        mpc_perfect controller). A margin applies only to a signal that is forecast: the records need none."""
        methods = PERFECT if perfect else forecasts
        factors = mpc["hedge"]

        def margin(signal: str, key: str) -> float:
            return 1.0 if methods[signal] == "perfect" else factors[key]

        return cls(
            horizon_steps=max(1, round(mpc["horizon_hours"] / step_hours)),
            # A plan covers at least resolve_every steps (the config's check keeps it within the horizon).
            resolve_every=mpc["resolve_every_steps"],
            forecasts=methods,
            time_limit_s=mpc["time_limit_s"],
            hedge=Hedge(margin("pv", "pv"), margin("load", "load"), margin("ev_arrivals", "ev_arrivals")),
        )


@dataclass
class SolveLog:
    """Seconds per LP (build + solve) of every re-plan, for the log and benchmarks."""

    seconds: list[float] = field(default_factory=list)


def joined(parts: list[tuple[EpisodeSessions, np.ndarray]], steps: int) -> tuple[EpisodeSessions, np.ndarray]:
    """Sessions of the same horizon as one list, with their kWh per step."""
    sessions = [part for part, _ in parts]
    return concatenated(sessions, [0] * len(sessions), steps), np.concatenate([kwh for _, kwh in parts])


def within_horizon(sessions: EpisodeSessions, step_kwh: np.ndarray, steps: int) -> EpisodeSessions:
    """Sessions cut at the horizon's last step, owing what full power could not deliver after it."""
    after = np.maximum(sessions.last - (steps - 1), 0)
    return EpisodeSessions(
        session_id=sessions.session_id,
        socket=sessions.socket,
        first=sessions.first,
        last=np.minimum(sessions.last, steps - 1),
        need_kwh=np.maximum(sessions.need_kwh - after * step_kwh, 0.0),
        n_steps=steps,
    )


def plugged_in(env: SiteEnv, steps: int) -> tuple[EpisodeSessions, np.ndarray]:
    """The EVs plugged in now: their remaining need, due when declared."""
    now, sessions = env.step_index, env.sessions
    here = np.flatnonzero((sessions.first <= now) & (sessions.last >= now))
    socket = sessions.socket[here]
    return (
        EpisodeSessions(
            session_id=sessions.session_id[here],
            socket=socket,
            first=np.zeros(len(here), dtype=int),
            last=sessions.last[here] - now,
            need_kwh=np.maximum(env.remaining[socket], 0.0),
            n_steps=steps,
        ),
        env.site.socket_step_kwh[socket],
    )


def arriving(env: SiteEnv, forecaster: Forecaster, steps: int) -> tuple[EpisodeSessions, np.ndarray]:
    """The EVs arriving after now within the horizon: the episode's own (perfect) or the expected ones."""
    now, sessions = env.step_index, env.sessions
    if forecaster.methods["ev_arrivals"] == "expected":
        return forecaster.expected_arrivals(env.window.start + now, steps)
    later = np.flatnonzero((sessions.first > now) & (sessions.first < now + steps))
    socket = sessions.socket[later]
    return (
        EpisodeSessions(
            session_id=sessions.session_id[later],
            socket=socket,
            first=sessions.first[later] - now,
            last=sessions.last[later] - now,
            need_kwh=sessions.need_kwh[later],
            n_steps=steps,
        ),
        env.site.socket_step_kwh[socket],
    )


def hedged(data: WindowData, hedge: Hedge, charged: np.ndarray) -> WindowData:
    """`data` with the hedge's margins on the forecast steps (all but the first, which is observed): PV at
    each, load inside the `charged` windows, and the expected arrivals (no socket) plugged in during one."""
    window = charged.copy()
    window[0] = False
    sessions = data.sessions
    steps_in_window = np.concatenate([[0], np.cumsum(window)])
    plugged = steps_in_window[sessions.last + 1] - steps_in_window[sessions.first]
    scaled = (sessions.socket < 0) & (plugged > 0)
    deliverable = data.session_step_kwh * (sessions.last - sessions.first + 1)
    need = np.where(scaled, np.minimum(sessions.need_kwh * hedge.ev, deliverable), sessions.need_kwh)
    return replace(
        data,
        load_kwh=np.where(window, data.load_kwh * hedge.load, data.load_kwh),
        pv_kwh=np.r_[data.pv_kwh[:1], data.pv_kwh[1:] * hedge.pv],
        sessions=replace(sessions, need_kwh=need),
    )


def horizon_data(env: SiteEnv, forecaster: Forecaster, settings: MpcSettings) -> tuple[WindowData, Window]:
    """The LP's data from now to the horizon (or the episode's end), hedged, and that span of the site.
    Stored energy at the horizon's end is worth the ledger's price (the episode's mean import weight as
    forecast at its start, × one-way efficiency); a horizon reaching the episode's end holds the ledger."""
    site, window = env.site, env.window
    now = window.start + env.step_index
    steps = min(settings.horizon_steps, window.end - now)
    sessions, step_kwh = joined([plugged_in(env, steps), arriving(env, forecaster, steps)], steps)
    bess = site.bess
    energy = float(np.clip(env.bess_soc() * bess.capacity_kwh, bess.min_energy_kwh, bess.capacity_kwh))
    grid = forecaster.grid(now, steps)
    episode_grid = forecaster.grid(window.start, window.n_steps)
    data = WindowData(
        step_hours=site.step_hours,
        load_kwh=forecaster.load_kwh(now, steps),
        pv_kwh=forecaster.pv_kwh(now, steps),
        grid=grid,
        bess=bess,
        initial_energy_kwh=energy,
        sessions=within_horizon(sessions, step_kwh, steps),
        session_step_kwh=step_kwh,
        n_sockets=site.n_sockets,
        billed_months=window.billed_months(site.step_hours),
        peak_floor_kw=env.peak_kw.copy(),
        ledger_energy_kwh=bess.initial_energy_kwh,
        terminal_value=None
        if now + steps == window.end
        else env.objective.stored_energy_value(episode_grid, bess.one_way_efficiency),
    )
    charged = env.objective.charged_window_steps(grid)
    return hedged(data, settings.hedge, charged), window._replace(start=now, end=now + steps)


def mpc(env: SiteEnv, settings: MpcSettings, forecaster: Forecaster) -> tuple[Policy, SolveLog]:
    """The MPC as a policy on `env`, and the log of its solve times (filled as it runs)."""
    log = SolveLog()
    plan: dict[str, Any] = {}
    expected_arrivals = forecaster.methods["ev_arrivals"] == "expected"

    def policy(observation: np.ndarray) -> np.ndarray:
        step = env.step_index
        if step == 0 or step - plan["step"] >= settings.resolve_every:
            started = time.perf_counter()
            data, span = horizon_data(env, forecaster, settings)
            plan["dispatch"] = solve_window(
                data, span, env.objective, env.unmet_weight, settings.time_limit_s, settings.direct
            )
            plan["step"] = step
            log.seconds.append(time.perf_counter() - started)
        dispatch: Dispatch = plan["dispatch"]
        offset = step - plan["step"]
        ev_kwh = dispatch.ev_kwh[offset]
        if (
            expected_arrivals
        ):  # EVs that arrived since the plan have no socket in it: full power until the next
            arrived = env.needs_start[plan["step"] + 1 : step + 1].any(axis=0)
            ev_kwh = np.where(arrived, env.asap_ev_kwh(), ev_kwh)
        return env.action_from_energy(dispatch.bess_kwh[offset], ev_kwh)

    return policy, log
