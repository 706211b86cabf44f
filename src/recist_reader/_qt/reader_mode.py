"""Central review, reader mode (central-review.md §7, CRV23): a reader opens their own read,
blinded, locks each timepoint, and every save writes the audit trail.

Only the reader's own read file is opened, and the image folder may not hold it (nor, so,
the other reads beside it): nothing of another read is read, by construction. Editing a
locked timepoint is undone by :class:`~recist_reader.review.audited_session.AuditedReadingSession`;
with the charter's ``unlock_policy: with_reason`` the reader is then offered an unlock with a
reason. A read whose audit trail is broken is not opened: the problem is shown instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qtpy.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from recist_reader._qt.qt_helpers import set_list_items, set_text
from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.reading_view import ReadingView
from recist_reader._qt.visit_series import VisitSeries
from recist_reader.reading import ReadingError, pending_autosave
from recist_reader.review.audited_session import AuditedReadingSession
from recist_reader.review.options import ReviewOptions
from recist_reader.review.reader_actions import AuditChainError, ReadActionError

UNLOCK_HINT = "request an unlock with a reason to change it"


class ReaderModeView(ReadingView):
    """Open one's own read in reader mode; lock timepoints; save with the trail.

    Parameters
    ----------
    context : ReadingContext
        The read on screen.
    series : VisitSeries
        Loads the visits' series from the image folder.

    Attributes
    ----------
    options : ReviewOptions
        The charter the reads follow (paradigm, unlock policy, change reasons).
    ask_text : callable
        ``(title, label) -> str or None``: asks for a reason; replaced in tests.
    """

    def __init__(self, context: ReadingContext, series: VisitSeries, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.series = series
        self.options = ReviewOptions()
        self.ask_text: Callable[[str, str], str | None] = self._ask_text
        self.mode_label = QLabel("Site mode: a single reader's record")
        self.mode_label.setStyleSheet("font-weight: bold")
        self.reader_id_edit = QLineEdit()
        self.reader_id_edit.setPlaceholderText("your pseudonymous reader id, e.g. rad-11")
        self.slot_combo = QComboBox()
        self.slot_combo.addItems(["R1", "R2"])
        self.open_button = QPushButton("Open my read…")
        self.locks = QListWidget()
        self.locks.setMaximumHeight(90)
        self.lock_state = QLabel()
        self.lock_state.setWordWrap(True)
        self.lock_button = QPushButton("Lock timepoint")
        self.unlock_button = QPushButton("Request unlock…")
        self.save_button = QPushButton("Save read")
        self.complete_button = QPushButton("Complete read")
        guard = context.guard
        self.open_button.clicked.connect(lambda: guard(self._on_open_clicked))
        self.lock_button.clicked.connect(lambda: guard(self.lock_current_timepoint))
        self.unlock_button.clicked.connect(lambda: guard(self.request_unlock))
        self.save_button.clicked.connect(lambda: guard(self.save))
        self.complete_button.clicked.connect(lambda: guard(self.complete))
        context.message.connect(self._on_message)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.mode_label)
        form = QFormLayout()
        form.addRow("Reader id", self.reader_id_edit)
        form.addRow("Slot", self.slot_combo)
        layout.addLayout(form)
        layout.addWidget(self.open_button)
        layout.addWidget(self.locks)
        layout.addWidget(self.lock_state)
        for buttons in (
            (self.lock_button, self.unlock_button),
            (self.save_button, self.complete_button),
        ):
            row = QHBoxLayout()
            for button in buttons:
                row.addWidget(button)
            layout.addLayout(row)

    # ------------------------------------------------------------------ state
    @property
    def read_session(self) -> AuditedReadingSession | None:
        """The read open in reader mode, or None (site mode)."""
        session = self.context.session
        return session if isinstance(session, AuditedReadingSession) else None

    def refresh(self) -> None:
        session = self.read_session
        in_mode = session is not None
        for widget in (self.locks, self.lock_button, self.save_button, self.complete_button):
            widget.setEnabled(in_mode)
        self.unlock_button.setVisible(self.options.unlock_policy == "with_reason")
        if session is None:
            set_text(self.mode_label, "Site mode: a single reader's record")
            set_list_items(self.locks, [])
            set_text(self.lock_state, "")
            self.unlock_button.setEnabled(False)
            return
        reader = session.reader_session
        set_text(self.mode_label, f"{reader.title} · {reader.read_id} · {reader.reader_id}")
        self._set_dock_title(f"RECIST reading — {reader.title}")
        saved_visits = {v["visit_id"]: v for v in reader.saved["visits"]}
        entries = []
        for visit_id, locked in reader.visit_lock_states().items():
            visit = saved_visits[visit_id]
            mark = f"locked {visit.get('locked_at', '')}" if locked else "open (editable)"
            entries.append((f"{visit_id}  {visit['date']}  {mark}", visit_id))
        set_list_items(self.locks, entries)
        visit_id = self.context.current_visit_id
        locked = self._current_locked()
        if reader.complete:
            text = "The read is complete: it is locked and does not change."
        elif locked and self.options.unlock_policy == "with_reason":
            text = f"{visit_id} is locked: request an unlock (with a reason) to change it."
        elif locked:
            text = f"{visit_id} is locked: the charter forbids unlocking a locked timepoint."
        else:
            text = f"{visit_id} is open: lock it once it is read."
        set_text(self.lock_state, text)
        self.lock_button.setEnabled(not locked and not reader.complete)
        self.unlock_button.setEnabled(locked and not reader.complete)
        self.complete_button.setEnabled(not reader.complete)
        self.save_button.setEnabled(not reader.complete)
        for layers_visit, layers in self.context.visit_layers.items():
            editable = not reader.complete and not session.locked(
                None if self.options.paradigm == "global" else layers_visit
            )
            for layer in (layers.rulers, layers.new_lesions):
                if layer.editable != editable:
                    layer.editable = editable

    def _current_locked(self) -> bool:
        session = self.read_session
        if session is None:
            return False
        key = None if self.options.paradigm == "global" else self.context.current_visit_id
        return session.locked(key)

    def _set_dock_title(self, title: str) -> None:
        parent = self.parent()
        while parent is not None and not isinstance(parent, QDockWidget):
            parent = parent.parent()
        if parent is not None and parent.windowTitle() != title:
            parent.setWindowTitle(title)
            label = getattr(parent.titleBarWidget(), "title", None)  # napari's own title bar
            if isinstance(label, QLabel):
                label.setText(title)

    # ------------------------------------------------------------------ actions
    def open_read(
        self,
        path: str | os.PathLike[str],
        *,
        reader_id: str,
        slot: str | None = None,
        series_folder: str | os.PathLike[str] | None = None,
        recover_autosave: bool | None = None,
    ) -> AuditedReadingSession | None:
        """Open the reader's own read (this one file) and its visits' series.

        ``series_folder`` must not hold the read: the image folder of a blinded read holds
        images, not reads. A broken audit trail is shown and the read is not opened (None).
        """
        path = Path(path)
        if series_folder is not None and path.resolve().is_relative_to(
            Path(series_folder).resolve()
        ):
            raise ReadingError(
                f"the image folder {series_folder} holds the reads: choose the DICOM folder "
                "itself (in reader mode no other read's file is opened)"
            )
        recover = None
        sidecar = pending_autosave(path)
        if sidecar is not None:
            if recover_autosave is None:
                recover_autosave = (
                    self.context.ask(
                        "Recover unsaved changes?",
                        f"{sidecar.name} holds changes to {path.name} that were not saved. Recover them?",
                        ("Recover", "Discard"),
                    )
                    == "Recover"
                )
            if recover_autosave:
                from recist_reader.io.record_json import read_record_file

                recover = read_record_file(sidecar)
        try:
            session = AuditedReadingSession.open_read(
                path, reader_id=reader_id, slot=slot, options=self.options, recover=recover
            )
        except AuditChainError as error:
            text = f"{path.name} is not opened: {error}"
            self.context.show_message(text, error=True)
            self.context.ask("Audit trail broken", text, ("OK",))
            return None
        except ReadActionError as error:
            raise ReadingError(str(error)) from None
        session.ask_reason = self._ask_change_reason
        self.reader_id_edit.setText(reader_id)
        self.slot_combo.setCurrentText(session.reader_session.slot or "R1")
        self.context.set_session(session)
        self.context.file_changed.emit()
        if series_folder is not None:
            self.series.load_visit_series(series_folder)
        return session

    def _require(self) -> AuditedReadingSession:
        session = self.read_session
        if session is None:
            raise ReadingError("open your read in reader mode first")
        return session

    def save(self) -> None:
        """Save the read: an audit entry per changed value (a reason asked when needed)."""
        self._require().save()
        self.context.file_changed.emit()
        self.context.show_message("Read saved; the audit trail records every change.")

    def lock_current_timepoint(self) -> None:
        """Save what is pending and lock the visit shown (the read, under ``global``)."""
        session = self._require()
        if self.options.paradigm == "global":
            session.lock_read()
        else:
            session.lock_timepoint(self.context.current_visit_id)
        self.context.file_changed.emit()
        self.context.show_message(f"{self.context.current_visit_id} locked.")

    def request_unlock(self) -> None:
        """Ask for a reason and unlock the visit shown (charter ``with_reason`` only)."""
        session = self._require()
        visit_id = None if self.options.paradigm == "global" else self.context.current_visit_id
        reason = self.ask_text(
            "Request unlock", f"Why must {visit_id or 'the read'} change? (e.g. the QC query id)"
        )
        if not (reason or "").strip():
            self.context.show_message("Not unlocked: a reason is required.", warning=True)
            return
        session.request_unlock(visit_id, reason)
        self.context.show_message(f"{visit_id or 'The read'} unlocked: {reason}")

    def complete(self) -> None:
        """Mark the read complete (every timepoint locked)."""
        self._require().complete_read()
        self.context.show_message("Read complete.")

    def _on_open_clicked(self) -> None:
        reader_id = self.reader_id_edit.text().strip()
        if not reader_id:
            raise ReadingError("give your reader id first")
        path, _ = QFileDialog.getOpenFileName(self, "Open my read", "", "Read (*.json)")
        if not path:
            return
        folder = QFileDialog.getExistingDirectory(self, "The DICOM images of the patient")
        self.open_read(
            path,
            reader_id=reader_id,
            slot=self.slot_combo.currentText(),
            series_folder=folder or None,
        )

    def _on_message(self, text: str, level: str) -> None:
        """An edit of a locked timepoint was refused: offer the unlock the charter allows."""
        if level == "error" and text.endswith(UNLOCK_HINT) and self.read_session is not None:
            self.request_unlock()

    def _ask_change_reason(self, changes: list[Any]) -> str | None:
        fields = "\n".join(
            f"  {c.visit_id or 'read'} {c.field}: {c.old!r} → {c.new!r}" for c in changes[:12]
        )
        more = f"\n  … and {len(changes) - 12} more" if len(changes) > 12 else ""
        return self.ask_text(
            "Reason for the change", f"Saved values change:\n{fields}{more}\nReason:"
        )

    def _ask_text(self, title: str, label: str) -> str | None:
        text, ok = QInputDialog.getText(self, title, label)
        return text if ok else None
