"""Locks of a central read: the reading paradigm, lock order and changes after a lock
(CRV11, CRV12).

A visit's (or, under ``global``, the read's) lock time is taken from the ``lock`` entries of
the audit trail, or from ``locked_at`` when the trail holds none for it. A ``modify`` or
``delete`` entry made while its visit is locked is a violation, unless the charter allows
unlocking (``unlock_policy: with_reason``) and an ``unlock`` entry with a reason came after
the last lock. An entry without ``visit_id`` changes the lesion list, which belongs to the
baseline: it is checked against the baseline visit's lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from recist_reader.core.types import iso_date
from recist_reader.review.audit_trail import CHANGE_ACTIONS, AuditEvent, parse_date_time
from recist_reader.review.options import PARADIGMS, ReviewOptions
from recist_reader.review.problems import ReviewProblem, problem

#: The lock state of one visit (or of the read, key None under ``global``).
_READ = None


@dataclass(frozen=True)
class _Visit:
    index: int
    visit_id: str
    date: dt.date
    locked_at: dt.datetime | None


def _lock_time(
    value: Any, read_id: str | None, path: str, problems: list[ReviewProblem]
) -> dt.datetime | None:
    """A ``locked_at`` as a time; a value that is not an ISO 8601 date-time is reported."""
    if value is None:
        return None
    locked_at = parse_date_time(value)
    if locked_at is None:
        problems.append(
            problem(
                "record_error",
                f"must be an ISO 8601 date and time with its offset, got {value!r}",
                read_id=read_id,
                path=path,
            )
        )
    return locked_at


def _visits(
    read_id: str | None, record: Mapping[str, Any], problems: list[ReviewProblem]
) -> list[_Visit]:
    """The read's visits with a valid id and date, in date order; bad ``locked_at`` reported."""
    visits = []
    raw = record.get("visits")
    for index, visit in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(visit, Mapping) or not isinstance(visit.get("visit_id"), str):
            continue  # a structural error of the record: scoring names it
        try:
            date = iso_date(visit.get("date"))
        except ValueError:
            continue
        locked_at = _lock_time(
            visit.get("locked_at"), read_id, f"visits[{index}].locked_at", problems
        )
        visits.append(_Visit(index, visit["visit_id"], date, locked_at))
    return sorted(visits, key=lambda v: v.date)


def _timeline(
    events: Sequence[AuditEvent], synthetic_locks: Mapping[str | None, dt.datetime]
) -> list[AuditEvent]:
    """The lock-relevant events in time order; a ``locked_at`` without any ``lock`` entry for
    its visit becomes a lock at that time (after entries of the same second)."""
    timeline = [(event.at, 0, event) for event in events]
    timeline += [
        (at, 1, AuditEvent(-1, at, "lock", key, None)) for key, at in synthetic_locks.items()
    ]
    timeline.sort(key=lambda item: (item[0], item[1]))
    return [event for _, _, event in timeline]


def _describe(key: str | None) -> str:
    return "the read" if key is _READ else key


def _change_problems(
    read_id: str | None,
    timeline: Sequence[AuditEvent],
    key_of: Any,
    options: ReviewOptions,
) -> tuple[list[ReviewProblem], dict[str | None, str]]:
    """Changes made while their visit (or the read) was locked; the final lock states."""
    problems = []
    state: dict[str | None, str] = {}  # key -> "locked" | "unlocked"
    locked_since: dict[str | None, dt.datetime] = {}
    for event in timeline:
        key = key_of(event)
        if event.action == "lock":
            if state.get(key) != "locked":
                locked_since[key] = event.at
            state[key] = "locked"
        elif event.action == "unlock":
            if (
                options.unlock_policy == "with_reason"
                and event.reason is not None
                and state.get(key) == "locked"
            ):
                state[key] = "unlocked"
        elif event.action in CHANGE_ACTIONS and state.get(key) == "locked":
            if options.unlock_policy == "forbid":
                why = "unlocking is forbidden by the charter (unlock_policy: forbid)"
            else:
                why = "no unlock entry with a reason came after the lock"
            what = f"{event.field} " if event.field else ""
            problems.append(
                problem(
                    "locked_timepoint_modified",
                    f"{event.action} {what}at {event.at.isoformat()} changes "
                    f"{_describe(key)}, locked since {locked_since[key].isoformat()}: {why}",
                    read_id=read_id,
                    path=f"audit[{event.index}]",
                )
            )
    return problems, state


