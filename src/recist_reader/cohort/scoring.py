"""Score every record file of a cohort; one bad file never stops the others."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from recist_reader.cohort.patients import PatientEndpoints, patient_endpoints
from recist_reader.cohort.summary import InvalidRecord
from recist_reader.errors import RecordError, RecordProblem


@dataclass
class Cohort:
    """The scored patients of a cohort and the record files that could not be scored.

    Attributes
    ----------
    patients : list of PatientEndpoints
        In file order.
    invalid : list of InvalidRecord
    empty_folders : list of str
        Folders given that held no record file.
    config : dict
        The scoring options as used (defaults with the overrides); a record's own ``config``
        still applies to the options not overridden.
    """

    patients: list[PatientEndpoints] = field(default_factory=list)
    invalid: list[InvalidRecord] = field(default_factory=list)
    empty_folders: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)


def score_cohort(
    paths: Iterable[str | os.PathLike[str]],
    *,
    overrides: Mapping[str, Any] | None = None,
    option_prefix: str = "options",
) -> Cohort:
    """Read, validate and score every record under ``paths`` (files or folders).

    Parameters
    ----------
    paths : iterable of path
        Record files, or folders whose ``*.json`` files (not ``*.response.json``) are records.
    overrides : mapping, optional
        Scoring options overriding each record's ``config`` (already validated).
    option_prefix : str
        How option problems name the options (``--set `` on the command line).

    Returns
    -------
    Cohort
        Invalid files (unreadable, invalid, failing the baseline rules, or repeating a
        patient_id already scored) are listed with their problems, never raised.
    """
    from recist_reader.core.options import ScoringOptions
    from recist_reader.core.scoring import score_parsed_record
    from recist_reader.io.record_json import read_record, record_files

    overrides = dict(overrides or {})
    cohort = Cohort(
        config=ScoringOptions().with_overrides(overrides, path_prefix=option_prefix).as_json()
    )
    seen: dict[str, str] = {}
    for path in paths:
        files = record_files(path)
        if not files:
            cohort.empty_folders.append(str(path))
        for file in files:
            source = str(file)
            try:
                record = read_record(file)
                response = score_parsed_record(record, overrides, option_prefix=option_prefix)
            except RecordError as error:
                problems = tuple(p.describe() for p in error.problems)
                cohort.invalid.append(InvalidRecord(source, problems))
                continue
            if record.patient_id in seen:
                problem = RecordProblem(
                    "patient_id",
                    f"patient {record.patient_id!r} was already scored from "
                    f"{seen[record.patient_id]}; this file is left out of the cohort",
                    "duplicate_patient",
                )
                cohort.invalid.append(InvalidRecord(source, (problem.describe(),)))
                continue
            seen[record.patient_id] = source
            cohort.patients.append(patient_endpoints(record, response, file=source))
    return cohort
