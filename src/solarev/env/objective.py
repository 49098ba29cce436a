"""The one definition of what is minimised (config `env.objective`: co2 | cost), read by the reward
(solarev.env.gym_env, the same for CityLearn and the twin), the LP (solarev.control.lp) and the KPIs
(solarev.evaluate.kpis).

Per step t of an episode, with net_t the site's grid exchange (kWh, + import), import_t = max(net_t, 0) and
export_t = min(max(-net_t, 0), export limit × h) (export beyond the limit is curtailed and earns nothing):
  energy term   w_t import_t - v export_t, with
                co2:  w_t = carbon intensity (kg/kWh), v = 0 (export displaces nothing the site pays for)
                cost: w_t = import price + carbon price × carbon intensity / 1000 (USD/kWh), v = export price
  demand term   (cost only) per demand charge c: rate_c × billed months × max over the steps of window c
                of import_t / h (kW): a calendar month is billed whole (1), any other episode carries
                its days / (365 / 12) of the monthly charge (solarev.env.episodes.Window.billed_months)
  objective     sum of both, minus the stored-energy credit (the ledger); with_penalties adds the
                unmet-EV-energy penalty and the import above the connection's limit at the lost-load
                weight, which the LP minimises with it (as shed load), the reward sums to, model selection
                and the share of the optimum's saving score
EV delivery follows one rule for every controller: energy an EV lacks when due costs the unmet weight per
kWh, which must exceed the most one kWh not delivered can save (`undelivered_kwh_saving`: the dearest import
weight plus, per demand charge, its episode's rate × 1 / h kW of peak that one kWh in one step makes). Then no
controller, agent or LP lowers its score by leaving an EV short; `check_unmet_weight` stops a config whose
weight is lower before any job. For the default tariff scored on weeks: 19 USD/kW-month × 7 / 30.42 = 4.37
USD/kW a week, × 2 kW for a kWh in a 30-minute step = 8.74 USD, + 0.23 USD/kWh peak energy = 8.97 USD;
scored on calendar months, 19 × 2 + 0.23 = 38.23 USD.
The ledger: every episode starts at the battery's initial energy. Energy left above it at the end is worth
what it will displace: one-way efficiency × the episode's mean w per stored kWh; energy taken below it is
debited at that value. So spending the battery at the end of an episode is not scored as a saving.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from solarev.config import ConfigError, check_choice
from solarev.env.episodes import DAYS_PER_WEEK
from solarev.site.grid import DAYS_PER_MONTH, DemandCharge, GridSignals, grid_signals
from solarev.site.model import config_step_hours, site_time

OBJECTIVES = ("co2", "cost")
# The config's `env` keys Objective.from_config reads: every job that scores or rewards gets them.
OBJECTIVE_KEYS = ("objective", "carbon_price_usd_per_t")
UNMET_WEIGHT_KEY = "env.unmet_energy_weight"
# A penalty, not an estimate of what an outage costs the site (published values of lost load for businesses
# lie near 3.6-9 USD/kWh, below the shipped unmet EV weight of 12): it only has to rank lost load last.
LOST_LOAD_FACTOR = 10.0


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

    def monthly_rate(self, charge: DemandCharge) -> float:
        """The objective's unit per kW of the charge's window peak over a month."""
        return 0.0 if self.name == "co2" else charge.usd_per_kw_month

    def charged_window_steps(self, grid: GridSignals) -> np.ndarray:
        """Per step: inside a demand-charge window that the objective charges for (none under co2)."""
        in_windows = [c.in_window for c in grid.demand_charges if self.monthly_rate(c) > 0]
        return np.any(in_windows, axis=0) if in_windows else np.zeros(len(grid.import_usd_per_kwh), bool)

    def stored_energy_value(self, grid: GridSignals, one_way_efficiency: float) -> float:
        """The objective's unit per kWh stored at an episode's end above its start (the ledger)."""
        return one_way_efficiency * float(np.mean(self.import_weight(grid)))


def with_penalties(objective: Any, unmet_kwh: Any, over_limit_kwh: Any, unmet_weight: float) -> Any:
    """The objective plus unmet EV energy at its penalty (config env.unmet_energy_weight, in the
    objective's unit per kWh) and import above the connection's limit at the lost-load weight: what they
    cost in the LP and the reward."""
    return objective + unmet_weight * unmet_kwh + lost_load_weight(unmet_weight) * over_limit_kwh


def lost_load_weight(unmet_weight: float) -> float:
    """The objective's unit per kWh of building load the connection cannot carry (an import above
    grid.import_limit_kw that no action avoids): LOST_LOAD_FACTOR × the unmet EV weight. Being above the unmet
    weight, which is above what any kWh not imported can save, it makes the LP shed EV charging before
    building load and never shed either to lower its bill."""
    return LOST_LOAD_FACTOR * unmet_weight


def undelivered_kwh_saving(
    objective: Objective, grid: GridSignals, billed_months: float, step_hours: float
) -> float:
    """The most one kWh not delivered to an EV can save, in the objective's unit: its dearest import and the
    peak it would add to every demand charge's window in one step, at the charges' rates for an episode that
    carries `billed_months` of a monthly bill."""
    peaks = sum(objective.monthly_rate(charge) * billed_months for charge in grid.demand_charges)
    return float(objective.import_weight(grid).max(initial=0.0)) + peaks / step_hours


def check_unmet_weight(
    unmet_weight: float, objective: Objective, grid: GridSignals, billed_months: float, step_hours: float
) -> None:
    """Stop where leaving an EV short could pay (the module's docstring), naming the key and the floor."""
    floor = undelivered_kwh_saving(objective, grid, billed_months, step_hours)
    if unmet_weight <= floor:
        raise ConfigError(
            f"{UNMET_WEIGHT_KEY}: {unmet_weight:g} is not above {floor:.2f} {objective.unit}, what one kWh "
            "not delivered to an EV can save (its import and the demand-charge peak it adds in one step); "
            "a lower penalty lets controllers leave EVs short to lower their bill"
        )


def most_billed_months(episodes: Mapping[str, Any]) -> float:
    """The largest share of a monthly bill any of the config's episodes carries: 1 with test months, else
    the longer of a week and a training episode."""
    if episodes["test_months"]:
        return 1.0
    return max(DAYS_PER_WEEK, episodes["episode_days"]) / DAYS_PER_MONTH


def check_ev_delivery(config: Mapping[str, Any]) -> None:
    """check_unmet_weight for the config's tariff, site steps and the episode billed the most."""
    time = site_time(config["site"])
    check_unmet_weight(
        config["env"]["unmet_energy_weight"],
        Objective.from_config(config["env"]),
        grid_signals(config["grid"], time),
        most_billed_months(config["episodes"]),
        config_step_hours(config["site"]),
    )


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
    billed_months: float,
    objective: Objective,
    stored_energy_change_kwh: float,
    one_way_efficiency: float,
) -> Ledger:
    """Score one episode's net exchange (`grid` over the episode's steps), which carries `billed_months`
    of a monthly bill (solarev.env.episodes.Window.billed_months)."""
    grid_import, grid_export = exchange(net_kwh, grid, step_hours)
    peaks = window_peaks_kw(grid_import, grid, step_hours)
    demand = sum(c.usd_per_kw_month * billed_months * peaks[c.name] for c in grid.demand_charges)
    energy_cost = float(grid.import_usd_per_kwh @ grid_import)
    export_revenue = float(grid.export_usd_per_kwh * grid_export.sum())
    co2 = float(grid.carbon_kg_per_kwh @ grid_import)
    raw = float(energy_term(net_kwh, objective.import_weight(grid), objective, grid, step_hours).sum()) + sum(
        objective.monthly_rate(c) * billed_months * peaks[c.name] for c in grid.demand_charges
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
