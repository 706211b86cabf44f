"""napari contributions: the phantom patient sample and the record writer (needs Xvfb)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from recist_reader._writer import write_record
from recist_reader.reading.geometry import Ruler

napari = pytest.importorskip("napari")
pytestmark = pytest.mark.gui


def test_manifest_declares_the_sample_and_the_writer():
    from npe2 import PluginManifest

    manifest = PluginManifest.from_distribution("recist-reader")
    samples = {s.key: s for s in manifest.contributions.sample_data}
    assert samples["phantom_patient"].display_name == "RECIST phantom patient"
    (writer,) = [w for w in manifest.contributions.writers if w.command.endswith("write_record")]
    assert writer.layer_types == ["shapes"] and writer.filename_extensions == [".json"]


@pytest.fixture(scope="module")
def phantom_cache(tmp_path_factory):
    """One cache folder for the module, so the patient is generated once."""
    return tmp_path_factory.mktemp("sample_cache")


def test_sample_opens_three_visits_in_one_world_with_the_record(
    make_napari_viewer, phantom_cache, monkeypatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(phantom_cache))
    viewer = make_napari_viewer()
    viewer.open_sample("recist-reader", "phantom_patient")
    layers = list(viewer.layers)
    assert [layer.metadata["recist_visit_id"] for layer in layers] == ["BL", "W8", "W16"]
    assert [layer.name for layer in layers] == ["BL 2024-01-10", "W8 2024-03-06", "W16 2024-05-01"]
    assert [layer.visible for layer in layers] == [True, False, False]
    record_paths = {layer.metadata["recist_record_path"] for layer in layers}
    assert len(record_paths) == 1
    record = json.loads(open(record_paths.pop(), encoding="utf-8").read())
    assert record["patient_id"] == "PHANTOM-HCC-001"
    for layer in layers[1:]:  # one shared frame: the visits overlay
        np.testing.assert_array_equal(
            layer.metadata["world_to_lps"], layers[0].metadata["world_to_lps"]
        )
    # Every saved ruler lands inside its visit's image, at its length in world millimetres.
    by_uid = {layer.metadata["series_uid"]: layer for layer in layers}
    for visit in record["visits"]:
        for measurement in visit["measurements"]:
            if "ruler" not in measurement:
                continue
            ruler = Ruler.from_json(measurement["ruler"])
            layer = by_uid[ruler.series_uid]
            assert layer.metadata["recist_visit_id"] == visit["visit_id"]
            lps = np.c_[np.asarray(ruler.points_lps_mm), np.ones(2)]
            world = (lps @ np.linalg.inv(layer.metadata["world_to_lps"]).T)[:, :3]
            assert np.linalg.norm(world[1] - world[0]) == pytest.approx(ruler.length_mm)
            data = np.array([layer.world_to_data(point) for point in world])
            assert np.all(data > -0.5) and np.all(data < np.asarray(layer.data.shape) - 0.5)


def record_layer(viewer, record):
    layer = viewer.add_shapes(
        [np.array([[0.0, 0.0, 0.0], [0.0, 10.0, 10.0]])], shape_type="line", name="BL rulers"
    )
    layer.metadata["recist_record"] = record
    return layer


def test_writer_saves_the_record_of_a_rulers_layer(make_napari_viewer, tmp_path):
    from recist_reader.core.record_builder import RecordBuilder

    builder = RecordBuilder("P001", baseline_date="2024-01-10")
    builder.target("T1", organ="liver", baseline_mm=42.0)
    builder.visit(day=56, visit_id="W8", T1=30.0)
    record = builder.to_dict()
    viewer = make_napari_viewer()
    layer = record_layer(viewer, record)
    target = tmp_path / "P001.json"
    target.write_text("old", encoding="utf-8")
    written = viewer.layers.save(str(target), selected=True, plugin="recist-reader")
    assert written == [str(target)]
    assert json.loads(target.read_text(encoding="utf-8")) == record
    assert sorted(p.name for p in tmp_path.iterdir()) == ["P001.json"]  # no temporary left
    assert layer.metadata["recist_record"] == record


def test_writer_declines_shapes_without_a_record(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    layer = viewer.add_shapes([np.array([[0.0, 0.0], [5.0, 5.0]])], shape_type="line")
    target = tmp_path / "nothing.json"
    assert write_record(str(target), layer.data, layer._get_state()) is None
    assert write_record(str(target), [], {"metadata": {"recist_record": "not a record"}}) is None
    assert not target.exists()


def test_sample_is_adopted_by_the_reading_widget(
    make_napari_viewer, phantom_cache, monkeypatch, qtbot
):
    widget_module = pytest.importorskip("recist_reader._widget")
    monkeypatch.setenv("XDG_CACHE_HOME", str(phantom_cache))
    viewer = make_napari_viewer()
    widget = widget_module.ReadingWidget(viewer)
    viewer.window.add_dock_widget(widget, name="RECIST reading")
    viewer.open_sample("recist-reader", "phantom_patient")
    qtbot.waitUntil(lambda: widget.session is not None, timeout=20000)
    assert widget.session.patient_id == "PHANTOM-HCC-001"
    rulers = viewer.layers["BL rulers"]
    assert rulers.metadata["recist_record"] == json.loads(
        open(rulers.metadata["recist_record_path"], encoding="utf-8").read()
    )
