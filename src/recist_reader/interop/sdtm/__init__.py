"""CDISC SDTM export: TU, TR and RS of every read, as SAS XPORT v5, CSV and Dataset-JSON.

See ``sdtm.md`` (the mapping) and design.md §10 (the command and the API)::

    from recist_reader import export_sdtm, sdtm_tables
    export_sdtm(records, adjudications, "sdtm/", study_id="NCT05831969")
"""

from __future__ import annotations

from recist_reader.interop.sdtm.export import (
    SdtmExport,
    build_sdtm,
    export_sdtm,
    export_sdtm_files,
    sdtm_tables,
)
from recist_reader.interop.sdtm.options import SdtmOptionError, SdtmOptions
from recist_reader.interop.sdtm.problems import SdtmExportError, SdtmProblem

__all__ = [
    "SdtmExport",
    "SdtmExportError",
    "SdtmOptionError",
    "SdtmOptions",
    "SdtmProblem",
    "build_sdtm",
    "export_sdtm",
    "export_sdtm_files",
    "sdtm_tables",
]
