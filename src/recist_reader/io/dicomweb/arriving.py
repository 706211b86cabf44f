"""Show a series from a DICOMweb server while its slices arrive.

The series' WADO-RS metadata gives the headers: grouping, geometry, checks and display
window are those of a folder, before any pixel is fetched, and the call returns a
:class:`~recist_reader.io.dicom.volume.Volume` whose ``array`` is an
:class:`~recist_reader.io.dicom.arriving.ArrivingSlices`. Meanwhile (from the start, on a
connection of its own) one WADO-RS request streams the instances in, uncompressed images
into memory and the others into a private temporary folder; each slice is decoded as soon
as its instance is complete (and its memory or file released), after its header has been
checked against the metadata:
an instance that differs, is missing from the answer or cannot be decoded shows black and
is reported once (``on_failure``), naming its URL.

Series that are not worth showing early (few slices, resampled, no window in the headers,
multi-frame objects) are loaded whole by
:func:`recist_reader.io.dicomweb.series.load_series` instead.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import threading
import weakref
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from recist_reader.io.dicom.arriving import ArrivingSlices, FailureCallback, shows_early
from recist_reader.io.dicom.errors import PixelDataError
from recist_reader.io.dicom.fastheader import TAGS, read_fast_header_of_bytes
from recist_reader.io.dicom.headers import (
    FileHeader,
    FrameHeader,
    UnreadableDicomError,
    read_file_header,
    walked_header,
)
from recist_reader.io.dicom.pixels import (
    Buffer,
    ValuesOutOfRange,
    decode_file,
    is_native,
    memory_budget_bytes,
)
from recist_reader.io.dicom.volume import Volume
from recist_reader.io.dicomweb.connection import Connection, Credentials
from recist_reader.io.dicomweb.errors import DicomwebError
from recist_reader.io.dicomweb.retrieve import (
    PartInMemory,
    read_sop_instance_uid,
    retrieve_instance,
)
from recist_reader.io.dicomweb.series import load_from, prepare_remote, resolve_series
from recist_reader.io.dicomweb.urls import parse_source

#: Positions, orientations and spacings of an instance may differ from the server's
#: metadata by this much (DICOM JSON numbers may drop digits of tiny values, e.g. 1e-16).
GEOMETRY_TOLERANCE = 1e-6


def load_series_progressively(
    url: str,
    *,
    series_uid: str | None = None,
    study_uid: str | None = None,
    allow_resampling: bool = True,
    on_failure: FailureCallback | None = None,
    credentials: Credentials | None = None,
) -> Volume:
    """Like :func:`recist_reader.io.dicomweb.series.load_series`, returning once the
    server's metadata is read, the slices arriving in the background.

    Raises
    ------
    SeriesError
        As ``load_series``, for everything the metadata shows; a slice that cannot be
        retrieved or decoded later is reported to ``on_failure``.
    """
    source = parse_source(url, study_uid=study_uid, series_uid=series_uid)
    stream: SeriesStream | None = None
    with Connection(source.base_url, credentials=credentials) as connection:
        try:
            study, key = resolve_series(connection, source, allow_resampling=allow_resampling)
            # the instances stream in (on a connection of their own) while the metadata is read
            stream = SeriesStream(
                Connection(connection.base_url, credentials=connection.credentials),
                study,
                key.split("#", 1)[0],
            )
            stream.start()
            prepared = prepare_remote(connection, study, key, allow_resampling=allow_resampling)
        except BaseException:
            if stream is not None:
                stream.cancel()
            raise
        frames = list(prepared.geometry.ordered)
        if not shows_early(prepared) or any(frame.frame_index is not None for frame in frames):
            stream.cancel()
            return load_from(connection, study, key, allow_resampling=allow_resampling)
    stream.expect(frames)
    array = np.empty(prepared.acquired_shape, dtype=prepared.acquired_dtype)
    slices = ArrivingSlices(
        frames,
        array,
        on_failure=on_failure,
        wide_dtype=prepared.wide_dtype,
        read_slice=stream.read_slice,
    )
    return prepared.volume(slices)


class _Cancelled(Exception):
    """The stream is no longer wanted (internal)."""


class SeriesStream:
    """A series' instances streaming in (into memory, or a temporary folder), and waiting
    for one of them.

    Started before the series' metadata is read; :meth:`expect` then names the instances
    of the volume (those missing from the answer are asked for one by one), or
    :meth:`cancel` stops it.

    Parameters
    ----------
    connection : Connection
        Used by the stream's thread only; closed when the stream ends.
    study_uid, series_uid : str
        The series on the server.
    """

    def __init__(self, connection: Connection, study_uid: str, series_uid: str) -> None:
        self._connection = connection
        self._study_uid, self._series_uid = study_uid, series_uid
        self._urls: dict[str, str] = {}
        self._expected: set[str] | None = None
        self._cancelled = False
        self._folder = Path(tempfile.mkdtemp(prefix="recist-dicomweb-"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, self._folder, True)
        self._condition = threading.Condition()
        self._arrived: dict[str, Path | _InMemory] = {}
        self._in_memory_bytes = 0  # held by instances not yet read
        self._in_memory_limit = memory_budget_bytes() // 4
        self._finished = False
        self._failure: str = ""
        self._thread = threading.Thread(
            target=self._run, name=f"recist-reader dicomweb {series_uid[-12:]}", daemon=True
        )

    def start(self) -> None:
        """Start retrieving in the background."""
        self._thread.start()

    def expect(self, frames: list[FrameHeader]) -> None:
        """The volume's frames, one per instance (their ``path`` is the instance URL)."""
        with self._condition:
            self._expected = {frame.sop_instance_uid for frame in frames}
            for sop in [sop for sop in self._arrived if sop not in self._expected]:
                self._release(self._arrived.pop(sop))
            self._condition.notify_all()

    def cancel(self) -> None:
        """Stop retrieving; the files are removed."""
        with self._condition:
            self._cancelled = True
            self._condition.notify_all()
        if not self._thread.is_alive():
            self._connection.close()
            self._finalizer()

    def _run(self) -> None:
        connection, study, series = self._connection, self._study_uid, self._series_uid
        sinks: list[PartInMemory] = []

        def open_part(index: int) -> Any:
            if self._cancelled:
                raise _Cancelled
            sinks.append(PartInMemory())
            return sinks[-1]

        def part_done(index: int) -> None:
            data, sinks[index].data = sinks[index].data, b""
            self._register_data(self._folder / f"part{index:06d}.dcm", data)

        refused = False
        try:
            connection.retrieve_parts(
                connection.series_url(study, series),
                f"study {study}, series {series}",
                open_part,
                part_done,
            )
        except DicomwebError as exc:
            self._failure = str(exc)
            refused = exc.status is not None and exc.status not in (200, 206)
        except _Cancelled:
            pass
        try:
            with self._condition:  # the metadata names the instances wanted
                self._condition.wait_for(lambda: self._expected is not None or self._cancelled)
                missing = sorted((self._expected or set()) - set(self._arrived))
            for sop in [] if refused or self._cancelled else missing:
                part = retrieve_instance(connection, study, series, sop, self._folder)
                if part is not None:
                    self._register(part)
        finally:
            connection.close()
            with self._condition:
                self._finished = True
                self._condition.notify_all()
            if self._cancelled:
                self._finalizer()

    def _register_data(self, part: Path, data: Buffer) -> None:
        """An instance received whole: kept in memory when it is an uncompressed image (and
        the instances waiting to be read hold less than a quarter of the loader's memory
        budget), else written to ``part``."""
        walked = read_fast_header_of_bytes(data)
        raw = None if walked is None else walked.values.get(TAGS["SOPInstanceUID"])
        sop = "" if raw is None else raw.decode("latin-1").strip("\x00 ")
        url = self._connection.instance_url(self._study_uid, self._series_uid, sop)
        header = walked_header(url, walked) if walked is not None and sop else None
        with self._condition:
            room = self._in_memory_bytes + len(data) <= self._in_memory_limit
            native = header is not None and header.frames and is_native(header.frames[0].layout)
            if room and native:
                self._in_memory_bytes += len(data)
        if not (room and native):
            part.write_bytes(data)
            self._register(part)
            return
        self._register(_InMemory(data, header))  # type: ignore[arg-type]

    def _register(self, arrived: Path | _InMemory) -> None:
        if isinstance(arrived, Path):
            sop = read_sop_instance_uid(arrived)
        else:
            sop = arrived.header.frames[0].sop_instance_uid
        with self._condition:
            wanted = self._expected is None or sop in self._expected
            if sop and wanted and sop not in self._arrived and not self._cancelled:
                self._arrived[sop] = arrived
                self._condition.notify_all()
                return
        self._release(arrived)  # not a slice of this volume

    def _release(self, arrived: Path | _InMemory) -> None:
        """Delete an instance's file, or count its memory as free (it goes with the last
        reference)."""
        if isinstance(arrived, Path):
            arrived.unlink(missing_ok=True)
        elif arrived is not _GIVEN:
            with self._condition:
                self._in_memory_bytes -= len(arrived.data)

    def wait_for(self, frame: FrameHeader) -> Path | _InMemory:
        """The file (or memory) of ``frame``'s instance, once it has arrived; each is
        given once.

        Raises
        ------
        PixelDataError
            The server's answer ended without it, naming its URL.
        """
        sop = frame.sop_instance_uid
        with self._condition:
            self._condition.wait_for(lambda: sop in self._arrived or self._finished)
            arrived = self._arrived.get(sop)
            if arrived is not None:
                self._arrived[sop] = _GIVEN
        if arrived is None or arrived is _GIVEN:
            cause = f" ({self._failure})" if self._failure else ""
            raise PixelDataError(
                f"{frame.path}: the server did not send this instance{cause}; the series is "
                "incomplete, open it again"
            )
        return arrived

    def read_slice(self, slot: int, frame: FrameHeader, array: np.ndarray) -> None:
        """Decode ``frame``'s instance into ``array[slot]`` once it has arrived (a
        :class:`~recist_reader.io.dicom.arriving.SliceReader`)."""
        arrived = self.wait_for(frame)
        release = True
        try:
            if isinstance(arrived, Path):
                try:
                    header = read_file_header(str(arrived))
                except (UnreadableDicomError, OSError) as exc:
                    raise PixelDataError(
                        f"{frame.path}: the instance retrieved is corrupt ({exc})"
                    ) from exc
            else:
                header = arrived.header
            local = header.frames[0] if len(header.frames) == 1 else None
            difference = "it is not one image" if local is None else differences(local, frame)
            if difference:
                raise PixelDataError(
                    f"{frame.path}: the instance retrieved differs from the server's metadata "
                    f"({difference}); the series may have changed on the server, open it again"
                )
            entries = [(slot, local)]
            if isinstance(arrived, Path):
                try:
                    decode_file(str(arrived), entries, array)  # type: ignore[arg-type]
                except PixelDataError as exc:
                    raise PixelDataError(str(exc).replace(str(arrived), frame.path)) from None
            else:
                decode_file(local.path, entries, array, arrived.data)  # type: ignore[union-attr, arg-type]
        except ValuesOutOfRange:  # read again into the widened array: keep it until then
            release = False
            with self._condition:
                self._arrived[frame.sop_instance_uid] = arrived
            raise
        finally:
            if release:
                self._release(arrived)


