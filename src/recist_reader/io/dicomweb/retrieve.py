"""Retrieve a series' instances from a DICOMweb server.

One WADO-RS request streams the instances as Part 10 files, while QIDO-RS counts the
series' instances. Each instance's header is read as soon as it is complete, so the loader
need not scan them again. Uncompressed images are kept in memory (up to a quarter of the
loader's memory budget): creating a file per instance costs more than the rest of a load
together on some file systems (0.1 s per 300 on ext4). Every other instance (compressed,
not an image, unusual) is written to a private temporary folder and read as from a folder.

When the answer was cut short or holds fewer instances than counted, QIDO-RS lists them and
the missing ones are asked for one by one; what is still missing then is an error naming
the series URL and the UIDs.
"""

from __future__ import annotations

import mmap
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recist_reader.io.dicom.fastheader import TAGS, read_fast_header
from recist_reader.io.dicom.headers import FileHeader, read_bytes_header
from recist_reader.io.dicom.pixels import Buffer, is_native, memory_budget_bytes
from recist_reader.io.dicom.series import ScanResult, scan_file
from recist_reader.io.dicom.volume import Volume
from recist_reader.io.dicomweb.connection import Connection, UnknownDicomwebResourceError
from recist_reader.io.dicomweb.errors import DicomwebError
from recist_reader.io.dicomweb.metadata import instance_uid

_MAX_UIDS_IN_MESSAGE = 5
_SAFE_NAME = re.compile(r"^[0-9.]{1,64}$")


def read_sop_instance_uid(path: Path) -> str:
    """The SOPInstanceUID of a Part 10 file ('' when it has none or cannot be read)."""
    walked = read_fast_header(str(path))
    if walked is not None:
        raw = walked.values.get(TAGS["SOPInstanceUID"])
        if raw is not None:
            return raw.decode("latin-1").strip("\x00 ")
    import pydicom

    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True, specific_tags=["SOPInstanceUID"])
    except Exception:  # an unreadable part: the loader names it
        return ""
    return str(ds.get("SOPInstanceUID", "")).strip()


