"""The live response: per follow-up sums, changes and calls, best overall response, notes."""

from __future__ import annotations

from qtpy.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from recist_reader._qt.qt_helpers import set_table_rows, set_text
from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.reading_view import ReadingView
from recist_reader.reading.display import notes_text, response_rows, summary_text

RESPONSE_COLUMNS = ("Visit", "Date", "Sum mm", "vs BL", "vs nadir", "T", "NT", "New", "Overall")
RESPONSE_TOOLTIPS = (
    "visit id",
    "scan date",
    "sum of target diameters (partial sum in brackets)",
    "change from the baseline sum",
    "change from the nadir (smallest earlier complete sum)",
    "target response",
    "non-target response",
    "new lesions",
    "overall time-point response",
)


class ResponsePanel(ReadingView):
    """The response of the record as it stands, scored on every edit."""

    def __init__(self, context: ReadingContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.table = QTableWidget(0, len(RESPONSE_COLUMNS))
        self.table.setHorizontalHeaderLabels(RESPONSE_COLUMNS)
        for column, tip in enumerate(RESPONSE_TOOLTIPS):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(150)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.notes_view = QPlainTextEdit()
        self.notes_view.setReadOnly(True)
        self.notes_view.setMaximumHeight(120)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.table, self.summary_label, self.notes_view):
            layout.addWidget(widget)

    def refresh(self) -> None:
        score = self.context.score
        if score is None:
            return
        response = score.response
        set_table_rows(self.table, response_rows(response))
        set_text(self.notes_view, notes_text(response))
        if response is None:
            problems = "; ".join(p.describe() for p in score.problems[:3])
            set_text(self.summary_label, f"Not scored yet: {problems}" if problems else "")
        else:
            set_text(self.summary_label, summary_text(response))

    def text(self) -> str:
        """The panel as text (rows, summary): what the reader sees."""
        rows = [
            "  ".join(self.table.item(r, c).text() for c in range(self.table.columnCount()))
            for r in range(self.table.rowCount())
        ]
        return "\n".join([*rows, self.summary_label.text()])