def lock_problems(
    read_id: str | None,
    record: Mapping[str, Any],
    events: Sequence[AuditEvent],
    options: ReviewOptions,
    *,
    complete: bool,
) -> list[ReviewProblem]:
    """CRV11–CRV12 for one central read.

    Parameters
    ----------
    read_id : str or None
    record : Mapping
        The read as loaded from JSON.
    events : sequence of AuditEvent
        Its well-formed audit entries (:func:`~recist_reader.review.audit_trail.audit_trail_problems`).
    options : ReviewOptions
    complete : bool
        The read says it is complete: then every visit (``sequential_locked``) or the read
        (``global``) must be locked.
    """
    problems: list[ReviewProblem] = []
    block = record.get("read") if isinstance(record.get("read"), Mapping) else {}
    declared = block.get("paradigm")
    if declared is not None and declared != options.paradigm:
        allowed = "" if declared in PARADIGMS else f" (allowed: {', '.join(PARADIGMS)})"
        problems.append(
            problem(
                "paradigm_mismatch",
                f"the read declares {declared!r}{allowed}, the charter {options.paradigm!r}",
                read_id=read_id,
                path="read.paradigm",
            )
        )
    visits = _visits(read_id, record, problems)
    if options.paradigm == "global":
        problems += _global_problems(read_id, block, visits, events, options, complete=complete)
    else:
        problems += _sequential_problems(read_id, visits, events, options, complete=complete)
    return problems


def _sequential_problems(
    read_id: str | None,
    visits: Sequence[_Visit],
    events: Sequence[AuditEvent],
    options: ReviewOptions,
    *,
    complete: bool,
) -> list[ReviewProblem]:
    problems: list[ReviewProblem] = []
    visit_ids = {v.visit_id for v in visits}
    baseline_id = visits[0].visit_id if visits else None
    lock_entries: dict[str, list[dt.datetime]] = {}
    for event in events:
        if event.action == "lock" and event.visit_id in visit_ids:
            lock_entries.setdefault(event.visit_id, []).append(event.at)
    synthetic = {
        v.visit_id: v.locked_at
        for v in visits
        if v.locked_at is not None and v.visit_id not in lock_entries
    }
    changes, state = _change_problems(
        read_id,
        _timeline(events, synthetic),
        lambda event: event.visit_id if event.visit_id is not None else baseline_id,
        options,
    )
    problems += changes

    first_lock = {
        v.visit_id: min(lock_entries[v.visit_id]) if v.visit_id in lock_entries else v.locked_at
        for v in visits
    }
    for position, visit in enumerate(visits):
        locked = first_lock[visit.visit_id]
        if locked is None:
            continue
        for earlier in visits[:position]:
            earlier_lock = first_lock[earlier.visit_id]
            if earlier.date < visit.date and (earlier_lock is None or earlier_lock > locked):
                when = (
                    "is not locked"
                    if earlier_lock is None
                    else f"was locked later ({earlier_lock.isoformat()})"
                )
                problems.append(
                    problem(
                        "lock_order",
                        f"visit {visit.visit_id} was locked ({locked.isoformat()}) while the "
                        f"earlier visit {earlier.visit_id} {when}: timepoints are locked in date "
                        "order (sequential_locked)",
                        read_id=read_id,
                        path=f"visits[{visit.index}].locked_at",
                    )
                )
                break
    if complete:
        for visit in visits:
            if visit.locked_at is None or state.get(visit.visit_id) == "unlocked":
                detail = (
                    "has no locked_at"
                    if visit.locked_at is None
                    else "was unlocked and not locked again"
                )
                problems.append(
                    problem(
                        "visit_not_locked",
                        f"the read is complete but visit {visit.visit_id} {detail}: lock every "
                        "timepoint (sequential_locked)",
                        read_id=read_id,
                        path=f"visits[{visit.index}].locked_at",
                    )
                )
    return problems


def _global_problems(
    read_id: str | None,
    block: Mapping[str, Any],
    visits: Sequence[_Visit],
    events: Sequence[AuditEvent],
    options: ReviewOptions,
    *,
    complete: bool,
) -> list[ReviewProblem]:
    problems: list[ReviewProblem] = []
    read_lock = _lock_time(block.get("locked_at"), read_id, "read.locked_at", problems)
    read_events = [e for e in events if e.action not in ("lock", "unlock") or e.visit_id is None]
    has_lock_entry = any(e.action == "lock" for e in read_events)
    synthetic = {_READ: read_lock} if read_lock is not None and not has_lock_entry else {}
    changes, state = _change_problems(
        read_id, _timeline(read_events, synthetic), lambda event: _READ, options
    )
    problems += changes
    if complete and (read_lock is None or state.get(_READ) == "unlocked"):
        detail = (
            "has no read.locked_at" if read_lock is None else "was unlocked and not locked again"
        )
        problems.append(
            problem(
                "read_not_locked",
                f"the read is complete but {detail}: a global read is locked once, as a whole",
                read_id=read_id,
                path="read.locked_at",
            )
        )
    return problems
