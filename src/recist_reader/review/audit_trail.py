"""The audit trail of a read: its entries, their order and the hash chain (CRV13, design.md §9.3).

The trail is checked as written: every ``prev`` is recomputed from the entries exactly as
they are in the file, so a rewritten, removed, inserted or reordered earlier entry breaks
the chain at the first entry after it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from recist_reader.core.types import iso_date_time
from recist_reader.review.canonical import entry_hash, first_entry_prev
from recist_reader.review.problems import ReviewProblem, problem

AUDIT_ACTIONS = ("create", "modify", "delete", "lock", "unlock")
#: Actions that change a value, and those that need a reason (CRV12, CRV13).
CHANGE_ACTIONS = frozenset({"modify", "delete"})
REASONED_ACTIONS = frozenset({"modify", "delete", "unlock"})
ENTRY_FIELDS = ("at", "by", "action", "visit_id", "field", "old", "new", "reason", "prev")
#: The fields a change must record so that it never hides the previous value (S12).
_CHANGE_FIELDS = {"modify": ("field", "old", "new"), "delete": ("field", "old")}


def parse_date_time(value: Any) -> dt.datetime | None:
    """An ISO 8601 date-time with its offset as an aware `datetime`; None when it is not one."""
    try:
        text = iso_date_time(value)
    except ValueError:
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class AuditEvent:
    """A well-formed audit entry, as the lock checks read it.

    ``reason`` is None when the entry gives none (or only blanks).
    """

    index: int
    at: dt.datetime
    action: str
    visit_id: str | None
    reason: str | None
    field: str | None = None


def _entry_problems(
    read_id: str | None, index: int, entry: Any, *, require_change_reason: bool
) -> tuple[list[ReviewProblem], AuditEvent | None]:
    path = f"audit[{index}]"

    def bad(text: str, field: str | None = None) -> ReviewProblem:
        return problem(
            "bad_audit_entry", text, read_id=read_id, path=f"{path}.{field}" if field else path
        )

    if not isinstance(entry, Mapping):
        return [bad(f"an audit entry is a JSON object, got {type(entry).__name__}")], None
    problems: list[ReviewProblem] = []
    unknown = [key for key in entry if key not in ENTRY_FIELDS]
    if unknown:
        problems.append(
            bad(
                f"unknown field(s) {', '.join(map(repr, unknown))}; an entry has "
                f"{', '.join(ENTRY_FIELDS)}"
            )
        )
    at = parse_date_time(entry.get("at"))
    if at is None:
        problems.append(
            bad(
                f"must be an ISO 8601 date and time with its offset (2024-03-08T14:02:11Z), "
                f"got {entry.get('at')!r}",
                "at",
            )
        )
    by = entry.get("by")
    if not isinstance(by, str) or not by.strip():
        problems.append(bad(f"must name who acted (a pseudonymous id), got {by!r}", "by"))
    action = entry.get("action")
    if action not in AUDIT_ACTIONS:
        problems.append(bad(f"must be one of {', '.join(AUDIT_ACTIONS)}, got {action!r}", "action"))
    visit_id = entry.get("visit_id")
    if visit_id is not None and not isinstance(visit_id, str):
        problems.append(bad(f"must be a visit id or null, got {visit_id!r}", "visit_id"))
    for name in ("field", "reason"):
        if entry.get(name) is not None and not isinstance(entry[name], str):
            problems.append(bad(f"must be text, got {entry[name]!r}", name))
    if "prev" in entry and not isinstance(entry["prev"], str):
        problems.append(bad(f"must be 'sha256:' and 64 hex digits, got {entry['prev']!r}", "prev"))
    missing = [name for name in _CHANGE_FIELDS.get(action, ()) if name not in entry]
    if missing:
        problems.append(
            bad(
                f"a {action} entry records {', '.join(_CHANGE_FIELDS[action])} (the previous "
                f"value is never hidden); missing {', '.join(missing)}"
            )
        )
    reason = entry.get("reason")
    reason = reason.strip() if isinstance(reason, str) and reason.strip() else None
    if require_change_reason and action in REASONED_ACTIONS and reason is None:
        problems.append(
            problem(
                "missing_change_reason",
                f"a {action} entry needs a reason (the charter sets require_change_reason)",
                read_id=read_id,
                path=f"{path}.reason",
            )
        )
    if at is None or action not in AUDIT_ACTIONS or not isinstance(visit_id, (str, type(None))):
        return problems, None
    field = entry.get("field") if isinstance(entry.get("field"), str) else None
    return problems, AuditEvent(index, at, action, visit_id, reason, field)


def chain_problem(read_id: str, audit: Sequence[Any]) -> ReviewProblem | None:
    """``audit_chain_broken`` at the first entry whose ``prev`` does not match, or None.

    The first entry's ``prev`` is the hash of ``read_id``; every later one the hash of the
    canonical JSON of the entry before it, whole (design.md §9.3).
    """
    expected = first_entry_prev(read_id)
    for index, entry in enumerate(audit):
        found = entry.get("prev") if isinstance(entry, Mapping) else None
        if found != expected:
            if index == 0:
                cause = f"is not the hash of the read_id {read_id!r}"
            else:
                cause = f"is not the hash of entry {index - 1}"
            return problem(
                "audit_chain_broken",
                f"the audit trail is broken at entry {index}: its prev "
                f"{'is missing' if found is None else cause}: an entry at or before it was "
                "rewritten, removed, inserted or reordered (or the read_id changed); restore "
                "the original trail",
                read_id=read_id,
                path=f"audit[{index}].prev",
            )
        expected = entry_hash(entry)
    return None


def audit_trail_problems(
    read_id: str | None, audit: Any, *, require_change_reason: bool
) -> tuple[list[ReviewProblem], list[AuditEvent]]:
    """Check a read's ``audit`` list (CRV13): entries, chronological order and hash chain.

    Parameters
    ----------
    read_id : str or None
        The read's id (the chain starts from it); None when the read has none, and then the
        chain is not checked (the missing id is a problem of its own).
    audit : Any
        The ``audit`` value of the read as loaded from JSON; None when the read has none.
    require_change_reason : bool
        CRV13 option.

    Returns
    -------
    problems : list of ReviewProblem
    events : list of AuditEvent
        The well-formed entries, in file order (for the lock checks).
    """
    if audit is None:
        return [], []
    if not isinstance(audit, list):
        return [
            problem(
                "bad_audit_entry",
                f"the audit trail is a list of entries, got {type(audit).__name__}",
                read_id=read_id,
                path="audit",
            )
        ], []
    problems: list[ReviewProblem] = []
    events: list[AuditEvent] = []
    latest: AuditEvent | None = None
    for index, entry in enumerate(audit):
        entry_problems, event = _entry_problems(
            read_id, index, entry, require_change_reason=require_change_reason
        )
        problems.extend(entry_problems)
        if event is None:
            continue
        if latest is not None and event.at < latest.at:
            problems.append(
                problem(
                    "audit_out_of_order",
                    f"dated {entry['at']}, before entry {latest.index} "
                    f"({audit[latest.index]['at']}): entries are appended in time order",
                    read_id=read_id,
                    path=f"audit[{index}].at",
                )
            )
        else:
            latest = event
        events.append(event)
    if read_id is not None:
        broken = chain_problem(read_id, audit)
        if broken is not None:
            problems.append(broken)
    return problems, events
