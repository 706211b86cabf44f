"""A reader's blinded session on their own read (central-review.md §7, CRV23; design.md §9.2).

Opening reads exactly one file, the reader's own read: nothing of another read is loaded
(blinding by construction). The trail is verified first; a broken trail stops the session
(:class:`~recist_reader.review.reader_actions.AuditChainError`). Every save appends one
audit entry per changed value with its hash chain; a changed saved value needs a reason
when the charter says so; a locked timepoint cannot change unless the charter allows an
unlock with a reason.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from recist_reader.review.audit_trail import audit_trail_problems
from recist_reader.review.changes import Change, record_changes
from recist_reader.review.locks import lock_problems
from recist_reader.review.options import ReviewOptions
from recist_reader.review.problems import ReviewProblem
from recist_reader.review.reader_actions import (
    ReadActionError,
    append_audit_entry,
    change_allowed,
    complete_read,
    lock_read,
    lock_state,
    lock_timepoint,
    start_read,
    unlock_timepoint,
    verify_audit_chain,
)


class ChangeReasonRequired(ReadActionError):
    """Saving changes saved values: a reason is needed (``changes`` lists them)."""

    def __init__(self, changes: list[Change]):
        self.changes = changes
        fields = ", ".join(f"{c.visit_id or 'read'} {c.field}" for c in changes)
        super().__init__(f"give a reason for changing saved values: {fields}")


def utc_now() -> str:
    """Now, UTC, to the second: ``2024-03-08T14:02:11Z``."""
    return (
        dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    )


class ReaderSession:
    """One reader's read of one patient, opened in reader mode.

    Parameters
    ----------
    read : dict
        The read as saved (with its ``read`` block and ``audit``).
    path : path
        Its file.
    reader_id : str
        Who is reading; must be the read's ``reader_id``.
    options : ReviewOptions
        The charter (``paradigm``, ``unlock_policy``, ``require_change_reason``).
    clock : callable
        Returns the time of each action (ISO 8601 with offset).
    """

    def __init__(
        self,
        read: Mapping[str, Any],
        *,
        path: str | os.PathLike[str],
        reader_id: str,
        options: ReviewOptions | None = None,
        clock: Callable[[], str] = utc_now,
    ):
        block = read.get("read")
        if not isinstance(block, Mapping) or block.get("role") != "central_reader":
            raise ReadActionError(
                f"{path}: not a central reader's read (no read block with role central_reader)"
            )
        if block.get("reader_id") != reader_id:
            raise ReadActionError(
                f"{path}: read {block.get('read_id')} belongs to {block.get('reader_id')!r}, not {reader_id!r}: "
                "a reader opens only their own read"
            )
        verify_audit_chain(read)
        self.saved: dict[str, Any] = copy.deepcopy(dict(read))
        self.path = Path(path)
        self.reader_id = reader_id
        self.options = options or ReviewOptions()
        self.clock = clock

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        reader_id: str,
        slot: str | None = None,
        options: ReviewOptions | None = None,
        clock: Callable[[], str] = utc_now,
    ) -> ReaderSession:
        """Open the reader's own read: this one file is the only one read.

        Raises
        ------
        RecordError
            The file cannot be read.
        ReadActionError
            Not this reader's read, or not in ``slot``.
        AuditChainError
            The trail is broken (the message names the first bad entry).
        """
        from recist_reader.io.record_json import read_record_file

        read = read_record_file(path)
        session = cls(read, path=path, reader_id=reader_id, options=options, clock=clock)
        if slot is not None and session.slot != slot:
            raise ReadActionError(
                f"{path}: read {session.read_id} is in slot {session.slot}, not {slot}"
            )
        return session

    @classmethod
    def start(
        cls,
        timepoints: Mapping[str, Any],
        path: str | os.PathLike[str],
        *,
        read_id: str,
        slot: str,
        reader_id: str,
        options: ReviewOptions | None = None,
        clock: Callable[[], str] = utc_now,
    ) -> ReaderSession:
        """Start a new read from the core lab's timepoint record (lesions and measurements as
        given, usually none) and write it to ``path``, which must not exist."""
        from recist_reader.review.writing import write_new_json

        options = options or ReviewOptions()
        template = {k: v for k, v in timepoints.items() if k not in ("read", "audit", "arm")}
        read = start_read(
            template,
            read_id=read_id,
            reader_id=reader_id,
            slot=slot,
            at=clock(),
            paradigm=options.paradigm,
        )
        write_new_json(path, read)
        return cls(read, path=path, reader_id=reader_id, options=options, clock=clock)

    # ------------------------------------------------------------------ what the widget shows
    @property
    def read_id(self) -> str:
        return self.saved["read"]["read_id"]

    @property
    def slot(self) -> str | None:
        return self.saved["read"].get("slot")

    @property
    def complete(self) -> bool:
        return self.saved["read"].get("status") == "complete"

    @property
    def title(self) -> str:
        """The window title: ``R1 — blinded`` (the slot, never the other reader)."""
        return f"{self.slot} — blinded"

    def locked(self, visit_id: str | None) -> bool:
        """Whether ``visit_id`` (None: the read, global paradigm) is locked now."""
        return not change_allowed(self.saved, visit_id)

    def visit_lock_states(self) -> dict[str, bool]:
        """Each visit's lock, in date order (what the visit list shows)."""
        state = lock_state(self.saved)
        visits = sorted(self.saved["visits"], key=lambda v: v["date"])
        return {v["visit_id"]: bool(state.get(v["visit_id"])) for v in visits}

    def problems(self) -> list[ReviewProblem]:
        """This read's own trail and lock problems (CRV11–CRV13), as the review reports them."""
        found, events = audit_trail_problems(
            self.read_id,
            self.saved.get("audit"),
            require_change_reason=self.options.require_change_reason,
        )
        return found + lock_problems(
            self.read_id, self.saved, events, self.options, complete=self.complete
        )

    def pending_changes(self, current: Mapping[str, Any]) -> list[Change]:
        """The values ``current`` changes against the saved read."""
        return record_changes(self.saved, current)

    # ------------------------------------------------------------------ actions
    def save(self, current: Mapping[str, Any], *, reason: str | None = None) -> list[Change]:
        """Save the values of ``current`` (the record being edited) with one audit entry per
        changed value; ``reason`` applies to every changed saved value.

        Raises
        ------
        ReadActionError
            A change touches a locked timepoint (nothing is written).
        ChangeReasonRequired
            Saved values changed without a reason while the charter requires one.
        """
        changes = self.pending_changes(current)
        timepoints = [
            c
            for c in changes
            if c.field.startswith("visits[") or c.field in ("date", "baseline_date")
        ]
        if timepoints:
            raise ReadActionError(
                "the core lab assigns the timepoints; a reader does not add, remove or re-date "
                f"visits ({', '.join(c.field for c in timepoints)})"
            )
        if self.complete and changes:
            raise ReadActionError("the read is complete: it does not change any more")
        locked = [
            c
            for c in changes
            if self.locked(None if self.options.paradigm == "global" else c.visit_id)
        ]
        if locked:
            where = ", ".join(sorted({c.visit_id or "baseline lesion list" for c in locked}))
            hint = (
                "request an unlock with a reason"
                if self.options.unlock_policy == "with_reason"
                else "the charter forbids unlocking"
            )
            raise ReadActionError(f"locked timepoint(s) {where} cannot change: {hint}")
        needing = [c for c in changes if c.needs_reason]
        if needing and self.options.require_change_reason and not (reason or "").strip():
            raise ChangeReasonRequired(needing)
        if not changes:
            return []
        read = {
            **copy.deepcopy(dict(current)),
            "read": self.saved["read"],
            "audit": self.saved.get("audit", []),
        }
        locks = {v["visit_id"]: v.get("locked_at") for v in self.saved["visits"]}
        for visit in read["visits"]:  # locks change only by lock and unlock entries
            visit.pop("locked_at", None)
            if locks.get(visit["visit_id"]) is not None:
                visit["locked_at"] = locks[visit["visit_id"]]
        at = self.clock()
        for change in changes:
            read = append_audit_entry(
                read,
                change.entry(
                    by=self.reader_id, at=at, reason=reason if change.needs_reason else None
                ),
            )
        self._write(read)
        return changes

    def lock_timepoint(self, visit_id: str) -> None:
        """Lock a timepoint (sequential) after saving nothing pending: save first."""
        self._write(lock_timepoint(self.saved, visit_id, by=self.reader_id, at=self.clock()))

    def lock_read(self) -> None:
        """Lock the whole read (global paradigm)."""
        self._write(lock_read(self.saved, by=self.reader_id, at=self.clock()))

    def request_unlock(self, visit_id: str | None, reason: str) -> None:
        """Unlock a timepoint for a documented change (charter ``unlock_policy: with_reason``)."""
        self._write(
            unlock_timepoint(
                self.saved, visit_id, by=self.reader_id, at=self.clock(), reason=reason,
                unlock_policy=self.options.unlock_policy,
            )
        )  # fmt: skip

    def complete_read(self) -> None:
        """Mark the read complete once every timepoint (or the global read) is locked."""
        self._write(complete_read(self.saved))

    def _write(self, read: dict[str, Any]) -> None:
        from recist_reader.io.record_json import write_json_atomic

        write_json_atomic(self.path, read)
        self.saved = read
