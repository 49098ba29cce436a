"""rule_tuned: the peak-shaving / time-of-use rule a site engineer would deploy instead of RL, its thresholds
chosen by a grid search on the training weeks only.

Peak steps are those where import is dear: inside a demand-charge window that the objective charges for, or
where the objective's import weight (price, plus the carbon price; the intensity for co2) is above its
minimum over the site's tariff, which the site knows in advance. With a flat co2 intensity there are none,
and the candidate (any threshold, grid_charge_soc 0, offpeak_discharge) is rule_based. With a weight
varying every step (a price or carbon file) nearly every step is a peak step, and the rule becomes a
site-wide import threshold.

Per step, from the site's state now (PV, load, SOC, the plugged-in EVs' needs and departures as declared at
arrival) and the tariff, with T = `import_threshold_kw` × step hours:
- EVs, peak step: least laxity first under the threshold. Laxity is the steps left until the EV is due
  minus the steps it still needs at full power. An EV with laxity 0 (or less) charges at full power whatever
  the import: it can wait no longer, so no EV ever lacks energy when due. The others, in increasing laxity,
  share what is left up to T of the import without the battery (load - PV + the urgent EVs): the battery
  never discharges to charge an EV during a peak step, its energy is worth more displacing the load.
- EVs, off-peak step: full power (as rule_based): import is at its cheapest and uncharged, and waiting only
  risks a forced charge in a later peak step.
- Battery, peak step: charges from any PV surplus left after the EVs, else discharges what the import
  exceeds T by: never more than needed, so that its energy lasts through the window (rule_based's greedy
  discharge empties it early and leaves the window's peak). With T = 0 the battery discharges greedily, as
  rule_based's, while the EVs still wait for their laxity to run out (and no grid charging is allowed).
- Battery, off-peak step: charges from the PV surplus (always), and from the grid up to `grid_charge_soc`
  without raising the import above T (energy bought cheap for the next peak: 0 charges from surplus only).
  With `offpeak_discharge` it covers the import (as rule_based) with the energy above `grid_charge_soc`,
  which makes room for the next day's free surplus but spends energy at the off-peak weight; without, it
  keeps it for the next peak step. It never discharges below `grid_charge_soc` off-peak: that would spend
  energy just bought from the grid at the same weight, losing the battery's round trip.

The search (tune_rule) scores every candidate of a grid by the mean of the settled objective (the KPI
`objective`: solarev.env.objective's ledger, crediting the energy left stored) plus the unmet-energy penalty
over the env's windows, simulated by whatever the env is (the numpy twin in the workflow). It scores with the
env stage's ledger, not solarev.evaluate, so that control stays below evaluate in the stage order.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from itertools import product
from typing import Any

import numpy as np
import pandas as pd

from solarev.control.baselines import uncontrolled
from solarev.env.gym_env import Policy, SiteEnv
from solarev.env.objective import Objective, ledger
from solarev.site.model import CHARGER_EFFICIENCY, Site

# The candidate grid. Thresholds are fractions of the training windows' largest uncontrolled import in a peak
# step (0: discharge greedily as rule_based); SOC targets for grid charging off-peak (0: surplus only).
THRESHOLD_FRACTIONS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9)
GRID_CHARGE_SOCS = (0.0, 0.5, 0.9)
OFFPEAK_DISCHARGE = (True, False)
# Windows scored per candidate at most: evenly spaced over the training windows (the default config's 286
# overlapping week-long windows are shifted copies of the same 46 weeks). 24 windows × the grid's 66
# candidates took 57 s on the default site (one core, 2026-11-30); the tiny test site's 6 windows, 1.5 s.
MAX_WINDOWS = 24
# A need of n steps at full power, computed from float32 energies, is n steps, not n + 1.
STEP_ROUNDING = 1e-6


@dataclass(frozen=True)
class RuleThresholds:
    import_threshold_kw: float  # the import the battery and deferred EVs hold the site under in peak steps
    grid_charge_soc: float  # off-peak, the battery charges from the grid up to this SOC (0: surplus only)
    offpeak_discharge: bool  # off-peak, the battery covers the import with the energy above grid_charge_soc

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "RuleThresholds":
        """From to_dict's keys (e.g. read back from rule_tuned.json); ValueError naming a missing key."""
        missing = [field.name for field in fields(cls) if field.name not in values]
        if missing:
            raise ValueError(f"rule_tuned thresholds: missing keys {missing}")
        return cls(
            import_threshold_kw=float(values["import_threshold_kw"]),
            grid_charge_soc=float(values["grid_charge_soc"]),
            offpeak_discharge=bool(values["offpeak_discharge"]),
        )


