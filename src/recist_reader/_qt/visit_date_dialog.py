"""Dating a follow-up as it is added: its date (StudyDate, editable) and its visit id."""

from __future__ import annotations

import datetime as dt

from qtpy.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from recist_reader._qt.qt_helpers import pydate, qdate
from recist_reader.reading import ReadingError, ReadingSession


class VisitDateDialog(QDialog):
    """Asks a new follow-up's date and visit id. The id follows the date (``W<weeks from
    baseline>``) until the reader types one; a date that is not after the baseline, or
    that another visit has, is refused before OK.

    Parameters
    ----------
    session : ReadingSession
        The record the visit joins (its baseline and visits' dates).
    date : date or None
        The series' StudyDate, if it has one.
    description : str
        What the series is, for the title line.
    """

    def __init__(
        self,
        session: ReadingSession,
        date: dt.date | None,
        description: str = "",
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("New follow-up visit")
        self.date_edit = QDateEdit(calendarPopup=True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setDate(qdate(date or session.baseline_date + dt.timedelta(days=1)))
        self.visit_id_edit = QLineEdit()
        self.problem_label = QLabel()
        self.problem_label.setStyleSheet("color: #ff6060")
        self.problem_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        what = f"{description} · " if description else ""
        form.addRow(QLabel(f"{what}StudyDate {date.isoformat() if date else 'missing'}"))
        form.addRow("Visit date", self.date_edit)
        form.addRow("Visit id", self.visit_id_edit)
        form.addRow(self.problem_label)
        form.addRow(self.buttons)
        self._typed_id = False
        self.visit_id_edit.textEdited.connect(self._on_id_typed)
        self.date_edit.dateChanged.connect(self._update)
        self._update()

    @property
    def date(self) -> dt.date:
        return pydate(self.date_edit.date())

    @property
    def visit_id(self) -> str:
        return self.visit_id_edit.text().strip()

    def _on_id_typed(self) -> None:
        self._typed_id = bool(self.visit_id)
        self._update()

    def _update(self) -> None:
        if not self._typed_id:
            self.visit_id_edit.setText(self.session.suggested_visit_id(self.date))
        problem = self.session.follow_up_problem(self.date, self.visit_id)
        self.problem_label.setText(problem or "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)


def ask_visit_date(
    session: ReadingSession, date: dt.date | None, description: str, parent: QWidget | None
) -> tuple[dt.date, str]:
    """The date and id the reader gives a new follow-up; raises when they cancel."""
    dialog = VisitDateDialog(session, date, description, parent)
    if dialog.exec_() != QDialog.DialogCode.Accepted:
        raise ReadingError("visit not added")
    return dialog.date, dialog.visit_id
