"""The study's paths: each run's folder (the comparison's inputs) and the comparison's page names (its PNGs);
light enough for the rules to import at DAG time."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

FIGURES = (  # the pages of every comparison.pdf after the title page, in order; also the PNG names
    "summary",
    "headline",  # the summary's first row as a figure: README.md shows it (docs/results/<study>/)
    "objective_per_episode",
    "learning_curves",
    "dispatch_representative",
    "dispatch_worst",
    "site",
    "cost",
)
# The pages the HTML report shows as the comparison's own PNGs: the site page is the site stage's figure,
# which the report shows as it is (results/figures/site.png).
REPORT_PNGS = tuple(name for name in FIGURES if name != "site")
# Under bess.sizing optimal, the page after the site page: the sizing stage's own figure
# (results/figures/bess_sizing.png), which the HTML report also shows as it is.
SIZING_PAGE = "bess_sizing"
# Then the annual bill's page: rule annual_bill's figure, which the HTML report also shows as it is.
ANNUAL_BILL_PAGE = "annual_bill"
ANNUAL_BILL_FIGURE = "annual_bill.png"


@dataclass(frozen=True)
class Run:
    controller: str
    seed: int | None  # None for the deterministic reference controllers
    folder: Path  # holds kpis.json and timeseries.nc (and an agent's learning_curve.csv, config.yaml)

    @property
    def name(self) -> str:
        return self.controller if self.seed is None else f"{self.controller}/seed{self.seed}"


def study_runs(controllers: Iterable[str], agents: Iterable[tuple[str, int]]) -> list[Run]:
    """The runs of a study, in their output folders (docs/design.md "Output contract")."""
    return [Run(controller, None, Path("results/control") / controller) for controller in controllers] + [
        Run(algo, int(seed), Path("results/agents") / algo / f"seed{seed}") for algo, seed in agents
    ]


def run_files(runs: Sequence[Run], name: str, agents_only: bool = False) -> list[str]:
    """The file `name` in the folder of every run (or of every agent run), in the runs' order."""
    return [str(run.folder / name) for run in runs if not (agents_only and run.seed is None)]
