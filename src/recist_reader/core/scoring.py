"""``score_record``: a patient record in, the per-visit response JSON out (design.md §2, §4)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from operator import attrgetter
from typing import Any

from recist_reader.core.criteria import CRITERIA
from recist_reader.core.criteria.base import ReadingState, VisitAssessment
from recist_reader.core.endpoints import (
    best_overall_response_confirmed,
    best_overall_response_unconfirmed,
    duration_of_response,
    find_progression,
    last_evaluable_date,
    response_window,
)
from recist_reader.core.exact import to_json_number
from recist_reader.core.labels import LABELS
from recist_reader.core.options import ScoringOptions
from recist_reader.core.record import SCHEMA_VERSION, PatientRecord
from recist_reader.core.validation import parse_record
from recist_reader.errors import RecordError, RecordProblem

DEFAULT_OPTIONS = ScoringOptions()

_visit_date = attrgetter("date")

# Problems that make scoring impossible whatever validate_baseline says.
_ALWAYS_FATAL = frozenset({"no_baseline_disease"})


def resolve_options(
    record: PatientRecord, overrides: Mapping[str, Any], *, prefix: str
) -> ScoringOptions:
    """Defaults, then the record's ``config``, then ``overrides`` (the caller's)."""
    options = DEFAULT_OPTIONS
    config = record.config
    if config.model_fields_set:
        # The options the record sets (not None): model_dump(exclude_none=True), cheaper.
        record_config = {
            name: value
            for name in config.model_fields_set
            if (value := getattr(config, name)) is not None
        }
        if record_config:
            options = replace(options, **record_config)
    return options.with_overrides(overrides, path_prefix=prefix) if overrides else options


def score_record(record: Mapping[str, Any], **options: Any) -> dict[str, Any]:
    """Score one patient record by its criteria (RECIST 1.1).

    Parameters
    ----------
    record : dict
        A patient record as in design.md §1 (e.g. ``json.load`` of a record file).
    **options
        Scoring options (rule book section A), overriding the record's ``config``.

    Returns
    -------
    dict
        The response JSON of design.md §2.

    Raises
    ------
    RecordError
        When the record is invalid; ``error.problems`` name each field by its JSON path.

    Examples
    --------
    >>> record = {
    ...     "patient_id": "P1", "criteria": "RECIST1.1", "baseline_date": "2024-01-10",
    ...     "lesions": [{"lesion_id": "T1", "kind": "target", "organ": "liver"}],
    ...     "visits": [
    ...         {"visit_id": "BL", "date": "2024-01-10",
    ...          "measurements": [{"lesion_id": "T1", "diameter_mm": 71.0}]},
    ...         {"visit_id": "W8", "date": "2024-03-06",
    ...          "measurements": [{"lesion_id": "T1", "diameter_mm": 49.7}]}]}
    >>> score_record(record)["visits"][0]["target"]
    'PR'
    """
    parsed = parse_record(record)
    return score_parsed_record(parsed, options, option_prefix="options")


def score_parsed_record(
    record: PatientRecord, overrides: Mapping[str, Any], *, option_prefix: str
) -> dict[str, Any]:
    """Score a validated record; ``overrides`` are option overrides named ``option_prefix.key``."""
    options = resolve_options(record, overrides, prefix=option_prefix)
    criteria = CRITERIA[record.criteria]()
    visits, baseline_date = record.visits, record.baseline_date  # model attributes cost more
    baseline_index = next(i for i, v in enumerate(visits) if v.date == baseline_date)
    baseline = visits[baseline_index]

    problems: list[RecordProblem] = []
    if not record.lesions:
        problems.append(
            RecordProblem(
                "lesions",
                "no lesion at baseline: a patient needs at least one target or non-target (R3.4)",
                "no_baseline_disease",
            )
        )
    problems.extend(criteria.baseline_problems(record, baseline, baseline_index))
    baseline_notes: list[str] = []
    if problems:
        fatal = [p for p in problems if options.validate_baseline or p.code in _ALWAYS_FATAL]
        if fatal:
            raise RecordError(fatal)
        baseline_notes = [p.describe() for p in problems]

    baseline_sum = criteria.baseline_sum_mm(record, baseline)
    state = ReadingState(baseline_sum, baseline_sum)  # baseline_sum_mm, nadir_mm
    assessments: list[VisitAssessment] = []
    follow_ups = [visit for visit in visits if visit.date > baseline_date]
    follow_ups.sort(key=_visit_date)
    for visit in follow_ups:
        assessment = criteria.assess_visit(record, visit, state, options)
        assessments.append(assessment)
        state = criteria.next_state(state, assessment)

    progression = find_progression(assessments, options=options, location_key=criteria.location_key)
    if progression is not None and progression.note:
        progression.declaring.notes.append(progression.note)
    window = response_window(assessments, progression)
    has_targets = baseline_sum is not None
    pfs_date = (
        progression.date if progression else last_evaluable_date(assessments, baseline_date)
    )

    baseline_json: dict[str, Any] = {
        "visit_id": baseline.visit_id,
        "date": baseline.date.isoformat(),
        "sum_mm": to_json_number(baseline_sum),
    }
    if baseline_notes:
        baseline_json["notes"] = baseline_notes
    return {
        "schema_version": SCHEMA_VERSION,
        "patient_id": record.patient_id,
        "criteria": record.criteria,
        "config": options.as_json(),
        "baseline": baseline_json,
        "visits": [_visit_json(a) for a in assessments],
        "progression": None
        if progression is None
        else {
            "date": progression.date.isoformat(),
            "visit_id": progression.declaring.visit_id,
            "dated_visit_id": progression.dated_visit_id,
        },
        "pfs": {"event": progression is not None, "date": pfs_date.isoformat()},
        "best_overall_response": {
            "unconfirmed": LABELS[best_overall_response_unconfirmed(window, options)],
            "confirmed": LABELS[
                best_overall_response_confirmed(window, options, has_targets=has_targets)
            ],
        },
        "duration_of_response": duration_of_response(
            window, progression, assessments, baseline_date
        ),
    }


def _visit_json(assessment: VisitAssessment) -> dict[str, Any]:
    """One entry of the response's ``visits`` (design.md §2)."""
    # The sums as to_json_number gives them, without its three calls per visit.
    sum_mm, partial_sum_mm, nadir_mm = (
        assessment.sum_mm,
        assessment.partial_sum_mm,
        assessment.nadir_mm,
    )
    return {
        "visit_id": assessment.visit_id,
        "date": assessment.date.isoformat(),
        "day": assessment.day,
        "sum_mm": None if sum_mm is None else float(sum_mm),
        "partial_sum_mm": None if partial_sum_mm is None else float(partial_sum_mm),
        "nadir_mm": None if nadir_mm is None else float(nadir_mm),
        "pct_change_baseline": assessment.pct_change_baseline,
        "pct_change_nadir": assessment.pct_change_nadir,
        "target": LABELS[assessment.target],
        "non_target": LABELS[assessment.non_target],
        "new_lesions": assessment.new_lesions,
        "equivocal_new_lesions": assessment.equivocal_new_lesions,
        "overall": LABELS[assessment.overall],
        "notes": assessment.notes,
    }
