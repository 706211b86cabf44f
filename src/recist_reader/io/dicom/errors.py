"""Specific errors of the DICOM series loader; each message names the file, problem and fix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from recist_reader.errors import SeriesError

if TYPE_CHECKING:  # pragma: no cover
    from recist_reader.io.dicom.series import SeriesSummary

__all__ = [
    "SeriesError",
    "NoSeriesFoundError",
    "AmbiguousSeriesError",
    "UnknownSeriesError",
    "DicomFileError",
    "GeometryError",
    "PixelDataError",
]


class NoSeriesFoundError(SeriesError):
    """No loadable image series under the path.

    Point the loader at the folder, file or DICOMDIR that holds the CT or MR images; the
    message lists what was skipped and why.
    """


class AmbiguousSeriesError(SeriesError):
    """Several image series were found and none was chosen.

    Pass ``series_uid=`` with one of the keys listed in the message (``candidates``).
    """

    def __init__(self, message: str, candidates: Sequence[SeriesSummary]):
        super().__init__(message)
        self.candidates = tuple(candidates)


class UnknownSeriesError(SeriesError):
    """The requested ``series_uid`` is not among the series found; the message lists them."""


class DicomFileError(SeriesError):
    """A DICOM file cannot be read (truncated or corrupt header); re-export the file."""


class GeometryError(SeriesError):
    """The slices do not form a volume with trustworthy geometry.

    The message names the problem (missing position or orientation, mixed orientations,
    duplicate positions, ...); re-export the complete series or choose another one.
    """


class PixelDataError(SeriesError):
    """Pixel data is missing, truncated, corrupt, undecodable or implausibly large."""
