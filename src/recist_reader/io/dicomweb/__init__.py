"""DICOMweb (design.md §8.9): series from a server as from a folder, and SRs back to it.

``load_series`` and ``list_series`` of :mod:`recist_reader.io.dicom` take a DICOMweb URL
as well as a path and come here for it; ``store_sr`` stores SRs by STOW-RS;
``series_headers`` gives a series' instances without pixels (for an SR's evidence).
"""

from __future__ import annotations

from recist_reader.io.dicomweb.connection import Credentials
from recist_reader.io.dicomweb.errors import DicomwebError, StoreRefusedError
from recist_reader.io.dicomweb.series import series_headers
from recist_reader.io.dicomweb.store import store_sr

__all__ = ["Credentials", "DicomwebError", "StoreRefusedError", "series_headers", "store_sr"]
