"""README.md's result blocks, generated from the published studies (docs/results/<study>/, `make publish`):
per study its headline figure, a table of every controller's share of the optimum's saving and what it costs,
and the compute that made it. The README holds each block between markers; `python -m solarev.report.readme`
rewrites them, `--check` fails where they differ from what the published files give (tests/test_readme.py).
"""

import argparse
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from solarev.evaluate.stats import iqm
from solarev.report.collect import peak_columns, read_kpis_table
from solarev.report.figures import controller_label, format_number, share_text, summary_period
from solarev.report.publish import read_provenance
from solarev.report.tables import BOUNDS, episode_name, score_matrix

REPO = Path(__file__).resolve().parents[3]
README = REPO / "README.md"
PUBLISHED = REPO / "docs" / "results"
BLOCK = re.compile(r"(<!-- results:([\w-]+) start -->\n)(.*?)(<!-- results:\2 end -->)", re.DOTALL)


class ReadmeError(ValueError):
    """README.md's blocks and docs/results/ do not match up (a study without a block)."""


def start_marker(study: str) -> str:
    return f"<!-- results:{study} start -->"


def published_studies(published: Path) -> list[str]:
    """The studies in `published`: the folders that hold a provenance file."""
    return sorted(folder.parent.name for folder in published.glob("*/provenance.yaml"))


def window_peak(kpis: pd.DataFrame, controller: str, column: str) -> float:
    """IQM over runs × held-out episodes of one demand window's peak, as the summary gives the other KPIs."""
    return iqm(score_matrix(kpis, controller, column))


def peak_header(column: str) -> str:
    """'window_peak_peak_kw' -> 'Peak-window maximum (kW)'; another window by its name."""
    name = column.removeprefix("window_peak_").removesuffix("_kw")
    return "Peak-window maximum (kW)" if name == "peak" else f"{name} window maximum (kW)"


def table_rows(summary: pd.DataFrame, kpis: pd.DataFrame) -> list[list[str]]:
    """One row per controller of the summary, in its order."""
    point = summary.set_index(["kpi", "controller"])["point"]
    peaks = peak_columns(kpis)
    rows = []
    for controller in dict.fromkeys(summary["controller"]):
        tier = summary.loc[summary["controller"] == controller, "tier"].iloc[0]
        rows.append(
            [
                controller_label(controller),
                tier + (" (bound)" if controller in BOUNDS else ""),
                share_text(summary, controller, digits=1),
                format_number(point["ev_unmet_kwh"][controller], 1),
                format_number(point["total_cost_usd"][controller], 0),
                *(format_number(window_peak(kpis, controller, column), 0) for column in peaks),
            ]
        )
    return rows


def episode_share_rows(summary: pd.DataFrame, kpis: pd.DataFrame) -> list[list[str]]:
    """Per controller of the summary, its share of the optimum's saving in each held-out episode (the
    agents' IQM over their seeds): one bad episode hides in an IQM over episodes, not here."""
    rows = []
    for controller in dict.fromkeys(summary["controller"]):
        scores = score_matrix(kpis, controller, "optimum_share")
        rows.append([controller_label(controller), *(f"{100 * iqm(column):.1f} %" for column in scores.T)])
    return rows


def markdown_table(header: list[str], rows: list[list[str]], text_columns: int = 2) -> str:
    """A Markdown table, its columns after the first `text_columns` aligned right."""
    numeric = [index >= text_columns for index in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in rows)])


def compute_text(record: Mapping[str, Any]) -> str:
    """'53 jobs took 2.5 CPU-hours and 3.1 hours of job time (training, CPU-minutes: SAC 80.2, ...) on <CPU>
    (16 cores).'"""
    compute, machine = record["compute"], record["machine"]
    training = ", ".join(
        f"{controller_label(algo)} {minutes:,.1f}"
        for algo, minutes in compute["training_cpu_minutes"].items()
    )
    hours = {key: compute[key] / 3600 for key in ("cpu_s", "wall_s")}
    return (
        f"{compute['jobs']} jobs took {hours['cpu_s']:,.1f} CPU-hours and {hours['wall_s']:,.1f} hours of "
        f"job time (training, CPU-minutes: {training or 'none'}) on {machine['cpu_model']} "
        f"({machine['cores']} cores)."
    )


def study_block(folder: Path, readme_dir: Path) -> str:
    """The Markdown of one published study: figure, table, what the numbers are and where they came from."""
    record = read_provenance(folder)
    summary = pd.read_csv(folder / "summary.csv")
    kpis = read_kpis_table(folder / "kpis.csv")
    period = summary_period(summary)
    header = [
        "Controller",
        "Knows",
        f"Share of the optimum's saving ({record['objective']}) [CI]",
        f"EV energy unmet a {period} (kWh)",
        f"Total cost a {period} (USD)",
        *map(peak_header, peak_columns(kpis)),
    ]
    episodes, seeds = int(summary["episodes"].max()), int(summary["runs"].max())
    episode_labels = sorted(kpis["episode"].unique())
    relative = Path(os.path.relpath(folder, readme_dir)).as_posix()
    return "\n".join(
        [
            f"![Share of the optimum's saving per controller, {record['site']}]({relative}/headline.png)",
            "",
            markdown_table(header, table_rows(summary, kpis)),
            "",
            f"{record['site']}: interquartile means over {episodes} held-out {period}s (the agents' over "
            f"{seeds} seeds × {period}s, with their confidence interval in brackets); 0 % is the "
            "uncontrolled site, 100 % "
            f"the LP optimum. {compute_text(record)} Files and provenance: [{relative}/]({relative}/).",
            "",
            f"Share of the optimum's saving in each held-out {period} (the agents' IQM over their seeds):",
            "",
            markdown_table(
                ["Controller", *(episode_name(int(e), period) for e in episode_labels)],
                episode_share_rows(summary, kpis),
                text_columns=1,
            ),
            "",
        ]
    )


def placeholder(study: str) -> str:
    return (
        f"*No published results for the study `{study}` yet: `make publish` with its config writes them.*\n"
    )


def render(readme: str, published: Path, readme_dir: Path) -> str:
    """`readme` with every results block regenerated from `published`. ReadmeError when a published study has
    no block (its markers are for the README's author to place)."""
    blocks = {match.group(2) for match in BLOCK.finditer(readme)}
    missing = [study for study in published_studies(published) if study not in blocks]
    if missing:
        raise ReadmeError(
            "README.md has no block for published "
            + ", ".join(f"{study} (add {start_marker(study)} and its end marker)" for study in missing)
        )

    def block(match: re.Match[str]) -> str:
        study = match.group(2)
        folder = published / study
        body = (
            study_block(folder, readme_dir) if (folder / "provenance.yaml").is_file() else placeholder(study)
        )
        return match.group(1) + body + match.group(4)

    return BLOCK.sub(block, readme)


def main(arguments: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m solarev.report.readme", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if README.md's blocks are not current")
    parser.add_argument("--readme", type=Path, default=README)
    parser.add_argument("--published", type=Path, default=PUBLISHED)
    options = parser.parse_args(arguments)
    current = options.readme.read_text()
    try:
        rendered = render(current, options.published, options.readme.parent)
    except ReadmeError as error:
        sys.exit(f"solarev: {error}")
    if options.check:
        if rendered != current:
            sys.exit(
                f"solarev: {options.readme}'s results differ from {options.published}: run {parser.prog}"
            )
    elif rendered != current:
        options.readme.write_text(rendered)


if __name__ == "__main__":
    main(sys.argv[1:])
