"""Errors over DICOMweb: each names the server's URL, the UIDs asked for and the HTTP status."""

from __future__ import annotations

from collections.abc import Sequence

from recist_reader.errors import SeriesError


class DicomwebError(SeriesError):
    """A DICOMweb server could not be reached, did not answer in time or refused a request.

    Attributes
    ----------
    url : str
        The URL asked (without credentials).
    status : int or None
        The HTTP status, when the server answered.
    """

    def __init__(self, message: str, *, url: str, status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status


class StoreRefusedError(ValueError):
    """A STOW-RS store was refused, wholly or in part (design.md §8.9).

    Attributes
    ----------
    url : str
        The STOW-RS URL (without credentials).
    status : int or None
        The HTTP status (None when the server could not be reached).
    refused_sop_instance_uids : tuple of str
        The instances not stored.
    """

    def __init__(
        self,
        message: str,
        *,
        url: str,
        status: int | None,
        refused_sop_instance_uids: Sequence[str],
    ):
        super().__init__(message)
        self.url = url
        self.status = status
        self.refused_sop_instance_uids = tuple(refused_sop_instance_uids)
