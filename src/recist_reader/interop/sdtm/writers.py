"""Writing the tables: SAS XPORT v5 (pyreadstat), CSV and CDISC Dataset-JSON v1.1 (sdtm.md §7).

XPT files are written by ``pyreadstat.write_xport(..., file_format_version=5)``, a maintained
writer that sets the member name and dataset label, the variable labels and each character
column's length (the longest value, at least 1); numbers are IBM doubles of length 8. Every file
is written to a temporary name and renamed, so a failed export leaves no half-written file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from recist_reader.interop.sdtm.reads import number_text
from recist_reader.interop.sdtm.variables import Domain, Variable

FORMATS = ("xpt", "csv", "json")
#: A table by column: each variable's values, row by row (None = null).
Columns = Mapping[str, Sequence[Any]]

#: Dataset-JSON data types of the numeric variables that are always whole numbers.
_INTEGER_SUFFIXES = ("SEQ", "DY")


def write_xpt(path: Path, domain: Domain, columns: Sequence[Variable], data: Columns) -> None:
    """``<domain>.xpt``: one member named after the domain, SAS transport version 5."""
    import numpy as np
    import pandas as pd
    import pyreadstat

    frame_data: dict[str, Any] = {}
    for column in columns:
        values = data[column.name]
        if column.type == "Num":
            frame_data[column.name] = np.array(values, dtype="float64")  # None: SAS missing
        else:
            frame_data[column.name] = pd.Series(
                ["" if value is None else value for value in values], dtype=object
            )
    frame = pd.DataFrame(frame_data, columns=[c.name for c in columns])
    _atomic(
        path,
        lambda temporary: pyreadstat.write_xport(
            frame,
            str(temporary),
            file_label=domain.label,
            column_labels=[c.label for c in columns],
            table_name=domain.code,
            file_format_version=5,
        ),
    )


def csv_value(value: Any) -> str:
    """A CSV field: empty for null, numbers in their shortest decimal form (``2``, ``30.31``)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number_text(value)
    return str(value)


def write_csv(path: Path, columns: Sequence[Variable], data: Columns) -> None:
    """``<domain>.csv``: the same columns and values as the XPT, header = variable names."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.name for c in columns])
    fields = []
    for column in columns:
        values = data[column.name]
        if column.type == "Num":
            texts = {value: csv_value(value) for value in set(values)}
            fields.append([texts[value] for value in values])
        else:
            fields.append(["" if value is None else value for value in values])
    writer.writerows(zip(*fields))
    text = buffer.getvalue()
    _atomic(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def write_dataset_json(
    path: Path,
    domain: Domain,
    columns: Sequence[Variable],
    data: Columns,
    *,
    study_id: str | None,
) -> None:
    """``<domain>.json``: CDISC Dataset-JSON v1.1 (file metadata, ``columns``, ``rows``)."""
    from recist_reader import __version__

    described: list[dict[str, Any]] = []
    key_sequence = {"STUDYID": 1, "USUBJID": 2, f"{domain.code}SEQ": 3}
    values_by_column = []
    for column in columns:
        values = data[column.name]
        item: dict[str, Any] = {
            "itemOID": f"IT.{domain.code}.{column.name}",
            "name": column.name,
            "label": column.label,
        }
        if column.type == "Char":
            item["dataType"] = "string"
            item["length"] = max([1, *(len(value) for value in set(values) if value)])
        elif column.name.endswith(_INTEGER_SUFFIXES):
            item["dataType"] = "integer"
            values = [None if value is None else int(value) for value in values]
        else:
            item["dataType"] = "float"
        if column.name in key_sequence:
            item["keySequence"] = key_sequence[column.name]
        described.append(item)
        values_by_column.append(values)
    n_rows = len(values_by_column[0]) if values_by_column else 0
    document: dict[str, Any] = {
        "datasetJSONCreationDateTime": dt.datetime.now(dt.timezone.utc)
        .replace(microsecond=0)
        .isoformat(),
        "datasetJSONVersion": "1.1.0",
        "fileOID": f"recist-reader.{study_id or 'study'}.{domain.code}",
        "originator": "recist-reader",
        "sourceSystem": {"name": "recist-reader", "version": __version__},
        "metaDataVersionOID": "MDV.SDTMIG.3.4",
        "itemGroupOID": f"IG.{domain.code}",
        "records": n_rows,
        "name": domain.code,
        "label": domain.label,
        "columns": described,
        "rows": [list(row) for row in zip(*values_by_column)],
    }
    if study_id is not None:
        document["studyOID"] = study_id
    text = json.dumps(document, ensure_ascii=False)
    _atomic(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def _atomic(path: Path, write: Callable[[Path], Any]) -> None:
    """Call ``write`` on a temporary file beside ``path``, then rename it to ``path``."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
