"""Reading an export's input from files and folders: reads and adjudication records.

A folder holds ``*.json`` files (response files ``*.response.json`` and hidden files left out);
a file whose ``kind`` is ``adjudication`` is an adjudication record (design.md §9.4), any other
is a patient record or read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from recist_reader.interop.sdtm.problems import SdtmProblem


@dataclass
class SdtmInputs:
    """Records (with the file each came from), adjudication records, and unreadable files."""

    records: list[dict[str, Any]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    adjudications: list[dict[str, Any]] = field(default_factory=list)
    problems: list[SdtmProblem] = field(default_factory=list)


def read_inputs(paths: Iterable[str | os.PathLike[str]]) -> SdtmInputs:
    """Every record and adjudication record under ``paths`` (files or folders)."""
    from recist_reader.errors import RecordError
    from recist_reader.io.record_json import read_record_file, record_files

    inputs = SdtmInputs()
    for path in paths:
        files = record_files(path)
        if not files:
            inputs.problems.append(
                SdtmProblem(str(path), "", "no record files (*.json) in this folder")
            )
        for file in files:
            try:
                document = read_record_file(file)
            except RecordError as error:
                inputs.problems.extend(
                    SdtmProblem(str(file), p.path, p.message) for p in error.problems
                )
                continue
            if not isinstance(document, dict):
                inputs.problems.append(
                    SdtmProblem(
                        str(file),
                        "",
                        f"a record or adjudication is a JSON object, not {type(document).__name__}",
                    )
                )
            elif document.get("kind") == "adjudication":
                inputs.adjudications.append(document)
            else:
                inputs.records.append(document)
                inputs.sources.append(str(file))
    return inputs
