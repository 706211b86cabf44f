"""napari writer: save the patient record kept on a rulers layer (design.md §1).

The reading widget keeps the current record in ``metadata["recist_record"]`` of each visit's
``"<visit> rulers"`` Shapes layer; this writer saves it atomically (temporary file, fsync,
rename). Shapes layers without a record are declined (None), so napari offers other writers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

RECORD_KEY = "recist_record"


def write_record(path: str, data: Any, attributes: Mapping[str, Any]) -> list[str] | None:
    """npe2 single-layer writer for ``shapes`` layers: the record in the layer's metadata.

    Parameters
    ----------
    path : str
        Target file (``.json``).
    data : list of arrays
        The layer's shapes (unused: the rulers are in the record, in LPS millimetres).
    attributes : mapping
        The layer's state; ``attributes["metadata"]["recist_record"]`` is written.

    Returns
    -------
    list of str or None
        ``[path]`` when written; None when the layer holds no record.
    """
    from recist_reader.io.record_json import write_json_atomic

    record = (attributes.get("metadata") or {}).get(RECORD_KEY)
    if not isinstance(record, Mapping):
        return None
    return [os.fspath(write_json_atomic(path, record))]
