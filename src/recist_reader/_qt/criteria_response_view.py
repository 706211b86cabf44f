"""The read under each criteria, side by side: RECIST 1.1 and iRECIST (and mRECIST for an
mRECIST read) at every follow-up, each criteria's best overall response, and every iUPD
episode: its basis, when it opened, and whether a later visit confirmed it (which trigger),
reset it, or left it open (design.md §7, §7b)."""

from __future__ import annotations

from typing import Any

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
from recist_reader.reading.irecist_display import (
    best_response_text,
    comparison_rows,
    criteria_to_compare,
    episode_lines,
)

CRITERIA_TITLES = {"RECIST1.1": "RECIST 1.1", "mRECIST": "mRECIST", "iRECIST": "iRECIST"}


class CriteriaResponseView(ReadingView):
    """Each criteria's time points, best overall responses and iUPD episodes, scored live."""

    def __init__(self, context: ReadingContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(120)
        self.best_label = QLabel()
        self.best_label.setWordWrap(True)
        self.episodes_view = QPlainTextEdit()
        self.episodes_view.setReadOnly(True)
        self.episodes_view.setMaximumHeight(90)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.table, self.best_label, self.episodes_view):
            layout.addWidget(widget)
        self._scored_for: Any = None
        self.responses: dict[str, dict[str, Any] | None] = {}

    def refresh(self) -> None:
        session, score = self.context.session, self.context.score
        if session is None or score is None:
            return
        if score is not self._scored_for:  # a new edit: score the read under each criteria
            self._scored_for = score
            record = session.record
            self.responses = {
                name: score.response
                if name == record["criteria"]
                else session.score(criteria=name).response
                for name in criteria_to_compare(record)
            }
        names = list(self.responses)
        headers = ["Visit", "Date", *(CRITERIA_TITLES[name] for name in names)]
        if self.table.columnCount() != len(headers):
            self.table.setColumnCount(len(headers))
            self.table.setHorizontalHeaderLabels(headers)
        set_table_rows(self.table, comparison_rows(self.responses))
        set_text(self.best_label, best_response_text(self.responses))
        set_text(self.episodes_view, "\n".join(episode_lines(self.responses.get("iRECIST"))))

    def text(self) -> str:
        """The view as text (rows, best responses, episodes): what the reader sees."""
        rows = [
            "  ".join(self.table.item(r, c).text() for c in range(self.table.columnCount()))
            for r in range(self.table.rowCount())
        ]
        return "\n".join([*rows, self.best_label.text(), self.episodes_view.toPlainText()])
