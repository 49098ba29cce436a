"""The one definition of what is minimised (config `env.objective`: co2 | cost), read by the reward
(solarev.env.gym_env, the same for CityLearn and the twin), the LP (solarev.control.lp) and the KPIs
(solarev.evaluate.kpis).

Per step t of an episode, with net_t the site's grid exchange (kWh, + import), import_t = max(net_t, 0) and
export_t = min(max(-net_t, 0), export limit × h) (export beyond the limit is curtailed and earns nothing):
  energy term   w_t import_t - v export_t, with
                co2:  w_t = carbon intensity (kg/kWh), v = 0 (export displaces nothing the site pays for)
                cost: w_t = import price + carbon price × carbon intensity / 1000 (USD/kWh), v = export price
  demand term   (cost only) per demand charge c: rate_c × episode days / (365 / 12) × max over the
                steps of window c of import_t / h (kW): a monthly charge pro-rated to the episode's length
  objective     sum of both, minus the stored-energy credit (the ledger); with_unmet_penalty adds the
                unmet-EV-energy penalty, which the LP minimises with it, the reward sums to, model
                selection and the share of the optimum's saving score
The ledger: every episode starts at the battery's initial energy. Energy left above it at the end is worth
what it will displace: one-way efficiency × the episode's mean w per stored kWh; energy taken below it is
debited at that value. So spending the battery at the end of an episode is not scored as a saving.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from solarev.config import check_choice
from solarev.site.grid import DAYS_PER_MONTH, DemandCharge, GridSignals

OBJECTIVES = ("co2", "cost")
# The config's `env` keys Objective.from_config reads: every job that scores or rewards gets them.
OBJECTIVE_KEYS = ("objective", "carbon_price_usd_per_t")


@dataclass(frozen=True)
class Objective:
    name: str  # one of OBJECTIVES
    carbon_price_usd_per_t: float

    @classmethod
    def from_config(cls, env_config: Mapping[str, Any]) -> "Objective":
        """From the config's `env` keys objective and carbon_price_usd_per_t."""
        check_choice(env_config["objective"], OBJECTIVES, "env.objective")
        return cls(env_config["objective"], float(env_config["carbon_price_usd_per_t"]))

    @property
    def unit(self) -> str:
        return "kg CO2" if self.name == "co2" else "USD"

    def import_weight(self, grid: GridSignals) -> np.ndarray:
        """w_t: the objective's unit per kWh imported, per step."""
        if self.name == "co2":
            return grid.carbon_kg_per_kwh
        return grid.import_usd_per_kwh + self.carbon_price_usd_per_t / 1000 * grid.carbon_kg_per_kwh

    def export_weight(self, grid: GridSignals) -> float:
        """v: the objective's unit earned per kWh exported."""
        return 0.0 if self.name == "co2" else grid.export_usd_per_kwh

    def demand_rate(self, charge: DemandCharge, n_steps: int, step_hours: float) -> float:
        """The objective's unit per kW of the charge's window peak over an episode of `n_steps`."""
        return 0.0 if self.name == "co2" else pro_rated(charge.usd_per_kw_month, n_steps, step_hours)

    def charged_window_steps(self, grid: GridSignals, step_hours: float) -> np.ndarray:
        """Per step: inside a demand-charge window that the objective charges for (none under co2)."""
        in_windows = [c.in_window for c in grid.demand_charges if self.demand_rate(c, 1, step_hours) > 0]
        return np.any(in_windows, axis=0) if in_windows else np.zeros(len(grid.import_usd_per_kwh), bool)

    def stored_energy_value(self, grid: GridSignals, one_way_efficiency: float) -> float:
        """The objective's unit per kWh stored at an episode's end above its start (the ledger)."""
        return one_way_efficiency * float(np.mean(self.import_weight(grid)))


def with_unmet_penalty(objective: Any, unmet_kwh: Any, unmet_weight: float) -> Any:
    """The objective plus unmet EV energy at its penalty (config env.unmet_energy_weight_kg_per_kwh, in the
    objective's unit per kWh): an EV left uncharged costs what it costs in the LP and the reward."""
    return objective + unmet_weight * unmet_kwh


