"""Cohort endpoints from the central review (``recist-reader cohort --source``, design.md §9.7).

``central``: each patient's central read of record (CRV21); ``R1``/``R2``: each patient's
complete, valid read in that slot (sensitivity analyses). Patients without one are pending:
listed, and left out of every endpoint (ORR/DCR denominators are the patients with a read).

Readers are blinded to clinical data, so a read rarely carries ``death_date`` or
``last_known_alive_date``: when it does not, they are taken from the patient's investigator
read or plain (site) record, so that a death before progression stays a PFS event.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from recist_reader.cohort.patients import patient_endpoints
from recist_reader.cohort.scoring import Cohort
from recist_reader.cohort.summary import InvalidRecord
from recist_reader.core.types import iso_date
from recist_reader.review.files import load_review_inputs
from recist_reader.review.reads import Read
from recist_reader.review.review import PatientReview, Review

SOURCES = ("central", "R1", "R2")
_CLINICAL_DATES = ("death_date", "last_known_alive_date")


@dataclass
class SourceCohort:
    """A cohort on the central review.

    Attributes
    ----------
    source : str
        ``central``, ``R1`` or ``R2``.
    cohort : Cohort
        The patients with a read of that source, and the files that could not be read.
    review : Review
    pending : list of dict
        ``{"patient_id", "status"}`` of the patients left out.
    skipped : list of str
        Record files without a ``read`` block (not part of the review).
    """

    source: str
    cohort: Cohort
    review: Review
    pending: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _source_read(patient: PatientReview, source: str) -> Read | None:
    if source == "central":
        return patient.central_read
    read = patient.slots.get(source)
    if read is None or not read.complete or not read.scored or read.problems:
        return None
    return read


def _clinical_dates(
    patient: PatientReview, plain: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """Death and last-known-alive dates of the patient's investigator read or site record."""
    documents = [r.data for r in patient.reads if r.role == "investigator"]
    if patient.patient_id in plain:
        documents.append(plain[patient.patient_id])
    dates: dict[str, Any] = {}
    for document in documents:
        for name in _CLINICAL_DATES:
            if name not in dates and document.get(name) is not None:
                try:
                    dates[name] = iso_date(document[name])
                except ValueError:
                    continue
    return dates


def cohort_from_review(
    paths: Iterable[str | os.PathLike[str]],
    *,
    source: str,
    scoring: Mapping[str, Any] | None = None,
    **options: Any,
) -> SourceCohort:
    """Review the reads under ``paths`` and collect the endpoints of each patient's ``source`` read.

    Parameters
    ----------
    paths : iterable of path
        Reads, adjudication records and site records (files or folders).
    source : str
        ``central``, ``R1`` or ``R2``.
    scoring : dict, optional
        Scoring options applied to every read (validated).
    **options
        Review options (central-review.md §5).
    """
    from recist_reader.core.criteria import criteria_class

    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
    scoring = dict(scoring or {})
    inputs = load_review_inputs(paths)
    review = inputs.review(scoring=scoring, **options)
    cohort = Cohort(
        invalid=[InvalidRecord(line.split(": ", 1)[0], (line,)) for line in inputs.errors],
        empty_folders=inputs.empty_folders,
    )
    plain = {
        doc["patient_id"]: doc for doc, _ in inputs.plain if isinstance(doc.get("patient_id"), str)
    }
    result = SourceCohort(source, cohort, review, skipped=inputs.skipped)
    for patient in review.patients:
        read = _source_read(patient, source)
        if read is None or read.record is None or read.response is None:
            result.pending.append({"patient_id": patient.patient_id, "status": patient.status})
            continue
        record = read.record
        dates = {
            name: value
            for name, value in _clinical_dates(patient, plain).items()
            if getattr(record, name) is None
        }
        if dates:
            record = record.model_copy(update=dates)
        cohort.patients.append(
            patient_endpoints(record, read.response, file=read.source or read.read_id or "")
        )
    criteria = {p.response["criteria"] for p in cohort.patients}
    cohort.criteria = criteria.pop() if len(criteria) == 1 else None
    cohort.config = (
        criteria_class(cohort.criteria or "RECIST1.1")
        .options_class()
        .with_overrides(scoring, path_prefix="--set ")
        .as_json()
    )
    return result


def source_summary(source_cohort: SourceCohort, summary: dict[str, Any]) -> dict[str, Any]:
    """``summary`` (design.md §5) with the §9.7 additions: ``source``, ``n_pending``,
    ``pending`` and, for ``central``, the review's ``agreement``."""
    added: dict[str, Any] = {
        "source": source_cohort.source,
        "n_pending": len(source_cohort.pending),
        "pending": source_cohort.pending,
    }
    if source_cohort.source == "central":
        review_json = source_cohort.review.as_json()
        added["agreement"] = review_json["agreement"]
        added["investigator_vs_central"] = review_json["investigator_vs_central"]
    return {**summary, **added}
