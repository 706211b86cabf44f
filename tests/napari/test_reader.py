"""The napari reader hook and the layer data it builds (no viewer, no display needed)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pytest

from recist_reader import _reader
from recist_reader import phantom as ph

napari = pytest.importorskip("napari")

LESION = ph.Lesion("T1", (-20.3, 10.2, 3.0), ph.Ellipsoid((24, 14, 12), angle_deg=35), 90)


def write_phantom(
    directory: Path, grid: ph.Grid, *, description: str = "PHANTOM", **kwargs
) -> ph.WrittenSeries:
    body = ph.body_phantom(body_semi_axes_mm=(60, 45), liver=True, lesions=[LESION])
    hu = ph.render_phantom(body, grid, noise_sd_hu=5, seed=0)
    study = kwargs.pop("study", None) or ph.StudyInfo(dt.date(2024, 3, 6))
    return ph.write_ct_series(
        directory, hu, grid, series_description=description, study=study, **kwargs
    )


GRIDS = {
    "axial": ph.Grid.centred((16, 80, 96), (2.5, 1.5, 1.4), centre_mm=(-20, 10, 3)),
    "sagittal": ph.Grid.centred((16, 80, 96), (2.0, 1.3, 1.5), orientation="sagittal"),
    "coronal": ph.Grid.centred((16, 80, 96), (2.0, 1.3, 1.5), orientation="coronal"),
    "oblique": ph.Grid.centred((16, 80, 96), (2.2, 1.2, 1.4), rotation_deg=(15, -20, 25)),
}


@pytest.fixture(scope="module")
def series_dir(tmp_path_factory) -> ph.WrittenSeries:
    return write_phantom(
        tmp_path_factory.mktemp("axial") / "series",
        GRIDS["axial"],
        description="CT CHEST 2.5",
        window_center_hu=50,
        window_width_hu=350,
    )


# ----------------------------------------------------------------------------- the hook


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda d: d / "missing", id="missing"),
        pytest.param(lambda d: d, id="empty-folder"),
        pytest.param(lambda d: (d / "notes.txt").write_text("hello") and d, id="text-folder"),
        pytest.param(lambda d: (d / "a.txt").write_text("x" * 500) and d / "a.txt", id="text"),
        pytest.param(lambda d: (d / "tiny").write_bytes(b"DICM") and d / "tiny", id="short"),
        pytest.param(
            lambda d: (
                (d / "img.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200)) and d / "img.png"
            ),
            id="png",
        ),
    ],
)
def test_hook_returns_none_for_what_is_not_dicom(tmp_path, make):
    path = make(tmp_path)
    assert _reader.napari_get_reader(str(path)) is None
    assert _reader.napari_get_reader([str(path)]) is None


def test_hook_returns_none_for_several_paths(series_dir):
    paths = [str(p) for p in series_dir.paths[:2]]
    assert _reader.napari_get_reader(paths) is None


def test_hook_accepts_a_file_a_folder_a_parent_folder_and_a_list(series_dir):
    for path in (series_dir.paths[0], series_dir.directory, series_dir.directory.parent):
        assert _reader.napari_get_reader(str(path)) is _reader.read_dicom
    assert _reader.napari_get_reader([str(series_dir.directory)]) is _reader.read_dicom


def test_hook_accepts_dicom_without_extension(tmp_path, series_dir):
    target = tmp_path / "IMG0001"
    target.write_bytes(series_dir.paths[0].read_bytes())
    assert _reader.napari_get_reader(str(target)) is _reader.read_dicom


def test_hook_never_raises_on_unreadable_folder(tmp_path, monkeypatch):
    def boom(*_args, **_kwargs):
        raise PermissionError("no access")

    monkeypatch.setattr(os, "scandir", boom)
    assert _reader.napari_get_reader(str(tmp_path)) is None


# ----------------------------------------------------------------------------- layer data


def _layer(path) -> tuple[napari.layers.Image, tuple]:
    layers = _reader.read_dicom(str(path))
    assert len(layers) == 1
    data, kwargs, layer_type = layers[0]
    assert layer_type == "image"
    return napari.layers.Image(data, **kwargs), layers[0]


def test_layer_carries_series_metadata_and_window(series_dir):
    layer, (data, kwargs, _) = _layer(series_dir.directory)
    assert layer.name == "CT CHEST 2.5"
    assert data.shape == series_dir.grid.shape
    meta = layer.metadata
    assert meta["series_uid"] == series_dir.series_uid
    assert meta["study_uid"] == series_dir.study_uid
    assert meta["study_date"] == "2024-03-06"
    assert meta["modality"] == "CT"
    assert meta["description"] == "CT CHEST 2.5"
    assert meta["warnings"] == []
    # Slice k's SOP instance, for annotations that reference an image.
    assert meta["sop_instance_uids"] == series_dir.sop_instance_uids
    assert tuple(layer.contrast_limits) == pytest.approx((50 - 175, 50 + 175))
    np.testing.assert_allclose(meta["affine_lps"], series_dir.affine, atol=1e-6)
    assert tuple(layer.scale) == pytest.approx(series_dir.grid.spacing_mm)
    assert [str(u) for u in layer.units] == ["millimeter"] * 3


@pytest.mark.parametrize("name", sorted(GRIDS))
def test_world_coordinates_are_lps_millimetres(tmp_path, name):
    """Any voxel maps to its LPS position (through ``world_to_lps``), and the world distance
    between the true long-axis endpoints is the true long axis in mm."""
    written = write_phantom(tmp_path / name, GRIDS[name])
    layer, _ = _layer(written.directory)
    to_lps = layer.metadata["world_to_lps"]
    rng = np.random.default_rng(0)
    for index in rng.uniform(0, np.array(written.grid.shape) - 1, size=(20, 3)):
        world = np.asarray(layer.data_to_world(index))
        lps = to_lps[:3, :3] @ world + to_lps[:3, 3]
        np.testing.assert_allclose(lps, written.grid.index_to_lps(index), atol=1e-6)
    truth = ph.lesion_truth(LESION, written.grid)
    lps_to_world = np.linalg.inv(to_lps)
    ends_world = [lps_to_world[:3, :3] @ p for p in np.asarray(truth.long_axis_endpoints_mm)]
    assert np.linalg.norm(ends_world[1] - ends_world[0]) == pytest.approx(truth.long_axis_mm)
    ends_data = [np.asarray(layer.world_to_data(w)) for w in ends_world]
    for data_point, (row, col) in zip(ends_data, truth.long_axis_endpoints, strict=True):
        np.testing.assert_allclose(data_point, (truth.slice_index, row, col), atol=1e-6)


@pytest.mark.parametrize(
    ("name", "labels", "linear"),
    [
        ("axial", ("S", "P", "L"), np.diag([2.5, 1.5, 1.4])),
        ("sagittal", ("R", "I", "P"), np.diag([2.0, 1.3, 1.5])),
        ("coronal", ("P", "I", "L"), np.diag([2.0, 1.3, 1.5])),
    ],
)
def test_standard_planes_show_in_their_own_plane_without_rotation(tmp_path, name, labels, linear):
    """Radiological display: the last two world axes are (down, right) on screen."""
    written = write_phantom(tmp_path / name, GRIDS[name])
    layer, (_, kwargs, _) = _layer(written.directory)
    assert kwargs["axis_labels"] == labels
    full = layer.affine.affine_matrix[:3, :3] @ np.diag(layer.scale)
    np.testing.assert_allclose(full, linear, atol=1e-9)


def test_one_layer_per_series_named_by_description(tmp_path):
    study = ph.StudyInfo(dt.date(2024, 1, 10))
    first = write_phantom(tmp_path / "s1", GRIDS["axial"], description="AXIAL", study=study)
    second = write_phantom(
        tmp_path / "s2", GRIDS["sagittal"], description="SAG MPR", study=study, series_number=2
    )
    layers = _reader.read_dicom(str(tmp_path))
    names = sorted(kwargs["name"] for _, kwargs, _ in layers)
    assert names == ["AXIAL", "SAG MPR"]
    uids = {kwargs["metadata"]["series_uid"] for _, kwargs, _ in layers}
    assert uids == {first.series_uid, second.series_uid}
    # One world frame for all layers of one read, so they overlay.
    frames = {kwargs["axis_labels"] for _, kwargs, _ in layers}
    assert len(frames) == 1


def test_dicomdir_opens(tmp_path, series_dir):
    from pydicom.fileset import FileSet

    fileset = FileSet()
    for path in series_dir.paths:
        fileset.add(path)
    fileset.write(tmp_path / "export")
    dicomdir = tmp_path / "export" / "DICOMDIR"
    assert _reader.napari_get_reader(str(dicomdir)) is _reader.read_dicom
    layer, _ = _layer(dicomdir)
    assert layer.metadata["series_uid"] == series_dir.series_uid
    np.testing.assert_allclose(layer.metadata["affine_lps"], series_dir.affine, atol=1e-6)


# ----------------------------------------------------------------------------- errors


@pytest.fixture
def notifications(monkeypatch):
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(_reader, "_notify", lambda level, message: seen.append((level, message)))
    return seen


def test_broken_folder_is_a_notification_not_an_exception(tmp_path, notifications):
    bad = tmp_path / "broken"
    bad.mkdir()
    (bad / "IM0001.dcm").write_bytes(bytes(128) + b"DICM" + b"\x02\x00\x10\x00garbage" * 3)
    assert _reader.napari_get_reader(str(bad)) is _reader.read_dicom
    assert _reader.read_dicom(str(bad)) == [(None,)]
    assert len(notifications) == 1
    level, message = notifications[0]
    assert level == "error" and str(bad) in message


def test_one_bad_series_among_good_ones_is_a_warning(tmp_path, notifications, monkeypatch):
    write_phantom(tmp_path / "a", GRIDS["axial"], description="GOOD")
    write_phantom(tmp_path / "b", GRIDS["axial"], description="BAD")
    from recist_reader.io import dicom
    from recist_reader.io.dicom import arriving

    real = arriving.load_series_progressively

    def flaky(path, *, series_uid=None, **kwargs):
        volume = real(path, series_uid=series_uid, **kwargs)
        if volume.description == "BAD":
            raise dicom.GeometryError(f"{path}: slices overlap")
        return volume

    monkeypatch.setattr(arriving, "load_series_progressively", flaky)
    layers = _reader.read_dicom(str(tmp_path))
    assert [kwargs["name"] for _, kwargs, _ in layers] == ["GOOD"]
    assert [level for level, _ in notifications] == ["warning"]
    assert "slices overlap" in notifications[0][1]


def test_a_slice_unreadable_after_the_headers_is_notified_once(
    tmp_path, notifications, monkeypatch
):
    from recist_reader.io.dicom import PixelDataError, arriving

    written = write_phantom(tmp_path / "s", GRIDS["axial"], description="VANISHING")
    lost = str(written.paths[3])
    real = arriving.decode_file

    def decode(path, entries, out):
        if path == lost:
            raise PixelDataError(f"{path}: cannot read pixel data (No such file or directory)")
        return real(path, entries, out)

    monkeypatch.setattr(arriving, "decode_file", decode)
    ((data, kwargs, _),) = _reader.read_dicom(str(written.directory))
    assert notifications == []  # the headers were fine: the layer is there
    slot = kwargs["metadata"]["source_files"].index(lost)
    assert (data[slot] == np.iinfo(data.dtype).min).all()  # black
    data[slot]
    assert len(notifications) == 1
    level, message = notifications[0]
    assert level == "error" and lost in message and "incomplete" in message
    with pytest.raises(PixelDataError):
        np.asarray(data)


def test_geometry_warnings_reach_metadata_and_the_user(tmp_path, notifications):
    written = write_phantom(tmp_path / "gap", GRIDS["axial"], description="GAPPY")
    written.paths[5].unlink()  # a missing slice: the loader interpolates and warns
    layers = _reader.read_dicom(str(written.directory))
    meta = layers[0][1]["metadata"]
    assert meta["warnings"], "the loader should warn about the missing slice"
    assert notifications and notifications[0][0] == "warning"
    assert "GAPPY" in notifications[0][1]


def test_manifest_declares_the_reader_for_every_path():
    npe2 = pytest.importorskip("npe2")
    manifest = npe2.PluginManifest.from_distribution("recist-reader")
    manifest.validate_imports()  # every python_name resolves
    (reader,) = manifest.contributions.readers
    assert reader.command == "recist-reader.get_reader"
    assert reader.accepts_directories and reader.filename_patterns == ["*"]


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["ct_chest_lung_tumour", "ct_head_gantry_tilt", "mr_t1_sagittal"])
def test_shared_series_map_to_the_loader_affine(shared_dicom_dir, name, notifications):
    """Real series, including a gantry-tilted (sheared) one: world -> LPS is the affine."""
    layer, _ = _layer(shared_dicom_dir / name / "series")
    to_lps = layer.metadata["world_to_lps"]
    affine = layer.metadata["affine_lps"]
    rng = np.random.default_rng(1)
    for index in rng.uniform(0, np.array(layer.data.shape) - 1, size=(20, 3)):
        world = np.asarray(layer.data_to_world(index))
        expected = affine[:3, :3] @ index + affine[:3, 3]
        np.testing.assert_allclose(to_lps[:3, :3] @ world, expected, atol=1e-6)
    assert layer.metadata["modality"] in ("CT", "MR")
    if name == "ct_head_gantry_tilt":
        assert any("tilt" in w for w in layer.metadata["warnings"])
        assert any(level == "warning" and "tilt" in m for level, m in notifications)
