"""The patient record as a file: patient, reader, dates; New, Open, Save, Export; autosave.

A record's patient id never changes by typing while it holds a read: it comes from the
first series' DICOM PatientID (or is typed into a new, empty record), and otherwise only
changes through "Rename…", which asks and says what happens to the file.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from qtpy.QtCore import QDate, QTimer
from qtpy.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from recist_reader._qt.qt_helpers import blocked_signals, pydate, qdate
from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.reading_view import ReadingView
from recist_reader._qt.visit_series import VisitSeries, sample_record_of
from recist_reader.core.criteria import SUPPORTED_CRITERIA
from recist_reader.reading import (
    UNNAMED_PATIENT_ID,
    ReadingError,
    ReadingSession,
    pending_autosave,
)

AUTOSAVE_DELAY_MS = 500


class RecordBar(ReadingView):
    """Who is read and by whom, and the record's file.

    Parameters
    ----------
    context : ReadingContext
        The read on screen.
    series : VisitSeries
        Opens the visits' series of a record when it is opened.
    """

    def __init__(self, context: ReadingContext, series: VisitSeries, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.series = series
        self.patient_id_edit = QLineEdit()
        self.patient_id_edit.setPlaceholderText("patient id (or from the baseline series)")
        self.patient_id_edit.editingFinished.connect(self._on_patient_id_edited)
        self.rename_button = QPushButton("Rename…")
        self.rename_button.setToolTip("change the patient id of this record (asks first)")
        self.rename_button.clicked.connect(lambda: self.guard(self._on_rename_clicked))
        self.reader_edit = QLineEdit(os.environ.get("USER", ""))
        self.reader_edit.editingFinished.connect(self._on_reader_edited)
        self.criteria_combo = QComboBox()
        self.criteria_combo.addItems(list(SUPPORTED_CRITERIA))
        self.criteria_combo.setToolTip(
            "the record's primary criteria (design.md §7.1); the dock shows every criteria's "
            "response under 'Response by criteria'"
        )
        self.criteria_combo.activated.connect(lambda _: self.guard(self._on_criteria_chosen))
        self.baseline_date_edit = QDateEdit(calendarPopup=True)
        self.baseline_date_edit.setDisplayFormat("yyyy-MM-dd")
        self.baseline_date_edit.setDate(QDate.currentDate())
        self.baseline_date_edit.editingFinished.connect(self._on_baseline_date_edited)
        self.new_button = QPushButton("New")
        self.open_button = QPushButton("Open…")
        self.save_button = QPushButton("Save")
        self.save_as_button = QPushButton("Save as…")
        self.export_button = QPushButton("Export…")
        guard = self.guard
        self.new_button.clicked.connect(lambda: guard(self._on_new_clicked))
        self.open_button.clicked.connect(lambda: guard(self._on_open_clicked))
        self.save_button.clicked.connect(lambda: guard(self.save))
        self.save_as_button.clicked.connect(lambda: guard(self.save_as))
        self.export_button.clicked.connect(lambda: guard(self._on_export_clicked))

        self.export_button.setToolTip("write the per-visit response JSON (design.md §2)")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(3)
        grid.addWidget(QLabel("Patient ID"), 0, 0)
        grid.addWidget(self.patient_id_edit, 0, 1, 1, 2)
        grid.addWidget(self.rename_button, 0, 3)
        grid.addWidget(QLabel("Reader"), 1, 0)
        grid.addWidget(self.reader_edit, 1, 1)
        grid.addWidget(QLabel("Criteria"), 1, 2)
        grid.addWidget(self.criteria_combo, 1, 3)
        grid.addWidget(QLabel("Baseline"), 2, 0)
        grid.addWidget(self.baseline_date_edit, 2, 1)
        buttons = QHBoxLayout()
        for button in (
            self.new_button,
            self.open_button,
            self.save_button,
            self.save_as_button,
            self.export_button,
        ):
            buttons.addWidget(button)
        grid.addLayout(buttons, 3, 0, 1, 4)
        grid.setColumnStretch(1, 1)

        self.autosave_timer = QTimer(self)
        self.autosave_timer.setSingleShot(True)
        self.autosave_timer.setInterval(AUTOSAVE_DELAY_MS)
        self.autosave_timer.timeout.connect(self.autosave_now)
        context.record_changed.connect(self.autosave_timer.start)
        context.session_replaced.connect(self._show_session)
        context.viewer.layers.events.inserted.connect(self._on_layer_inserted)

    @property
    def reader(self) -> str:
        return self.reader_edit.text().strip()

    def refresh(self) -> None:
        session = self.context.session
        has_session = session is not None
        for widget in (
            self.save_button,
            self.save_as_button,
            self.export_button,
            self.patient_id_edit,
            self.baseline_date_edit,
        ):
            widget.setEnabled(has_session)
        id_typed = session is not None and session.is_empty and session.path is None
        self.patient_id_edit.setReadOnly(not id_typed)
        self.rename_button.setEnabled(has_session and not id_typed)
        if session is not None:
            self._show_fields(session, keep_focused=True)

    def _show_session(self) -> None:
        session = self.context.require_session()
        if session.reader:  # a reopened read names its reader
            self.reader_edit.setText(session.reader)
        with blocked_signals(self.criteria_combo):
            self.criteria_combo.setCurrentText(session.criteria)
        self._show_fields(session, keep_focused=False)

    def _show_fields(self, session: ReadingSession, *, keep_focused: bool) -> None:
        """Show the record's patient id and baseline date (not over what the reader is
        typing, with ``keep_focused``)."""
        shown_id = "" if session.patient_id == UNNAMED_PATIENT_ID else session.patient_id
        with blocked_signals(self.patient_id_edit, self.baseline_date_edit):
            edit = self.patient_id_edit
            if edit.text() != shown_id and not (keep_focused and edit.hasFocus()):
                edit.setText(shown_id)
            date = qdate(session.baseline_date)
            if self.baseline_date_edit.date() != date and not (
                keep_focused and self.baseline_date_edit.hasFocus()
            ):
                self.baseline_date_edit.setDate(date)

    def _on_criteria_chosen(self) -> None:
        session = self.context.session
        if session is not None:
            session.set_criteria(self.criteria_combo.currentText())

    # ------------------------------------------------------------------ new, open
    def new_patient(self, patient_id: str, baseline_date: str | dt.date) -> None:
        """Start a new patient record."""
        self.context.set_session(
            ReadingSession.new(
                patient_id,
                baseline_date,
                criteria=self.criteria_combo.currentText(),
                reader=self.reader,
            )
        )

    def open_record(
        self,
        path: str | os.PathLike[str],
        *,
        series_folder: str | os.PathLike[str] | None = None,
        recover_autosave: bool | None = None,
    ) -> None:
        """Open a record file and its visits' series: under ``series_folder`` when given,
        else where each was read from, else beside the record (`VisitSeries.load_visit_series`).

        ``recover_autosave``: use newer autosaved changes (None asks the user). A file that
        cannot be read raises :class:`RecordError` naming it; nothing changes on disk.
        """
        path = Path(path)
        source = path
        sidecar = pending_autosave(path)
        if sidecar is not None:
            if recover_autosave is None:
                recover_autosave = (
                    self.context.ask(
                        "Recover unsaved changes?",
                        f"{sidecar.name} holds changes to {path.name} that were not saved "
                        "(napari closed unexpectedly?). Recover them?",
                        ("Recover", "Discard"),
                    )
                    == "Recover"
                )
            if recover_autosave:
                source = sidecar
        session = ReadingSession.open(source, reader=self.reader)
        session.path = path
        session.dirty = source != path
        self.context.set_session(session)
        self.context.file_changed.emit()
        self.series.load_visit_series(series_folder)

    def _on_new_clicked(self) -> None:
        """A new, empty record: its patient id is typed or comes from the baseline series;
        never the one on screen."""
        if not self.confirm_discard():
            return
        self.new_patient(UNNAMED_PATIENT_ID, dt.date.today())

    def _on_open_clicked(self) -> None:
        if not self.confirm_discard():
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Open patient record", "", "Patient record (*.json)"
        )
        if path:
            self.open_record(path)

    def _on_layer_inserted(self, event: Any) -> None:
        """A layer from the sample data carries its record: offer to open it."""
        if self.context.session is None and sample_record_of(event.value) is not None:
            record_path = sample_record_of(event.value)
            QTimer.singleShot(0, lambda: self.guard(self._adopt_sample, record_path))

    def _adopt_sample(self, record_path: Path) -> None:
        if self.context.session is not None:
            return
        viewer = self.context.viewer
        sample_layers = [layer for layer in viewer.layers if sample_record_of(layer) == record_path]
        folder = (
            Path(sample_layers[0].metadata.get("recist_series_folder", record_path.parent))
            if sample_layers
            else record_path.parent
        )
        for layer in sample_layers:
            viewer.layers.remove(layer)
        self.open_record(record_path, series_folder=folder, recover_autosave=False)

    # ------------------------------------------------------------------ save
    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Save the record (atomically); refuses while a baseline rule is broken."""
        session = self.context.require_session()
        if session.patient_id == UNNAMED_PATIENT_ID:
            raise ReadingError(
                "not saved: type the patient id, or add the baseline series (its DICOM "
                "PatientID is taken)"
            )
        if path is None and session.path is None:
            return self.save_as()
        written = session.save(path)
        self.context.file_changed.emit()
        self.show_message(f"saved {written}")
        return written

    def save_as(self) -> Path:
        session = self.context.require_session()
        path, _ = QFileDialog.getSaveFileName(
            self, "Save patient record", f"{session.patient_id}.json", "Patient record (*.json)"
        )
        if not path:
            raise ReadingError("not saved: no file chosen")
        return self.save(path)

    def _on_export_clicked(self) -> None:
        session = self.context.require_session()
        path, _ = QFileDialog.getSaveFileName(
            self, "Export response", f"{session.patient_id}.response.json", "Response (*.json)"
        )
        if path:
            session.export_response(path)
            self.show_message(f"response written to {path}")

    def confirm_discard(self) -> bool:
        """Ask before unsaved changes are lost; True when it is fine to go on."""
        session = self.context.session
        if session is None or not session.dirty:
            return True
        answer = self.context.ask(
            "Unsaved changes",
            f"The record of {session.patient_id} has changes that are not saved.",
            ("Save", "Discard", "Cancel"),
        )
        if answer == "Save":
            return self.guard(self.save) is not None
        return answer == "Discard"

    def autosave_now(self) -> None:
        """Write the autosave sidecar; also done shortly after every change, not on every
        drag step."""
        session = self.context.session
        if session is not None and session.dirty:
            self.guard(session.autosave, background=True)

    # ------------------------------------------------------------------ fields
    def _on_patient_id_edited(self) -> None:
        session = self.context.session
        typed = self.patient_id_edit.text().strip()
        if session is None or self.patient_id_edit.isReadOnly():
            return
        if typed and typed != session.patient_id:
            self.guard(session.set_patient_id, typed)

    def _on_rename_clicked(self) -> None:
        session = self.context.require_session()
        new_id, ok = QInputDialog.getText(
            self, "Rename patient", f"New patient ID for the record of {session.patient_id}:"
        )
        if ok and new_id.strip():
            self.rename_patient(new_id.strip())

    def rename_patient(self, new_id: str) -> bool:
        """Change the record's patient id once the reader confirms; True if renamed."""
        session = self.context.require_session()
        if new_id == session.patient_id:
            return False
        if session.path is not None:
            file_note = (
                f"{session.path.name} keeps its name and holds {new_id} once you save; use "
                f"Save as… for a file named after {new_id}."
            )
        else:
            file_note = "The record has not been saved to a file yet."
        answer = self.context.ask(
            "Rename patient",
            f"Change the patient ID of this record from {session.patient_id} to {new_id}? "
            f"Its lesions and measurements stay with it. {file_note}",
            ("Rename", "Cancel"),
        )
        if answer != "Rename":
            return False
        session.set_patient_id(new_id)
        self.show_message(f"patient renamed to {new_id}: save to keep it")
        return True

    def _on_reader_edited(self) -> None:
        if self.context.session is not None:
            self.guard(self.context.session.set_reader, self.reader)

    def _on_baseline_date_edited(self) -> None:
        session = self.context.session
        if session is None:
            return
        date = pydate(self.baseline_date_edit.date())
        if date != session.baseline_date:
            if (
                self.guard(session.set_baseline_date, date) is None
                and session.baseline_date != date
            ):
                with blocked_signals(self.baseline_date_edit):
                    self.baseline_date_edit.setDate(qdate(session.baseline_date))
