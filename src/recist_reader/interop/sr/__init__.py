"""DICOM SR (TID 1500) export and import of patient records (design.md §8.1–§8.8).

``export_sr(record, series_folder)`` writes one Comprehensive SR per visit and reader that
OHIF v3 shows and hydrates into its own Length/Bidirectional measurements, dcmqi and 3D
Slicer read, and dciodvfy and PixelMed pass; ``import_sr(paths)`` reads such SRs back into a
record. The record → TID 1500 mapping is :mod:`~recist_reader.interop.sr.tid1500`, its codes
:mod:`~recist_reader.interop.sr.codes`.
"""

from __future__ import annotations

from recist_reader.interop.sr.errors import SRExportError, SRImportError
from recist_reader.interop.sr.export import (
    SRDocument,
    SRExportWarning,
    export_sr,
    export_sr_documents,
    export_sr_files,
    write_sr_documents,
)
from recist_reader.interop.sr.importer import (
    ForeignRuler,
    SRImport,
    import_sr,
    read_sr,
    visit_of_series,
)

__all__ = [
    "ForeignRuler",
    "SRImport",
    "import_sr",
    "read_sr",
    "visit_of_series",
    "SRDocument",
    "SRExportError",
    "SRExportWarning",
    "SRImportError",
    "export_sr",
    "export_sr_documents",
    "export_sr_files",
    "write_sr_documents",
]
