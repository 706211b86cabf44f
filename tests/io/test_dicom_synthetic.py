"""load_series on small synthetic series written with pydicom: exact geometry by construction."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from recist_reader import load_series
from recist_reader.io.dicom import AmbiguousSeriesError, GeometryError, list_series


def test_axial_series_exact_affine_and_order(tmp_path, dicom_factory):
    dicom_factory.write_ct_series(tmp_path, n=5, step_mm=2.5, pixel_spacing=(0.5, 0.75))
    volume = load_series(tmp_path)
    assert volume.array.shape == (5, 6, 8)
    assert volume.spacing_mm == pytest.approx((2.5, 0.5, 0.75), abs=1e-9)
    expected = np.array([[0, 0, 0.75, -20.0], [0, 0.5, 0, -30.0], [2.5, 0, 0, 40.0], [0, 0, 0, 1]])
    np.testing.assert_allclose(volume.affine, expected, atol=1e-9)
    # value = 1100 + 10 * k + column - 1024 (HU), k = index along the normal
    expected_values = 76 + 10 * np.arange(5)[:, None, None] + np.arange(8)[None, None, :]
    np.testing.assert_array_equal(volume.array, np.broadcast_to(expected_values, (5, 6, 8)))
    assert volume.array.dtype == np.int16
    assert volume.warnings == []
    assert volume.study_date == "2024-01-10"
    assert volume.description == "synthetic"


def test_oblique_orientation_affine(tmp_path, dicom_factory):
    c, s = np.cos(np.radians(30)), np.sin(np.radians(30))
    orientation = (c, s, 0.0, 0.0, 0.0, -1.0)  # coronal-ish, rotated 30° about z
    dicom_factory.write_ct_series(
        tmp_path, n=3, step_mm=3.0, orientation=orientation, pixel_spacing=(0.9, 0.7)
    )
    volume = load_series(tmp_path)
    normal = np.cross(orientation[:3], orientation[3:])
    np.testing.assert_allclose(volume.affine[:3, 0], 3.0 * normal, atol=1e-6)
    np.testing.assert_allclose(volume.affine[:3, 1], 0.9 * np.array(orientation[3:]), atol=1e-6)
    np.testing.assert_allclose(volume.affine[:3, 2], 0.7 * np.array(orientation[:3]), atol=1e-6)
    np.testing.assert_allclose(volume.affine[:3, 3], [-20.0, -30.0, 40.0], atol=1e-6)
    assert volume.warnings == []


def test_enhanced_multiframe_ct_uses_per_frame_positions(tmp_path, dicom_factory):
    spec = dicom_factory.write_enhanced_ct(tmp_path / "enhanced.dcm", n=5, step_mm=1.25)
    volume = load_series(tmp_path / "enhanced.dcm")
    assert volume.array.shape == (5, 6, 7)
    # frames are stored shuffled; the volume is ordered along the normal
    np.testing.assert_array_equal(volume.array[:, 0, 0], 1000 + 10 * np.arange(5) - 1024)
    row_dir = np.array(spec["orientation"][:3])
    col_dir = np.array(spec["orientation"][3:])
    np.testing.assert_allclose(volume.affine[:3, 0], 1.25 * spec["normal"], atol=1e-9)
    np.testing.assert_allclose(volume.affine[:3, 1], 0.8 * col_dir, atol=1e-9)
    np.testing.assert_allclose(volume.affine[:3, 2], 0.6 * row_dir, atol=1e-9)
    np.testing.assert_allclose(volume.affine[:3, 3], spec["origin"], atol=1e-9)
    assert volume.warnings == []
    assert volume.window_presets["soft tissue"] == (40.0, 400.0)


def test_enhanced_multiframe_with_a_missing_frame_is_resampled(tmp_path, dicom_factory):
    dicom_factory.write_enhanced_ct(tmp_path / "gap.dcm", n=4, frame_order=[0, 1, 3, 4])
    volume = load_series(tmp_path / "gap.dcm")
    assert volume.interpolated_slices == (2,)
    np.testing.assert_allclose(volume.array[:, 0, 0], [-24, -14, -4, 6, 16])
    with pytest.raises(GeometryError, match="gap.dcm: missing slices"):
        load_series(tmp_path / "gap.dcm", allow_resampling=False)


def test_enhanced_multiframe_with_duplicate_frames_is_refused(tmp_path, dicom_factory):
    dicom_factory.write_enhanced_ct(tmp_path / "dup.dcm", n=3, frame_order=[0, 1, 1])
    with pytest.raises(GeometryError, match=r"duplicate positions: dup.dcm frame \d"):
        load_series(tmp_path / "dup.dcm")


def _write_non_image(path, sop_class, modality="SR"):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = modality
    ds.save_as(path, enforce_file_format=True)


def test_non_images_and_junk_are_skipped_with_notes(tmp_path, dicom_factory):
    paths = dicom_factory.write_ct_series(tmp_path / "ct", n=3)
    _write_non_image(tmp_path / "report.dcm", "1.2.840.10008.5.1.4.1.1.88.33")  # Comprehensive SR
    _write_non_image(tmp_path / "gsps.dcm", "1.2.840.10008.5.1.4.1.1.11.1", "PR")
    localizer = pydicom.dcmread(paths[0])
    localizer.SeriesInstanceUID = generate_uid()
    localizer.SOPInstanceUID = generate_uid()
    localizer.ImageType = ["ORIGINAL", "PRIMARY", "LOCALIZER"]
    localizer.save_as(tmp_path / "scout.dcm")
    capture = pydicom.dcmread(paths[0])
    capture.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    capture.SeriesInstanceUID = generate_uid()
    capture.SOPInstanceUID = generate_uid()
    capture.save_as(tmp_path / "screenshot.dcm")
    (tmp_path / "README.txt").write_text("hello")
    (tmp_path / ".DS_Store").write_bytes(b"\0" * 10)
    volume = load_series(tmp_path)
    assert volume.array.shape == (3, 6, 8)
    notes = "\n".join(volume.notes)
    assert "report.dcm: skipped: no pixel data (Comprehensive SR Storage: not an image)" in notes
    assert "gsps.dcm: skipped: no pixel data (Grayscale Softcopy Presentation State" in notes
    assert "scout.dcm: skipped: a localizer/scout image" in notes
    assert "screenshot.dcm: skipped: a secondary capture" in notes
    assert "README.txt: skipped: not a DICOM file" in notes
    assert ".DS_Store" not in notes


def test_series_are_grouped_by_uid_and_chosen_by_series_uid(tmp_path, dicom_factory):
    dicom_factory.write_ct_series(tmp_path / "a", n=3, series_uid="1.2.3.4")
    dicom_factory.write_ct_series(tmp_path / "b", n=4, series_uid="1.2.3.5", step_mm=1.0)
    with pytest.raises(AmbiguousSeriesError) as err:
        load_series(tmp_path)
    assert str(err.value).endswith(
        "2 series found, choose one with series_uid=: 1.2.3.4 (CT, 'synthetic', 3 slices); "
        "1.2.3.5 (CT, 'synthetic', 4 slices)"
    )
    assert load_series(tmp_path, series_uid="1.2.3.5").array.shape == (4, 6, 8)


def test_repeated_acquisitions_of_one_uid_are_split(tmp_path, dicom_factory):
    first = dicom_factory.write_ct_series(tmp_path / "a", n=3, series_uid="1.2.3.9")
    second = dicom_factory.write_ct_series(tmp_path / "b", n=3, series_uid="1.2.3.9")
    for number, paths in ((1, first), (2, second)):
        for path in paths:
            ds = pydicom.dcmread(path)
            ds.AcquisitionNumber = number
            ds.save_as(path)
    summaries = [info.summary for info in list_series(tmp_path).series]
    assert [s.key for s in summaries] == ["1.2.3.9#1", "1.2.3.9#2"]
    assert "repeats 2 acquisitions of the same positions" in summaries[0].split_reason
    volume = load_series(tmp_path, series_uid="1.2.3.9#2")
    assert volume.array.shape == (3, 6, 8)


def test_a_single_file_of_a_series_loads_as_one_slice(tmp_path, dicom_factory):
    paths = dicom_factory.write_ct_series(tmp_path, n=3, step_mm=2.5)
    volume = load_series(paths[1])
    assert volume.array.shape == (1, 6, 8)
    assert volume.spacing_mm[0] == 2.5
    assert volume.warnings[0].startswith("single slice: the slice spacing (2.5 mm)")


def test_dicomdir_is_followed(tmp_path, dicom_factory):
    from pydicom.fileset import FileSet

    paths = dicom_factory.write_ct_series(tmp_path / "src", n=4)
    fileset = FileSet()
    for path in paths:
        fileset.add(path)
    fileset.write(tmp_path / "media")
    volume = load_series(tmp_path / "media" / "DICOMDIR")
    assert volume.array.shape == (4, 6, 8)
    np.testing.assert_allclose(volume.affine[:3, 3], [-20.0, -30.0, 40.0])


def test_tilted_series_gets_a_sheared_affine(tmp_path, dicom_factory):
    tilt = np.radians(20)
    orientation = (1.0, 0.0, 0.0, 0.0, np.cos(tilt), -np.sin(tilt))
    positions = [(-20.0, -30.0, 40.0 + 3.0 * k) for k in range(4)]  # table moves along z
    dicom_factory.write_ct_series(tmp_path, positions=positions, orientation=orientation)
    volume = load_series(tmp_path)
    np.testing.assert_allclose(volume.affine[:3, 0], [0.0, 0.0, 3.0], atol=1e-6)
    assert volume.gantry_tilt_deg == pytest.approx(20.0, abs=1e-4)
    assert volume.warnings[0].startswith("gantry tilt 20.00°")
    # every voxel lands where its own slice's ImagePositionPatient says
    for k, position in enumerate(positions):
        np.testing.assert_allclose(volume.index_to_lps((k, 0, 0)), position, atol=1e-5)


def test_mixed_image_sizes_in_one_uid_are_split(tmp_path, dicom_factory):
    dicom_factory.write_ct_series(tmp_path / "a", n=3, series_uid="1.2.3.7")
    dicom_factory.write_ct_series(
        tmp_path / "b", n=2, series_uid="1.2.3.7", shape=(10, 12), step_mm=5.0
    )
    with pytest.raises(AmbiguousSeriesError, match="the series mixes 2 image sizes"):
        load_series(tmp_path)
    assert load_series(tmp_path, series_uid="1.2.3.7#2").array.shape == (2, 10, 12)


def test_dose_and_segmentation_objects_are_skipped(tmp_path, dicom_factory):
    paths = dicom_factory.write_ct_series(tmp_path, n=2)
    dose = pydicom.dcmread(paths[0])
    dose.Modality = "RTDOSE"
    dose.SeriesInstanceUID = generate_uid()
    dose.SOPInstanceUID = generate_uid()
    dose.save_as(tmp_path / "dose.dcm")
    volume = load_series(tmp_path)
    assert volume.array.shape == (2, 6, 8)
    assert any("dose.dcm: skipped: a RTDOSE object" in note for note in volume.notes)


def test_mr_rescale_is_applied_as_float(tmp_path, dicom_factory):
    paths = dicom_factory.write_ct_series(tmp_path, n=2, intercept=0.0)
    for path in paths:
        ds = pydicom.dcmread(path)
        ds.Modality = "MR"
        ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
        ds.RescaleSlope = "0.5"
        ds.RescaleIntercept = "2"
        ds.save_as(path)
    volume = load_series(tmp_path)
    assert volume.array.dtype == np.float32
    np.testing.assert_array_equal(volume.array[0, 0, :3], [552.0, 552.5, 553.0])
    assert "soft tissue" not in volume.window_presets


def test_dataset_without_preamble_is_read(tmp_path, dicom_factory):
    (path,) = dicom_factory.write_ct_series(tmp_path / "src", n=1)
    ds = pydicom.dcmread(path)
    raw = tmp_path / "raw" / "IMG0001"
    raw.parent.mkdir()
    ds.preamble = None
    del ds.file_meta
    pydicom.dcmwrite(raw, ds, implicit_vr=True, little_endian=True)
    assert raw.read_bytes()[:2] == b"\x08\x00"
    volume = load_series(raw.parent)
    assert volume.array.shape == (1, 6, 8)
    assert volume.sop_instance_uids == (ds.SOPInstanceUID,)


def test_copies_of_the_same_instance_are_dropped_with_a_note(tmp_path, dicom_factory):
    import shutil

    paths = dicom_factory.write_ct_series(tmp_path / "a", n=3)
    (tmp_path / "b").mkdir()
    shutil.copy(paths[0], tmp_path / "b" / "copy.dcm")
    volume = load_series(tmp_path)
    assert volume.array.shape == (3, 6, 8)
    assert any("copy.dcm: skipped: same SOPInstanceUID as" in note for note in volume.notes)
