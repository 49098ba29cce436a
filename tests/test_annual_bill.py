"""The annual bill (docs/design.md "The annual bill"): the year's calendar months, each billed as a month;
the table and the battery's net benefit on small frames; one controller on the tiny site's twin against the
bill recomputed from its time series; the rules' outputs in the shared tiny run (no run of its own)."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from conftest import TEST_CONFIG, TinyCityLearn
from pypdf import PdfReader

from solarev.control.baselines import rule_based
from solarev.control.sizing import capital_recovery_factor
from solarev.env.construct import env_options
from solarev.env.fast import FastSolarEvEnv
from solarev.env.objective import OBJECTIVE_KEYS, Objective
from solarev.evaluate.annual_bill import (
    BILL_CONTROLLERS,
    PENALISED,
    SAVING,
    YEAR,
    annual_bill_table,
    annual_rows,
    month_columns,
    month_rows,
    year_windows,
)
from solarev.evaluate.bill_benefit import SIZING_YEAR_DAYS, battery_benefit
from solarev.evaluate.bill_runs import controller_year
from solarev.evaluate.runs import evaluate_policy
from solarev.report import pdf
from solarev.report.bill import annual_bill_figure
from solarev.report.paths import ANNUAL_BILL_FIGURE, ANNUAL_BILL_PAGE, FIGURES
from solarev.site.model import site_time

LIMA = {"year": 2023, "timezone": "America/Lima"}


def test_the_default_year_is_twelve_billed_months_with_december_cut():
    time = site_time({**LIMA, "days": 364, "time_step_minutes": 30})
    windows = year_windows(time)
    assert [window.label for window in windows] == list(range(1, 13))
    assert windows[0].start == 0 and windows[-1].end == len(time)
    assert all(before.end == after.start for before, after in zip(windows, windows[1:], strict=False))
    assert [windows[0].n_steps, windows[1].n_steps, windows[-1].n_steps] == [31 * 48, 28 * 48, 30 * 48]
    assert {window.billed_months(0.5) for window in windows} == {1.0}  # no proration, December's 30 days too
    months = month_columns(windows, time)
    assert months.loc[12, ["month", "first_day", "last_day"]].tolist() == [
        "2023-12",
        "2023-12-01",
        "2023-12-30",
    ]
    assert months["days"].sum() == 364


def test_months_follow_the_local_clock_and_a_long_site_reaches_the_next_year():
    time = site_time({"year": 2023, "timezone": "Europe/Madrid", "days": 366, "time_step_minutes": 60})
    windows = year_windows(time)
    # The spring switch takes an hour from March, the autumn one gives it to October.
    assert [windows[2].n_steps, windows[9].n_steps] == [31 * 24 - 1, 31 * 24 + 1]
    assert windows[-1].label == 13 and month_columns(windows, time).loc[13, "days"] == 1
    short = year_windows(site_time({**LIMA, "days": 21, "time_step_minutes": 60}))
    assert [(window.label, window.n_steps, window.period) for window in short] == [(1, 21 * 24, "month")]


def bills(objective: list[float], demand: list[float], unmet: list[float], peak: list[float]) -> pd.DataFrame:
    """One controller's monthly_bills rows for January and February."""
    return pd.DataFrame(
        {
            "month": ["2023-01", "2023-02"],
            "first_day": ["2023-01-01", "2023-02-01"],
            "last_day": ["2023-01-31", "2023-02-28"],
            "days": [31, 28],
            "objective": objective,
            "energy_cost_usd": np.subtract(objective, demand),
            "demand_charge_usd": demand,
            "export_revenue_usd": 0.0,
            "total_cost_usd": objective,
            "peak_import_kw": peak,
            "ev_unmet_kwh": unmet,
            "import_over_limit_kwh": 0.0,
        }
    )


def small_table() -> pd.DataFrame:
    return annual_bill_table(
        {
            "uncontrolled": bills([100.0, 90.0], [40.0, 35.0], [0.0, 0.0], [10.0, 12.0]),
            "rule_based": bills([80.0, 85.0], [30.0, 34.0], [0.0, 1.0], [8.0, 9.0]),
        },
        unmet_weight=12.0,
    )


