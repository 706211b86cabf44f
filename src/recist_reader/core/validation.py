"""Validation of patient records: structure (pydantic) then cross-field checks.

Every problem names the JSON path of the field, e.g. ``visits[2].measurements[0].diameter_mm``.
Baseline rule checks that depend on the criteria (measurability, target counts) are the
criteria module's (:meth:`recist_reader.core.criteria.base.Criteria.baseline_problems`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from recist_reader.core.record import (
    Lesion,
    Measurement,
    NewLesion,
    PatientRecord,
    measurement_position,
)
from recist_reader.errors import RecordError, RecordProblem

_TARGET_STATUSES = frozenset({"too_small", "absent", "not_evaluated"})
_NON_TARGET_STATUSES = frozenset({"absent", "present", "unequivocal_progression", "not_evaluated"})


def json_path(location: tuple[Any, ...], prefix: str = "") -> str:
    """``('visits', 2, 'date')`` → ``visits[2].date``."""
    path = prefix
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path and not path.endswith(" ") else str(part)
    return path


def _describe_input(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return (
        f"{type(value).__name__} {text}"
        if not isinstance(value, (dict, list))
        else type(value).__name__
    )


def problems_from_validation_error(
    error: ValidationError, *, prefix: str = "", options: bool = False
) -> list[RecordProblem]:
    """One :class:`RecordProblem` per pydantic error, with readable messages and codes.

    ``options`` says the error is about scoring options (unknown keys are unknown options).
    """
    problems = []
    for item in error.errors(include_url=False):
        location = tuple(item["loc"])
        path = json_path(location, prefix)
        kind = item["type"]
        message = item["msg"].removeprefix("Value error, ")
        code = kind
        if kind == "missing":
            message, code = "required field is missing", "missing_field"
        elif kind == "extra_forbidden":
            name = location[-1] if location else "?"
            if options or (location and location[0] == "config"):
                from recist_reader.core.options import OPTION_NAMES

                message = f"unknown option {name!r}; known options: {', '.join(OPTION_NAMES)}"
                code = "bad_config"
            else:
                message, code = f"unknown field {name!r} (check its spelling)", "unknown_field"
        elif kind == "literal_error" and location == ("criteria",):
            from recist_reader.core.criteria import SUPPORTED_CRITERIA

            message = (
                f"unsupported criteria {item['input']!r}: use one of "
                f"{', '.join(SUPPORTED_CRITERIA)} (exactly so spelled)"
            )
            code = "unsupported_criteria"
        elif kind == "literal_error" and location == ("schema_version",):
            message = f"unsupported schema_version {item['input']!r}: this version reads 1"
            code = "unsupported_schema_version"
        elif kind.endswith("_type") or kind in {"literal_error", "list_type", "model_type"}:
            message = f"{message}; got {_describe_input(item['input'])}"
            code = "wrong_type" if kind != "literal_error" else "invalid_value"
        problems.append(RecordProblem(path, message, code))
    return problems


def parse_record(data: Any) -> PatientRecord:
    """Validate a record's structure and its cross-field consistency.

    Parameters
    ----------
    data : Mapping
        The record as loaded from JSON.

    Returns
    -------
    PatientRecord

    Raises
    ------
    RecordError
        With every problem found, each naming the JSON path of the field.
    """
    if not isinstance(data, Mapping):
        raise RecordError(
            [
                RecordProblem(
                    "",
                    f"a patient record must be a JSON object, got {type(data).__name__}",
                    "not_an_object",
                )
            ]
        )
    try:
        record = PatientRecord.model_validate(data)
    except ValidationError as error:
        raise RecordError(problems_from_validation_error(error)) from None
    return _checked(record)


def parse_record_json(raw: bytes | str) -> PatientRecord:
    """Like :func:`parse_record`, from JSON text: parsed and validated in one pass.

    Raises
    ------
    RecordError
        As :func:`parse_record`; JSON syntax errors have the code ``json_invalid``.
    """
    try:
        record = PatientRecord.model_validate_json(raw)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        if first["type"] == "model_type" and not first["loc"]:
            raise RecordError(
                [RecordProblem("", "a patient record must be a JSON object", "not_an_object")]
            ) from None
        raise RecordError(problems_from_validation_error(error)) from None
    return _checked(record)


def _checked(record: PatientRecord) -> PatientRecord:
    problems = cross_field_problems(record)
    if problems:
        raise RecordError(problems)
    return record


def cross_field_problems(record: PatientRecord) -> list[RecordProblem]:
    """Problems that span fields: ids, dates, statuses by lesion kind, baseline visit."""
    problems: list[RecordProblem] = []
    lesions_by_id: dict[str, int] = {}
    # By lesion id (the first lesion of an id): whether it is a non-target, looked up for
    # every measurement.
    non_target_by_id: dict[str, bool] = {}
    for index, lesion in enumerate(record.lesions):
        lesion_id = lesion.lesion_id
        if lesion_id in lesions_by_id:
            problems.append(
                RecordProblem(
                    f"lesions[{index}].lesion_id",
                    f"duplicate lesion_id {lesion.lesion_id!r} (also lesions[{lesions_by_id[lesion_id]}])",
                    "duplicate_lesion_id",
                )
            )
        else:
            lesions_by_id[lesion_id] = index
            non_target_by_id[lesion_id] = lesion.kind == "non-target"

    baseline_date = record.baseline_date
    visit_ids: dict[str, int] = {}
    visit_dates: dict[Any, int] = {}
    baseline_index = None
    for v_index, visit in enumerate(record.visits):
        visit_id, date = visit.visit_id, visit.date
        if visit_id in visit_ids:
            problems.append(
                RecordProblem(
                    f"visits[{v_index}].visit_id",
                    f"duplicate visit_id {visit_id!r} (also visits[{visit_ids[visit_id]}])",
                    "duplicate_visit_id",
                )
            )
        else:
            visit_ids[visit_id] = v_index
        if date < baseline_date:
            problems.append(
                RecordProblem(
                    f"visits[{v_index}].date",
                    f"{date.isoformat()} is before baseline_date {baseline_date.isoformat()}",
                    "visit_before_baseline",
                )
            )
        if date in visit_dates:
            problems.append(
                RecordProblem(
                    f"visits[{v_index}].date",
                    f"two visits on {date.isoformat()} (also visits[{visit_dates[date]}]): "
                    "merge them into one visit",
                    "duplicate_visit_date",
                )
            )
        else:
            visit_dates[date] = v_index
        if date == baseline_date and baseline_index is None:
            baseline_index = v_index
        _add_measurement_problems(problems, record, v_index, lesions_by_id, non_target_by_id)

    if baseline_index is None:
        problems.append(
            RecordProblem(
                "baseline_date",
                f"no visit is dated baseline_date {baseline_date.isoformat()}: "
                "add the baseline visit or correct the date",
                "no_baseline_visit",
            )
        )
    else:
        problems.extend(_baseline_structure_problems(record, baseline_index, lesions_by_id))

    for v_index, visit in enumerate(record.visits):
        if not visit.new_lesions:
            continue
        for n_index, new_lesion in enumerate(visit.new_lesions):
            form_problem = _new_lesion_form_problem(
                new_lesion, f"visits[{v_index}].new_lesions[{n_index}]"
            )
            if form_problem is not None:
                problems.append(form_problem)
            seen = new_lesion.first_seen_visit_id
            if seen is None:
                continue
            path = f"visits[{v_index}].new_lesions[{n_index}].first_seen_visit_id"
            if seen not in visit_ids:
                problems.append(
                    RecordProblem(path, f"unknown visit_id {seen!r}", "unknown_visit_id")
                )
            elif record.visits[visit_ids[seen]].date > visit.date:
                problems.append(
                    RecordProblem(
                        path, f"visit {seen!r} is after this visit", "first_seen_after_visit"
                    )
                )
    problems.extend(_survival_date_problems(record))
    return problems


def _new_lesion_form_problem(new_lesion: NewLesion, where: str) -> RecordProblem | None:
    """A new-lesion entry is a new-lesion target (``kind: "target"``: ``diameter_mm`` or a
    target ``status``, not both) or a new-lesion non-target (a non-target ``status``, no
    ``diameter_mm``) (design.md §7b)."""
    diameter, status = new_lesion.diameter_mm, new_lesion.status
    if new_lesion.kind == "target":
        if diameter is not None and status is not None:
            return RecordProblem(
                f"{where}.status",
                "give either diameter_mm or status for a new-lesion target, not both",
                "bad_new_lesion",
            )
        if diameter is None and status is None:
            return RecordProblem(
                where,
                "a new-lesion target (kind 'target') needs diameter_mm or a status "
                "(too_small, absent, not_evaluated)",
                "bad_new_lesion",
            )
        if status is not None and status not in _TARGET_STATUSES:
            return RecordProblem(
                f"{where}.status",
                f"{status!r} is not a new-lesion target status; give diameter_mm, or status "
                "too_small, absent or not_evaluated",
                "bad_new_lesion",
            )
        return None
    if diameter is not None:
        return RecordProblem(
            f"{where}.diameter_mm",
            "a new-lesion non-target takes a status, not a diameter: set kind 'target' to "
            "measure it, or use size_mm for its mRECIST size",
            "bad_new_lesion",
        )
    if status is not None and status not in _NON_TARGET_STATUSES:
        return RecordProblem(
            f"{where}.status",
            f"{status!r} is not a new-lesion non-target status; use present, absent, "
            "unequivocal_progression or not_evaluated",
            "bad_new_lesion",
        )
    return None


def _survival_date_problems(record: PatientRecord) -> list[RecordProblem]:
    """``death_date`` and ``last_known_alive_date`` agree with the baseline and the visits."""
    problems: list[RecordProblem] = []
    death, alive = record.death_date, record.last_known_alive_date
    if death is None and alive is None:  # the common case: nothing to check
        return problems
    baseline = record.baseline_date.isoformat()
    for field, value, code in (
        ("death_date", death, "death_before_baseline"),
        ("last_known_alive_date", alive, "alive_date_before_baseline"),
    ):
        if value is not None and value < record.baseline_date:
            problems.append(
                RecordProblem(
                    field, f"{value.isoformat()} is before baseline_date {baseline}", code
                )
            )
    if death is not None and alive is not None and alive > death:
        problems.append(
            RecordProblem(
                "last_known_alive_date",
                f"{alive.isoformat()} is after death_date {death.isoformat()}",
                "alive_after_death",
            )
        )
    last_index = max(range(len(record.visits)), key=lambda i: record.visits[i].date)
    last_visit = record.visits[last_index]
    if death is not None and record.baseline_date <= death < last_visit.date:
        for index, visit in enumerate(record.visits):
            if visit.date > death:
                problems.append(
                    RecordProblem(
                        f"visits[{index}].date",
                        f"{visit.date.isoformat()} is after death_date {death.isoformat()}",
                        "visit_after_death",
                    )
                )
    if alive is not None and record.baseline_date <= alive < last_visit.date:
        problems.append(
            RecordProblem(
                "last_known_alive_date",
                f"{alive.isoformat()} is before visit {last_visit.visit_id!r} "
                f"(visits[{last_index}], {last_visit.date.isoformat()}), when the patient was "
                "seen alive: give the latest date known alive",
                "alive_date_before_visit",
            )
        )
    return problems


def _add_measurement_problems(
    problems: list[RecordProblem],
    record: PatientRecord,
    v_index: int,
    lesions_by_id: Mapping[str, int],
    non_target_by_id: Mapping[str, bool],
) -> None:
    """Append the problems of the measurements of ``record.visits[v_index]`` to ``problems``."""
    visit = record.visits[v_index]
    # The common case first: every lesion measured once (the lookup is the one scoring reads,
    # built here once) and every measurement valid for its lesion's kind.
    by_lesion = visit.measurement_by_lesion
    if len(by_lesion) == len(visit.measurements):
        for lesion_id, measurement in by_lesion.items():
            non_target = non_target_by_id.get(lesion_id)
            if non_target:
                status = measurement.get("status")
                if "diameter_mm" in measurement or status not in _NON_TARGET_STATUSES:
                    break
            elif non_target is None:  # an unknown lesion
                break
            elif "status" in measurement:
                if "diameter_mm" in measurement or measurement["status"] not in _TARGET_STATUSES:
                    break
            elif measurement.get("diameter_mm") is None:
                break
        else:
            return

    # Something is wrong: find each problem, in measurement order, with its path.
    seen: dict[str, int] = {}
    for m_index, measurement in enumerate(visit.measurements):
        lesion_id = measurement["lesion_id"]
        lesion_index = lesions_by_id.get(lesion_id)
        if lesion_index is not None and lesion_id not in seen:
            seen[lesion_id] = m_index
            status = measurement.get("status")
            if non_target_by_id[lesion_id]:
                if status in _NON_TARGET_STATUSES and measurement.get("diameter_mm") is None:
                    continue
            elif status is None:
                if measurement.get("diameter_mm") is not None:
                    continue
            elif status in _TARGET_STATUSES and measurement.get("diameter_mm") is None:
                continue
        problems.extend(
            _measurement_problem(
                f"visits[{v_index}].measurements[{m_index}]",
                measurement,
                None if lesion_index is None else record.lesions[lesion_index],
                lesions_by_id,
                seen,
                m_index,
            )
        )


def _measurement_problem(
    where: str,
    measurement: Measurement,
    lesion: Lesion | None,
    lesions_by_id: Mapping[str, int],
    seen: Mapping[str, int],
    m_index: int,
) -> list[RecordProblem]:
    """What is wrong with one measurement (called only when something is)."""
    lesion_id = measurement["lesion_id"]
    diameter = measurement.get("diameter_mm")
    status = measurement.get("status")
    if lesion is None:
        known = ", ".join(lesions_by_id) or "none"
        return [
            RecordProblem(
                f"{where}.lesion_id",
                f"unknown lesion_id {lesion_id!r}; lesions are: {known}",
                "unknown_lesion_id",
            )
        ]
    if seen.get(lesion_id, m_index) != m_index:
        return [
            RecordProblem(
                f"{where}.lesion_id",
                f"lesion {lesion_id!r} is measured twice at this visit "
                f"(also measurements[{seen[lesion_id]}])",
                "duplicate_measurement",
            )
        ]
    if lesion.kind == "non-target":
        if diameter is not None:
            return [
                RecordProblem(
                    f"{where}.diameter_mm",
                    f"non-target {lesion_id!r} takes a status (absent, present, "
                    "unequivocal_progression, not_evaluated), not a diameter",
                    "non_target_with_diameter",
                )
            ]
        if status is None:
            return [
                RecordProblem(
                    f"{where}.status", "required for a non-target lesion", "missing_field"
                )
            ]
        return [
            RecordProblem(
                f"{where}.status",
                f"{status!r} is not a non-target status; use absent, present, "
                "unequivocal_progression or not_evaluated",
                "invalid_status",
            )
        ]
    if diameter is not None and status is not None:
        return [
            RecordProblem(
                f"{where}.status",
                "give either diameter_mm or status for a target, not both",
                "diameter_and_status",
            )
        ]
    if diameter is None and status is None:
        return [
            RecordProblem(
                where,
                f"target {lesion_id!r} needs diameter_mm or a status (too_small, absent, not_evaluated)",
                "measurement_incomplete",
            )
        ]
    return [
        RecordProblem(
            f"{where}.status",
            f"{status!r} is not a target status; give diameter_mm, "
            "or status too_small, absent or not_evaluated",
            "invalid_status",
        )
    ]


def _baseline_structure_problems(
    record: PatientRecord, baseline_index: int, lesions_by_id: Mapping[str, int]
) -> list[RecordProblem]:
    """Targets need a numeric baseline measurement: without it there is no baseline sum."""
    problems = []
    baseline = record.visits[baseline_index]
    by_lesion = baseline.measurement_by_lesion
    for index, lesion in enumerate(record.lesions):
        if lesion.kind != "target":
            continue
        measurement = by_lesion.get(lesion.lesion_id)
        if measurement is None:
            problems.append(
                RecordProblem(
                    f"visits[{baseline_index}].measurements",
                    f"target {lesion.lesion_id!r} (lesions[{index}]) has no measurement at the "
                    f"baseline visit {baseline.visit_id!r}: measure it or make it a non-target",
                    "baseline_target_not_measured",
                )
            )
        elif (
            measurement.get("diameter_mm") is None and measurement.get("status") in _TARGET_STATUSES
        ):
            position = measurement_position(baseline, lesion.lesion_id)
            problems.append(
                RecordProblem(
                    f"visits[{baseline_index}].measurements[{position}].status",
                    f"target {lesion.lesion_id!r} needs a numeric diameter_mm at baseline, "
                    f"got status {measurement.get('status')!r}: measure it or make it a non-target",
                    "baseline_target_not_measured",
                )
            )
    return problems