class _InMemory(NamedTuple):
    """An uncompressed image received whole, and its header (named by its URL)."""

    data: Buffer
    header: FileHeader


#: Stands for an instance already given to the slice that reads it.
_GIVEN = _InMemory(b"", FileHeader("", "", "", "", "", "", None, None, "", ""))


def differences(local: FrameHeader, expected: FrameHeader) -> str:
    """What differs between an instance's header and its metadata ('' when nothing does)."""
    found = []
    if local.sop_instance_uid != expected.sop_instance_uid:
        found.append(f"SOPInstanceUID {local.sop_instance_uid}")
    a, b = local.layout, expected.layout
    for name in ("rows", "columns", "bits_allocated", "bits_stored", "signed", "pixel_keyword"):
        if getattr(a, name) != getattr(b, name):
            found.append(f"{name} {getattr(a, name)} instead of {getattr(b, name)}")
    for name in ("rescale_slope", "rescale_intercept"):
        if not math.isclose(getattr(local, name), getattr(expected, name), rel_tol=1e-9):
            found.append(f"{name} {getattr(local, name)} instead of {getattr(expected, name)}")
    for name in ("position", "orientation", "pixel_spacing"):
        mine, theirs = getattr(local, name), getattr(expected, name)
        if (mine is None) != (theirs is None) or (
            mine is not None and np.max(np.abs(np.subtract(mine, theirs))) > GEOMETRY_TOLERANCE
        ):
            found.append(f"{name} {mine} instead of {theirs}")
    return "; ".join(found)
