"""``recist-reader read`` in-process through ``main(argv)``: the headless read."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest

from recist_reader import score_record
from recist_reader.cli import main
from recist_reader.reading.phantom_patient import default_cache_folder, make_phantom_patient

CAN_RENDER = shutil.which("xvfb-run") is not None or bool(os.environ.get("DISPLAY"))


@pytest.fixture(scope="module")
def patient(tmp_path_factory):
    return make_phantom_patient(tmp_path_factory.mktemp("cli_read") / "patient", seed=0)


def test_headless_read_writes_the_response_and_a_screenshot(patient, tmp_path, capsys):
    argv = ["read", str(patient.record_path), "--series-folder", str(patient.folder)]
    assert main([*argv, "--headless", "--out", str(tmp_path)]) == 0
    response = json.loads((tmp_path / "PHANTOM-HCC-001.response.json").read_text())
    assert response == score_record(patient.record())
    out = capsys.readouterr().out
    assert "12 rulers applied" in out and "W16" in out
    png = tmp_path / "PHANTOM-HCC-001.baseline.png"
    if not CAN_RENDER:
        assert "no screenshot" in out
        return
    assert f"screenshot written to {png}" in out
    from matplotlib.image import imread

    image = imread(png)
    assert image.shape[:2] == (512, 3 * 512 + 2 * 6)  # a panel per baseline target, 6 px apart
    yellow = (image[..., 0] > 0.8) & (image[..., 1] > 0.8) & (image[..., 2] < 0.3)
    assert yellow.sum() > 200  # the rulers and their labels are drawn
    assert 0.2 < float(np.mean(image[..., :3])) < 0.8  # the CT is shown, not a blank canvas


def test_without_record_the_phantom_patient_is_read(tmp_path, capsys):
    assert main(["read", "--headless", "--no-screenshot", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"using the phantom patient {default_cache_folder(0) / 'record.json'}" in out
    response = json.loads((tmp_path / "PHANTOM-HCC-001.response.json").read_text())
    assert response["best_overall_response"] == {"confirmed": "PR", "unconfirmed": "PR"}


def test_without_a_display_it_falls_back_to_headless(patient, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    argv = ["read", str(patient.record_path), "--no-screenshot", "--out", str(tmp_path)]
    assert main(argv) == 0
    assert "No display (DISPLAY is not set): running headless" in capsys.readouterr().out
    assert (tmp_path / "PHANTOM-HCC-001.response.json").is_file()


def test_a_ruler_on_a_missing_series_is_a_clear_error(patient, tmp_path, capsys):
    record = patient.record()
    record["visits"][1]["measurements"][0]["ruler"]["series_uid"] = "1.2.3.404"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    argv = ["read", str(path), "--headless", "--series-folder", str(patient.folder)]
    assert main([*argv, "--out", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert "visit W8, lesion T1: the ruler cites series UID 1.2.3.404" in captured.err
    assert "point --series-folder at the folder" in captured.err
    assert not (tmp_path / "PHANTOM-HCC-001.response.json").exists()


def test_an_invalid_record_lists_its_problems(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text('{"patient_id": "P1"}', encoding="utf-8")
    assert main(["read", str(path), "--headless", "--no-screenshot"]) == 2
    assert str(path) in capsys.readouterr().err


def test_with_a_display_it_opens_napari_with_the_widget(patient, monkeypatch, capsys):
    import recist_reader.cli.read as read_command

    monkeypatch.setenv("DISPLAY", ":99")
    opened, ran = [], []
    monkeypatch.setattr(read_command, "open_in_napari", lambda *a: opened.append(a))
    napari = pytest.importorskip("napari")
    monkeypatch.setattr(napari, "run", lambda: ran.append(True))
    assert main(["read", str(patient.record_path), "--series-folder", str(patient.folder)]) == 0
    assert opened == [(patient.record_path, patient.folder)] and ran == [True]
    assert "headless" not in capsys.readouterr().out


@pytest.mark.gui
def test_open_in_napari_docks_the_widget_and_loads_every_visit(patient, qtbot):
    pytest.importorskip("napari")
    pytest.importorskip("recist_reader._widget")
    from recist_reader.cli.read import DOCK_NAME, open_in_napari

    viewer, widget = open_in_napari(patient.record_path, patient.folder)
    try:
        assert viewer.window.dock_widgets[DOCK_NAME] is not None
        assert widget.session.patient_id == "PHANTOM-HCC-001"
        assert set(widget.visit_layers) == {"BL", "W8", "W16"}
        shown = {layer.metadata.get("recist_visit_id") for layer in viewer.layers}
        assert shown == {"BL"}  # the visit shown; the others join the viewer when shown
        rulers = viewer.layers["BL rulers"]
        assert rulers.metadata["recist_record"] == patient.record()
        assert len(rulers.data) == 4  # T1, T2, the node's short and long axis
        assert widget.selected_lesion_id() == "T1"
        t1 = rulers.data[list(rulers.features["lesion_id"]).index("T1")]
        t1_world = np.array([rulers.data_to_world(end) for end in t1])
        assert viewer.dims.point[0] == pytest.approx(float(np.mean(t1_world[:, 0])))  # its slice
    finally:
        widget.session.dirty = False
        viewer.close()