@dataclass
class RetrievedSeries:
    """A series' instances as files in ``folder``, their headers, and where each came from.

    Attributes
    ----------
    folder : Path
        The private temporary folder.
    series_url : str
        ``{base}/studies/{study}/series/{series}``.
    urls : dict of str to str
        File path -> the instance's WADO-RS URL.
    scanned : dict of str to FileHeader or str
        File path -> its header, or the note saying why the loader skips it (as
        :func:`~recist_reader.io.dicom.series.scan_file` gives).
    names : dict of str to str
        File path -> the name it is listed under: ``<SOPInstanceUID>.dcm`` for the first
        file of each instance, else the file's own name.
    blobs : dict of str to bytes-like
        The instances kept in memory, by the path they are named by (no file is written);
        the loader drops each once decoded.
    """

    folder: Path
    series_url: str
    urls: dict[str, str] = field(default_factory=dict)
    scanned: dict[str, FileHeader | str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    blobs: dict[str, Buffer] = field(default_factory=dict)
    in_memory_limit: int = field(default_factory=lambda: memory_budget_bytes() // 4)
    in_memory_bytes: int = 0

    def keep_in_memory(self, path: str, data: Buffer) -> FileHeader | None:
        """Keep an uncompressed image's bytes in memory; its header, or None when it is
        not one (or the memory allowed is used up): then write it to ``path``."""
        if self.in_memory_bytes + len(data) > self.in_memory_limit:
            return None
        header = read_bytes_header(path, data)
        if header is None or header.skip_reason or not header.frames:
            return None
        if not all(is_native(frame.layout) for frame in header.frames):
            return None
        self.blobs[path] = data
        self.in_memory_bytes += len(data)
        return header

    def scan(self) -> ScanResult:
        """The headers, as a scan of ``folder`` would give them (files in name order)."""
        result = ScanResult(files=[], notes=[])
        for path in sorted(self.scanned, key=lambda p: self.names[p]):
            scanned = self.scanned[path]
            if isinstance(scanned, str):
                result.notes.append(scanned)
            else:
                result.files.append(scanned)
        return result

    def relabel(self, text: str) -> str:
        """``text`` with each file path replaced by its instance URL (and the folder by the
        series URL)."""
        for path in sorted(self.urls, key=len, reverse=True):
            if path in text:
                text = text.replace(path, self.urls[path])
        return text.replace(str(self.folder), self.series_url)

    def relabel_volume(self, volume: Volume) -> Volume:
        """The volume with instance URLs for its source files, in notes and warnings."""
        from dataclasses import replace

        return replace(
            volume,
            source_files=tuple(self.urls.get(p, p) for p in volume.source_files),
            notes=[self.relabel(note) for note in volume.notes],
            warnings=[self.relabel(warning) for warning in volume.warnings],
        )

    def relabel_error(self, error: BaseException) -> BaseException:
        """The same error, its message naming URLs instead of temporary files."""
        if error.args and isinstance(error.args[0], str):
            error.args = (self.relabel(error.args[0]), *error.args[1:])
        return error


def retrieve_series(
    connection: Connection, study_uid: str, series_uid: str, folder: Path
) -> RetrievedSeries:
    """Every instance of a series, as files in ``folder``.

    Raises
    ------
    DicomwebError
        The server cannot be reached or refuses; or instances it lists cannot be retrieved
        (named, with the series URL).
    UnknownSeriesError
        The server has no such series.
    """
    series_url = connection.series_url(study_uid, series_uid)
    with ThreadPoolExecutor(1) as pool:  # QIDO-RS counts while the instances stream in
        counting = pool.submit(_instance_count, connection, study_uid, series_uid)
        retrieved, paths, failure = _stream_series(connection, study_uid, series_uid, folder)
        count = counting.result()
    if failure is None and count is not None and len(paths) >= count:
        return retrieved
    # Cut short, or fewer instances than the server counts: which ones are missing?
    listed = _listed_instances(connection, study_uid, series_uid)
    for sop in [uid for uid in listed if uid not in paths]:
        part = retrieve_instance(connection, study_uid, series_uid, sop, folder)
        if part is not None:
            _register_part(part, paths, retrieved, connection, study_uid, series_uid)
    missing = [uid for uid in listed if uid not in paths]
    if missing:
        shown = ", ".join(missing[:_MAX_UIDS_IN_MESSAGE])
        more = f" and {len(missing) - _MAX_UIDS_IN_MESSAGE} more" if len(missing) > 5 else ""
        cause = f" ({failure})" if failure is not None else ""
        raise DicomwebError(
            f"{series_url}: the server lists {len(listed)} instances but {len(missing)} could "
            f"not be retrieved: {shown}{more}{cause}; try again, or check the series on the "
            "server",
            url=series_url,
        )
    return retrieved


def _instance_count(connection: Connection, study_uid: str, series_uid: str) -> int | None:
    """NumberOfSeriesRelatedInstances from QIDO-RS (None when the server does not give it),
    on a connection of its own (another thread).

    One query, where listing the instances can take a second per 300 on some servers
    (Orthanc reads every file): the instances are listed only when the count shows some
    missing.

    Raises
    ------
    UnknownSeriesError
        The study has no such series.
    """
    with Connection(connection.base_url, credentials=connection.credentials) as own:
        return own.count_instances(study_uid, series_uid)


def _listed_instances(connection: Connection, study_uid: str, series_uid: str) -> list[str]:
    """The SOP Instance UIDs QIDO-RS lists.

    Raises
    ------
    UnknownSeriesError
        It lists none.
    """
    listed = [instance_uid(item) for item in connection.search_instances(study_uid, series_uid)]
    if not listed:
        url = connection.series_url(study_uid, series_uid)
        raise UnknownDicomwebResourceError(
            f"{url}: the server lists no instances of series {series_uid} in study "
            f"{study_uid}; check the UIDs",
            url=url,
        )
    return listed


def _stream_series(
    connection: Connection, study_uid: str, series_uid: str, folder: Path
) -> tuple[RetrievedSeries, dict[str, Path], DicomwebError | None]:
    """One WADO-RS request for the whole series, each part a file; (the files, SOP Instance
    UID -> file, why the answer was cut short or None).

    Raises
    ------
    DicomwebError
        The server refused (an HTTP error status).
    """
    series_url = connection.series_url(study_uid, series_uid)
    retrieved = RetrievedSeries(folder, series_url)
    paths: dict[str, Path] = {}
    sinks: list[PartInMemory] = []

    def open_part(index: int) -> Any:
        sinks.append(PartInMemory())
        return sinks[-1]

    def part_done(index: int) -> None:
        part = folder / f"part{index:06d}.dcm"
        data, sinks[index].data = sinks[index].data, b""
        _register_part(part, paths, retrieved, connection, study_uid, series_uid, data)

    failure: DicomwebError | None = None
    what = f"study {study_uid}, series {series_uid}"
    try:
        connection.retrieve_parts(series_url, what, open_part, part_done)
    except DicomwebError as exc:
        if exc.status is not None and exc.status not in (200, 206):
            raise  # refused: asking instance by instance would be refused too
        failure = exc  # cut short: ask for what is missing one by one
    return retrieved, paths, failure


class PartInMemory:
    """A part's body as it arrives; once closed, ``data``: an anonymous memory map holding
    it, whose memory goes back to the system as soon as it is dropped (heap memory of the
    same size would stay with the process until the load ends)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.data: mmap.mmap | bytes = b""

    def write(self, data: bytes | memoryview) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def close(self) -> None:
        size = sum(len(chunk) for chunk in self.chunks)
        if size:
            self.data = anonymous_memory(size)
            for chunk in self.chunks:
                self.data.write(chunk)
        self.chunks = []


def anonymous_memory(size: int) -> mmap.mmap:
    """``size`` bytes of private anonymous memory, returned to the system once dropped.

    On Linux its pages are made at once (``MAP_POPULATE``: one system call instead of a
    page fault per 4 KiB, a third of a series' retrieval time otherwise).
    """
    if not hasattr(mmap, "MAP_PRIVATE"):  # Windows: anonymous memory backed by the page file
        return mmap.mmap(-1, size)
    flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | getattr(mmap, "MAP_POPULATE", 0)
    return mmap.mmap(-1, size, flags=flags)


def retrieve_instance(
    connection: Connection,
    study_uid: str,
    series_uid: str,
    sop_instance_uid: str,
    folder: Path,
) -> Path | None:
    """One instance as a file in ``folder``; None when the server does not send it."""
    url = connection.instance_url(study_uid, series_uid, sop_instance_uid)
    part = folder / f"instance-{sop_instance_uid[-40:]}.part"
    extra = folder / f"instance-{sop_instance_uid[-40:]}.extra"
    try:
        connection.retrieve_parts(
            url,
            f"instance {sop_instance_uid} of series {series_uid}",
            lambda index: open(part if index == 0 else extra, "wb"),
        )
    except DicomwebError:
        part.unlink(missing_ok=True)
        return None
    finally:
        extra.unlink(missing_ok=True)
    return part if part.exists() else None


def _register_part(
    part: Path,
    paths: dict[str, Path],
    retrieved: RetrievedSeries,
    connection: Connection,
    study_uid: str,
    series_uid: str,
    data: Buffer | None = None,
) -> None:
    """Read a retrieved instance's header, register it in ``paths`` (the first of each SOP
    Instance UID), and its header, name and instance URL in ``retrieved``.

    ``data``: the instance's bytes, not yet a file: kept in memory when it is an
    uncompressed image, else written to ``part``.
    """
    header = None if data is None else retrieved.keep_in_memory(str(part), data)
    if header is None and data is not None:
        part.write_bytes(data)
    scanned = header if header is not None else scan_file(str(part))
    frames = [] if isinstance(scanned, str) else scanned.frames
    sop = frames[0].sop_instance_uid if frames else read_sop_instance_uid(part)
    name = part.name
    if sop and sop not in paths:
        paths[sop] = part
        if _SAFE_NAME.match(sop):
            name = f"{sop}.dcm"
    retrieved.scanned[str(part)] = scanned
    retrieved.names[str(part)] = name
    retrieved.urls[str(part)] = connection.instance_url(
        study_uid, series_uid, sop or "(unreadable)"
    )
