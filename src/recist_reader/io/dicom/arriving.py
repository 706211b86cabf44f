"""Load a series in the background: the headers now, the slices as they are read.

A viewer needs the geometry and the slice on screen, not the whole volume, to show a
series. :func:`load_series_progressively` reads and validates the headers as
:func:`~recist_reader.io.dicom.load_series` does, then returns a :class:`Volume` whose
``array`` is an :class:`ArrivingSlices`: reader threads fill it from the middle slice
outwards, and indexing it waits for the slices it touches (asking for them first), so a
viewer shows the series as soon as its middle slice is read. ``np.asarray`` of it waits for
every slice.

Only series whose every frame can fail nothing but a file read once the headers are checked
are loaded this way: uncompressed single-file frames on a regular grid, with a display
window known from the headers. Anything else (compressed data, whose frames can be corrupt;
resampled volumes; an image without a window) is loaded whole before returning, so every
decoding error is still raised by the call.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from recist_reader.io.dicom.errors import PixelDataError
from recist_reader.io.dicom.headers import FrameHeader
from recist_reader.io.dicom.loader import PreparedSeries, is_dicomweb_url, prepare_series
from recist_reader.io.dicom.pixels import (
    ValuesOutOfRange,
    decode_file,
    is_native,
    reader_threads,
)
from recist_reader.io.dicom.volume import Volume

#: Series with fewer files are loaded whole: showing them early gains nothing.
MIN_FILES_IN_BACKGROUND = 16

FailureCallback = Callable[[PixelDataError], None]
#: Reads one slice into ``array[slot]``: ``read_slice(slot, frame, array)``.
SliceReader = Callable[[int, FrameHeader, np.ndarray], None]


def read_slice_from_file(slot: int, frame: FrameHeader, array: np.ndarray) -> None:
    """Decode ``frame`` from its file into ``array[slot]``, rescaled."""
    decode_file(frame.path, [(slot, frame)], array)


class ArrivingSlices:
    """A (slices, rows, columns) array whose slices are read by background threads.

    Indexing (``slices[k]``, ``slices[a:b, ...]``) waits until the slices it touches are
    read, and asks for them before the others. ``np.asarray(slices)`` waits for all of them
    and returns the volume, or raises the :class:`PixelDataError` of the first slice that
    failed. A slice that failed reads as the type's minimum (black); ``on_failure`` is
    called once, in the thread that indexes or waits, with the first failure.

    Parameters
    ----------
    frames : sequence of FrameHeader
        One per slice, in slice order, each its own uncompressed file.
    array : ndarray
        The (unfilled) output, shape (slices, rows, columns).
    on_failure : callable, optional
        Told of the first failure.
    threads : int, optional
        Reader threads (default: up to two, as ``load_series``).
    wide_dtype : numpy.dtype, optional
        When ``array`` is narrower than the headers allow (``PreparedSeries.wide_dtype``):
        the type the array becomes, its slices read so far converted, as soon as a slice's
        values do not fit it, so that the values are always exact.
    read_slice : callable, optional
        Reads one slice into the array (default: decode it from its file).
    """

    def __init__(
        self,
        frames: list[FrameHeader],
        array: np.ndarray,
        *,
        on_failure: FailureCallback | None = None,
        threads: int | None = None,
        wide_dtype: np.dtype | None = None,
        read_slice: SliceReader = read_slice_from_file,
    ) -> None:
        if len(frames) != array.shape[0]:
            raise ValueError(f"{len(frames)} frames for {array.shape[0]} slices")
        self._array = array
        self._frames = frames
        self._wide_dtype = wide_dtype
        self._read_slice = read_slice
        self._on_failure = on_failure
        self._condition = threading.Condition()
        self._ready = np.zeros(len(frames), dtype=bool)
        self._taken = np.zeros(len(frames), dtype=bool)
        self._failures: dict[int, PixelDataError] = {}
        self._reported = False
        self._complete = False
        middle = (len(frames) - 1) / 2
        self._order = sorted(range(len(frames)), key=lambda slot: (abs(slot - middle), slot))
        self._next = 0
        self._wanted: list[int] = []
        self._unread = len(frames)
        count = threads if threads is not None else reader_threads()
        self._workers = [
            threading.Thread(
                target=self._read_slices, name=f"recist-reader slices {k}", daemon=True
            )
            for k in range(max(1, count))
        ]
        for worker in self._workers:
            worker.start()

    # ------------------------------------------------------------------ array protocol
    @property
    def shape(self) -> tuple[int, ...]:
        return self._array.shape

    @property
    def dtype(self) -> np.dtype:
        return self._array.dtype

    @property
    def ndim(self) -> int:
        return self._array.ndim

    @property
    def size(self) -> int:
        return self._array.size

    @property
    def nbytes(self) -> int:
        return self._array.nbytes

    def __len__(self) -> int:
        return len(self._array)

    def __repr__(self) -> str:
        read = int(self._ready.sum())
        return f"<ArrivingSlices shape={self.shape} dtype={self.dtype} read={read}/{len(self)}>"

    def __getitem__(self, key: Any) -> Any:
        if self._complete and not self._failures:
            return self._array[key]
        self._wait_for(self._slots_of(key))
        return self._array[key]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = self.result()
        if dtype is not None and np.dtype(dtype) != array.dtype:
            return array.astype(dtype)
        return array.copy() if copy else array

    # ------------------------------------------------------------------ state
    @property
    def complete(self) -> bool:
        """Every slice has been read (or has failed)."""
        return self._complete

    @property
    def slices_read(self) -> int:
        """How many slices are read so far."""
        return int(self._ready.sum())

    def result(self, timeout: float | None = None) -> np.ndarray:
        """The whole volume, once every slice is read.

        Raises
        ------
        PixelDataError
            The first slice (in slice order) that could not be read.
        TimeoutError
            Not complete within ``timeout`` seconds.
        """
        with self._condition:
            if not self._condition.wait_for(lambda: self._complete, timeout):
                raise TimeoutError(f"{self.slices_read} of {len(self)} slices read")
        if self._failures:
            self._report()
            raise self._failures[min(self._failures)]
        return self._array

    # ------------------------------------------------------------------ internals
    def _slots_of(self, key: Any) -> np.ndarray:
        """The slice indices (axis 0) that ``self[key]`` reads."""
        if isinstance(key, tuple):
            first = key[0] if key else slice(None)
        else:
            first = key
        try:
            return np.unique(np.arange(len(self))[first]).reshape(-1)
        except (IndexError, TypeError, ValueError):
            return np.arange(len(self))  # a key numpy refuses here: wait for every slice

    def _wait_for(self, slots: np.ndarray) -> None:
        with self._condition:
            waiting = slots[~self._ready[slots]]
            if waiting.size:
                self._wanted.extend(int(s) for s in waiting[::-1] if not self._taken[s])
                self._condition.wait_for(lambda: bool(self._ready[slots].all()) or self._complete)
            failed = bool(self._failures) and any(int(s) in self._failures for s in slots)
        if failed:
            self._report()

    def _report(self) -> None:
        with self._condition:
            if self._reported or not self._failures or self._on_failure is None:
                return
            self._reported = True
            first = self._failures[min(self._failures)]
        self._on_failure(first)

    def _take(self) -> int | None:
        """The next slice to read: the most recently asked for, else the next from the middle."""
        with self._condition:
            while self._wanted:
                slot = self._wanted.pop()
                if not self._taken[slot]:
                    self._taken[slot] = True
                    return slot
            while self._next < len(self._order):
                slot = self._order[self._next]
                self._next += 1
                if not self._taken[slot]:
                    self._taken[slot] = True
                    return slot
            return None

    def _read_slices(self) -> None:
        while (slot := self._take()) is not None:
            frame = self._frames[slot]
            failure = None
            target = self._array
            try:
                target = self._read_one(slot, frame)
            except PixelDataError as exc:
                failure = exc
            except Exception as exc:  # noqa: BLE001 - reported as the file's error
                failure = PixelDataError(f"{frame.path}: cannot read pixel data ({exc})")
            with self._condition:
                if failure is not None:
                    self._array[slot] = _lowest(self._array.dtype)
                    self._failures[slot] = failure
                elif target is not self._array:  # widened while this slice was read
                    self._array[slot] = target[slot]
                self._ready[slot] = failure is None
                self._unread -= 1
                if self._unread == 0:
                    self._complete = True
                self._condition.notify_all()

    def _read_one(self, slot: int, frame: FrameHeader) -> np.ndarray:
        """Read ``slot`` into the array, widening it first if its values need it; the array
        it was read into."""
        target = self._array
        try:
            self._read_slice(slot, frame, target)
        except ValuesOutOfRange:
            if self._wide_dtype is None:
                raise
            target = self._widen()
            self._read_slice(slot, frame, target)
        return target

    def _widen(self) -> np.ndarray:
        """Convert the array to the wide type (once), keeping the slices read so far."""
        with self._condition:
            if self._array.dtype != self._wide_dtype:
                self._array = self._array.astype(self._wide_dtype)
            return self._array


def _lowest(dtype: np.dtype) -> Any:
    return np.iinfo(dtype).min if dtype.kind in "iu" else np.finfo(dtype).min


def shows_early(series: PreparedSeries) -> bool:
    """Worth showing before every slice is read: enough single-frame slices on a regular
    grid, with a display window known from the headers (never the voxels)."""
    frames = series.geometry.ordered
    return (
        len(frames) >= MIN_FILES_IN_BACKGROUND
        and not series.needs_resampling
        and (series.candidate.file.modality == "CT" or bool(frames[0].windows))
        and len({f.path for f in frames}) == len(frames)
    )


def _reads_in_background(series: PreparedSeries) -> bool:
    return shows_early(series) and all(is_native(f.layout) for f in series.geometry.ordered)


def load_series_progressively(
    path: str | os.PathLike[str],
    *,
    series_uid: str | None = None,
    allow_resampling: bool = True,
    on_failure: FailureCallback | None = None,
    study_uid: str | None = None,
) -> Volume:
    """Like :func:`~recist_reader.io.dicom.load_series`, returning once the headers are read.

    Parameters
    ----------
    path, series_uid, allow_resampling, study_uid
        As for ``load_series``; from a DICOMweb URL the headers are the server's metadata
        and the slices arrive as the server sends them
        (:func:`recist_reader.io.dicomweb.arriving.load_series_progressively`).
    on_failure : callable, optional
        Told (once) of a slice that could not be read after the call returned.

    Returns
    -------
    Volume
        Its ``array`` is an :class:`ArrivingSlices` when the series is read in the
        background (see the module's docstring), else the loaded ndarray.

    Raises
    ------
    SeriesError
        As ``load_series``; decoding errors only for series loaded whole.
    """
    if is_dicomweb_url(path):
        from recist_reader.io.dicomweb.arriving import load_series_progressively as remote

        return remote(
            str(path),
            series_uid=series_uid,
            study_uid=study_uid,
            allow_resampling=allow_resampling,
            on_failure=on_failure,
        )
    series = prepare_series(path, series_uid=series_uid, allow_resampling=allow_resampling)
    if not _reads_in_background(series):
        return series.load()
    array = np.empty(series.acquired_shape, dtype=series.acquired_dtype)
    slices = ArrivingSlices(
        list(series.geometry.ordered),
        array,
        on_failure=on_failure,
        wide_dtype=series.wide_dtype,
    )
    return series.volume(slices)
