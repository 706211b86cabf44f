"""Central review overview (the core lab's and the adjudicator's dock, never a reader's: it
shows both reads' calls): every patient's status, and a click opens what the status needs —
the adjudicator mode for a patient awaiting adjudication, the problems of an invalid one
(e.g. a broken audit trail), the reads still awaited, or the central outcome."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from qtpy.QtGui import QColor
from qtpy.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from recist_reader._qt.adjudicator_view import AdjudicatorView
from recist_reader.review.cases import OverviewRow, adjudication_case, overview_rows
from recist_reader.review.files import load_review_inputs
from recist_reader.review.review import Review

STATUS_COLOURS = {
    "concordant": QColor(40, 110, 60),
    "adjudicated": QColor(40, 90, 130),
    "awaiting_adjudication": QColor(150, 110, 20),
    "awaiting_reads": QColor(80, 80, 80),
    "invalid": QColor(150, 40, 40),
}
COLUMNS = ("Patient", "Status", "Detail")


class ReviewOverviewWidget(QWidget):
    """The review of a folder of reads, and the adjudicator mode below it.

    Parameters
    ----------
    napari_viewer : napari.Viewer
    """

    def __init__(self, napari_viewer: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.viewer = napari_viewer
        self.reads_folder: Path | None = None
        self.images_folder: Path | None = None
        self.options: dict[str, Any] = {}
        self.review: Review | None = None
        self.rows: list[OverviewRow] = []
        self.open_button = QPushButton("Open reads folder…")
        self.open_button.clicked.connect(self._on_open_clicked)
        self.summary = QLabel("Open the folder of a central review's reads.")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.cellClicked.connect(lambda row, _: self.open_patient(self.rows[row].patient_id))
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(110)
        self.adjudicator = AdjudicatorView(napari_viewer)
        self.adjudicator.signed.connect(lambda _: self.refresh())
        self.adjudicator.setVisible(False)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(self.details)
        layout.addWidget(self.adjudicator)
        self.setMinimumWidth(520)

    def open_folder(
        self,
        reads_folder: str | os.PathLike[str],
        *,
        images_folder: str | os.PathLike[str] | None = None,
        **options: Any,
    ) -> None:
        """Review the reads of ``reads_folder`` under the charter ``options``; the images
        for the adjudicator are under ``images_folder``."""
        self.reads_folder = Path(reads_folder)
        self.images_folder = Path(images_folder) if images_folder is not None else None
        self.options = options
        self.refresh()

    def refresh(self) -> None:
        """Review the folder again and show every patient."""
        if self.reads_folder is None:
            return
        inputs = load_review_inputs([self.reads_folder])
        self.review = inputs.review(**self.options)
        self.rows = overview_rows(self.review)
        counts = ", ".join(
            f"{status.replace('_', ' ')} {sum(1 for r in self.rows if r.status == status)}"
            for status in STATUS_COLOURS
        )
        problems = f"; {len(inputs.errors)} file(s) not readable" if inputs.errors else ""
        self.summary.setText(f"{self.reads_folder}: {len(self.rows)} patients: {counts}{problems}")
        self.table.setRowCount(len(self.rows))
        for index, row in enumerate(self.rows):
            for column, text in enumerate((row.patient_id, row.status, row.detail)):
                item = QTableWidgetItem(text)
                item.setToolTip(row.detail)
                if column == 1:
                    item.setBackground(STATUS_COLOURS[row.status])
                self.table.setItem(index, column, item)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(1)
        if inputs.errors:
            self.details.setPlainText("\n".join(inputs.errors))

    def open_patient(self, patient_id: str) -> str:
        """Open what the patient's status needs; returns the action taken."""
        assert self.review is not None and self.reads_folder is not None
        row = next(r for r in self.rows if r.patient_id == patient_id)
        if row.action == "adjudicate":
            self.details.setPlainText(row.detail)
            self.adjudicator.setVisible(True)
            self.adjudicator.open_case(
                adjudication_case(self.review, patient_id),
                series_folder=self.images_folder,
                adjudication_folder=self.reads_folder,
            )
            return row.action
        self.adjudicator.close_case()
        self.adjudicator.setVisible(False)
        heading = {"problems": "Invalid: not used until fixed", "reads": "Awaiting reads",
                   "outcome": "Central outcome"}[row.action]  # fmt: skip
        self.details.setPlainText(f"{patient_id} · {heading}\n" + row.detail.replace("; ", "\n"))
        return row.action

    def _on_open_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of the reads")
        if not folder:
            return
        images = QFileDialog.getExistingDirectory(
            self, "Folder of the DICOM images (for adjudication)"
        )
        self.open_folder(folder, images_folder=images or None)