def test_the_year_is_the_sum_of_its_months_and_savings_count_unmet_energy():
    table = small_table()
    year, months = annual_rows(table), month_rows(table)
    assert list(table["controller"]) == ["uncontrolled"] * 3 + ["rule_based"] * 3
    summed = months.groupby("controller")[["objective", "demand_charge_usd", "ev_unmet_kwh", "days"]].sum()
    pd.testing.assert_frame_equal(year[summed.columns].loc[summed.index].astype(float), summed.astype(float))
    assert year.loc["rule_based", ["first_day", "last_day"]].tolist() == ["2023-01-01", "2023-02-28"]
    assert year.loc["rule_based", "peak_import_kw"] == 9.0  # the year's largest, not a sum
    # February: 85 + 1 kWh unmet at 12 is 97 against uncontrolled's 90, a loss of 7, not a saving of 5.
    assert months.set_index(["controller", "month"]).loc[("rule_based", "2023-02"), SAVING] == -7.0
    assert year.loc["rule_based", PENALISED] == 177.0 and year.loc["rule_based", SAVING] == 13.0
    with pytest.raises(ValueError, match="uncontrolled"):
        annual_bill_table({"rule_based": bills([1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [1.0, 1.0])}, 12.0)


def test_the_batterys_net_benefit_is_the_saving_less_its_annualised_capital():
    table = small_table()
    capital = {
        "usd_per_kwh": 300.0,
        "usd_per_kw": 100.0,
        "fixed_om_usd_per_kw_year": 5.0,
        "lifetime_years": 10,
        "discount_rate": 0.07,
    }
    optimal = {
        "annual_operating": 500.0,
        "annual_capital": 60.0,
        "rule_based_annual_saving": 30.0,
        "weeks": [5, 10, 20],
    }
    sweep = pd.DataFrame({"capacity_kwh": [0.0, 10.0], "annual_operating_usd": [700.0, 520.0]})
    benefit = battery_benefit(table, capital, {"capacity_kwh": 10.0, "power_kw": 4.0}, optimal, sweep)
    crf = capital_recovery_factor(0.07, 10)
    annual_capital = (300.0 * 10 + 100.0 * 4) * crf + 5.0 * 4
    assert benefit.annual_capital_usd == pytest.approx(annual_capital)
    scale = SIZING_YEAR_DAYS / 59  # the two months' days, scaled to the sizing's 52 weeks
    assert benefit.scale == pytest.approx(scale)
    assert benefit.net_benefit_usd["rule_based"] == pytest.approx(13.0 * scale - annual_capital)
    assert benefit.net_benefit_usd["uncontrolled"] == pytest.approx(-annual_capital)  # an idle battery
    # The sizing figure's bounds: the LP's saving over no battery, and rule_based's, less its capital.
    assert (benefit.lp_upper_usd, benefit.rule_based_lower_usd) == (140.0, -30.0)
    assert benefit.sizing_weeks == 3
    for objective, extra in ((Objective("cost", 0.0), benefit), (Objective("co2", 0.0), None)):
        figure = annual_bill_figure(table, objective, "Test site", extra)
        assert len(figure.axes) == (4 if extra else 3)


def test_annual_bill_page_is_its_figure(tmp_path: Path):
    assert pdf.annual_bill_pages(SimpleNamespace(annual_bill_figure=None)) == {}
    path = tmp_path / ANNUAL_BILL_FIGURE
    annual_bill_figure(small_table(), Objective("cost", 0.0), "Test site").savefig(path, dpi=50)
    assert list(pdf.annual_bill_pages(SimpleNamespace(annual_bill_figure=path))) == [ANNUAL_BILL_PAGE]


def test_a_month_pays_the_whole_demand_charge_on_its_window_maximum(tiny_citylearn: TinyCityLearn):
    """The tiny site's 21 days are one January, billed whole: rate × the window's maximum import, not the
    21 / (365 / 12) of it that a pro-rated episode pays."""
    site = tiny_citylearn.site
    env_config = {key: TEST_CONFIG["env"][key] for key in OBJECTIVE_KEYS}
    [january] = controller_year("rule_based", site, env_config, TEST_CONFIG["control"]).to_dict("records")
    # The same run's import, step by step, billed by hand.
    env = FastSolarEvEnv(site, year_windows(site.time), **env_options(env_config, "test"))
    grid_import = np.maximum(evaluate_policy(env, rule_based(env)).timeseries["net_kwh"].to_numpy(), 0.0)
    charges = site.grid.demand_charges
    assert charges
    by_hand = sum(
        charge.usd_per_kw_month * grid_import[charge.in_window].max() / site.step_hours for charge in charges
    )
    assert january["days"] == 21 and january["month"] == "2023-01"
    assert january["demand_charge_usd"] == pytest.approx(by_hand, rel=1e-6)
    assert by_hand > 0


def test_the_workflow_writes_the_annual_bill_and_its_page(tiny_run: Path):
    table = pd.read_csv(tiny_run / "results" / "annual_bill.csv")
    assert list(dict.fromkeys(table["controller"])) == list(BILL_CONTROLLERS)
    assert table.groupby("controller")["month"].apply(list).to_dict() == {
        name: ["2023-01", YEAR] for name in BILL_CONTROLLERS
    }
    months, year = month_rows(table), annual_rows(table)
    for column in ("objective", "energy_cost_usd", "demand_charge_usd", "ev_unmet_kwh", PENALISED):
        summed = months.groupby("controller")[column].sum()
        assert year.loc[summed.index, column].to_numpy() == pytest.approx(summed.to_numpy()), column
    # The optimum (the LP, month by month) pays no more than any controller in any month, with unmet EV
    # energy at its penalty as the LP weighs it (to the twin's float32 precision).
    penalised = months.pivot(index="month", columns="controller", values=PENALISED)
    optimum = penalised.pop("optimum")
    assert (penalised.ge(optimum - 1e-5 * optimum.abs(), axis=0)).all().all(), penalised
    # Each controller's job, log and benchmark; the figure, also a page of the comparison.
    for job in (*(f"monthly_bills_{name}" for name in BILL_CONTROLLERS), "annual_bill"):
        assert (tiny_run / "logs" / f"{job}.log").is_file() and (
            tiny_run / "benchmarks" / f"{job}.tsv"
        ).is_file()
    assert (tiny_run / "results" / "figures" / ANNUAL_BILL_FIGURE).stat().st_size > 10_000
    assert len(PdfReader(tiny_run / "results" / "comparison.pdf").pages) == 1 + len(FIGURES) + 1
