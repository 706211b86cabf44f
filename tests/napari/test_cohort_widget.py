"""The cohort widget under Xvfb: the sample cohort's summary, patients and plots; clicking a
patient (row or waterfall bar) opens their record in the reading widget; bad folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("napari")
from matplotlib.collections import LineCollection, PolyCollection  # noqa: E402
from qtpy.QtCore import QPoint, Qt  # noqa: E402
from qtpy.QtTest import QTest  # noqa: E402

from recist_reader._cohort_widget import CohortWidget  # noqa: E402
from recist_reader.cohort import score_cohort, summarize_cohort  # noqa: E402

RECORDS = Path(__file__).resolve().parents[2] / "sample_data" / "records"


@pytest.fixture
def records(tmp_path):
    """A copy of the RECIST 1.1 sample cohort (7 records), so that nothing is written beside
    the originals."""
    folder = tmp_path / "records"
    folder.mkdir()
    for path in RECORDS.glob("HCC-00*.json"):
        shutil.copy(path, folder)
    return folder


@pytest.fixture
def hcc_records(tmp_path):
    """The RECIST 1.1 samples (HCC-00x) and the mRECIST ones (HCC-20x): two primary criteria."""
    folder = tmp_path / "hcc"
    folder.mkdir()
    for path in [*RECORDS.glob("HCC-00*.json"), *RECORDS.glob("HCC-20*.json")]:
        shutil.copy(path, folder)
    return folder


@pytest.fixture
def viewer_and_widget(make_napari_viewer, qtbot):
    viewer = make_napari_viewer(show=True)
    _, widget = viewer.window.add_plugin_dock_widget("recist-reader", "RECIST cohort")
    assert isinstance(widget, CohortWidget)
    return viewer, widget


@pytest.fixture
def reading_widget(viewer_and_widget):
    """The reading widget, docked first so that its questions are answered (also at teardown)."""
    viewer, _ = viewer_and_widget
    _, reading = viewer.window.add_plugin_dock_widget("recist-reader", "RECIST reading")
    reading.ask = lambda *args: "Discard"
    return reading


def table_column(table, column):
    return [table.item(row, column).text() for row in range(table.rowCount())]


def summary_row(widget, endpoint):
    rows = {
        widget.summary_table.item(r, 0).text(): r for r in range(widget.summary_table.rowCount())
    }
    row = rows[endpoint]
    return [widget.summary_table.item(row, c).text() for c in range(1, 4)]


def test_sample_cohort_summary_and_patients(viewer_and_widget, records):
    _, widget = viewer_and_widget
    assert widget.open_folder(records) is not None
    expected = score_cohort([records])
    summary = summarize_cohort(expected.patients, config=expected.config)
    assert widget.patient_table.rowCount() == 7
    assert table_column(widget.patient_table, 0) == [p.patient_id for p in expected.patients]
    assert widget.summary["orr"] == summary["orr"]
    orr = summary["orr"]["confirmed"]
    assert summary_row(widget, "ORR (confirmed)") == [
        f"{orr['responders']} / 7",
        f"{100 * orr['rate']:.1f} %",
        f"{100 * orr['ci_low']:.1f} % – {100 * orr['ci_high']:.1f} %",
    ]
    assert summary_row(widget, "ORR (confirmed)")[:2] == ["4 / 7", "57.1 %"]
    assert summary_row(widget, "Records")[:2] == ["7", "7 scored, 0 invalid"]
    assert summary_row(widget, "PFS median")[0] == f"n = 7, {summary['pfs']['events']} events"
    bor = [widget.bor_table.item(0, c).text() for c in range(widget.bor_table.columnCount())]
    assert bor == [
        "confirmed",
        *(str(n) for n in summary["best_overall_response"]["confirmed"].values()),
    ]
    assert widget.invalid_view.toPlainText() == "No invalid records."
    assert "7 patients scored" in widget.status_label.text()


def test_plots_have_one_bar_and_one_line_per_measured_patient(viewer_and_widget, records):
    _, widget = viewer_and_widget
    cohort = widget.open_folder(records)
    measured = [p for p in cohort.patients if p.best_pct_change is not None]
    assert len(measured) == 6  # HCC-006 has non-targets only: no sum of diameters
    (bars,) = [
        c
        for c in widget.waterfall_canvas.figure.axes[0].collections
        if isinstance(c, PolyCollection)
    ]
    assert len(bars.get_paths()) == len(measured)
    # The widget's bar order (used for clicks) is the order the bars are drawn in.
    heights = [path.vertices[:, 1].min() for path in bars.get_paths()]
    assert heights == pytest.approx([p.best_pct_change for p in widget.waterfall_patients])
    (lines,) = [
        c for c in widget.spider_canvas.figure.axes[0].collections if isinstance(c, LineCollection)
    ]
    assert len(lines.get_segments()) == len(measured)


def test_clicking_a_patient_row_opens_the_record(viewer_and_widget, reading_widget, records, qtbot):
    _, widget = viewer_and_widget
    widget.open_folder(records)
    widget.info_tabs.setCurrentWidget(widget.patient_table)
    row = table_column(widget.patient_table, 0).index("HCC-003")
    rect = widget.patient_table.visualItemRect(widget.patient_table.item(row, 0))
    QTest.mouseClick(
        widget.patient_table.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        rect.center(),
    )
    qtbot.waitUntil(lambda: reading_widget.session is not None)
    assert reading_widget.session.patient_id == "HCC-003"
    assert reading_widget.session.path == (records / "HCC-003_PD_from_nadir.json").resolve()
    assert "HCC-003 opened" in widget.status_label.text()


def test_clicking_a_waterfall_bar_opens_the_record(
    viewer_and_widget, reading_widget, records, qtbot
):
    viewer, widget = viewer_and_widget
    widget.open_folder(records)
    widget.plot_tabs.setCurrentIndex(0)
    canvas = widget.waterfall_canvas
    qtbot.waitUntil(lambda: canvas.isVisible() and canvas.height() > 100)
    canvas.draw()
    ax = canvas.figure.axes[0]
    index = 2
    patient = widget.waterfall_patients[index]
    x, y = ax.transData.transform((index, patient.best_pct_change / 2))
    ratio = canvas.device_pixel_ratio
    point = QPoint(int(x / ratio), int(canvas.height() - y / ratio))
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    qtbot.waitUntil(lambda: reading_widget.session is not None)
    assert reading_widget.session.patient_id == patient.patient_id


def test_broken_record_is_listed_and_the_others_shown(viewer_and_widget, records):
    _, widget = viewer_and_widget
    (records / "HCC-999_broken.json").write_text('{"patient_id": "HCC-999", "visits": [', "utf-8")
    cohort = widget.open_folder(records)
    assert len(cohort.patients) == 7 and len(cohort.invalid) == 1
    assert widget.patient_table.rowCount() == 7
    assert widget.invalid_view.toPlainText().startswith("HCC-999_broken.json: ")
    assert widget.info_tabs.tabText(2) == "Invalid records (1)"
    assert summary_row(widget, "Records")[:2] == ["8", "7 scored, 1 invalid"]
    assert "1 invalid record" in widget.status_label.text()


def test_a_folder_of_invalid_records_only_shows_them(viewer_and_widget, tmp_path):
    _, widget = viewer_and_widget
    (tmp_path / "HCC-999.json").write_text("{", "utf-8")
    cohort = widget.open_folder(tmp_path)
    assert cohort.patients == [] and len(cohort.invalid) == 1
    assert summary_row(widget, "ORR (confirmed)") == ["0 / 0", "–", ""]
    assert widget.invalid_view.toPlainText().startswith("HCC-999.json: ")
    assert "0 patients scored" in widget.status_label.text()


@pytest.mark.parametrize(
    ("make_folder", "message"),
    [
        (lambda tmp: tmp / "missing", "is not a folder"),
        (lambda tmp: tmp, "no record files (*.json) in"),
    ],
    ids=["missing", "empty"],
)
def test_bad_folder_is_a_message_and_a_notification(
    viewer_and_widget, tmp_path, make_folder, message
):
    from napari.utils.notifications import notification_manager

    _, widget = viewer_and_widget
    before = len(notification_manager.records)
    assert widget.open_folder(make_folder(tmp_path)) is None
    assert message in widget.status_label.text()
    assert widget.patient_table.rowCount() == 0
    assert any(message in str(n.message) for n in notification_manager.records[before:])


def test_reopening_replaces_a_cohort_with_an_error(viewer_and_widget, records, tmp_path):
    _, widget = viewer_and_widget
    widget.open_folder(records)
    widget.open_folder(tmp_path / "missing")
    assert widget.cohort is None and widget.patient_table.rowCount() == 0
    assert widget.waterfall_canvas is None


def test_the_criteria_picker_switches_the_same_reads(viewer_and_widget, hcc_records, tmp_path):
    _, widget = viewer_and_widget
    cohort = widget.open_folder(hcc_records)
    # The records name RECIST 1.1 and mRECIST: RECIST 1.1 is shown, and the reason said.
    assert cohort.criteria == widget.criteria == "RECIST1.1"
    assert widget.criteria_combo.currentText() == "RECIST1.1"
    assert "several primary criteria: 7 RECIST1.1, 7 mRECIST" in widget.status_label.text()
    assert summary_row(widget, "ORR (confirmed)")[:2] == ["5 / 14", "35.7 %"]
    widget.criteria_combo.setCurrentText("mRECIST")
    assert widget.criteria == "mRECIST"
    expected = score_cohort([hcc_records], criteria="mRECIST")
    summary = summarize_cohort(expected.patients, config=expected.config, criteria="mRECIST")
    assert widget.summary["orr"] == summary["orr"]
    assert summary_row(widget, "ORR (confirmed)")[:2] == ["7 / 14", "50.0 %"]
    bor = [widget.bor_table.item(0, c).text() for c in range(widget.bor_table.columnCount())]
    assert bor == ["confirmed", "2", "5", "5", "2", "0", "0"]
    assert (
        table_column(widget.patient_table, 1)[
            table_column(widget.patient_table, 0).index("HCC-201")
        ]
        == "PR"
    )
    assert "under mRECIST" in widget.status_label.text()
    (bars,) = [
        c
        for c in widget.waterfall_canvas.figure.axes[0].collections
        if isinstance(c, PolyCollection)
    ]
    assert len(bars.get_paths()) == 12  # HCC-006 and HCC-207 have no mRECIST sum
    widget.grab().save(str(tmp_path / "cohort_mrecist.png"))
    assert (tmp_path / "cohort_mrecist.png").stat().st_size > 10_000
    widget.criteria_combo.setCurrentText("RECIST1.1")
    assert summary_row(widget, "ORR (confirmed)")[:2] == ["5 / 14", "35.7 %"]


def test_a_folder_of_one_primary_criteria_opens_under_it(viewer_and_widget, tmp_path):
    _, widget = viewer_and_widget
    folder = tmp_path / "mrecist"
    folder.mkdir()
    for path in RECORDS.glob("HCC-20*.json"):
        shutil.copy(path, folder)
    assert widget.open_folder(folder).criteria == "mRECIST"
    assert widget.criteria_combo.currentText() == "mRECIST"
    assert widget.open_folder(folder, criteria="RECIST1.1").criteria == "RECIST1.1"
