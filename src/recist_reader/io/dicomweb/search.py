"""Find studies and series on a DICOMweb server (QIDO-RS), as plain dicts for a picker.

``find_studies(url, patient_id=..., study_date=...)`` and ``find_series(url, study_uid)``
back the "Open from PACS" dialog; each raises the ``DicomwebError`` of the connection.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from recist_reader.io.dicom.headers import NON_VOLUME_MODALITIES, PROJECTION_MODALITIES
from recist_reader.io.dicomweb.connection import Connection, Credentials
from recist_reader.io.dicomweb.metadata import json_value
from recist_reader.io.dicomweb.urls import parse_source

_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")


def dicom_date_range(text: str) -> str:
    """A StudyDate query from ``2024-01-10``, ``20240110``, ``2024-01-01 - 2024-03-31``
    or an open range (``2024-01-01 -``, ``- 2024-03-31``); '' for no date.

    Raises
    ------
    ValueError
        Not a date or a range of dates (the message shows the accepted forms).
    """
    text = text.strip()
    if not text:
        return ""
    dates = list(_DATE.finditer(text))
    rest = _DATE.sub("#", text).replace(" ", "")
    if rest == "#":
        return _dicom_date(dates[0])
    if rest == "#-#":
        return f"{_dicom_date(dates[0])}-{_dicom_date(dates[1])}"
    if rest == "#-":
        return f"{_dicom_date(dates[0])}-"
    if rest == "-#":
        return f"-{_dicom_date(dates[0])}"
    raise ValueError(
        f"study date {text!r}: give YYYY-MM-DD, or a range 'YYYY-MM-DD - YYYY-MM-DD' "
        "(either end may be left open)"
    )


def _dicom_date(match: re.Match[str]) -> str:
    try:
        dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(f"study date {match[0]!r} is not a calendar date") from None
    return f"{match[1]}{match[2]}{match[3]}"


def find_studies(
    url: str,
    *,
    patient_id: str = "",
    study_date: str = "",
    credentials: Credentials | None = None,
) -> list[dict[str, Any]]:
    """The studies matching a patient ID and a study date (or range), newest first.

    Parameters
    ----------
    url : str
        The server's DICOMweb root.
    patient_id : str
        Exact PatientID ('' for any; ``*`` and ``?`` are wildcards, as in QIDO-RS).
    study_date : str
        As :func:`dicom_date_range` reads it ('' for any).

    Returns
    -------
    list of dict
        ``study_uid``, ``patient_id``, ``patient_name``, ``study_date`` (ISO), ``description``,
        ``accession_number``, ``modalities`` (list), ``series_count`` (int or None).

    Raises
    ------
    DicomwebError
        The server cannot be reached or refuses.
    ValueError
        A study date that is not a date.
    """
    filters = {}
    if patient_id.strip():
        filters["PatientID"] = patient_id.strip()
    date = dicom_date_range(study_date)
    if date:
        filters["StudyDate"] = date
    source = parse_source(url)
    with Connection(source.base_url, credentials=credentials) as connection:
        found = connection.search_studies(filters)
    studies = [
        {
            "study_uid": str(json_value(item, "0020000D") or ""),
            "patient_id": str(json_value(item, "00100020") or ""),
            "patient_name": _person_name(json_value(item, "00100010")),
            "study_date": _iso_date(json_value(item, "00080020")),
            "description": str(json_value(item, "00081030") or ""),
            "accession_number": str(json_value(item, "00080050") or ""),
            "modalities": [str(v) for v in item.get("00080061", {}).get("Value", [])],
            "series_count": _int(json_value(item, "00201206")),
        }
        for item in found
    ]
    return sorted(studies, key=lambda s: (s["study_date"] or "", s["study_uid"]), reverse=True)


def find_series(
    url: str, study_uid: str, *, credentials: Credentials | None = None
) -> list[dict[str, Any]]:
    """The series of a study, in SeriesNumber order.

    Returns
    -------
    list of dict
        ``series_uid``, ``study_uid``, ``modality``, ``description``, ``series_number``,
        ``slices`` (the instance count, or None), ``is_image`` (a CT/MR-like series that
        ``load_series`` can open; False for SR, SEG, projections, ...) and ``url`` (the
        WADO-RS series URL, which ``load_series`` and napari open).

    Raises
    ------
    DicomwebError
        The server cannot be reached or refuses.
    """
    source = parse_source(url)
    with Connection(source.base_url, credentials=credentials) as connection:
        found = connection.search_series(study_uid)
        base = connection.base_url
    series = []
    for item in found:
        uid = str(json_value(item, "0020000E") or "")
        modality = str(json_value(item, "00080060") or "")
        series.append(
            {
                "series_uid": uid,
                "study_uid": study_uid,
                "modality": modality,
                "description": str(json_value(item, "0008103E") or ""),
                "series_number": _int(json_value(item, "00200011")),
                "slices": _int(json_value(item, "00201209")),
                "is_image": modality.upper() not in NON_VOLUME_MODALITIES | PROJECTION_MODALITIES,
                "url": f"{base}/studies/{study_uid}/series/{uid}",
            }
        )
    return sorted(
        series, key=lambda s: (s["series_number"] is None, s["series_number"] or 0, s["series_uid"])
    )


def _person_name(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("Alphabetic", "")
    return str(value or "").replace("^", " ").strip()


def _iso_date(value: Any) -> str:
    text = str(value or "")
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}" if re.fullmatch(r"\d{8}", text) else text


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
