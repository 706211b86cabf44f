"""The reading dock's DICOM SR view under Xvfb: Export SR…, reopen a read from its SRs, and
OHIF's own rulers offered as unassigned rulers and attached to a lesion."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("napari")

from recist_reader._widget import ReadingWidget  # noqa: E402
from recist_reader.interop.sr import import_sr  # noqa: E402
from recist_reader.interop.sr.images import read_series_headers  # noqa: E402

pytestmark = pytest.mark.gui
SR_CHECK = Path(__file__).resolve().parents[3] / "tools" / "sr-check"
SCREENSHOTS = Path(__file__).resolve().parents[3] / "out" / "screenshots"


@pytest.fixture
def widget(make_napari_viewer, qtbot):
    viewer = make_napari_viewer(show=True)
    widget = ReadingWidget(viewer)
    viewer.window.add_dock_widget(widget, name="RECIST reading", area="right")
    widget.ask = lambda title, text, buttons: "Discard"
    return widget


@pytest.fixture
def opened(widget, phantom, tmp_path):
    record_path = tmp_path / "record.json"
    shutil.copy(phantom.record_path, record_path)
    widget.record_bar.open_record(record_path, series_folder=phantom.folder, recover_autosave=False)
    assert sorted(widget.context.visit_layers) == ["BL", "W16", "W8"]
    return widget


def test_export_sr_from_the_dock_writes_one_sr_per_visit(opened, phantom, tmp_path):
    shown = []
    opened.context.message.connect(lambda text, level: shown.append((text, level)))
    written = opened.dicom_sr.export_to(tmp_path / "sr")
    assert shown[-1] == (f"wrote 3 DICOM SR file(s) to {tmp_path / 'sr'}", "")
    assert [p.name for p in written] == [
        "PHANTOM-HCC-001_BL.SR.dcm",
        "PHANTOM-HCC-001_W8.SR.dcm",
        "PHANTOM-HCC-001_W16.SR.dcm",
    ]
    imported = import_sr([tmp_path / "sr"])
    assert [v["visit_id"] for v in imported["visits"]] == ["BL", "W8", "W16"]


def test_reopen_a_read_from_its_srs(opened, phantom, tmp_path, make_napari_viewer):
    folder = tmp_path / "study"
    opened.dicom_sr.export_to(folder / "sr")
    for visit_id, series in phantom.series_folders.items():  # the study folder, images and SRs
        (folder / visit_id).mkdir()
        for file in series.iterdir():
            (folder / visit_id / file.name).hardlink_to(file)
    fresh = ReadingWidget(make_napari_viewer(show=True))
    session = fresh.dicom_sr.open_srs(folder)
    original = phantom.record()
    assert [v["visit_id"] for v in session.visits()] == ["BL", "W8", "W16"]
    assert sorted(fresh.context.visit_layers) == ["BL", "W16", "W8"]  # the images came along
    for visit, back in zip(original["visits"], session.visits()):
        for m in visit["measurements"]:
            got = session.measurement(back["visit_id"], m["lesion_id"])
            assert got.get("diameter_mm") == m.get("diameter_mm")
            assert got.get("status") == m.get("status")
    assert session.dirty


def _ohif_sr_on(sop_instance_uid, images, points, tmp_path) -> Path:
    """An SR saved by OHIF's own code (@cornerstonejs/adapters) with one Length."""
    node = shutil.which("node")
    if node is None or not (SR_CHECK / "node_modules" / "@cornerstonejs" / "adapters").is_dir():
        pytest.skip("node or tools/sr-check/node_modules missing: run tools/bootstrap.sh")
    spec = {
        "images": [str(images)],
        "out": str(tmp_path / "ohif-sr.dcm"),
        "measurements": [
            {
                "toolType": "Length",
                "sopInstanceUid": sop_instance_uid,
                "points": points,
                "label": "second opinion",
            }
        ],
    }
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    subprocess.run(
        [node, str(SR_CHECK / "make-ohif-sr.mjs"), str(tmp_path / "spec.json")],
        check=True,
        cwd=SR_CHECK,
        capture_output=True,
    )
    return Path(spec["out"])