def pro_rated(usd_per_kw_month: float, n_steps: int, step_hours: float) -> float:
    """A monthly charge's share for an episode of `n_steps`: × episode days / (365 / 12)."""
    return usd_per_kw_month * n_steps * step_hours / 24 / DAYS_PER_MONTH


def exchange(net_kwh: np.ndarray | float, grid: GridSignals, step_hours: float) -> tuple[Any, Any]:
    """(import, paid export) kWh of a net exchange: export above the limit is curtailed."""
    return np.maximum(net_kwh, 0.0), np.minimum(np.maximum(-net_kwh, 0.0), grid.export_limit_kw * step_hours)


def energy_term(
    net_kwh: np.ndarray | float,
    weight: np.ndarray | float,
    objective: Objective,
    grid: GridSignals,
    step_hours: float,
) -> Any:
    """w import - v export per step, for the import weight(s) `weight` of those steps."""
    grid_import, grid_export = exchange(net_kwh, grid, step_hours)
    return weight * grid_import - objective.export_weight(grid) * grid_export


def peak_increase_kw(import_kwh: float, step_hours: float, in_window: bool, running_peak_kw: float) -> float:
    """How much this step raises a demand charge's running peak (0 outside its window)."""
    return max(import_kwh / step_hours - running_peak_kw, 0.0) if in_window else 0.0


def window_peaks_kw(import_kwh: np.ndarray, grid: GridSignals, step_hours: float) -> dict[str, float]:
    """Each demand charge's peak import (kW) over the steps of its window (0 when none is in the episode)."""
    return {
        charge.name: float(import_kwh[charge.in_window].max(initial=0.0)) / step_hours
        for charge in grid.demand_charges
    }


@dataclass(frozen=True)
class Ledger:
    """An episode's bill and emissions, and its objective settled for the stored energy it leaves."""

    energy_cost_usd: float
    demand_charge_usd: float
    export_revenue_usd: float
    co2_kg: float
    peaks_kw: dict[str, float]
    stored_energy_change_kwh: float
    objective: float  # settled, in the objective's unit, without the unmet penalty
    co2_settled_kg: float  # CO2 settled likewise at the carbon intensity

    @property
    def total_cost_usd(self) -> float:
        return self.energy_cost_usd + self.demand_charge_usd - self.export_revenue_usd


def ledger(
    net_kwh: np.ndarray,
    grid: GridSignals,
    step_hours: float,
    objective: Objective,
    stored_energy_change_kwh: float,
    one_way_efficiency: float,
) -> Ledger:
    """Score one episode's net exchange (`grid` over the episode's steps)."""
    grid_import, grid_export = exchange(net_kwh, grid, step_hours)
    peaks = window_peaks_kw(grid_import, grid, step_hours)
    n_steps = len(net_kwh)
    demand = sum(
        pro_rated(c.usd_per_kw_month, n_steps, step_hours) * peaks[c.name] for c in grid.demand_charges
    )
    energy_cost = float(grid.import_usd_per_kwh @ grid_import)
    export_revenue = float(grid.export_usd_per_kwh * grid_export.sum())
    co2 = float(grid.carbon_kg_per_kwh @ grid_import)
    raw = float(energy_term(net_kwh, objective.import_weight(grid), objective, grid, step_hours).sum()) + sum(
        objective.demand_rate(c, n_steps, step_hours) * peaks[c.name] for c in grid.demand_charges
    )
    co2_value = Objective("co2", 0.0).stored_energy_value(grid, one_way_efficiency)
    return Ledger(
        energy_cost_usd=energy_cost,
        demand_charge_usd=float(demand),
        export_revenue_usd=export_revenue,
        co2_kg=co2,
        peaks_kw=peaks,
        stored_energy_change_kwh=stored_energy_change_kwh,
        objective=raw - objective.stored_energy_value(grid, one_way_efficiency) * stored_energy_change_kwh,
        co2_settled_kg=co2 - co2_value * stored_energy_change_kwh,
    )
