"""The RECIST cohort dock widget: thin Qt glue over :mod:`recist_reader.cohort`.

Open a folder of patient records: the widget scores it (:func:`~recist_reader.cohort.score_cohort`),
shows the summary (:func:`~recist_reader.cohort.summarize_cohort`), the patients, the invalid
records, and the waterfall and spider plots (:mod:`recist_reader.cohort.plots`) on embedded
matplotlib canvases. The criteria picker switches the same reads between RECIST 1.1, mRECIST
and iRECIST (design.md §7). Clicking a patient (a table row or a waterfall bar) opens their
record in the RECIST reading widget.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from qtpy.QtCore import QSize, Qt
from qtpy.QtGui import QColor, QIcon, QPixmap
from qtpy.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from recist_reader.cohort import (
    Cohort,
    PatientEndpoints,
    cohort_curves,
    score_cohort,
    summarize_cohort,
)
from recist_reader.cohort.criteria_labels import endpoint_labels
from recist_reader.cohort.plots import (
    BOR_COLOURS,
    spider_figure,
    waterfall_figure,
    waterfall_order,
)
from recist_reader.cohort.summary import BEST_RESPONSE_LABELS, BOR_KINDS
from recist_reader.cohort.survival import DAYS_PER_MONTH
from recist_reader.core.criteria import CRITERIA, SUPPORTED_CRITERIA
from recist_reader.errors import RecordError, SeriesError
from recist_reader.reading import ReadingError

if TYPE_CHECKING:  # pragma: no cover
    import napari

PLUGIN_NAME = "recist-reader"
READING_WIDGET_NAME = "RECIST reading"
SUMMARY_COLUMNS = ("Endpoint", "Patients", "Estimate", "95 % CI")
PATIENT_COLUMNS = ("Patient", "BOR", "BOR (unconf.)", "Best change", "PFS days", "File")
FILE_ROLE = Qt.ItemDataRole.UserRole
PLOT_MIN_SIZE_PX = (600, 340)
PREFERRED_SIZE_PX = (720, 820)


class CohortWidget(QWidget):
    """RECIST cohort: the trial endpoints and plots of a folder of patient records.

    Parameters
    ----------
    napari_viewer : napari.Viewer
        The viewer whose RECIST reading widget opens the patient clicked.
    """

    def __init__(self, napari_viewer: napari.Viewer, parent: QWidget | None = None):
        super().__init__(parent)
        self.viewer = napari_viewer
        self.cohort: Cohort | None = None
        self.summary: dict[str, Any] | None = None
        self.waterfall_patients: list[PatientEndpoints] = []
        self.waterfall_canvas: FigureCanvasQTAgg | None = None
        self.spider_canvas: FigureCanvasQTAgg | None = None
        #: The open folder scored under each criteria shown so far.
        self._scored: dict[str, Cohort] = {}
        self._build()

    # =================================================================== layout
    def _build(self) -> None:
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.open_button = QPushButton("Open folder…")
        self.open_button.clicked.connect(self._on_open_clicked)
        self.folder_edit = QLineEdit()
        self.folder_edit.setReadOnly(True)
        self.folder_edit.setPlaceholderText("a folder of patient records (*.json)")
        row.addWidget(self.open_button)
        row.addWidget(self.folder_edit, 1)
        self.sdtm_button = QPushButton("Export SDTM…")
        self.sdtm_button.setToolTip(
            "Write CDISC SDTM TU, TR and RS (SAS XPORT v5 and CSV) of the reads in this folder"
        )
        self.sdtm_button.setEnabled(False)
        self.sdtm_button.clicked.connect(self._on_sdtm_clicked)
        row.addWidget(self.sdtm_button)
        layout.addLayout(row)
        criteria_row = QHBoxLayout()
        criteria_row.addWidget(QLabel("Criteria"))
        self.criteria_combo = QComboBox()
        self.criteria_combo.addItems([name for name in SUPPORTED_CRITERIA if name in CRITERIA])
        self.criteria_combo.setToolTip(
            "Score the same reads under RECIST 1.1, mRECIST or iRECIST (design.md §7)"
        )
        self.criteria_combo.setEnabled(False)
        self.criteria_combo.currentTextChanged.connect(self._on_criteria_changed)
        criteria_row.addWidget(self.criteria_combo)
        criteria_row.addStretch(1)
        layout.addLayout(criteria_row)
        self.status_label = QLabel("Open a folder of patient records.")
        # Long messages are cut, never wrapped (a wrapped label squashes the layout); the
        # full text is in the tooltip and, for errors, in a napari notification.
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.status_label)

        self.summary_table = _table(SUMMARY_COLUMNS)
        self.bor_table = _table(("BOR", *BEST_RESPONSE_LABELS))
        self.bor_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        summary = QWidget()
        summary_layout = QVBoxLayout(summary)
        summary_layout.setContentsMargins(0, 0, 0, 0)
        summary_layout.addWidget(self.summary_table)
        summary_layout.addWidget(self.bor_table)
        summary_layout.addStretch(1)
        self.patient_table = _table(PATIENT_COLUMNS)
        self.patient_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.patient_table.setToolTip("Click a patient to open their record for reading")
        self.patient_table.cellClicked.connect(self._on_patient_clicked)
        self.invalid_view = QPlainTextEdit()
        self.invalid_view.setReadOnly(True)
        self.invalid_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.info_tabs = QTabWidget()
        self.info_tabs.addTab(summary, "Summary")
        self.info_tabs.addTab(self.patient_table, "Patients")
        self.info_tabs.addTab(self.invalid_view, "Invalid records")

        self.plot_tabs = QTabWidget()
        self.plot_tabs.addTab(_placeholder(), "Waterfall")
        self.plot_tabs.addTab(_placeholder(), "Spider")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.info_tabs)
        splitter.addWidget(self.plot_tabs)
        splitter.setSizes([300, 450])
        layout.addWidget(splitter, 1)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt)
        """Wide enough for the plots when docked alone."""
        return QSize(*PREFERRED_SIZE_PX)

    # =================================================================== messages
    def show_message(self, text: str, *, error: bool = False) -> None:
        """Show a one-line message (and a napari notification for errors)."""
        self.status_label.setText(text)
        self.status_label.setToolTip(text)
        self.status_label.setStyleSheet("color: #ff6060" if error else "")
        if error:
            from napari.utils.notifications import show_error

            show_error(f"RECIST cohort: {text}")

    # =================================================================== cohort
    @property
    def criteria(self) -> str | None:
        """The criteria the open cohort is shown under (None without a cohort)."""
        return None if self.cohort is None else self.cohort.criteria

    def open_folder(
        self, path: str | os.PathLike[str], *, criteria: str | None = None
    ) -> Cohort | None:
        """Score the records in ``path`` and show the summary, patients and plots.

        ``criteria``: the criteria to show; by default the records' primary criteria, or
        RECIST 1.1 (with a message) when they name several. Returns the cohort, or None (with
        a message) when the folder cannot be read or holds no record; invalid records are
        listed, never raised.
        """
        folder = Path(path)
        self.folder_edit.setText(str(folder))
        self._scored = {}
        if not folder.is_dir():
            self._clear()
            self.show_message(f"{folder} is not a folder", error=True)
            return None
        try:
            cohort = score_cohort([folder], criteria=criteria)
        except (OSError, ValueError) as error:
            self._clear()
            self.show_message(f"cannot read {folder}: {error}", error=True)
            return None
        if cohort.empty_folders:
            self._clear()
            self.show_message(f"no record files (*.json) in {folder}", error=True)
            return None
        mixed = ""
        if cohort.criteria is None:  # the records name several primary criteria
            found = ", ".join(f"{n} {name}" for name, n in cohort.primary_criteria.items())
            mixed = f" (the records name several primary criteria: {found})"
            cohort = score_cohort([folder], criteria="RECIST1.1")
        self._show_cohort(cohort, note=mixed)
        return cohort

    def set_criteria(self, criteria: str) -> Cohort | None:
        """Show the open folder's reads scored under ``criteria`` (scored once per criteria)."""
        if self.cohort is None:
            raise ValueError("no cohort is open")
        if criteria == self.cohort.criteria:
            return self.cohort
        folder = Path(self.folder_edit.text())
        cohort = self._scored.get(criteria)
        if cohort is None:
            try:
                cohort = score_cohort([folder], criteria=criteria)
            except (OSError, ValueError) as error:
                self.show_message(f"cannot score {folder} under {criteria}: {error}", error=True)
                return None
        self._show_cohort(cohort)
        return cohort

    def _show_cohort(self, cohort: Cohort, *, note: str = "") -> None:
        assert cohort.criteria is not None
        self._scored[cohort.criteria] = cohort
        folder = Path(self.folder_edit.text())
        curves = cohort_curves(cohort.patients)
        summary = summarize_cohort(
            cohort.patients,
            config=cohort.config,
            invalid=cohort.invalid,
            curves=curves,
            criteria=cohort.criteria,
        )
        self.cohort, self.summary = cohort, summary
        self.sdtm_button.setEnabled(True)
        self.criteria_combo.blockSignals(True)
        self.criteria_combo.setCurrentText(cohort.criteria)
        self.criteria_combo.blockSignals(False)
        self.criteria_combo.setEnabled(True)
        self._show_summary(summary)
        self._show_patients(cohort.patients)
        self._show_invalid(summary["invalid"])
        self._show_plots(cohort.patients)
        text = f"{summary['n_scored']} patients scored from {folder.name} under {cohort.criteria}"
        if cohort.invalid:
            self.show_message(
                f"{text}; {len(cohort.invalid)} invalid record(s) left out (see Invalid "
                f"records){note}",
                error=True,
            )
        else:
            self.show_message(text + note)

    def open_patient(self, patient_id: str) -> None:
        """Open a scored patient's record in the RECIST reading widget (docked if needed)."""
        if self.cohort is None:
            raise ValueError("no cohort is open")
        patient = next((p for p in self.cohort.patients if p.patient_id == patient_id), None)
        if patient is None:
            raise ValueError(f"patient {patient_id!r} is not in the cohort")
        _, reading = self.viewer.window.add_plugin_dock_widget(PLUGIN_NAME, READING_WIDGET_NAME)
        path = Path(patient.file).resolve()
        session = reading.session
        if session is not None and session.path == path and not session.dirty:
            return  # already open (e.g. the second click of a double click)
        if not reading.confirm_discard():
            return
        try:
            reading.open_record(path)
        except (ReadingError, RecordError, SeriesError, OSError) as error:
            self.show_message(f"cannot open {path.name}: {error}", error=True)
            return
        self.show_message(f"{patient_id} opened in {READING_WIDGET_NAME}")

    def export_sdtm(
        self, out_dir: str | os.PathLike[str], *, study_id: str | None = None
    ) -> dict[str, Any] | None:
        """Export the open folder's reads as SDTM TU, TR, RS into ``out_dir``
        (:func:`~recist_reader.interop.sdtm.export_sdtm_files`); None, with the problems in
        the Invalid records tab, when the export refuses."""
        from recist_reader.interop.sdtm import SdtmExportError, export_sdtm_files

        if self.cohort is None:
            raise ValueError("no cohort is open")
        folder = Path(self.folder_edit.text())
        try:
            summary = export_sdtm_files([folder], out_dir, study_id=study_id)
        except SdtmExportError as error:
            lines = [problem.describe() for problem in error.problems]
            self.invalid_view.setPlainText("SDTM export refused:\n" + "\n".join(lines))
            self.info_tabs.setCurrentIndex(2)
            self.show_message(f"SDTM export refused: {lines[0]}", error=True)
            return None
        rows = summary["rows"]
        warned = f"; {len(summary['warnings'])} warning(s)" if summary["warnings"] else ""
        if summary["warnings"]:
            self.invalid_view.setPlainText(
                "SDTM export warnings:\n" + "\n".join(summary["warnings"])
            )
        self.show_message(
            f"SDTM written to {Path(out_dir).name}: TU {rows['TU']}, TR {rows['TR']}, "
            f"RS {rows['RS']} rows{warned}"
        )
        return summary

    def _on_sdtm_clicked(self) -> None:
        out = QFileDialog.getExistingDirectory(self, "Folder for the SDTM files (tu, tr, rs)")
        if not out:
            return
        from recist_reader.interop.sdtm.inputs import read_inputs

        study_id = None
        records = read_inputs([Path(self.folder_edit.text())]).records
        if any(not record.get("study_id") for record in records):  # ask only when needed
            text, ok = QInputDialog.getText(
                self, "Study identifier", "STUDYID for the records without study_id:"
            )
            if not ok or not text.strip():
                return
            study_id = text.strip()
        self.export_sdtm(out, study_id=study_id)

    def _on_criteria_changed(self, criteria: str) -> None:
        if self.cohort is not None and criteria:
            self.set_criteria(criteria)

    def _on_open_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a folder of patient records")
        if path:
            self.open_folder(path)

    def _on_patient_clicked(self, row: int, _column: int) -> None:
        self._open_patient_guarded(self.patient_table.item(row, 0).text())

    def _on_waterfall_pick(self, event: Any) -> None:
        if isinstance(event.artist, PolyCollection) and len(event.ind):
            self._open_patient_guarded(self.waterfall_patients[int(event.ind[0])].patient_id)

    def _open_patient_guarded(self, patient_id: str) -> None:
        try:
            self.open_patient(patient_id)
        except ValueError as error:
            self.show_message(str(error), error=True)

    # =================================================================== panels
    def _clear(self) -> None:
        self.cohort = self.summary = None
        self.sdtm_button.setEnabled(False)
        self.criteria_combo.setEnabled(False)
        self.waterfall_patients = []
        for table in (self.summary_table, self.bor_table, self.patient_table):
            table.setRowCount(0)
        self.invalid_view.clear()
        self.info_tabs.setTabText(2, "Invalid records")
        self.info_tabs.setTabText(1, "Patients")
        self._set_plot(0, None)
        self._set_plot(1, None)

    def _show_summary(self, summary: dict[str, Any]) -> None:
        scored = f"{summary['n_scored']} scored, {summary['n_invalid']} invalid"
        rows = [("Records", str(summary["n_records"]), scored, "")]
        for name, title in (("orr", "ORR"), ("dcr", "DCR")):
            for kind in BOR_KINDS:
                block = summary[name][kind]
                rows.append(
                    (
                        f"{title} ({kind})",
                        f"{block['responders']} / {block['n']}",
                        _pct(block["rate"]),
                        ""
                        if block["ci_low"] is None
                        else _interval(_pct(block["ci_low"]), _pct(block["ci_high"])),
                    )
                )
        for name, title in (("pfs", "PFS"), ("dor", "DoR"), ("os", "OS")):
            block = summary[name]
            if block is None:
                rows.append((f"{title} median", "–", "no death dates", ""))
                continue
            events = f"{block['events']} event{'' if block['events'] == 1 else 's'}"
            rows.append(
                (
                    f"{title} median",
                    f"n = {block['n']}, {events}",
                    _days(block["median_days"]) if block["n"] else "–",
                    _interval(_days(block["ci_low_days"]), _days(block["ci_high_days"]))
                    if block["n"]
                    else "",
                )
            )
        _fill(self.summary_table, rows, fit=True)
        labels = endpoint_labels(summary.get("criteria")).best_response
        self.bor_table.setColumnCount(len(labels) + 1)
        self.bor_table.setHorizontalHeaderLabels(("BOR", *labels))
        _fill(
            self.bor_table,
            [
                (kind, *(str(n) for n in summary["best_overall_response"][kind].values()))
                for kind in BOR_KINDS
            ],
            fit=True,
        )

    def _show_patients(self, patients: list[PatientEndpoints]) -> None:
        _fill(
            self.patient_table,
            [
                (
                    p.patient_id,
                    p.bor_confirmed,
                    p.bor_unconfirmed,
                    "–" if p.best_pct_change is None else f"{p.best_pct_change:+.1f} %",
                    f"{p.pfs_days}{'' if p.pfs_event else '+'}",
                    Path(p.file).name,
                )
                for p in patients
            ],
        )
        for row, patient in enumerate(patients):
            self.patient_table.item(row, 0).setData(FILE_ROLE, patient.file)
            colour = BOR_COLOURS.get(patient.bor_confirmed)
            if colour is not None:
                self.patient_table.item(row, 1).setIcon(_swatch(colour))
        self.info_tabs.setTabText(1, f"Patients ({len(patients)})")

    def _show_invalid(self, invalid: list[dict[str, str]]) -> None:
        self.invalid_view.setPlainText(
            "\n".join(f"{Path(item['file']).name}: {item['error']}" for item in invalid)
            or "No invalid records."
        )
        self.info_tabs.setTabText(2, f"Invalid records ({len(invalid)})")

    def _show_plots(self, patients: list[PatientEndpoints]) -> None:
        waterfall = waterfall_figure(patients)
        bars = [c for c in waterfall.axes[0].collections if isinstance(c, PolyCollection)]
        for collection in bars:
            collection.set_picker(True)
        self.waterfall_patients = waterfall_order(patients)  # bar i is patient i
        self._set_plot(0, waterfall)
        self.waterfall_canvas.mpl_connect("pick_event", self._on_waterfall_pick)
        self.waterfall_canvas.setToolTip("Click a bar to open the patient's record")
        self._set_plot(1, spider_figure(patients))

    def _set_plot(self, index: int, figure: Figure | None) -> None:
        canvas = FigureCanvasQTAgg(figure) if figure is not None else None
        widget = _placeholder()
        if canvas is not None:
            # Narrower, the plots' titles and legends overlap: scroll instead.
            canvas.setMinimumSize(*PLOT_MIN_SIZE_PX)
            widget = QScrollArea()
            widget.setWidgetResizable(True)
            widget.setFrameShape(QFrame.Shape.NoFrame)
            widget.setWidget(canvas)
        old = self.plot_tabs.widget(index)
        title = self.plot_tabs.tabText(index)
        self.plot_tabs.removeTab(index)
        self.plot_tabs.insertTab(index, widget, title)
        old.deleteLater()
        if index == 0:
            self.waterfall_canvas = canvas
        else:
            self.spider_canvas = canvas


def _table(columns: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, ...]], *, fit: bool = False) -> None:
    """Put ``rows`` of text in ``table``; ``fit`` sizes it to show every row, no scrolling."""
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    if fit:
        height = table.horizontalHeader().height() + 2 * table.frameWidth()
        height += sum(table.rowHeight(r) for r in range(len(rows)))
        table.setFixedHeight(height)


def _placeholder() -> QWidget:
    label = QLabel("no cohort open")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def _swatch(colour: str) -> QIcon:
    pixmap = QPixmap(10, 10)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _days(value: float | None) -> str:
    return "NR" if value is None else f"{value:g} d ({value / DAYS_PER_MONTH:.1f} mo)"


def _interval(low: str, high: str) -> str:
    return f"{low} – {high}"
