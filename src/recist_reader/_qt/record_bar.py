"""The patient record as a file: patient, reader, dates; New, Open, Save, Export; autosave."""

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
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from recist_reader._qt.qt_helpers import blocked_signals, pydate, qdate
from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.reading_view import ReadingView
from recist_reader._qt.visit_series import VisitSeries, sample_record_of
from recist_reader.core.criteria import SUPPORTED_CRITERIA
from recist_reader.reading import ReadingError, ReadingSession, pending_autosave

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
        guard = context.guard
        self.patient_id_edit = QLineEdit()
        self.patient_id_edit.setPlaceholderText("patient id")
        self.patient_id_edit.editingFinished.connect(self._on_patient_id_edited)
        self.reader_edit = QLineEdit(os.environ.get("USER", ""))
        self.reader_edit.editingFinished.connect(self._on_reader_edited)
        self.criteria_combo = QComboBox()
        self.criteria_combo.addItems(list(SUPPORTED_CRITERIA))
        self.criteria_combo.setToolTip(
            "the record's primary criteria (design.md §7.1); the dock shows every criteria's "
            "response under 'Response by criteria'"
        )
        self.criteria_combo.activated.connect(lambda _: guard(self._on_criteria_chosen))
        self.baseline_date_edit = QDateEdit(calendarPopup=True)
        self.baseline_date_edit.setDisplayFormat("yyyy-MM-dd")
        self.baseline_date_edit.setDate(QDate.currentDate())
        self.baseline_date_edit.editingFinished.connect(self._on_baseline_date_edited)
        self.new_button = QPushButton("New")
        self.open_button = QPushButton("Open…")
        self.save_button = QPushButton("Save")
        self.save_as_button = QPushButton("Save as…")
        self.export_button = QPushButton("Export response…")
        self.new_button.clicked.connect(lambda: guard(self._on_new_clicked))
        self.open_button.clicked.connect(lambda: guard(self._on_open_clicked))
        self.save_button.clicked.connect(lambda: guard(self.save))
        self.save_as_button.clicked.connect(lambda: guard(self.save_as))
        self.export_button.clicked.connect(lambda: guard(self._on_export_clicked))

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Patient ID", self.patient_id_edit)
        form.addRow("Reader", self.reader_edit)
        form.addRow("Criteria", self.criteria_combo)
        form.addRow("Baseline date", self.baseline_date_edit)
        for buttons in (
            (self.new_button, self.open_button, self.save_button),
            (self.save_as_button, self.export_button),
        ):
            row = QHBoxLayout()
            for button in buttons:
                row.addWidget(button)
            form.addRow(row)

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
        has_session = self.context.session is not None
        for widget in (
            self.save_button,
            self.save_as_button,
            self.export_button,
            self.patient_id_edit,
            self.baseline_date_edit,
        ):
            widget.setEnabled(has_session)

    def _show_session(self) -> None:
        session = self.context.require_session()
        with blocked_signals(self.patient_id_edit, self.baseline_date_edit, self.criteria_combo):
            self.patient_id_edit.setText(session.patient_id)
            self.baseline_date_edit.setDate(qdate(session.baseline_date))
            self.criteria_combo.setCurrentText(session.criteria)

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
        """Open a record file and the series of its visits found under ``series_folder``.

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
        folder = Path(series_folder) if series_folder is not None else path.parent
        self.series.load_visit_series(folder)

    def _on_new_clicked(self) -> None:
        if not self.confirm_discard():
            return
        patient_id = self.patient_id_edit.text().strip() or "NEW-PATIENT"
        self.new_patient(patient_id, pydate(self.baseline_date_edit.date()))

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
            QTimer.singleShot(0, lambda: self.context.guard(self._adopt_sample, record_path))

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
        if path is None and session.path is None:
            return self.save_as()
        written = session.save(path)
        self.context.file_changed.emit()
        self.context.show_message(f"saved {written}")
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
            self.context.show_message(f"response written to {path}")

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
            return self.context.guard(self.save) is not None
        return answer == "Discard"

    def autosave_now(self) -> None:
        """Write the autosave sidecar; also done shortly after every change, not on every
        drag step."""
        session = self.context.session
        if session is not None and session.dirty:
            self.context.guard(session.autosave)

    # ------------------------------------------------------------------ fields
    def _on_patient_id_edited(self) -> None:
        session = self.context.session
        if session is not None and self.patient_id_edit.text().strip() != session.patient_id:
            self.context.guard(session.set_patient_id, self.patient_id_edit.text())

    def _on_reader_edited(self) -> None:
        if self.context.session is not None:
            self.context.session.reader = self.reader

    def _on_baseline_date_edited(self) -> None:
        session = self.context.session
        if session is None:
            return
        date = pydate(self.baseline_date_edit.date())
        if date != session.baseline_date:
            if (
                self.context.guard(session.set_baseline_date, date) is None
                and session.baseline_date != date
            ):
                with blocked_signals(self.baseline_date_edit):
                    self.baseline_date_edit.setDate(qdate(session.baseline_date))
