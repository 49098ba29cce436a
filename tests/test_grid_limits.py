"""The connection's import limit (grid.import_limit_kw): the LP plans within it and, where nothing can keep
the import under it, sheds building load at the lost-load weight instead of failing."""

from dataclasses import replace

import numpy as np
import pytest

from solarev.control.optimum import solve_optimum
from solarev.env.episodes import week_windows
from solarev.env.objective import Objective, lost_load_weight
from solarev.site.model import Site


def with_import_limit(site: Site, limit_kw: float) -> Site:
    return replace(site, grid=replace(site.grid, import_limit_kw=limit_kw))


def net_load_kw(site: Site) -> np.ndarray:
    return (site.load_kwh - site.pv_kwh) / site.step_hours


@pytest.fixture(scope="module")
def week(tiny_citylearn):
    site = tiny_citylearn.site
    return week_windows([0], site.steps_per_day, site.n_steps)[0]


def test_a_limit_nothing_can_meet_sheds_load_instead_of_failing(tiny_citylearn, week):
    steps = slice(week.start, week.end)
    highest_kw = float(net_load_kw(tiny_citylearn.site)[steps].max())
    site = replace(tiny_citylearn.site, bess=replace(tiny_citylearn.site.bess, power_kw=0.25 * highest_kw))
    # Below the week's highest load minus PV by more than the battery can discharge: at that step no
    # dispatch keeps the import within the limit.
    limit_kw = highest_kw - site.bess.power_kw - 0.1 * highest_kw
    weight = tiny_citylearn.config["env"]["unmet_energy_weight"]
    dispatch = solve_optimum(
        with_import_limit(site, limit_kw), week, Objective("cost", 0.0), weight, time_limit_s=60
    )
    assert (dispatch.import_kwh <= limit_kw * site.step_hours + 1e-6).all()
    assert dispatch.shed_kwh.sum() >= 0.1 * highest_kw * site.step_hours - 1e-6
    assert (dispatch.shed_kwh <= site.load_kwh[steps] + 1e-6).all()
    # No more load is shed than the limit forces: where the limit leaves room, nothing is shed.
    unavoidable = net_load_kw(site)[steps] - site.bess.power_kw > limit_kw
    roomy = net_load_kw(site)[steps] < limit_kw - site.bess.power_kw
    assert unavoidable.any() and roomy.any()
    assert dispatch.shed_kwh[roomy].max() <= 1e-6


def test_lost_load_is_dearer_than_an_undelivered_ev_kwh():
    assert lost_load_weight(12.0) > 12.0
