"""The visits in date order: pick the visit shown, add one from DICOM, change its date."""

from __future__ import annotations

import datetime as dt

from qtpy.QtCore import Qt
from qtpy.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from recist_reader._qt.qt_helpers import blocked_signals, pydate, qdate, set_list_items
from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.reading_view import ReadingView
from recist_reader._qt.visit_series import VisitSeries
from recist_reader.reading.display import visit_entries


class VisitListView(ReadingView):
    """A row per visit (id, date, series, whether its images are open)."""

    def __init__(self, context: ReadingContext, series: VisitSeries, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.series = series
        self.list = QListWidget()
        self.list.setMaximumHeight(110)
        self.list.currentRowChanged.connect(self._on_row_changed)
        self.add_button = QPushButton("Add visit from DICOM…")
        self.add_button.clicked.connect(lambda: context.guard(series.add_visit_from_folder, self))
        self.date_edit = QDateEdit(calendarPopup=True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.editingFinished.connect(self._on_date_edited)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(QLabel("Date"))
        row.addWidget(self.date_edit)
        layout.addLayout(row)

    def refresh(self) -> None:
        session, visit_id = self.context.session, self.context.current_visit_id
        self.add_button.setEnabled(session is not None)
        self.date_edit.setEnabled(session is not None and visit_id is not None)
        if session is None:
            return
        entries = visit_entries(session, self.context.visit_layers.keys())
        visit_ids = [entry_id for _, entry_id in entries]
        with blocked_signals(self.list, self.date_edit):
            set_list_items(self.list, entries)
            row = visit_ids.index(visit_id) if visit_id in visit_ids else -1
            if self.list.currentRow() != row:
                self.list.setCurrentRow(row)
            if visit_id is not None:
                date = qdate(dt.date.fromisoformat(session.visit(visit_id)["date"]))
                if self.date_edit.date() != date:
                    self.date_edit.setDate(date)

    def _on_row_changed(self, row: int) -> None:
        if self.context.session is None or row < 0:
            return
        visit_id = self.list.item(row).data(Qt.ItemDataRole.UserRole)
        if visit_id != self.context.current_visit_id:
            self.context.guard(self.context.select_visit, visit_id)

    def _on_date_edited(self) -> None:
        session, visit_id = self.context.session, self.context.current_visit_id
        if session is None or visit_id is None:
            return
        date = pydate(self.date_edit.date())
        if date.isoformat() != session.visit(visit_id)["date"]:
            if self.context.guard(session.set_visit_date, visit_id, date) is None:
                self.refresh()  # refused: show the date the visit keeps
