"""Cohort plots: what they draw (structure), and how they look against small reference PNGs.

Regenerate the references after an intended change with
``RECIST_UPDATE_PLOT_REFERENCES=1 python -m pytest tests/cohort/test_cohort_plots.py`` and
look at every one before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.testing.compare import compare_images

from recist_reader.cohort import cohort_curves, patient_endpoints
from recist_reader.cohort.plots import (
    BOR_COLOURS,
    cohort_figures,
    figure_png,
    kaplan_meier_figure,
    spider_figure,
    swimmer_figure,
    waterfall_figure,
    waterfall_order,
)
from recist_reader.cohort.survival import kaplan_meier
from recist_reader.core.scoring import score_record
from recist_reader.core.validation import parse_record

from .conftest import cohort_23

REFERENCES = Path(__file__).parent / "reference"
REFERENCE_DPI = 40
RMS_TOLERANCE = 6.0  # of 255: absorbs anti-aliasing and font hinting, not a moved bar or line


def endpoints(records):
    return [patient_endpoints(parse_record(r), score_record(r)) for r in records]


@pytest.fixture(scope="module")
def patients():
    records = cohort_23()
    records[0]["death_date"] = "2024-06-01"
    records[20]["last_known_alive_date"] = "2024-09-01"
    return endpoints(records)


def test_waterfall_bars_are_best_changes_sorted_and_coloured(patients):
    figure = waterfall_figure(patients)
    ax = figure.axes[0]
    (bars,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    measured = [p for p in patients if p.best_pct_change is not None]
    assert len(bars.get_paths()) == len(measured) == 21  # the 2 NE have no follow-up sum
    heights = [path.vertices[:, 1].min() + path.vertices[:, 1].max() for path in bars.get_paths()]
    assert heights == sorted(heights, reverse=True)
    assert heights[0] == 40.0 and heights[-1] == -100.0  # PD +40 %, CR −100 %
    colours = [matplotlib.colors.to_hex(c) for c in bars.get_facecolors()]
    assert colours[0] == BOR_COLOURS["PD"] and colours[-1] == BOR_COLOURS["CR"]
    levels = {line.get_ydata()[0] for line in ax.get_lines()}
    assert {-30, 20, 0} <= levels
    assert "2 without a measurable sum" in ax.get_xlabel()
    # waterfall_order names the patient of each bar (the cohort widget opens it on a click).
    order = waterfall_order(patients)
    assert [p.best_pct_change for p in order] == sorted(
        (p.best_pct_change for p in measured), reverse=True
    )
    assert [BOR_COLOURS[p.bor_confirmed] for p in order] == colours


def test_spider_has_one_line_per_patient_with_a_sum(patients):
    ax = spider_figure(patients).axes[0]
    (collection,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    segments = collection.get_segments()
    assert len(segments) == 21
    assert all(tuple(s[0]) == (0.0, 0.0) for s in segments)
    pd_lines = [s for s in segments if len(s) == 2 and s[1][1] == 40.0]
    assert len(pd_lines) == 6


def test_swimmer_limits_the_number_of_bars(patients):
    ax = swimmer_figure(patients, max_patients=10).axes[0]
    assert len(ax.patches) == 10
    assert "10 of 23 patients" in ax.get_title()
    labels = {line.get_label() for line in ax.get_lines()}
    assert {"first CR/PR", "progression", "death", "no progression (ongoing)"} <= labels


def test_kaplan_meier_plot_has_the_number_at_risk_table():
    curve = kaplan_meier([30, 60, 90, 120, 200], [1, 0, 1, 1, 0])
    figure = kaplan_meier_figure(curve, title="PFS")
    ax, table = figure.axes
    texts = [t.get_text() for t in table.texts]
    assert texts[0] == "Number at risk"
    ticks = ax.get_xticks()
    assert texts[1:] == [str(n) for n in curve.at_risk(ticks * 365.25 / 12)]
    assert "median 3.9 months" in ax.get_title()  # 120 days


def test_every_figure_renders_to_png_and_svg(patients, tmp_path):
    from recist_reader.cohort.plots import save_figure

    figures = cohort_figures(patients, cohort_curves(patients))
    assert list(figures) == ["waterfall", "spider", "swimmer", "km_pfs", "km_dor", "km_os"]
    png = save_figure(figures["km_os"], tmp_path, "km_os")
    assert png.startswith(b"\x89PNG") and (tmp_path / "km_os.svg").exists()


@pytest.mark.parametrize("stem", ["waterfall", "spider", "swimmer", "km_pfs", "km_dor"])
def test_figure_matches_its_reference_image(patients, stem, tmp_path):
    figure = cohort_figures(patients, cohort_curves(patients))[stem]
    for text in figure.findobj(matplotlib.text.Text):
        text.set_visible(False)  # compare the drawing; text rendering varies with FreeType
    actual = tmp_path / f"{stem}.png"
    actual.write_bytes(figure_png(figure, dpi=REFERENCE_DPI))
    reference = REFERENCES / f"{stem}.png"
    if os.environ.get("RECIST_UPDATE_PLOT_REFERENCES"):
        REFERENCES.mkdir(exist_ok=True)
        reference.write_bytes(actual.read_bytes())
    assert reference.exists(), f"missing {reference}: set RECIST_UPDATE_PLOT_REFERENCES=1"
    result = compare_images(str(reference), str(actual), tol=RMS_TOLERANCE)
    assert result is None, result


def test_reference_comparison_detects_a_changed_plot(patients, tmp_path):
    figure = waterfall_figure(patients[:-5])  # fewer bars: a different picture
    for text in figure.findobj(matplotlib.text.Text):
        text.set_visible(False)
    actual = tmp_path / "waterfall.png"
    actual.write_bytes(figure_png(figure, dpi=REFERENCE_DPI))
    assert compare_images(str(REFERENCES / "waterfall.png"), str(actual), tol=RMS_TOLERANCE)
