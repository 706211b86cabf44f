"""recist-reader: tumour response assessment by RECIST 1.1, mRECIST and iRECIST.

The public API is importable without Qt or napari::

    from recist_reader import score_record, load_series, measure_lesion

Names are imported lazily so that ``recist-reader score`` starts without numpy or pydicom.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY_EXPORTS: dict[str, str] = {
    "score_record": "recist_reader.core.scoring",
    "SUPPORTED_CRITERIA": "recist_reader.core.scoring",
    "ScoringOptions": "recist_reader.core.options",
    "RecordError": "recist_reader.errors",
    "SeriesError": "recist_reader.errors",
    "load_series": "recist_reader.io.dicom",
    "Volume": "recist_reader.io.dicom",
    "measure_lesion": "recist_reader.measure",
    "list_series": "recist_reader.io.dicom.listing",
    "store_sr": "recist_reader.io.dicomweb",
    "export_sr": "recist_reader.interop.sr",
    "import_sr": "recist_reader.interop.sr",
    "review_reads": "recist_reader.review",
    "read_hash": "recist_reader.review",
    "export_sdtm": "recist_reader.interop.sdtm",
    "sdtm_tables": "recist_reader.interop.sdtm",
    "SdtmExportError": "recist_reader.interop.sdtm",
    "register_visits": "recist_reader.registration",
    "Registration": "recist_reader.registration",
    "RegistrationError": "recist_reader.registration",
}

__all__ = ["__version__", *_LAZY_EXPORTS]


def __getattr__(name: str) -> Any:
    module_name = _LAZY_EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'recist_reader' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
