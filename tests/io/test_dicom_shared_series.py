"""load_series on the real shared series: exact geometry, order, HU, and what each broken
series in malformed/ gives (see each SOURCE.md)."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest

from recist_reader import SeriesError, Volume, load_series
from recist_reader.io.dicom import (
    AmbiguousSeriesError,
    GeometryError,
    UnknownSeriesError,
    list_series,
)

pytestmark = pytest.mark.shared_data


def _reference_slice(path) -> np.ndarray:
    """A slice decoded independently with plain pydicom, rescaled."""
    ds = pydicom.dcmread(path)
    slope = float(ds.get("RescaleSlope", 1))
    intercept = float(ds.get("RescaleIntercept", 0))
    return ds.pixel_array * slope + intercept


@pytest.fixture(scope="module")
def chest_ct(shared_dicom_dir) -> Volume:
    return load_series(shared_dicom_dir / "ct_chest_lung_tumour" / "series")


@pytest.fixture(scope="module")
def head_ct_dir(shared_dicom_dir):
    return shared_dicom_dir / "ct_head_gantry_tilt" / "series"


@pytest.fixture(scope="module")
def mr_sagittal(shared_dicom_dir) -> Volume:
    return load_series(shared_dicom_dir / "mr_t1_sagittal" / "series")


def test_chest_ct_geometry_is_exact(chest_ct):
    assert chest_ct.array.shape == (30, 512, 512)
    assert chest_ct.spacing_mm == (8.0, 0.646484375, 0.646484375)
    expected = np.array(
        [
            [0.0, 0.0, 0.646484375, -173.1767578125],
            [0.0, 0.646484375, 0.0, -294.1767578125],
            [8.0, 0.0, 0.0, 80.0],
            [0.0, 0.0, 0.0, 1.0],
        ]
    )
    np.testing.assert_allclose(chest_ct.affine, expected, rtol=0, atol=1e-9)
    assert chest_ct.warnings == []
    assert chest_ct.modality == "CT"
    assert chest_ct.study_date == "2007-04-25"
    assert chest_ct.series_uid.endswith("057216610983")
    assert chest_ct.slice_thickness_mm == 8.0


def test_chest_ct_is_ordered_along_the_normal_not_by_file_name(chest_ct, shared_dicom_dir):
    series = shared_dicom_dir / "ct_chest_lung_tumour" / "series"
    # 1-01.dcm is the most superior slice (z = 312); ascending along +z puts it last.
    assert chest_ct.source_files[0].endswith("1-30.dcm")
    assert chest_ct.source_files[-1].endswith("1-01.dcm")
    np.testing.assert_array_equal(chest_ct.array[0], _reference_slice(series / "1-30.dcm"))
    np.testing.assert_array_equal(chest_ct.array[29], _reference_slice(series / "1-01.dcm"))
    np.testing.assert_array_equal(chest_ct.array[12], _reference_slice(series / "1-18.dcm"))


def test_chest_ct_is_in_hounsfield_units(chest_ct):
    assert chest_ct.array.dtype == np.int16
    assert chest_ct.array.min() == -1024  # air outside the body: stored 0 + intercept -1024
    lung_and_body = chest_ct.array[15]
    assert (lung_and_body < -500).mean() > 0.3 and (lung_and_body > 0).mean() > 0.05


def test_chest_ct_window_presets_file_first_then_standard(chest_ct):
    presets = list(chest_ct.window_presets.items())
    assert presets[:2] == [("file: WINDOW1", (40.0, 350.0)), ("file: WINDOW2", (-600.0, 1200.0))]
    for name in ("soft tissue", "liver", "lung", "bone", "brain"):
        assert name in chest_ct.window_presets


def test_affine_maps_indices_to_slice_positions(chest_ct):
    corner = chest_ct.index_to_lps((29, 0, 0))
    np.testing.assert_allclose(corner, [-173.1767578125, -294.1767578125, 312.0])
    far = chest_ct.index_to_lps((0, 511, 511))
    np.testing.assert_allclose(
        far, [-173.1767578125 + 511 * 0.646484375, -294.1767578125 + 511 * 0.646484375, 80.0]
    )
    np.testing.assert_allclose(chest_ct.lps_to_index(far), [0, 511, 511], atol=1e-9)


def test_sagittal_mr_affine_uses_the_orientation(mr_sagittal, shared_dicom_dir):
    # IOP (0,1,0 / 0,0,-1): columns run anterior->posterior (+y), rows head->feet (-z);
    # the normal is -x, so slices go from x = +81.6 (left) to x = -81.6 (right).
    assert mr_sagittal.array.shape == (35, 256, 256)
    np.testing.assert_allclose(mr_sagittal.spacing_mm, (4.8, 1.015625, 1.015625), atol=1e-6)
    expected = np.array(
        [
            [-4.8, 0.0, 0.0, 81.599998474121],
            [0.0, 0.0, 1.015625, -130.0],
            [0.0, -1.015625, 0.0, 130.0],
            [0.0, 0.0, 0.0, 1.0],
        ]
    )
    np.testing.assert_allclose(mr_sagittal.affine, expected, rtol=0, atol=1e-6)
    assert mr_sagittal.warnings == []
    assert mr_sagittal.modality == "MR"
    assert mr_sagittal.array.dtype == np.uint16  # no rescale in these files
    first = mr_sagittal.source_files[0]
    assert "0035_" in first
    np.testing.assert_array_equal(mr_sagittal.array[0], _reference_slice(first))
    assert mr_sagittal.window_presets == {"file: Algo1": (523.0, 1071.0)}


def test_tilted_head_ct_has_sheared_affine_and_resampled_uneven_spacing(head_ct_dir):
    volume = load_series(head_ct_dir)
    tilt, uneven = volume.warnings
    assert tilt.startswith("gantry tilt 18.50° (GantryDetectorTilt 18.5°)")
    assert "affine is sheared" in tilt and "not resampled" in tilt
    assert uneven.startswith(
        "uneven slice spacing: slice gaps 4.00 mm x13, 1.08 mm x1, 7.00 mm x13 along the normal"
    )
    assert "regular 4.00 mm grid" in uneven
    # 13 x 4 mm + 1.08 mm + 13 x 7 mm = 144.08 mm along the normal -> 37 slices at 4 mm
    assert volume.array.shape == (37, 512, 512)
    assert volume.slice_interval_mm == pytest.approx(4.22 * 0.9483237, abs=1e-5)
    assert volume.gantry_tilt_deg == pytest.approx(18.5, abs=0.01)
    # The slice axis follows the table (+z) while the planes are tilted: a shear.
    np.testing.assert_allclose(volume.affine[:3, 0], [0.0, 0.0, 4.22], atol=1e-4)
    np.testing.assert_allclose(
        volume.affine[:3, 1], [0.0, 0.9483237 * 0.4882812, -0.3173047 * 0.4882812], atol=1e-6
    )
    np.testing.assert_allclose(volume.affine[:3, 3], [-125.0, -123.5404569, 5.8360586])
    # The 4 mm part is kept exactly; the rest is interpolated and listed.
    assert volume.interpolated_slices == tuple(range(14, 37))
    for index, name in ((0, "01.dcm"), (13, "14.dcm")):
        np.testing.assert_array_equal(volume.array[index], _reference_slice(head_ct_dir / name))
        position = pydicom.dcmread(head_ct_dir / name, stop_before_pixels=True)
        np.testing.assert_allclose(
            volume.index_to_lps((index, 0, 0)),
            [float(v) for v in position.ImagePositionPatient],
            atol=1e-4,
        )


def test_tilted_head_ct_can_be_refused_instead_of_resampled(head_ct_dir):
    with pytest.raises(GeometryError, match="uneven slice spacing: slice gaps 4.00 mm x13"):
        load_series(head_ct_dir, allow_resampling=False)


def test_malformed_gantrytilting_loads_with_a_shear(shared_dicom_dir):
    volume = load_series(shared_dicom_dir / "malformed" / "gantrytilting")
    assert volume.array.shape == (4, 512, 512)
    assert len(volume.warnings) == 1 and volume.warnings[0].startswith("gantry tilt 14.00°")
    np.testing.assert_allclose(volume.affine[:3, 0], [0.0, 0.0, 5.0], atol=1e-9)
    assert volume.slice_interval_mm == pytest.approx(5.0 * 0.970295726276, abs=1e-6)


def test_malformed_notavolume_is_refused_for_duplicate_positions(shared_dicom_dir):
    with pytest.raises(GeometryError, match=r"duplicate positions: 00\d.dcm and 00\d.dcm") as err:
        load_series(shared_dicom_dir / "malformed" / "notavolume")
    assert "4 slices share positions" in str(err.value)
    assert "notavolume" in str(err.value)


def test_malformed_slicecount_loads_with_a_warning(shared_dicom_dir):
    volume = load_series(shared_dicom_dir / "malformed" / "slicecount")
    assert volume.array.shape == (2, 256, 256)
    assert volume.spacing_mm == pytest.approx((1.0, 1.0, 1.0))
    assert any("only 2 slices" in w for w in volume.warnings)
    assert any("001_ground_truth.nii.gz: skipped: not a DICOM file" in n for n in volume.notes)


def test_malformed_missing_slice_is_filled_and_listed(shared_dicom_dir):
    folder = shared_dicom_dir / "malformed" / "sliceincrement" / "001"
    volume = load_series(folder)
    assert volume.array.shape == (5, 512, 512)
    assert volume.interpolated_slices == (3,)
    (warning,) = volume.warnings
    assert warning.startswith("missing slices: 1 slice(s) missing in 1 gap(s)")
    assert "do not measure on them" in warning
    np.testing.assert_allclose(volume.array[3], (volume.array[2] + volume.array[4]) / 2, atol=1e-3)
    with pytest.raises(GeometryError, match="missing slices: 1 slice"):
        load_series(folder, allow_resampling=False)


def test_malformed_tilted_series_with_missing_slice(shared_dicom_dir):
    volume = load_series(shared_dicom_dir / "malformed" / "sliceincrement" / "002")
    assert volume.interpolated_slices == (3,)
    assert volume.warnings[0].startswith("gantry tilt 15.50°")
    assert volume.warnings[1].startswith("missing slices")


def test_two_series_without_a_choice_is_an_error_listing_them(shared_dicom_dir):
    folder = shared_dicom_dir / "malformed" / "sliceincrement"
    with pytest.raises(AmbiguousSeriesError, match="2 series found") as err:
        load_series(folder)
    keys = [c.key for c in err.value.candidates]
    assert all(f"{key} (CT, 'no description', 4 slices)" in str(err.value) for key in keys)
    volume = load_series(folder, series_uid=keys[1])
    assert volume.series_uid == keys[1]
    with pytest.raises(UnknownSeriesError, match="no series '1.2.3'"):
        load_series(folder, series_uid="1.2.3")


def test_mixed_orientations_are_split_and_named(shared_dicom_dir):
    folder = shared_dicom_dir / "malformed" / "sliceorientation"
    with pytest.raises(AmbiguousSeriesError, match="mixes 2 orientations and 2 pixel spacings"):
        load_series(folder)
    uid = pydicom.dcmread(next(folder.rglob("*.dcm")), stop_before_pixels=True).SeriesInstanceUID
    with pytest.raises(AmbiguousSeriesError, match=f"series {uid} was split into 2 parts"):
        load_series(folder, series_uid=uid)
    part = load_series(folder, series_uid=f"{uid}#1")
    assert part.array.shape == (2, 288, 288)
    assert part.warnings[0].startswith(f"series {uid} was split (part 1 of 2")
    assert part.series_key == f"{uid}#1"


def test_every_failure_is_a_series_error(shared_dicom_dir):
    for folder in ("malformed/notavolume", "malformed/sliceorientation", "transfer_syntaxes"):
        with pytest.raises(SeriesError):
            load_series(shared_dicom_dir / folder)


def test_list_series_reports_geometry_without_pixels(shared_dicom_dir):
    listing = list_series(shared_dicom_dir / "malformed")
    by_folder = {info.summary.key: info for info in listing.series}
    assert len(by_folder) == 7  # gantrytilting, notavolume, slicecount, 2 x sliceincrement, 2 parts
    errors = [info for info in listing.series if info.error]
    assert len(errors) == 1 and "duplicate positions" in errors[0].error
    shapes = sorted(info.shape for info in listing.series if info.shape)
    assert shapes[0] == (2, 256, 256)


def test_tumour_box_slices_are_consecutive_in_the_volume(chest_ct, shared_dicom_dir):
    boxes = shared_dicom_dir / "ct_chest_lung_tumour" / "tumour_boxes"
    indices = sorted(chest_ct.sop_instance_uids.index(p.stem) for p in boxes.glob("*.xml"))
    assert indices == list(range(12, 22))


@pytest.mark.parametrize(
    "folder", ["ct_chest_lung_tumour/series", "ct_head_gantry_tilt/series", "mr_t1_sagittal/series"]
)
def test_affine_is_direction_times_spacing(shared_dicom_dir, folder):
    volume = load_series(shared_dicom_dir / folder)
    np.testing.assert_allclose(
        volume.affine[:3, :3], volume.direction @ np.diag(volume.spacing_mm), atol=1e-9
    )
    np.testing.assert_allclose(np.linalg.norm(volume.direction, axis=0), 1.0, atol=1e-9)
    np.testing.assert_allclose(volume.affine[3], [0, 0, 0, 1])
    assert volume.slice_positions_mm.shape == (volume.array.shape[0], 3)
    np.testing.assert_allclose(
        volume.slice_positions_mm,
        volume.index_to_lps(
            np.column_stack(
                [np.arange(volume.array.shape[0]), np.zeros((volume.array.shape[0], 2))]
            )
        ),
        atol=1e-6,
    )


def test_tilted_head_ct_regular_stacks_load_exactly(head_ct_dir):
    whole = load_series(head_ct_dir)
    key = whole.series_key
    assert (
        f"'{key}#stack1' (slices 1-14, 4.00 mm), '{key}#stack2' (slices 15-28, 7.00 mm)"
        in (whole.warnings[1])
    )
    upper = load_series(head_ct_dir, series_uid=f"{key}#stack2")
    assert upper.array.shape == (14, 512, 512) and upper.interpolated_slices == ()
    assert upper.warnings[0].startswith(f"series {key} was split (stack 2 of 2: acquired slices")
    assert upper.warnings[1].startswith("gantry tilt 18.50°")
    np.testing.assert_allclose(upper.affine[:3, 0], [0.0, 0.0, 7.38], atol=1e-4)
    for index, name in ((0, "15.dcm"), (13, "28.dcm")):
        np.testing.assert_array_equal(upper.array[index], _reference_slice(head_ct_dir / name))
        header = pydicom.dcmread(head_ct_dir / name, stop_before_pixels=True)
        np.testing.assert_allclose(
            upper.index_to_lps((index, 0, 0)),
            [float(v) for v in header.ImagePositionPatient],
            atol=1e-4,
        )
    with pytest.raises(UnknownSeriesError, match="has no stack 3 \\(it has 2 regular stacks\\)"):
        load_series(head_ct_dir, series_uid=f"{key}#stack3")
