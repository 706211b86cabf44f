"""Score every record file of a cohort; one bad file never stops the others."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
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
    criteria : str or None
        The criteria the patients were scored under: the one named, or the records' common
        primary criteria (None when they name several, see ``primary_criteria``).
    primary_criteria : dict
        The primary criteria the records read name, each with how many records name it.
    """

    patients: list[PatientEndpoints] = field(default_factory=list)
    invalid: list[InvalidRecord] = field(default_factory=list)
    empty_folders: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    criteria: str | None = None
    primary_criteria: dict[str, int] = field(default_factory=dict)


def score_cohort(
    paths: Iterable[str | os.PathLike[str]],
    *,
    overrides: Mapping[str, Any] | None = None,
    option_prefix: str = "options",
    criteria: str | None = None,
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
    criteria : str, optional
        Score every record under this criteria; default each record's primary criteria.

    Returns
    -------
    Cohort
        Invalid files (unreadable, invalid, failing the baseline rules, or repeating a
        patient_id already scored) are listed with their problems, never raised.
    """
    names = None if criteria is None else (criteria,)
    return next(
        iter(score_cohorts(paths, names, overrides=overrides, option_prefix=option_prefix).values())
    )


def score_cohorts(
    paths: Iterable[str | os.PathLike[str]],
    criteria: Sequence[str] | None,
    *,
    overrides: Mapping[str, Any] | None = None,
    option_prefix: str = "options",
) -> dict[str | None, Cohort]:
    """:func:`score_cohort` under each of ``criteria``, reading every record once.

    Returns one :class:`Cohort` per name, in the order given (keyed None when ``criteria``
    is None: each record under its primary criteria). A record invalid under one criteria is
    listed there, its problems naming the criteria when several are scored.
    """
    from recist_reader.core.criteria import criteria_class
    from recist_reader.core.scoring import score_parsed_record
    from recist_reader.io.record_json import read_record, record_files

    overrides = dict(overrides or {})
    keys: tuple[str | None, ...] = (None,) if criteria is None else tuple(criteria)
    cohorts = {
        key: Cohort(
            config=criteria_class(key or "RECIST1.1")
            .options_class()
            .with_overrides(overrides, path_prefix=option_prefix)
            .as_json(),
            criteria=key,
        )
        for key in keys
    }
    seen: dict[tuple[str | None, str], str] = {}
    primaries: dict[str, int] = {}
    empty_folders: list[str] = []
    for path in paths:
        files = record_files(path)
        if not files:
            empty_folders.append(str(path))
        for file in files:
            source = str(file)
            try:
                record = read_record(file)
            except RecordError as error:
                problems = tuple(p.describe() for p in error.problems)
                for cohort in cohorts.values():
                    cohort.invalid.append(InvalidRecord(source, problems))
                continue
            primaries[record.criteria] = primaries.get(record.criteria, 0) + 1
            for key, cohort in cohorts.items():
                try:
                    response = score_parsed_record(
                        record,
                        overrides,
                        option_prefix=option_prefix,
                        criteria=key,
                        name_criteria=len(keys) > 1,
                    )
                except RecordError as error:
                    problems = tuple(p.describe() for p in error.problems)
                    cohort.invalid.append(InvalidRecord(source, problems))
                    continue
                if (key, record.patient_id) in seen:
                    problem = RecordProblem(
                        "patient_id",
                        f"patient {record.patient_id!r} was already scored from "
                        f"{seen[(key, record.patient_id)]}; this file is left out of the cohort",
                        "duplicate_patient",
                    )
                    cohort.invalid.append(InvalidRecord(source, (problem.describe(),)))
                    continue
                seen[(key, record.patient_id)] = source
                cohort.patients.append(patient_endpoints(record, response, file=source))
    for key, cohort in cohorts.items():
        cohort.empty_folders = list(empty_folders)
        cohort.primary_criteria = dict(primaries)
        if key is None and len(primaries) == 1:
            (cohort.criteria,) = primaries
            cohort.config = (
                criteria_class(cohort.criteria)
                .options_class()
                .with_overrides(overrides, path_prefix=option_prefix)
                .as_json()
            )
    return cohorts
