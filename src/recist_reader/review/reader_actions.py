"""What a reader's session does to a read: create it, record changes, lock and unlock
timepoints, each appending its audit entry with its hash chain (design.md §9.2–§9.3).

Pure functions: each takes the read as loaded from JSON and returns a new dict (the input is
never changed); the widget's reader mode calls them and saves the result. They refuse what
the charter forbids (:class:`ReadActionError`) and never extend a broken trail
(:class:`AuditChainError`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from recist_reader.review.audit_trail import (
    AUDIT_ACTIONS,
    REASONED_ACTIONS,
    chain_problem,
    parse_date_time,
)
from recist_reader.review.canonical import entry_hash, first_entry_prev
from recist_reader.review.options import PARADIGMS, SLOTS


class ReadActionError(ValueError):
    """The action is not allowed on this read (locked timepoint, lock order, missing reason)."""


class AuditChainError(ReadActionError):
    """The read's audit trail is broken: it is not extended until the original is restored."""


def _read_id(record: Mapping[str, Any]) -> str:
    block = record.get("read")
    if not isinstance(block, Mapping) or not isinstance(block.get("read_id"), str):
        raise ReadActionError("the record has no read block with a read_id (design.md §9.2)")
    return block["read_id"]


def verify_audit_chain(record: Mapping[str, Any]) -> None:
    """Raise :class:`AuditChainError` naming the first bad entry when the chain is broken."""
    audit = record.get("audit") or []
    if not isinstance(audit, list):
        raise AuditChainError("audit: the audit trail is a list of entries")
    broken = chain_problem(_read_id(record), audit)
    if broken is not None:
        raise AuditChainError(broken.message)