def peak_steps(site: Site, objective: Objective) -> np.ndarray:
    """Per site step: in a demand-charge window the objective charges for, or the import weight above its
    minimum over the site (both from the tariff, known in advance)."""
    weight = objective.import_weight(site.grid)
    return (weight > weight.min()) | objective.charged_window_steps(site.grid)


def building_import_kwh(env: SiteEnv) -> float:
    """Load - PV this step, kWh (negative: surplus)."""
    return float(-env.site_surplus_kwh[env.window.start + env.step_index])


def laxity_steps(env: SiteEnv) -> np.ndarray:
    """Per socket, steps to due minus the steps its remaining need takes at full power."""
    needed = np.ceil(np.maximum(env.remaining, 0.0) / env.site.socket_step_kwh - STEP_ROUNDING)
    return env.steps_to_due_now - needed


def least_laxity_first(env: SiteEnv, threshold_kwh: float) -> np.ndarray:
    """EV energy this peak step: urgent EVs (laxity <= 0) at full power, the others in increasing laxity
    while load - PV + EVs stays under `threshold_kwh`."""
    asap = env.asap_ev_kwh()
    laxity = laxity_steps(env)
    urgent = (asap > 0) & (laxity <= 0)
    energy = np.where(urgent, asap, 0.0)
    headroom = threshold_kwh - building_import_kwh(env) - energy.sum() / CHARGER_EFFICIENCY
    flexible = np.flatnonzero((asap > 0) & ~urgent)
    order = flexible[np.argsort(laxity[flexible], kind="stable")]
    grid_need = asap[order] / CHARGER_EFFICIENCY
    before = np.cumsum(grid_need) - grid_need  # what the EVs ahead in the order take
    energy[order] = np.clip(headroom - before, 0.0, grid_need) * CHARGER_EFFICIENCY
    return energy


def peak_battery_kwh(net_kwh: float, threshold_kwh: float) -> float:
    """Charge the surplus, or discharge the import above the threshold (grid side, + charging)."""
    return -net_kwh if net_kwh < 0 else -max(net_kwh - threshold_kwh, 0.0)


def offpeak_battery_kwh(
    env: SiteEnv, net_kwh: float, thresholds: RuleThresholds, threshold_kwh: float
) -> float:
    """Charge the surplus and from the grid up to the SOC target under the threshold; else (optionally)
    cover the import with the energy above the target (grid side, + charging)."""
    bess = env.site.bess
    efficiency = bess.one_way_efficiency
    stored_to_target = (thresholds.grid_charge_soc - env.bess_soc()) * bess.capacity_kwh
    surplus = max(-net_kwh, 0.0)
    if stored_to_target > 0:
        from_grid = min(max(stored_to_target / efficiency - surplus, 0.0), threshold_kwh - max(net_kwh, 0.0))
        return surplus + max(from_grid, 0.0)
    if surplus > 0:
        return surplus
    if thresholds.offpeak_discharge:
        return -min(net_kwh, -stored_to_target * efficiency)
    return 0.0


def rule_tuned(env: SiteEnv, thresholds: RuleThresholds) -> Policy:
    """The rule of this module's docstring on `env`, reading the env's state at each step."""
    peak = peak_steps(env.site, env.objective)
    threshold_kwh = thresholds.import_threshold_kw * env.site.step_hours

    def policy(observation: np.ndarray) -> np.ndarray:
        if peak[env.window.start + env.step_index]:
            ev_kwh = least_laxity_first(env, threshold_kwh)
            net_kwh = building_import_kwh(env) + ev_kwh.sum() / CHARGER_EFFICIENCY
            return env.action_from_energy(peak_battery_kwh(net_kwh, threshold_kwh), ev_kwh)
        net_kwh = -env.surplus_kwh()
        return env.action_from_energy(
            offpeak_battery_kwh(env, net_kwh, thresholds, threshold_kwh), env.asap_ev_kwh()
        )

    return policy


