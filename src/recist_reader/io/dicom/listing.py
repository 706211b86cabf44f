"""``list_series`` of design.md §8.9: one dict per series, as ``inspect --json`` prints it."""

from __future__ import annotations

import os
from typing import Any

from recist_reader.io.dicom.loader import SeriesInfo
from recist_reader.io.dicom.loader import list_series as list_series_infos


def series_record(info: SeriesInfo) -> dict[str, Any]:
    """The dict of one series: key, UID, modality, description, slices, shape, spacing,
    affine, warnings and error (the keys ``recist-reader inspect --json`` prints)."""
    summary = info.summary
    return {
        "series_key": summary.key,
        "series_uid": summary.series_uid,
        "modality": summary.modality,
        "description": summary.description,
        "slices": summary.slices,
        "shape": list(info.shape) if info.shape else None,
        "spacing_mm": [float(v) for v in info.spacing_mm] if info.spacing_mm else None,
        "affine": (
            [[float(v) + 0.0 for v in row] for row in info.affine]
            if info.affine is not None
            else None
        ),
        "warnings": list(info.warnings),
        "error": info.error,
    }


def list_series(
    source: str | os.PathLike[str], *, study_uid: str | None = None
) -> list[dict[str, Any]]:
    """The series under a path, or of a study on a DICOMweb server, as dicts.

    Parameters
    ----------
    source : str or PathLike
        A DICOM file, folder or DICOMDIR, or a DICOMweb base URL (design.md §8.9).
    study_uid : str, optional
        The study, from a URL (required there).

    Returns
    -------
    list of dict
        :func:`series_record` of each series: from a URL the same dicts as from a folder
        holding the same instances.

    Raises
    ------
    SeriesError
        Nothing loadable there; from a URL also an unreachable server or unknown study.
    """
    return [series_record(info) for info in list_series_infos(source, study_uid=study_uid).series]
