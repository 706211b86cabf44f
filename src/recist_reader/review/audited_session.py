"""The editable record of a read in reader mode: a :class:`~recist_reader.reading.ReadingSession`
whose locked timepoints do not change and whose saves write the audit trail.

The reading widget edits this session exactly as it edits a site record. An edit that
touches a locked timepoint (a visit, or under ``global`` the whole read; the lesion list
belongs to the baseline) is undone at once and refused with :class:`LockedTimepointError`,
so the views redraw the locked values. Saving goes through the
:class:`~recist_reader.review.reader_session.ReaderSession`: one audit entry per changed
value, a reason asked (``ask_reason``) for a changed saved value.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from recist_reader.reading.session import ReadingError, ReadingSession, SaveBlockedError
from recist_reader.review.changes import Change, read_values, visit_values
from recist_reader.review.reader_actions import ReadActionError
from recist_reader.review.reader_session import ChangeReasonRequired, ReaderSession


class LockedTimepointError(ReadingError):
    """An edit touched a locked timepoint: it was undone."""


class AuditedReadingSession(ReadingSession):
    """A read opened in reader mode (its own file only).

    Parameters
    ----------
    reader : ReaderSession
        The read as saved, its reader and the charter.
    record : dict, optional
        The record to edit (default the saved read; an autosave being recovered).
    """

    def __init__(self, reader: ReaderSession, *, record: Mapping[str, Any] | None = None):
        super().__init__(
            copy.deepcopy(dict(record if record is not None else reader.saved)),
            path=reader.path,
            reader=reader.reader_id,
        )
        if self.reader and not self._record.get("reader"):
            self._record["reader"] = self.reader  # the read is theirs (not a value of it)
        self.reader_session = reader
        #: Asked for the reason of changes to saved values; None or "" refuses the save.
        self.ask_reason: Callable[[list[Change]], str | None] = lambda changes: None
        self._accepted = copy.deepcopy(self._record)
        self.dirty = record is not None

    @classmethod
    def open_read(
        cls,
        path: str | os.PathLike[str],
        *,
        reader_id: str,
        slot: str | None = None,
        options: Any = None,
        recover: Mapping[str, Any] | None = None,
    ) -> AuditedReadingSession:
        """Open the reader's own read (this one file): see :meth:`ReaderSession.open`."""
        reader = ReaderSession.open(path, reader_id=reader_id, slot=slot, options=options)
        return cls(reader, record=recover)

    # ------------------------------------------------------------------ what is locked
    def locked(self, visit_id: str | None) -> bool:
        """Whether ``visit_id`` (None: the read) is locked now."""
        return self.reader_session.locked(visit_id)

    def _locked_changes(self) -> list[str]:
        """The locked timepoints the last edit changed."""
        before, after = self._accepted, self._record
        reader = self.reader_session
        if reader.options.paradigm == "global":
            return ["the read"] if reader.locked(None) and before != after else []
        touched = []
        visits_before = {v["visit_id"]: v for v in before["visits"]}
        for visit in after["visits"]:
            old = visits_before.get(visit["visit_id"])
            if reader.locked(visit["visit_id"]) and (
                old is None or visit_values(old) != visit_values(visit)
            ):
                touched.append(visit["visit_id"])
        baseline_id = self.baseline_visit_id
        if reader.locked(baseline_id) and baseline_id not in touched:
            if read_values(before) != read_values(after):
                touched.append(baseline_id)
        return touched

    def _changed(self) -> None:
        touched = self._locked_changes()
        if touched:
            self._record = copy.deepcopy(self._accepted)
            super()._changed()  # the views redraw the locked values
            if self.reader_session.options.unlock_policy == "with_reason":
                hint = "request an unlock with a reason to change it"
            else:
                hint = "the charter forbids unlocking"
            raise LockedTimepointError(f"{', '.join(touched)} is locked: {hint}")
        self._accepted = copy.deepcopy(self._record)
        super()._changed()

    # ------------------------------------------------------------------ timepoints
    def _timepoints_fixed(self, *args: Any, **kwargs: Any) -> Any:
        raise ReadingError(
            "the core lab assigns the timepoints: in reader mode a visit is not added, "
            "removed or re-dated"
        )

    add_visit = _timepoints_fixed
    remove_visit = _timepoints_fixed
    set_visit_date = _timepoints_fixed
    set_baseline_date = _timepoints_fixed
    add_series = _timepoints_fixed

    # ------------------------------------------------------------------ saving and locking
    def _sync(self) -> None:
        """Edit the read as saved from now on (its trail and locks included)."""
        self._record = copy.deepcopy(self.reader_session.saved)
        self._accepted = copy.deepcopy(self._record)
        self.dirty = False
        self.autosave_file().unlink(missing_ok=True)
        for listener in list(self.listeners):
            listener()

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Save the read in its own file with an audit entry per changed value.

        Raises
        ------
        ReadingError
            Another file was named, a locked timepoint changed, or no reason was given
            for a change to a saved value (nothing is written).
        SaveBlockedError
            A baseline rule is broken.
        """
        assert self.path is not None
        if path is not None and Path(path).resolve() != self.path.resolve():
            raise ReadingError("a read is saved in its own file only (no Save as in reader mode)")
        blocking = [c for c in self.checks() if c.blocking]
        if blocking:
            from recist_reader.errors import RecordProblem

            raise SaveBlockedError(
                [RecordProblem(c.lesion_id or "", c.message, c.code) for c in blocking]
            )
        current = self.record
        try:
            try:
                self.reader_session.save(current)
            except ChangeReasonRequired as needed:
                reason = self.ask_reason(needed.changes)
                if not (reason or "").strip():
                    raise ReadingError(f"not saved: {needed}") from None
                self.reader_session.save(current, reason=reason)
        except ReadActionError as error:
            raise ReadingError(str(error)) from None
        self._sync()
        return self.path

    def _act(self, action: Callable[[], None]) -> None:
        if self.reader_session.pending_changes(self.record):
            self.save()
        try:
            action()
        except ReadActionError as error:
            raise ReadingError(str(error)) from None
        self._sync()

    def lock_timepoint(self, visit_id: str) -> None:
        """Save what is pending, then lock the timepoint (``lock`` entry, ``locked_at``)."""
        self._act(lambda: self.reader_session.lock_timepoint(visit_id))

    def lock_read(self) -> None:
        """Save what is pending, then lock the whole read (global paradigm)."""
        self._act(self.reader_session.lock_read)

    def request_unlock(self, visit_id: str | None, reason: str) -> None:
        """Unlock a timepoint with a reason (charter ``unlock_policy: with_reason``)."""
        self._act(lambda: self.reader_session.request_unlock(visit_id, reason))

    def complete_read(self) -> None:
        """Save what is pending and mark the read complete (every timepoint locked)."""
        self._act(self.reader_session.complete_read)