def run_window(env: SiteEnv, policy: Policy, window: int) -> tuple[np.ndarray, float]:
    """Simulate one window: (the site's net exchange per step, kWh EVs lacked when due)."""
    observation, _ = env.reset(options={"window": window})
    unmet, terminated = 0.0, False
    while not terminated:
        observation, _, terminated, _, info = env.step(policy(observation))
        unmet += info["ev_unmet_kwh"]
    return env.episode_record().net_kwh, unmet


def window_score(env: SiteEnv, policy: Policy, window: int) -> float:
    """The window's settled objective (the KPI `objective`) plus the unmet-energy penalty."""
    net_kwh, unmet = run_window(env, policy, window)
    site, span = env.site, env.windows[window]
    stored_change = env.bess_soc() * site.bess.capacity_kwh - site.bess.initial_energy_kwh
    settled = ledger(
        net_kwh,
        site.grid.over(slice(span.start, span.end)),
        site.step_hours,
        span.billed_months(site.step_hours),
        env.objective,
        stored_change,
        site.bess.one_way_efficiency,
    )
    return settled.objective + env.unmet_weight * unmet


def scored_windows(n_windows: int, max_windows: int) -> list[int]:
    """Every window, or `max_windows` of them evenly spaced from the first to the last."""
    if n_windows <= max_windows:
        return list(range(n_windows))
    return sorted(set(np.linspace(0, n_windows - 1, max_windows).round().astype(int).tolist()))


def reference_peak_kw(env: SiteEnv, windows: Sequence[int]) -> float:
    """The largest import (kW) of an uncontrolled peak step over `windows`: the thresholds' scale."""
    peak = peak_steps(env.site, env.objective)
    policy = uncontrolled(env)
    largest = 0.0
    for window in windows:
        net_kwh, _ = run_window(env, policy, window)
        span = env.windows[window]
        largest = max(largest, float(net_kwh[peak[span.start : span.end]].max(initial=0.0)))
    return largest / env.site.step_hours


def candidates(
    peak_kw: float, fractions: Iterable[float], socs: Iterable[float], discharges: Iterable[bool]
) -> pd.DataFrame:
    """The grid: one row per (threshold fraction, grid-charge SOC, off-peak discharge)."""
    rows = [
        {
            "threshold_fraction": fraction,
            "import_threshold_kw": fraction * peak_kw,
            "grid_charge_soc": soc,
            "offpeak_discharge": discharge,
        }
        for fraction, soc, discharge in product(fractions, socs, discharges)
    ]
    return pd.DataFrame(rows)


def tune_rule(
    env: SiteEnv,
    fractions: Iterable[float] = THRESHOLD_FRACTIONS,
    socs: Iterable[float] = GRID_CHARGE_SOCS,
    discharges: Iterable[bool] = OFFPEAK_DISCHARGE,
    max_windows: int = MAX_WINDOWS,
) -> tuple[RuleThresholds, pd.DataFrame]:
    """(the best thresholds, every candidate with its mean score over the scored windows, best first).

    `env` holds the training windows only (make_fast_env(..., "training")): nothing else is simulated. The
    first of equal scores wins, in the grid's order (lower threshold, lower SOC target, discharging first).
    """
    windows = scored_windows(len(env.windows), max_windows)
    grid = candidates(reference_peak_kw(env, windows), fractions, socs, discharges)
    scores = []
    for row in grid.itertuples():
        policy = rule_tuned(env, RuleThresholds.from_dict(row._asdict()))
        scores.append(float(np.mean([window_score(env, policy, window) for window in windows])))
    grid = grid.assign(score=scores, windows=len(windows))
    best = grid.loc[grid["score"].idxmin()]
    chosen = RuleThresholds.from_dict(best.to_dict())
    return chosen, grid.sort_values("score", kind="stable").reset_index(drop=True)
