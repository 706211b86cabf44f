"""Open from PACS…: real clicks against a real Orthanc (needs Xvfb).

The dock's button opens the dialog; a search by patient ID and study date lists the studies,
a study its series (modality, description, slices), and "Open as visit" opens the series as
the read's next visit, its slices arriving from the server. The last server is remembered in
Qt's settings without credentials; SRs are sent back by STOW-RS.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("napari")
from pydicom.uid import generate_uid  # noqa: E402
from qtpy.QtCore import QSettings, Qt  # noqa: E402
from qtpy.QtTest import QTest  # noqa: E402

from recist_reader.io.dicom import load_series  # noqa: E402
from recist_reader.io.dicomweb import connection  # noqa: E402
from recist_reader.io.dicomweb.local_orthanc import LocalOrthanc  # noqa: E402

from .conftest import make_sr  # noqa: E402

pytestmark = pytest.mark.gui
SCREENSHOT_DIR = Path(os.environ.get("RECIST_SCREENSHOT_DIR", "/tmp"))


@pytest.fixture(autouse=True)
def _private_qt_settings(tmp_path, monkeypatch):
    """Qt settings in a temporary folder; no credentials from the environment."""
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.NativeFormat, scope, str(tmp_path / "settings"))
    for name in (connection.TOKEN_ENV, connection.USER_ENV, connection.PASSWORD_ENV):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def pacs(orthanc, phantom_on_orthanc, shared_dicom_dir):
    orthanc.upload_folder(shared_dicom_dir / "mr_t1_sagittal" / "series")
    return orthanc


@pytest.fixture
def dock(make_napari_viewer):
    from recist_reader._widget import ReadingWidget

    viewer = make_napari_viewer(show=True)
    widget = ReadingWidget(viewer)
    viewer.window.add_dock_widget(widget, name="RECIST reading", area="right")
    widget.ask = lambda title, text, buttons: "Discard"
    return widget


def _click(widget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def _click_row(table, row: int) -> None:
    rect = table.visualRect(table.model().index(row, 1))
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _type(edit, text: str) -> None:
    edit.clear()
    QTest.keyClicks(edit, text)


def _search(qtbot, dialog, url: str, patient_id: str = "", date: str = "") -> None:
    _type(dialog.server_edit, url)
    _type(dialog.patient_edit, patient_id)
    _type(dialog.date_edit, date)
    _click(dialog.search_button)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)


def test_open_a_follow_up_from_pacs_with_real_clicks(qtbot, dock, pacs, phantom_patient):
    dock.new_patient("PHANTOM-HCC-001", dt.date(2024, 1, 10))
    assert dock.pacs.button.isEnabled()
    _click(dock.pacs.button)
    dialog = dock.pacs.dialog
    qtbot.waitUntil(dialog.isVisible)
    _search(qtbot, dialog, pacs.dicomweb_url, "PHANTOM-HCC-001", "2024-01-01 - 2024-03-31")
    table = dialog.studies_table
    assert table.rowCount() == 2, dialog.status.text()  # BL and W8, not W16 nor the MR
    assert [table.item(r, 0).text() for r in range(2)] == ["2024-03-06", "2024-01-10"]
    assert table.item(0, 3).text() == "CT ABDOMEN PHANTOM W8"
    _click_row(table, 1)  # the baseline study
    row = _wait_for_ct_series(qtbot, dialog)  # (other tests may have stored SRs there)
    series = dialog.series_table
    assert [series.item(row, c).text() for c in range(4)] == [
        "1",
        "CT",
        "AXIAL PORTAL VENOUS BL",
        "60",
    ]
    _click_row(series, row)
    assert dialog.open_button.isEnabled()
    dialog.grab().save(str(SCREENSHOT_DIR / "pacs_dialog.png"))
    _click(dialog.open_button)
    assert "Opened CT AXIAL PORTAL VENOUS BL (60 slices)" in dialog.status.text()
    assert "BL" in dock.visit_layers
    image = dock.visit_layers["BL"].image
    expected = load_series(phantom_patient.series_folders["BL"])
    assert image.metadata["series_uid"] == expected.series_uid
    np.testing.assert_array_equal(np.asarray(image.data), expected.array)
    assert dock.session.visit("BL")["series"][0]["study_uid"] == expected.study_uid

    # the follow-up: W8, the newest study of the search, one more click
    _click_row(table, 0)
    _click_row(series, _wait_for_ct_series(qtbot, dialog))
    _click(dialog.open_button)
    assert [v["visit_id"] for v in dock.session.visits()][-1] in dock.visit_layers
    assert dock.session.visits()[-1]["date"] == "2024-03-06"
    dock.viewer.window._qt_window.grab().save(str(SCREENSHOT_DIR / "pacs_opened.png"))


def test_the_last_server_is_remembered_without_credentials(qtbot, pacs, tmp_path):
    from recist_reader._qt.pacs_dialog import SERVER_KEY, PacsDialog

    settings = QSettings(str(tmp_path / "pacs.ini"), QSettings.Format.IniFormat)
    dialog = PacsDialog(lambda url: None, settings=settings)
    qtbot.addWidget(dialog)
    _type(dialog.user_edit, "reader")
    _type(dialog.password_edit, "pass-word-9")
    _search(qtbot, dialog, pacs.dicomweb_url)
    assert dialog.studies_table.rowCount() >= 4
    again = PacsDialog(lambda url: None, settings=settings)
    qtbot.addWidget(again)
    assert again.server_edit.text() == pacs.dicomweb_url == settings.value(SERVER_KEY)
    saved = (tmp_path / "pacs.ini").read_text()
    assert "pass-word-9" not in saved and "reader" not in saved
    assert again.user_edit.text() == "" and again.password_edit.text() == ""


def test_non_image_series_are_listed_but_cannot_be_opened(qtbot, pacs, tmp_path):
    from recist_reader._qt.pacs_dialog import PacsDialog
    from recist_reader.io.dicomweb import store_sr

    study = _first_study_of(qtbot, pacs, "crlab")
    sr = make_sr(study, patient_id="crlab")
    store_sr([sr], pacs.dicomweb_url)
    opened: list[str] = []
    dialog = PacsDialog(opened.append, settings=_settings(tmp_path))
    qtbot.addWidget(dialog)
    _search(qtbot, dialog, pacs.dicomweb_url, "crlab")
    studies = dialog.studies_table
    uids = [study["study_uid"] for study in dialog.studies]
    _click_row(studies, uids.index(study))
    qtbot.waitUntil(lambda: dialog.series_table.rowCount() == 2 and not dialog.busy)
    modalities = [dialog.series_table.item(r, 1).text() for r in range(2)]
    assert sorted(modalities) == ["MR", "SR"]
    assert "2 series, 1 with images" in dialog.status.text()
    sr_row = modalities.index("SR")
    assert not dialog.series_table.item(sr_row, 1).flags() & Qt.ItemFlag.ItemIsEnabled
    _click_row(dialog.series_table, sr_row)  # cannot be chosen: the MR stays selected
    assert dialog.selected_series()["modality"] == "MR" and dialog.open_button.isEnabled()
    _click(dialog.open_button)
    assert len(opened) == 1 and opened[0].endswith(dialog.selected_series()["series_uid"])


def test_send_srs_to_pacs_and_a_refusal_is_shown(qtbot, pacs, tmp_path):
    from recist_reader._qt.pacs_dialog import PacsDialog

    path = tmp_path / "P_BL.SR.dcm"
    sr = make_sr(generate_uid(), patient_id="P-SEND")
    sr.save_as(path, enforce_file_format=True)
    dialog = PacsDialog(lambda url: None, settings=_settings(tmp_path))
    qtbot.addWidget(dialog)
    _type(dialog.server_edit, pacs.dicomweb_url)
    assert dialog.send_srs([path]) == [sr.SOPInstanceUID]
    assert "Sent 1 SR(s)" in dialog.status.text()
    users = {"AuthenticationEnabled": True, "RegisteredUsers": {"reader": "secret-pw"}}
    with LocalOrthanc(settings=users) as guarded:
        _type(dialog.server_edit, guarded.dicomweb_url)
        assert dialog.send_srs([path]) == []
        text = dialog.status.text()
        assert "HTTP 401" in text and sr.SOPInstanceUID in text and guarded.dicomweb_url in text


def test_a_server_that_is_down_is_a_message_not_a_freeze(qtbot, tmp_path):
    import socket

    from recist_reader._qt.pacs_dialog import PacsDialog

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/dicom-web"
    dialog = PacsDialog(lambda url: None, settings=_settings(tmp_path))
    qtbot.addWidget(dialog)
    dialog.show()
    _type(dialog.server_edit, url)
    _click(dialog.search_button)
    assert dialog.busy  # searching in a worker thread: the window stays responsive
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert "cannot be reached" in dialog.status.text() and url in dialog.status.text()
    _type(dialog.date_edit, "2024-13-45")
    _click(dialog.search_button)
    assert "not a calendar date" in dialog.status.text()


def _wait_for_ct_series(qtbot, dialog) -> int:
    """The row of the study's CT series, once the series are listed."""
    qtbot.waitUntil(lambda: dialog.series_table.rowCount() >= 1 and not dialog.busy)
    table = dialog.series_table
    modalities = [table.item(row, 1).text() for row in range(table.rowCount())]
    assert modalities.count("CT") == 1, modalities
    return modalities.index("CT")


def _settings(folder: Path) -> QSettings:
    return QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)


def _first_study_of(qtbot, pacs, patient_id: str) -> str:
    from recist_reader.io.dicomweb.search import find_studies

    (mr,) = [
        study
        for study in find_studies(pacs.dicomweb_url, patient_id=patient_id)
        if "MR" in study["modalities"]
    ]
    return mr["study_uid"]
