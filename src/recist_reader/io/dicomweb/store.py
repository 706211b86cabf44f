"""``store_sr``: STOW-RS of SRs (or any instances) to a DICOMweb server (design.md §8.9)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from recist_reader.io.dicomweb.connection import Connection, Credentials
from recist_reader.io.dicomweb.errors import StoreRefusedError
from recist_reader.io.dicomweb.urls import parse_source

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

_MAX_UIDS_IN_MESSAGE = 10


def store_sr(
    datasets: Sequence[Dataset | str | os.PathLike[str]],
    url: str,
    *,
    credentials: Credentials | None = None,
) -> list[str]:
    """Store ``datasets`` on the DICOMweb server at ``url`` by STOW-RS.

    Parameters
    ----------
    datasets : sequence of pydicom.Dataset or path
        The instances (SRs from ``export_sr``), or their Part 10 files.
    url : str
        The server's DICOMweb root (``http://host:8042/dicom-web``).
    credentials : Credentials, optional
        Default: from the environment (``RECIST_DICOMWEB_TOKEN``, ...).

    Returns
    -------
    list of str
        The SOP Instance UIDs stored.

    Raises
    ------
    StoreRefusedError
        (a ValueError) The server cannot be reached, refuses the request, or refuses some
        instances: the message names the URL, the HTTP status and the SOP Instance UIDs
        not stored.
    """
    items = [_dataset(item) for item in datasets]
    uids = [str(ds.SOPInstanceUID) for ds in items]
    source = parse_source(url)
    stow_url = f"{source.base_url}/studies"
    if not items:
        return []
    with Connection(source.base_url, credentials=credentials) as connection:
        status, answer = _post(connection, items, stow_url, uids)
        failed = _uids(answer, "FailedSOPSequence")
        stored = _uids(answer, "ReferencedSOPSequence")
        refused = [uid for uid in uids if uid in failed or (stored and uid not in stored)]
        if refused:
            raise _refused(stow_url, status, refused, len(uids), _reasons(answer))
        absent = _not_found_afterwards(connection, items)
    if absent:
        raise _refused(
            stow_url,
            status,
            absent,
            len(uids),
            "the server answered that it stored them, but QIDO-RS does not find them (a "
            "filter on the server may have discarded them)",
        )
    return uids


def _not_found_afterwards(connection: Connection, items: list[Dataset]) -> list[str]:
    """The instances QIDO-RS does not find after the store (none when it cannot search)."""
    from recist_reader.io.dicomweb.errors import DicomwebError
    from recist_reader.io.dicomweb.metadata import instance_uid

    series: dict[tuple[str, str], list[str]] = {}
    for ds in items:
        key = (str(ds.StudyInstanceUID), str(ds.SeriesInstanceUID))
        series.setdefault(key, []).append(str(ds.SOPInstanceUID))
    absent = []
    for (study_uid, series_uid), wanted in series.items():
        try:
            found = {instance_uid(i) for i in connection.search_instances(study_uid, series_uid)}
        except DicomwebError:
            continue  # a server that stores but cannot search: take its word
        absent.extend(uid for uid in wanted if uid not in found)
    return absent


def _dataset(item: Any) -> Dataset:
    from pydicom.dataset import Dataset

    if isinstance(item, Dataset):
        return item
    import pydicom

    return pydicom.dcmread(os.fspath(item))


def _post(
    connection: Connection, items: list[Dataset], stow_url: str, uids: list[str]
) -> tuple[int | None, Any]:
    """(HTTP status, the server's answer as a dataset or None)."""
    import requests

    try:
        answer = connection.store(items)
    except requests.HTTPError as exc:
        response = exc.response
        status = response.status_code if response is not None else None
        answer = _answer_of(response)
        failed = _uids(answer, "FailedSOPSequence") or set(uids)
        refused = [uid for uid in uids if uid in failed]
        raise _refused(stow_url, status, refused, len(uids), _reasons(answer)) from None
    except requests.RequestException as exc:
        raise StoreRefusedError(
            f"{stow_url}: the DICOMweb server cannot be reached ({type(exc).__name__}); "
            f"nothing was stored (SOP Instance UIDs {_listing(uids)})",
            url=stow_url,
            status=None,
            refused_sop_instance_uids=uids,
        ) from None
    return 200, answer


def _refused(
    url: str, status: int | None, refused: list[str], total: int, reasons: str
) -> StoreRefusedError:
    why = f"; {reasons}" if reasons else ""
    return StoreRefusedError(
        f"{url}: the server refused {len(refused)} of {total} instance(s) (HTTP {status}): "
        f"SOP Instance UIDs {_listing(refused)}{why}",
        url=url,
        status=status,
        refused_sop_instance_uids=refused,
    )


def _listing(uids: list[str]) -> str:
    shown = ", ".join(uids[:_MAX_UIDS_IN_MESSAGE])
    more = len(uids) - _MAX_UIDS_IN_MESSAGE
    return shown + (f" and {more} more" if more > 0 else "")


def _answer_of(response: Any) -> Any:
    """The STOW-RS answer of an error response (DICOM JSON), or None."""
    if response is None or not response.content:
        return None
    try:
        from pydicom.dataset import Dataset

        return Dataset.from_json(response.content)
    except Exception:
        return None


def _uids(answer: Any, keyword: str) -> set[str]:
    if answer is None:
        return set()
    return {
        str(item.get("ReferencedSOPInstanceUID", "")) for item in answer.get(keyword, None) or []
    } - {""}


def _reasons(answer: Any) -> str:
    """The FailureReason codes of the refused instances (PS3.18 Table I.2-1)."""
    if answer is None:
        return ""

    reasons = sorted(
        {
            f"{int(item.FailureReason):04X}H"
            for item in answer.get("FailedSOPSequence", None) or []
            if "FailureReason" in item
        }
    )
    return f"failure reasons {', '.join(reasons)}" if reasons else ""
