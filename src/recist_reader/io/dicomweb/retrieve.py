"""Retrieve a series' instances from a DICOMweb server into a private temporary folder.

One WADO-RS request streams the instances as Part 10 files, written as they arrive and named
by SOPInstanceUID, while QIDO-RS counts the series' instances. When the answer was cut short
or holds fewer instances than counted, QIDO-RS lists them and the missing ones are asked for
one by one; what is still missing then is an error naming the series URL and the UIDs.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recist_reader.io.dicom.fastheader import TAGS, read_fast_header
from recist_reader.io.dicom.volume import Volume
from recist_reader.io.dicomweb.connection import Connection, UnknownDicomwebResourceError
from recist_reader.io.dicomweb.errors import DicomwebError
from recist_reader.io.dicomweb.metadata import instance_uid, json_value

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
    """A series' instances as files in ``folder``, and where each came from.

    Attributes
    ----------
    folder : Path
        The private temporary folder.
    series_url : str
        ``{base}/studies/{study}/series/{series}``.
    urls : dict of str to str
        File path -> the instance's WADO-RS URL.
    """

    folder: Path
    series_url: str
    urls: dict[str, str] = field(default_factory=dict)

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
            _file_under_uid(part, paths, retrieved, connection, study_uid, series_uid)
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
    """NumberOfSeriesRelatedInstances from QIDO-RS ``/studies/{study}/series`` (None when the
    server does not give it), on a connection of its own (another thread).

    One query, where listing the instances can take a second per 300 on some servers
    (Orthanc reads every file): the instances are listed only when the count shows some
    missing.

    Raises
    ------
    UnknownSeriesError
        The study has no such series.
    """
    with Connection(connection.base_url, credentials=connection.credentials) as own:
        found = own.search_series(study_uid, series_uid=series_uid)
    if not found:
        url = connection.series_url(study_uid, series_uid)
        raise UnknownDicomwebResourceError(
            f"{url}: the server has no series {series_uid} in study {study_uid}; check the UIDs",
            url=url,
        )
    count = json_value(found[0], "00201209")
    return int(count) if isinstance(count, int | float | str) and str(count).isdigit() else None


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
    parts: list[Path] = []
    completed: set[int] = set()

    def open_part(index: int) -> Any:
        part = folder / f"part{index:06d}.dcm"
        parts.append(part)
        return open(part, "wb")

    def part_done(index: int) -> None:
        completed.add(index)
        _file_under_uid(parts[index], paths, retrieved, connection, study_uid, series_uid)

    failure: DicomwebError | None = None
    what = f"study {study_uid}, series {series_uid}"
    try:
        connection.retrieve_parts(series_url, what, open_part, part_done)
    except DicomwebError as exc:
        if exc.status is not None and exc.status not in (200, 206):
            raise  # refused: asking instance by instance would be refused too
        failure = exc  # cut short: ask for what is missing one by one
    for index, part in enumerate(parts):  # an incomplete last part, if the answer was cut short
        if index not in completed:
            part.unlink(missing_ok=True)
    return retrieved, paths, failure


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


def _file_under_uid(
    part: Path,
    paths: dict[str, Path],
    retrieved: RetrievedSeries,
    connection: Connection,
    study_uid: str,
    series_uid: str,
) -> None:
    """Rename a retrieved file ``<SOPInstanceUID>.dcm``, register it in ``paths`` (the
    first file of each UID) and its instance URL in ``retrieved``."""
    sop = read_sop_instance_uid(part)
    target = part
    if sop and sop not in paths and _SAFE_NAME.match(sop):
        target = part.with_name(f"{sop}.dcm")
        os.replace(part, target)
    if sop:
        paths.setdefault(sop, target)
    retrieved.urls[str(target)] = connection.instance_url(
        study_uid, series_uid, sop or "(unreadable)"
    )
