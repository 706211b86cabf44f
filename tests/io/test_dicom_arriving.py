"""Series loaded in the background: the same volume as ``load_series``, slice by slice."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from recist_reader import phantom as ph
from recist_reader.io.dicom import PixelDataError, load_series
from recist_reader.io.dicom.arriving import (
    MIN_FILES_IN_BACKGROUND,
    ArrivingSlices,
    load_series_progressively,
)
from recist_reader.io.dicom.loader import prepare_series

from .conftest import assert_same_volume

SLICES = MIN_FILES_IN_BACKGROUND + 8


def _write(folder, *, slices=SLICES, orientation="axial", compression="none"):
    grid = ph.Grid.centred((slices, 24, 20), (2.0, 0.8, 0.7), orientation=orientation)
    hu = np.random.default_rng(slices).integers(-1000, 1500, grid.shape).astype(float)
    return ph.write_ct_series(folder, hu, grid, compression=compression)


@pytest.mark.parametrize("orientation", ["axial", "sagittal"])
def test_the_arriving_volume_is_the_loaded_volume(tmp_path, orientation):
    written = _write(tmp_path, orientation=orientation)
    loaded = load_series(written.directory)
    arriving = load_series_progressively(written.directory)
    assert isinstance(arriving.array, ArrivingSlices)
    assert_same_volume(arriving, loaded)
    assert arriving.array.complete and arriving.array.slices_read == SLICES
    assert arriving.array.shape == loaded.array.shape
    assert arriving.array.dtype == loaded.array.dtype and arriving.array.ndim == 3
    assert len(arriving.array) == SLICES and arriving.array.nbytes == loaded.array.nbytes


@pytest.mark.parametrize(
    "key",
    [
        0,
        -1,
        SLICES // 2,
        slice(3, 9),
        slice(None, None, 5),
        slice(-4, None),
        (5, slice(2, 7), 3),
        (slice(10, 12), Ellipsis),
        (Ellipsis, 4),
        [1, 7, 7, 2],
        np.arange(SLICES) % 3 == 0,
        (),
    ],
)
def test_indexing_before_the_end_gives_what_numpy_gives(tmp_path, key):
    written = _write(tmp_path)
    loaded = load_series(written.directory).array
    arriving = load_series_progressively(written.directory).array  # indexed at once
    np.testing.assert_array_equal(arriving[key], loaded[key])


def test_many_readers_at_once_all_get_their_slices(tmp_path):
    written = _write(tmp_path)
    loaded = load_series(written.directory).array
    arriving = load_series_progressively(written.directory).array
    errors = []

    def read(slot: int) -> None:
        try:
            np.testing.assert_array_equal(arriving[slot], loaded[slot])
        except AssertionError as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(slot,)) for slot in range(SLICES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors and not any(thread.is_alive() for thread in threads)


@pytest.mark.parametrize(
    ("case", "why"),
    [
        ("few slices", "too few files to gain anything"),
        ("RLE", "a compressed frame can be corrupt: decoded before returning"),
        ("missing slice", "resampled volumes need every frame"),
    ],
)
def test_series_that_are_loaded_whole(tmp_path, case, why):
    if case == "few slices":
        written = _write(tmp_path, slices=MIN_FILES_IN_BACKGROUND - 1)
    elif case == "RLE":
        written = _write(tmp_path, compression="rle")
    else:
        written = _write(tmp_path)
        written.paths[5].unlink()
    volume = load_series_progressively(written.directory)
    assert isinstance(volume.array, np.ndarray), why
    np.testing.assert_array_equal(volume.array, load_series(written.directory).array)


def test_a_corrupt_compressed_series_is_still_refused_by_the_call(tmp_path):
    written = _write(tmp_path, compression="rle")
    data = bytearray(written.paths[4].read_bytes())
    written.paths[4].write_bytes(bytes(data[: len(data) - 200]))
    with pytest.raises(PixelDataError) as raised:
        load_series_progressively(written.directory)
    assert written.paths[4].name in str(raised.value)


def test_a_slice_that_cannot_be_read_is_black_reported_once_and_fails_the_result(tmp_path):
    written = _write(tmp_path)
    loaded = load_series(written.directory).array
    series = prepare_series(written.directory)
    frames = list(series.geometry.ordered)
    lost = frames[7].path
    import os

    os.remove(lost)  # vanished after the headers were read
    failures = []
    arriving = ArrivingSlices(
        frames, np.empty(series.acquired_shape, series.acquired_dtype), on_failure=failures.append
    )
    np.testing.assert_array_equal(arriving[6], loaded[6])  # the others are fine
    black = arriving[7]
    assert (black == np.iinfo(black.dtype).min).all()
    arriving[7:9]
    with pytest.raises(PixelDataError) as raised:
        np.asarray(arriving)
    with pytest.raises(PixelDataError):
        arriving.result()
    assert lost in str(raised.value)
    assert len(failures) == 1 and lost in str(failures[0])
    assert arriving.complete and arriving.slices_read == SLICES - 1


def test_result_times_out_rather_than_hanging(tmp_path):
    written = _write(tmp_path)
    series = prepare_series(written.directory)
    release = threading.Event()
    frames = list(series.geometry.ordered)

    class Slow(ArrivingSlices):
        def _take(self):
            release.wait(10)
            return super()._take()

    arriving = Slow(frames, np.empty(series.acquired_shape, series.acquired_dtype))
    with pytest.raises(TimeoutError, match=f"0 of {SLICES} slices read"):
        arriving.result(timeout=0.05)
    release.set()
    assert arriving.result(timeout=30).shape == series.acquired_shape


def test_frames_must_match_the_slices(tmp_path):
    written = _write(tmp_path)
    series = prepare_series(written.directory)
    with pytest.raises(ValueError, match="frames for"):
        ArrivingSlices(list(series.geometry.ordered)[:-1], np.empty(series.acquired_shape))