def _ohif_sr(phantom, tmp_path) -> tuple[Path, list[list[float]]]:
    """OHIF's Length on the W8 slice of T1, a little off the read's ruler (a second opinion)."""
    points = phantom.record()["visits"][1]["measurements"][0]["ruler"]["points_lps_mm"]
    uid = phantom.series_uids["W8"]
    geometry, _ = read_series_headers(phantom.series_folders["W8"], [uid])[uid].slice_holding(
        points
    )
    shifted = [[p[0] + 1.5, p[1] - 1.0, p[2]] for p in points]
    return _ohif_sr_on(
        geometry.sop_instance_uid, phantom.series_folders["W8"], shifted, tmp_path
    ), shifted


def test_ohif_rulers_are_offered_and_attached_to_a_lesion(opened, phantom, tmp_path, qtbot):
    path, points = _ohif_sr(phantom, tmp_path)
    view = opened.dicom_sr
    assert view.add_rulers_from([path]) == 1
    assert view.ruler_list.count() == 1 and view.ruler_list.isVisible()
    assert "second opinion" in view.ruler_list.item(0).text()
    view.ruler_list.setCurrentRow(0)
    assert not view.attach_long_button.isEnabled()  # no lesion selected yet
    opened.context.select_lesion("T1")
    assert view.attach_long_button.isEnabled()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    view.parentWidget().grab().save(
        str(SCREENSHOTS / "dicom_sr_unassigned_ruler.png")
    )  # its section
    view.attach_long_button.click()
    session = opened.context.session
    measurement = session.measurement("W8", "T1")
    assert np.max(np.abs(np.subtract(measurement["ruler"]["points_lps_mm"], points))) <= 0.01
    assert measurement["diameter_mm"] == pytest.approx(
        np.linalg.norm(np.subtract(*points)), abs=0.05
    )
    assert opened.context.current_visit_id == "W8"
    assert view.ruler_list.count() == 0 and not view.ruler_list.isVisible()


def test_a_ruler_on_a_series_of_no_visit_is_refused_with_a_message(opened, phantom, tmp_path):
    import datetime as dt

    from recist_reader.phantom import Grid, PatientInfo, StudyInfo, write_ct_series

    grid = Grid.centred((3, 32, 32), (5.0, 1.0, 1.0))
    other = write_ct_series(
        tmp_path / "other",
        np.zeros(grid.shape, np.float32),
        grid,
        patient=PatientInfo("PHANTOM-HCC-001", "PHANTOM^HCC"),
        study=StudyInfo(dt.date(2024, 2, 1)),
    )
    header = read_series_headers(tmp_path / "other", [other.series_uid])[other.series_uid]
    geometry, _ = header.slices()[1]
    points = [list(geometry.to_lps([[5.5, 6.5]])[0]), list(geometry.to_lps([[20.5, 25.5]])[0])]
    path = _ohif_sr_on(geometry.sop_instance_uid, tmp_path / "other", points, tmp_path)
    view = opened.dicom_sr
    assert view.add_rulers_from([path, tmp_path / "other"]) == 1
    view.ruler_list.setCurrentRow(0)
    opened.context.select_lesion("T1")
    shown = []
    opened.context.message.connect(lambda text, level: shown.append((text, level)))
    view.attach_long_button.click()
    assert shown[-1][1] == "error" and "which no visit of this read holds" in shown[-1][0]
    assert view.ruler_list.count() == 1


def test_export_problems_are_shown_not_raised(opened, tmp_path):
    from recist_reader.reading.geometry import Ruler

    session = opened.context.session
    ruler = session.ruler("W8", "T2")
    off = Ruler(ruler.series_uid, tuple((x, y, z + 1.0) for x, y, z in ruler.points_lps_mm))
    session.set_ruler("W8", "T2", off)
    shown = []
    opened.context.message.connect(lambda text, level: shown.append((text, level)))
    opened.dicom_sr.export_button.setEnabled(True)
    opened.context.guard(opened.dicom_sr.export_to, tmp_path / "sr")
    assert shown[-1][1] == "error"
    assert "visit W8: lesion T2 ruler does not lie on an acquired slice" in shown[-1][0]
    assert not (tmp_path / "sr").exists()
