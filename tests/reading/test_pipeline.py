"""The headless read: series loaded by UID, saved rulers checked and applied, record scored."""

from __future__ import annotations

import json

import pytest

from recist_reader import score_record
from recist_reader.reading.phantom_patient import make_phantom_patient
from recist_reader.reading.pipeline import (
    RulerOutsideVolumeError,
    RulerSeriesError,
    display_available,
    run_headless_read,
)


@pytest.fixture(scope="module")
def patient(tmp_path_factory):
    return make_phantom_patient(tmp_path_factory.mktemp("pipeline") / "patient", seed=0)


def edited_record(patient, tmp_path, edit):
    record = patient.record()
    edit(record)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    return path, record


def measurement(record, visit_id, lesion_id):
    visit = next(v for v in record["visits"] if v["visit_id"] == visit_id)
    return next(m for m in visit["measurements"] if m["lesion_id"] == lesion_id)


def test_headless_read_scores_the_record_with_its_rulers(patient, tmp_path):
    result = run_headless_read(patient.record_path, patient.folder, tmp_path, screenshot=False)
    assert result.response == score_record(patient.record())
    assert result.response_path == tmp_path / "PHANTOM-HCC-001.response.json"
    assert json.loads(result.response_path.read_text()) == result.response
    assert result.rulers_applied == 12  # 3 visits x (T1, T2, node short and long axis)
    assert result.notes == []
    assert result.screenshot_path is None and "not requested" in result.screenshot_note


def test_series_folder_defaults_to_the_records_folder(patient, tmp_path):
    result = run_headless_read(patient.record_path, out_dir=tmp_path, screenshot=False)
    assert [v["overall"] for v in result.response["visits"]] == ["PR", "PR"]


def test_a_ruler_on_a_missing_series_names_lesion_visit_and_uid(patient, tmp_path):
    def edit(record):
        measurement(record, "W8", "T2")["ruler"]["series_uid"] = "1.2.3.999"

    path, _ = edited_record(patient, tmp_path, edit)
    with pytest.raises(RulerSeriesError) as caught:
        run_headless_read(path, patient.folder, tmp_path, screenshot=False)
    message = str(caught.value)
    for part in ("visit W8", "lesion T2", "1.2.3.999", str(patient.folder), "--series-folder"):
        assert part in message
    assert not (tmp_path / "PHANTOM-HCC-001.response.json").exists()


def test_a_ruler_outside_its_volume_is_refused(patient, tmp_path):
    def edit(record):
        points = measurement(record, "W16", "N1")["short_axis_ruler"]["points_lps_mm"]
        points[1][2] += 400.0  # 400 mm above the series

    path, _ = edited_record(patient, tmp_path, edit)
    with pytest.raises(RulerOutsideVolumeError, match=r"visit W16, lesion N1: ruler end 2"):
        run_headless_read(path, patient.folder, tmp_path, screenshot=False)


def test_the_ruler_wins_over_a_stale_diameter(patient, tmp_path):
    def edit(record):
        measurement(record, "W8", "T1")["diameter_mm"] = 40.0  # the ruler measures 21 mm

    path, record = edited_record(patient, tmp_path, edit)
    result = run_headless_read(path, patient.folder, tmp_path, screenshot=False)
    assert result.response == score_record(patient.record())
    assert score_record(record) != result.response
    assert result.notes == [
        "visit W8, lesion T1: saved diameter 40.0 mm, its ruler measures 21.0 mm; the ruler is used"
    ]


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"DISPLAY": ":99"}, True), ({"WAYLAND_DISPLAY": "wayland-0"}, True), ({}, False)],
)
def test_display_available_on_linux(monkeypatch, env, expected):
    monkeypatch.setattr("sys.platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert display_available() is expected


def test_a_ruler_drawn_on_another_visits_series_is_refused(patient, tmp_path):
    baseline_uid = patient.series_uids["BL"]

    def edit(record):
        measurement(record, "W16", "T1")["ruler"]["series_uid"] = baseline_uid

    path, _ = edited_record(patient, tmp_path, edit)
    with pytest.raises(RulerSeriesError) as caught:
        run_headless_read(path, patient.folder, tmp_path, screenshot=False)
    message = str(caught.value)
    assert "visit W16, lesion T1" in message and baseline_uid in message
    assert patient.series_uids["W16"] in message and "redraw it" in message


def test_a_stale_node_diameter_is_noted_once(patient, tmp_path):
    def edit(record):
        measurement(record, "BL", "N1")["diameter_mm"] = 25.0  # its short axis measures 18

    path, _ = edited_record(patient, tmp_path, edit)
    result = run_headless_read(path, patient.folder, tmp_path, screenshot=False)
    assert result.notes == [
        "visit BL, lesion N1: saved diameter 25.0 mm, its ruler measures 18.0 mm; the ruler is used"
    ]
    assert result.response["baseline"]["sum_mm"] == pytest.approx(72.0)


def test_the_headless_read_imports_no_qt_and_no_napari():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import recist_reader.cli.read, recist_reader.reading.pipeline\n"
        "import recist_reader.reading.phantom_patient\n"
        "gui = {'napari', 'qtpy', 'PyQt5', 'PyQt6', 'PySide2', 'PySide6', 'vispy'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & gui))\n"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
