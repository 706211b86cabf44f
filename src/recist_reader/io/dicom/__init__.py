"""DICOM series loading with validated LPS geometry (design.md §4, issue 3).

``load_series(path, *, series_uid=None)`` returns a :class:`Volume`; ``list_series(path)``
lists the series under a path with their geometry but without decoding pixels. Both also
take a DICOMweb URL (with ``study_uid=``; :mod:`recist_reader.io.dicomweb`). Every failure
is a :class:`~recist_reader.errors.SeriesError` subclass naming the file and problem.
"""

from __future__ import annotations

from recist_reader.io.dicom.errors import (
    AmbiguousSeriesError,
    DicomFileError,
    GeometryError,
    NoSeriesFoundError,
    PixelDataError,
    SeriesError,
    UnknownSeriesError,
)
from recist_reader.io.dicom.loader import SeriesInfo, SeriesListing, list_series, load_series
from recist_reader.io.dicom.series import SeriesSummary
from recist_reader.io.dicom.volume import CT_WINDOW_PRESETS, Volume

__all__ = [
    "load_series",
    "list_series",
    "Volume",
    "SeriesInfo",
    "SeriesListing",
    "SeriesSummary",
    "CT_WINDOW_PRESETS",
    "SeriesError",
    "NoSeriesFoundError",
    "AmbiguousSeriesError",
    "UnknownSeriesError",
    "DicomFileError",
    "GeometryError",
    "PixelDataError",
]
