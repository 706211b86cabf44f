"""The lesions: add one, the table with each lesion's measurement and rule checks."""

from __future__ import annotations

from qtpy.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from recist_reader._qt.qt_helpers import blocked_signals, set_table_rows, set_text
from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.reading_view import ReadingView
from recist_reader.reading import COMMON_ORGANS
from recist_reader.reading.display import check_text, lesion_rows

LESION_COLUMNS = ("Lesion", "Kind", "Organ", "This visit", "Baseline", "Checks")


class LesionTableView(ReadingView):
    """A row per lesion (its measurement here and at baseline, its checks); selecting a row
    selects the lesion for the other views."""

    def __init__(self, context: ReadingContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.kind_combo = QComboBox()
        self.kind_combo.addItems(["target", "non-target"])
        self.organ_combo = QComboBox()
        self.organ_combo.setEditable(True)
        self.organ_combo.addItems(COMMON_ORGANS)
        self.nodal_check = QCheckBox("nodal")
        self.organ_combo.currentTextChanged.connect(
            lambda text: self.nodal_check.setChecked(text.strip().lower() == "lymph node")
        )
        self.add_button = QPushButton("Add lesion")
        self.add_button.clicked.connect(lambda: context.guard(self._on_add_clicked))
        self.table = QTableWidget(0, len(LESION_COLUMNS))
        self.table.setHorizontalHeaderLabels(LESION_COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.itemSelectionChanged.connect(self._on_row_selected)
        self.table.setMinimumHeight(150)
        # A read-only text box, not a word-wrapped label: long messages scroll instead of
        # overflowing the layout.
        self.checks_view = QPlainTextEdit()
        self.checks_view.setReadOnly(True)
        self.checks_view.setFixedHeight(90)
        self.checks_view.setStyleSheet("color: #f0a030")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        add_row = QHBoxLayout()
        for control in (self.kind_combo, self.organ_combo, self.nodal_check, self.add_button):
            add_row.addWidget(control)
        layout.addLayout(add_row)
        layout.addWidget(self.table)
        layout.addWidget(self.checks_view)

    def add_lesion(self, kind: str, organ: str, *, nodal: bool = False) -> str:
        """Add a lesion and select it; a target is then ready for its ruler."""
        session = self.context.require_session()
        lesion_id = session.add_lesion(kind, organ, nodal=nodal)  # type: ignore[arg-type]
        self.context.select_lesion(lesion_id)
        return lesion_id

    def _on_add_clicked(self) -> None:
        self.add_lesion(
            self.kind_combo.currentText(),
            self.organ_combo.currentText(),
            nodal=self.nodal_check.isChecked(),
        )

    def _on_row_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        item = self.table.item(rows[0].row(), 0) if rows else None
        self.context.guard(self.context.select_lesion, None if item is None else item.text())

    def refresh(self) -> None:
        session, score = self.context.session, self.context.score
        self.add_button.setEnabled(session is not None)
        if session is None or score is None:
            return
        with blocked_signals(self.table):
            set_table_rows(
                self.table, *lesion_rows(session, score.checks, self.context.current_visit_id)
            )
            ids = [self.table.item(r, 0).text() for r in range(self.table.rowCount())]
            if self.context.lesion_id in ids:
                row = ids.index(self.context.lesion_id)
                if [i.row() for i in self.table.selectionModel().selectedRows()] != [row]:
                    self.table.selectRow(row)
            else:
                self.table.clearSelection()
        set_text(self.checks_view, "\n".join(check_text(c) for c in score.checks))
