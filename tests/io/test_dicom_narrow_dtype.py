"""The loader keeps the narrowest integer type that holds the actual values (issue 13, part 4).

A signed 16-bit CT with RescaleIntercept -1024 may, by its header, hold values that need
int32; when its actual values fit int16 it loads as int16 (as dcm2niix keeps it), and when
one value does not fit it loads as int32. Either way every voxel equals pydicom's stored
value times the slope plus the intercept, computed in int64.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest

from recist_reader import phantom as ph
from recist_reader.io.dicom import load_series
from recist_reader.io.dicom.arriving import (
    MIN_FILES_IN_BACKGROUND,
    ArrivingSlices,
    load_series_progressively,
)
from recist_reader.io.dicom.pixels import narrowest_dtype, output_dtype

from .conftest import assert_same_volume

SLICES = MIN_FILES_IN_BACKGROUND + 4


def _expected_hu(folder: Path, volume) -> np.ndarray:
    """pydicom's stored values, rescaled in int64, in the volume's slice order."""
    by_uid = {}
    for path in folder.iterdir():
        ds = pydicom.dcmread(path)
        slope, intercept = int(ds.RescaleSlope), int(ds.RescaleIntercept)
        by_uid[ds.SOPInstanceUID] = ds.pixel_array.astype(np.int64) * slope + intercept
    return np.stack([by_uid[uid] for uid in volume.sop_instance_uids])


def _signed_ct(folder: Path, hu: np.ndarray, **kwargs):
    grid = ph.Grid.centred(hu.shape, (2.0, 0.8, 0.7))
    return ph.write_ct_series(folder, hu, grid, signed=True, bits_stored=16, **kwargs)


def _hu(slices: int = SLICES) -> np.ndarray:
    rng = np.random.default_rng(7)
    return rng.integers(-1024, 3071, (slices, 12, 10)).astype(float)


def _set_stored_value(path: Path, row: int, column: int, value: int) -> None:
    ds = pydicom.dcmread(path)
    stored = ds.pixel_array.copy()
    stored[row, column] = value
    ds.PixelData = stored.astype("<i2").tobytes()
    ds.save_as(path)


@pytest.mark.parametrize("compression", ["none", "rle"])
def test_a_signed_ct_whose_values_fit_stays_int16_with_exact_values(tmp_path, compression):
    written = _signed_ct(tmp_path, _hu(), compression=compression)
    volume = load_series(written.directory)
    assert written.signed and written.rescale_intercept == -1024
    assert volume.array.dtype == np.int16
    np.testing.assert_array_equal(volume.array, _expected_hu(written.directory, volume))


def test_the_header_range_alone_would_need_int32(tmp_path):
    """What decides int16 is the values: the header range of the same series needs int32."""
    from recist_reader.io.dicom.loader import prepare_series

    written = _signed_ct(tmp_path, _hu())
    series = prepare_series(written.directory)
    assert output_dtype(series.geometry.ordered) == np.int32
    assert narrowest_dtype(series.geometry.ordered) == np.int16
    assert series.acquired_dtype == np.int16 and series.wide_dtype == np.int32


@pytest.mark.parametrize("compression", ["none", "rle"])
@pytest.mark.parametrize("which", ["first", "middle", "last"])
def test_one_value_beyond_int16_makes_the_volume_int32_with_exact_values(
    tmp_path, compression, which
):
    """Stored -32768 (a padding value) with intercept -1024 is -33792 HU: int32."""
    written = _signed_ct(tmp_path, _hu(), compression="none")
    files = sorted(written.directory.iterdir())
    target = {"first": files[0], "middle": files[len(files) // 2], "last": files[-1]}[which]
    _set_stored_value(target, 3, 4, -32768)
    if compression == "rle":
        for path in files:
            ds = pydicom.dcmread(path)
            ds.compress(pydicom.uid.RLELossless)
            ds.save_as(path)
    volume = load_series(written.directory)
    assert volume.array.dtype == np.int32
    expected = _expected_hu(written.directory, volume)
    assert expected.min() == -33792
    np.testing.assert_array_equal(volume.array, expected)


def test_arriving_slices_widen_when_a_late_slice_does_not_fit(tmp_path):
    written = _signed_ct(tmp_path, _hu())
    files = sorted(written.directory.iterdir())
    _set_stored_value(files[-1], 0, 0, 32767)  # 31743 HU fits; the next one does not
    _set_stored_value(files[0], 1, 1, -32768)
    loaded = load_series(written.directory)
    arriving = load_series_progressively(written.directory)
    assert isinstance(arriving.array, ArrivingSlices)
    middle = np.asarray(arriving.array[SLICES // 2])  # read before the edges, as int16 or not
    assert_same_volume(arriving, loaded)
    assert loaded.array.dtype == np.int32 and arriving.array.dtype == np.int32
    np.testing.assert_array_equal(middle, loaded.array[SLICES // 2])


def test_arriving_slices_of_a_fitting_signed_ct_are_int16(tmp_path):
    written = _signed_ct(tmp_path, _hu())
    arriving = load_series_progressively(written.directory)
    assert isinstance(arriving.array, ArrivingSlices)
    assert arriving.array.dtype == np.int16
    assert_same_volume(arriving, load_series(written.directory))


def test_a_rescale_product_beyond_int16_that_comes_back_into_range_is_exact(tmp_path):
    """Slope 2, intercept -20000: stored 20000 is 20000 HU although 2 x 20000 is not int16."""
    written = _signed_ct(tmp_path, _hu(4), rescale_slope=2.0, rescale_intercept=-20000.0)
    files = sorted(written.directory.iterdir())
    _set_stored_value(files[1], 2, 2, 20000)
    volume = load_series(written.directory)
    assert volume.array.dtype == np.int16
    expected = _expected_hu(written.directory, volume)
    assert expected.max() == 20000
    np.testing.assert_array_equal(volume.array, expected)


def test_an_unsigned_12_bit_ct_stays_int16_without_looking_at_values(tmp_path):
    grid = ph.Grid.centred((4, 12, 10), (2.0, 0.8, 0.7))
    written = ph.write_ct_series(tmp_path, _hu(4), grid, signed=False, bits_stored=12)
    volume = load_series(written.directory)
    assert volume.array.dtype == np.int16
    np.testing.assert_array_equal(volume.array, _expected_hu(written.directory, volume))
