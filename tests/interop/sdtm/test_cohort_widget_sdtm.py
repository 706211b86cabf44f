"""The cohort widget offers the SDTM export: its button, the study-id question, the files,
a refusal shown in the Invalid records tab. Under Xvfb."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("napari")
from qtpy.QtCore import Qt  # noqa: E402
from qtpy.QtTest import QTest  # noqa: E402
from qtpy.QtWidgets import QFileDialog, QInputDialog  # noqa: E402
from sdtm_builders import read_xpt, recist_samples_folder  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture
def widget(make_napari_viewer, qtbot):
    viewer = make_napari_viewer(show=True)
    _, cohort = viewer.window.add_plugin_dock_widget("recist-reader", "RECIST cohort")
    return cohort


@pytest.fixture
def records(tmp_path):
    return recist_samples_folder(tmp_path / "records")


def test_export_button_asks_for_the_study_and_writes_the_files(
    widget, records, tmp_path, monkeypatch
):
    assert not widget.sdtm_button.isEnabled()
    widget.open_folder(records)
    assert widget.sdtm_button.isEnabled()
    out = tmp_path / "sdtm"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    asked = []
    monkeypatch.setattr(
        QInputDialog, "getText", lambda *a, **k: asked.append(a[1:]) or ("NCT05831969", True)
    )
    QTest.mouseClick(widget.sdtm_button, Qt.MouseButton.LeftButton)
    assert asked == [("Study identifier", "STUDYID for the records without study_id:")]
    assert widget.status_label.text() == "SDTM written to sdtm: TU 24, TR 171, RS 99 rows"
    rows, meta = read_xpt(out / "rs.xpt")
    assert meta.table_name == "RS" and {r["STUDYID"] for r in rows} == {"NCT05831969"}
    assert sorted(p.name for p in out.iterdir()) == [
        "rs.csv", "rs.xpt", "tr.csv", "tr.xpt", "tu.csv", "tu.xpt"]  # fmt: skip
    widget.grab().save(str(tmp_path / "cohort_sdtm.png"))


def test_a_refusal_is_listed_with_its_fix(widget, records, tmp_path):
    path = records / "HCC-001_confirmed_PR.json"
    record = json.loads(path.read_text())
    record["lesions"][0]["organ"] = "perihepatic"
    path.write_text(json.dumps(record))
    widget.open_folder(records)
    assert widget.export_sdtm(tmp_path / "out", study_id="S1") is None
    text = widget.invalid_view.toPlainText()
    assert text.splitlines() == [
        "SDTM export refused:",
        f'{path}: lesions[0].organ: "perihepatic" has no CDISC Anatomical Location term; '
        "add location_code",
    ]
    assert widget.info_tabs.currentIndex() == 2
    assert widget.status_label.text().startswith("SDTM export refused: ")
    assert not (tmp_path / "out").exists()
