"""``load_series`` and ``list_series`` from a DICOMweb server (design.md §8.9).

``load_series``: QIDO-RS finds the instances, WADO-RS retrieves them into a private
temporary folder, and the folder loader runs on it: the Volume is exactly the one a folder
holding the same instances gives (voxels, affine, spacing, UIDs, dates, warnings); only its
``source_files`` (and any note or message) name the instances' WADO-RS URLs instead of files.

``list_series``: the study's WADO-RS metadata (DICOM JSON) goes through the loader's header,
grouping and geometry code without fetching a pixel.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from recist_reader.io.dicom.errors import SeriesError
from recist_reader.io.dicom.headers import FileHeader, UnreadableDicomError
from recist_reader.io.dicom.loader import (
    PreparedSeries,
    SeriesListing,
    list_scanned,
    prepare_scanned,
)
from recist_reader.io.dicom.series import ScanResult
from recist_reader.io.dicom.volume import Volume
from recist_reader.io.dicomweb.connection import (
    Connection,
    Credentials,
    UnknownDicomwebResourceError,
)
from recist_reader.io.dicomweb.metadata import (
    header_from_json,
    instance_uid,
    json_value,
    metadata_dataset,
)
from recist_reader.io.dicomweb.retrieve import retrieve_series
from recist_reader.io.dicomweb.urls import DicomwebSource, parse_source

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

_SERIES_INSTANCE_UID = "0020000E"


def load_series(
    url: str,
    *,
    series_uid: str | None = None,
    study_uid: str | None = None,
    allow_resampling: bool = True,
    credentials: Credentials | None = None,
) -> Volume:
    """Load one series from a DICOMweb server, exactly as from a folder of its files.

    Parameters
    ----------
    url : str
        The server's DICOMweb root (``http://host:8042/dicom-web``), or a WADO-RS study or
        series URL naming the UIDs.
    series_uid : str, optional
        The SeriesInstanceUID (or a key with ``#part``/``#stack<n>``, as for a folder).
    study_uid : str, optional
        The StudyInstanceUID; found from ``series_uid`` when omitted. Alone, the study
        must hold exactly one image series.
    allow_resampling : bool, optional
        As for a folder.
    credentials : Credentials, optional
        Default: from the environment (``RECIST_DICOMWEB_TOKEN``, ...).

    Raises
    ------
    SeriesError
        ``DicomwebError`` (server unreachable, refused, timed out, instances missing from
        the answer), ``UnknownSeriesError`` (no such study or series),
        ``AmbiguousSeriesError`` (a study with several image series and no series UID),
        and every error a folder gives, each naming the URL and the UIDs.
    """
    source = parse_source(url, study_uid=study_uid, series_uid=series_uid)
    with Connection(source.base_url, credentials=credentials) as connection:
        study, key = resolve_series(connection, source, allow_resampling=allow_resampling)
        return load_from(connection, study, key, allow_resampling=allow_resampling)


def load_from(
    connection: Connection, study_uid: str, series_key: str, *, allow_resampling: bool
) -> Volume:
    """Retrieve a series into a temporary folder and load it from there.

    The headers read as the instances arrived are those the folder loader would read;
    uncompressed images are decoded from memory, the others from the folder, which is
    removed in the background once the pixels are decoded.
    """
    series_uid = series_key.split("#", 1)[0]
    folder = Path(tempfile.mkdtemp(prefix="recist-dicomweb-"))
    try:
        retrieved = retrieve_series(connection, study_uid, series_uid, folder)
        try:
            prepared = prepare_scanned(
                retrieved.scan(),
                str(folder),
                series_uid=series_key,
                allow_resampling=allow_resampling,
            )
            volume = replace(prepared, blobs=retrieved.blobs).load()
        except SeriesError as exc:
            raise retrieved.relabel_error(exc) from None
        return retrieved.relabel_volume(volume)
    finally:
        remove_in_background(folder)


def remove_in_background(folder: Path) -> None:
    """Delete a temporary folder on a thread of its own (the interpreter waits for it)."""
    threading.Thread(
        target=shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True}, name="rmtree"
    ).start()


def resolve_series(
    connection: Connection, source: DicomwebSource, *, allow_resampling: bool = True
) -> tuple[str, str]:
    """(study UID, series key) of a source naming a series, a study, or both.

    Raises
    ------
    SeriesError
        Neither UID; no such series; several image series in a study named alone.
    """
    if source.series_uid:
        study = source.study_uid or connection.find_study(source.server_series_uid or "")
        return study, source.series_uid
    if not source.study_uid:
        raise SeriesError(
            f"{source.base_url}: a DICOMweb URL needs a series_uid or a study_uid "
            "(or a .../studies/{study}/series/{series} URL)"
        )
    scan = study_scan(connection, source.study_uid)
    prepared = prepare_scanned(
        scan,
        connection.study_url(source.study_uid),
        series_uid=None,
        allow_resampling=allow_resampling,
    )
    return source.study_uid, prepared.candidate.key


def list_series(
    url: str, *, study_uid: str | None = None, credentials: Credentials | None = None
) -> SeriesListing:
    """The series of a study on a DICOMweb server, with their geometry, without pixels.

    The same :class:`SeriesListing` as for a folder holding the study's instances, each
    instance named by its WADO-RS URL.

    Raises
    ------
    SeriesError
        No ``study_uid``; the server cannot be reached or has no such study; the study
        holds no image.
    """
    source = parse_source(url, study_uid=study_uid)
    if not source.study_uid:
        raise SeriesError(
            f"{source.base_url}: listing the series of a DICOMweb server needs study_uid= "
            "(or a .../studies/{study} URL)"
        )
    with Connection(source.base_url, credentials=credentials) as connection:
        scan = study_scan(connection, source.study_uid)
        return list_scanned(scan, connection.study_url(source.study_uid))


def series_headers(
    url: str,
    series_uid: str,
    *,
    study_uid: str | None = None,
    credentials: Credentials | None = None,
) -> list[Dataset]:
    """Every instance of a series as a pydicom dataset without pixel data (WADO-RS metadata).

    For what needs the instances' attributes but not their pixels (an SR's evidence and
    image library).

    Raises
    ------
    SeriesError
        ``DicomwebError`` or ``UnknownSeriesError``, naming the URL and the UIDs.
    """
    source = parse_source(url, study_uid=study_uid, series_uid=series_uid)
    with Connection(source.base_url, credentials=credentials) as connection:
        study = source.study_uid or connection.find_study(source.server_series_uid or "")
        series = source.server_series_uid or series_uid
        metadata = connection.series_metadata(study, series)
        if not metadata:
            raise UnknownDicomwebResourceError(
                f"{connection.series_url(study, series)}: the server has no instances of "
                f"series {series}",
                url=connection.series_url(study, series),
            )
        return [metadata_dataset(item) for item in metadata]


def study_scan(connection: Connection, study_uid: str) -> ScanResult:
    """The headers of every instance of a study, from its WADO-RS metadata."""
    return _scan(connection, study_uid, connection.study_metadata(study_uid))


def series_scan(connection: Connection, study_uid: str, series_uid: str) -> ScanResult:
    """The headers of every instance of a series, from its WADO-RS metadata."""
    return _scan(connection, study_uid, connection.series_metadata(study_uid, series_uid))


def prepare_remote(
    connection: Connection, study_uid: str, series_key: str, *, allow_resampling: bool
) -> PreparedSeries:
    """A series prepared from its metadata: geometry checked before any pixel is fetched."""
    scan = series_scan(connection, study_uid, series_key.split("#", 1)[0])
    where = connection.series_url(study_uid, series_key.split("#", 1)[0])
    return prepare_scanned(scan, where, series_uid=series_key, allow_resampling=allow_resampling)


def _scan(connection: Connection, study_uid: str, metadata: list[dict]) -> ScanResult:
    if not metadata:
        url = connection.study_url(study_uid)
        raise UnknownDicomwebResourceError(
            f"{url}: the server has no instances of study {study_uid}; check the UID", url=url
        )
    files: list[FileHeader] = []
    notes: list[str] = []
    for item in metadata:
        series = str(json_value(item, _SERIES_INSTANCE_UID) or "")
        url = connection.instance_url(study_uid, series, instance_uid(item))
        try:
            header = header_from_json(item, url)
        except UnreadableDicomError as exc:
            notes.append(f"{url}: skipped: {exc}")
            continue
        if header.skip_reason:
            notes.append(f"{url}: skipped: {header.skip_reason}")
            continue
        files.append(header)
    return ScanResult(files=files, notes=notes)
