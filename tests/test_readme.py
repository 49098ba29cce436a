"""README.md's result blocks are what solarev.report.readme generates from docs/results/, and a number edited
by hand in a block fails the check."""

import tomllib
from pathlib import Path

import pandas as pd
import pytest
import yaml

from solarev.report import readme

REPO = Path(__file__).resolve().parents[1]


def test_the_readme_blocks_are_generated_from_docs_results():
    current = readme.README.read_text()
    assert readme.render(current, readme.PUBLISHED, readme.README.parent) == current, (
        "README.md's results differ from docs/results/: run python -m solarev.report.readme"
    )


def test_the_readme_holds_the_default_sites_block():
    assert readme.start_marker("iquitos") in readme.README.read_text()


def summary_rows(
    controller: str, tier: str, values: dict[str, tuple[float, float, float]], runs: int
) -> list:
    return [
        {
            "controller": controller,
            "tier": tier,
            "kpi": kpi,
            "point": point,
            "low": low,
            "high": high,
            "runs": runs,
            "episodes": 2,
            "period": "week",
        }
        for kpi, (point, low, high) in values.items()
    ]


def kpi_rows(
    controller: str,
    seeds: list[int | None],
    unmet: float,
    cost: float,
    peaks: list[float],
    shares: list[float],
) -> list:
    """Per seed and episode (weeks 8 and 9); a seed adds a point per unit to the episode's share."""
    return [
        {
            "controller": controller,
            "seed": seed,
            "episode": episode,
            "ev_unmet_kwh": unmet,
            "total_cost_usd": cost,
            "window_peak_peak_kw": peak,
            "optimum_share": share + 0.01 * (seed or 0),
        }
        for seed in seeds
        for episode, peak, share in zip((8, 9), peaks, shares, strict=True)
    ]


@pytest.fixture
def published(tmp_path: Path) -> Path:
    """A tiny published study, as `make publish` lays it out."""
    folder = tmp_path / "docs" / "results" / "tiny"
    folder.mkdir(parents=True)
    pd.DataFrame(
        summary_rows(
            "uncontrolled",
            "realistic forecasts",
            {"optimum_share": (0, 0, 0), "ev_unmet_kwh": (0, 0, 0), "total_cost_usd": (1500, 1500, 1500)},
            1,
        )
        + summary_rows(
            "optimum",
            "whole episode",
            {"optimum_share": (1, 1, 1), "ev_unmet_kwh": (0, 0, 0), "total_cost_usd": (1000, 1000, 1000)},
            1,
        )
        + summary_rows(
            "sac",
            "realistic forecasts",
            {
                "optimum_share": (0.933, 0.9, 0.95),
                "ev_unmet_kwh": (2.5, 1, 3),
                "total_cost_usd": (1034, 1020, 1050),
            },
            3,
        )
    ).to_csv(folder / "summary.csv", index=False)
    pd.DataFrame(
        kpi_rows("uncontrolled", [None], 0, 1500, [120, 130], [0, 0])
        + kpi_rows("optimum", [None], 0, 1000, [80, 80], [1, 1])
        + kpi_rows("sac", [0, 1, 2], 2.5, 1034, [90, 92], [0.9, 0.95])
    ).to_csv(folder / "kpis.csv", index=False)
    (folder / "headline.png").write_bytes(b"")
    provenance = {
        "study": "tiny",
        "site": "Tiny site",
        "objective": "cost",
        "machine": {"cpu_model": "Some CPU", "cores": 16, "usable_cores": 16},
        "compute": {"jobs": 30, "wall_s": 7200.0, "cpu_s": 36000.0, "training_cpu_minutes": {"sac": 420.0}},
    }
    (folder / "provenance.yaml").write_text(yaml.safe_dump(provenance))
    return folder.parent


TEMPLATE = "# Title\n\n<!-- results:tiny start -->\n<!-- results:tiny end -->\n\nThe rest.\n"


def test_a_published_study_renders_as_its_table(published: Path):
    text = readme.render(TEMPLATE, published, published.parents[1])
    assert text.startswith("# Title\n\n<!-- results:tiny start -->\n![") and text.endswith(
        "end -->\n\nThe rest.\n"
    )
    assert "(docs/results/tiny/headline.png)" in text
    assert "| SAC | realistic forecasts | 93.3 % [90.0, 95.0] | 2.5 | 1,034 | 91 |" in text
    assert "| LP optimum | whole episode (bound) | 100.0 % | 0.0 | 1,000 | 80 |" in text
    assert "Peak-window maximum (kW)" in text
    # Per held-out episode: the agents' IQM over seeds (0.90, 0.91, 0.92 and 0.95, 0.96, 0.97).
    assert "| Controller | week 8 | week 9 |" in text
    assert "| SAC | 91.0 % | 96.0 % |" in text and "| LP optimum | 100.0 % | 100.0 % |" in text
    assert "10.0 CPU-hours" in text and "SAC 420.0" in text and "Some CPU (16 cores)" in text
    # Rendering what it rendered changes nothing.
    assert readme.render(text, published, published.parents[1]) == text


def test_a_hand_edited_number_fails_the_check(published: Path, tmp_path: Path):
    readme_file = tmp_path / "README.md"
    readme_file.write_text(TEMPLATE)
    options = ["--readme", str(readme_file), "--published", str(published)]
    readme.main(options)
    readme.main([*options, "--check"])  # current: passes
    readme_file.write_text(readme_file.read_text().replace("93.3 %", "95.3 %"))
    with pytest.raises(SystemExit, match="results differ"):
        readme.main([*options, "--check"])


def test_a_published_study_without_a_block_is_named(published: Path):
    with pytest.raises(readme.ReadmeError, match="tiny"):
        readme.render("# Title\n", published, published.parents[1])


def test_a_block_of_an_unpublished_study_says_so(tmp_path: Path):
    text = readme.render(TEMPLATE.replace("tiny", "later"), tmp_path, tmp_path)
    assert "No published results for the study `later` yet" in text


def test_the_citation_gives_pyprojects_version():
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text())
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert citation["version"] == pyproject["project"]["version"] and citation["title"] == "solarev"