def append_audit_entry(record: Mapping[str, Any], entry: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``record`` with ``entry`` appended to its ``audit``, ``prev`` filled in.

    Parameters
    ----------
    record : Mapping
        A read (with its ``read`` block).
    entry : Mapping
        ``at``, ``by``, ``action`` and, as the action needs, ``visit_id``, ``field``, ``old``,
        ``new``, ``reason`` (design.md §9.3); ``prev`` is computed.

    Raises
    ------
    AuditChainError
        The existing trail is broken.
    ReadActionError
        The entry is malformed or dated before the last entry.
    """
    verify_audit_chain(record)
    if parse_date_time(entry.get("at")) is None:
        raise ReadActionError(
            f"at: an ISO 8601 date-time with offset is required, got {entry.get('at')!r}"
        )
    if entry.get("action") not in AUDIT_ACTIONS:
        raise ReadActionError(
            f"action: one of {', '.join(AUDIT_ACTIONS)}, got {entry.get('action')!r}"
        )
    if not isinstance(entry.get("by"), str) or not entry["by"].strip():
        raise ReadActionError("by: the pseudonymous id of who acts is required")
    audit = list(record.get("audit") or [])
    if audit and parse_date_time(entry["at"]) < parse_date_time(audit[-1]["at"]):
        raise ReadActionError(
            f"at: {entry['at']} is before the last audit entry ({audit[-1]['at']}): entries are "
            "appended in time order"
        )
    new_entry = {key: value for key, value in entry.items() if key != "prev"}
    new_entry["prev"] = entry_hash(audit[-1]) if audit else first_entry_prev(_read_id(record))
    result = copy.deepcopy(dict(record))
    result["audit"] = [*copy.deepcopy(audit), new_entry]
    return result


def start_read(
    record: Mapping[str, Any],
    *,
    read_id: str,
    reader_id: str,
    at: str,
    role: str = "central_reader",
    slot: str | None = None,
    paradigm: str = "sequential_locked",
    blinded: bool | None = True,
) -> dict[str, Any]:
    """A new read of ``record``'s patient: the ``read`` block and the ``create`` entry."""
    if role == "central_reader" and slot not in SLOTS:
        raise ReadActionError(f"a central reader's read has slot R1 or R2, got {slot!r}")
    if paradigm not in PARADIGMS:
        raise ReadActionError(f"paradigm: one of {', '.join(PARADIGMS)}, got {paradigm!r}")
    if record.get("read") is not None or record.get("audit"):
        raise ReadActionError(
            "the record is already a read: a reader cannot switch slot inside a read"
        )
    block: dict[str, Any] = {"read_id": read_id, "role": role}
    if slot is not None:
        block["slot"] = slot
    block.update(reader_id=reader_id, status="in_progress", paradigm=paradigm)
    if blinded is not None:
        block["blinded"] = blinded
    started = {**copy.deepcopy(dict(record)), "read": block}
    return append_audit_entry(
        started, {"at": at, "by": reader_id, "action": "create", "visit_id": None}
    )


def _visit(record: Mapping[str, Any], visit_id: str) -> tuple[int, Mapping[str, Any]]:
    for index, visit in enumerate(record.get("visits") or []):
        if visit.get("visit_id") == visit_id:
            return index, visit
    raise ReadActionError(f"the read has no visit {visit_id!r}")


def lock_state(record: Mapping[str, Any]) -> dict[str | None, bool]:
    """Whether each visit (key: visit id) and the read (key None) is locked now: its latest
    ``lock``/``unlock`` entry, or its ``locked_at`` when the trail holds none."""
    state: dict[str | None, bool] = {}
    for entry in record.get("audit") or []:
        if isinstance(entry, Mapping) and entry.get("action") in ("lock", "unlock"):
            state[entry.get("visit_id")] = entry["action"] == "lock"
    for visit in record.get("visits") or []:
        state.setdefault(visit.get("visit_id"), visit.get("locked_at") is not None)
    block = record.get("read") if isinstance(record.get("read"), Mapping) else {}
    state.setdefault(None, block.get("locked_at") is not None)
    return state


def _paradigm(record: Mapping[str, Any]) -> str:
    block = record.get("read") if isinstance(record.get("read"), Mapping) else {}
    return block.get("paradigm") or "sequential_locked"


def change_allowed(record: Mapping[str, Any], visit_id: str | None) -> bool:
    """Whether a value of ``visit_id`` (None: the lesion list, i.e. the baseline) may change now."""
    state = lock_state(record)
    if _paradigm(record) == "global":
        return not state.get(None, False)
    if visit_id is None:
        visits = sorted(record.get("visits") or [], key=lambda v: v.get("date", ""))
        visit_id = visits[0]["visit_id"] if visits else None
    return not state.get(visit_id, False)


def record_change(
    record: Mapping[str, Any],
    *,
    visit_id: str | None,
    field: str,
    old: Any,
    new: Any,
    by: str,
    at: str,
    reason: str | None = None,
    action: str = "modify",
    require_change_reason: bool = True,
) -> dict[str, Any]:
    """Append the audit entry of a change the reader made (the caller updates ``visits``).

    ``action`` is ``modify``, ``delete`` (``new`` ignored) or ``create`` (a first value: no
    reason needed). A change to a locked timepoint is refused: unlock it first.
    """
    if action not in ("create", "modify", "delete"):
        raise ReadActionError(f"action: create, modify or delete, got {action!r}")
    if not change_allowed(record, visit_id):
        where = "the read" if _paradigm(record) == "global" else f"visit {visit_id}"
        raise ReadActionError(f"{where} is locked: a change needs an unlock with a reason first")
    if action in REASONED_ACTIONS and require_change_reason and not (reason or "").strip():
        raise ReadActionError(f"a {action} needs a reason (the charter sets require_change_reason)")
    entry: dict[str, Any] = {
        "at": at,
        "by": by,
        "action": action,
        "visit_id": visit_id,
        "field": field,
    }
    if action != "create":
        entry["old"] = old
    if action != "delete":
        entry["new"] = new
    if reason:
        entry["reason"] = reason
    return append_audit_entry(record, entry)


def lock_timepoint(record: Mapping[str, Any], visit_id: str, *, by: str, at: str) -> dict[str, Any]:
    """Lock one timepoint (sequential paradigm): ``locked_at`` and a ``lock`` entry.

    Refused when the visit is locked already or an earlier-dated visit is not locked yet.
    """
    index, visit = _visit(record, visit_id)
    state = lock_state(record)
    if state.get(visit_id):
        raise ReadActionError(f"visit {visit_id} is already locked")
    for other in record.get("visits") or []:
        if other.get("date", "") < visit.get("date", "") and not state.get(other.get("visit_id")):
            raise ReadActionError(
                f"visit {other.get('visit_id')} ({other.get('date')}) is not locked yet: "
                "timepoints are locked in date order"
            )
    locked = append_audit_entry(
        record, {"at": at, "by": by, "action": "lock", "visit_id": visit_id}
    )
    locked["visits"][index]["locked_at"] = at
    return locked


def unlock_timepoint(
    record: Mapping[str, Any],
    visit_id: str | None,
    *,
    by: str,
    at: str,
    reason: str,
    unlock_policy: str,
) -> dict[str, Any]:
    """Unlock a timepoint (or, with ``visit_id`` None, a global read) for a documented change.

    Only with ``unlock_policy`` ``with_reason`` and a reason (e.g. a QC query id); the
    ``locked_at`` is removed until the timepoint is locked again.
    """
    if unlock_policy != "with_reason":
        raise ReadActionError(
            "the charter forbids unlocking a locked timepoint (unlock_policy: forbid)"
        )
    if not (reason or "").strip():
        raise ReadActionError("an unlock needs a reason (e.g. the QC query id)")
    if not lock_state(record).get(visit_id):
        raise ReadActionError(
            f"{'the read' if visit_id is None else f'visit {visit_id}'} is not locked"
        )
    unlocked = append_audit_entry(
        record, {"at": at, "by": by, "action": "unlock", "visit_id": visit_id, "reason": reason}
    )
    if visit_id is None:
        unlocked["read"].pop("locked_at", None)
    else:
        index, _ = _visit(unlocked, visit_id)
        unlocked["visits"][index].pop("locked_at", None)
    return unlocked


def lock_read(record: Mapping[str, Any], *, by: str, at: str) -> dict[str, Any]:
    """Lock a global read as a whole: ``read.locked_at`` and a ``lock`` entry (visit_id null)."""
    if lock_state(record).get(None):
        raise ReadActionError("the read is already locked")
    locked = append_audit_entry(record, {"at": at, "by": by, "action": "lock", "visit_id": None})
    locked["read"]["locked_at"] = at
    return locked


def complete_read(record: Mapping[str, Any]) -> dict[str, Any]:
    """Mark the read complete once every timepoint (or the global read) is locked."""
    state = lock_state(record)
    if _paradigm(record) == "global":
        if not state.get(None):
            raise ReadActionError("lock the read before completing it")
    else:
        unlocked = [
            v.get("visit_id")
            for v in record.get("visits") or []
            if not state.get(v.get("visit_id"))
        ]
        if unlocked:
            raise ReadActionError(
                f"lock every timepoint before completing the read: {', '.join(unlocked)}"
            )
    completed = copy.deepcopy(dict(record))
    completed["read"]["status"] = "complete"
    return completed
