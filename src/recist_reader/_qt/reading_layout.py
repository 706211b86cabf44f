"""The reading widget's panels, built like a Qt Designer form: `setup_reading_layout(widget)`
creates every control as an attribute of the widget and connects it to the widget's handlers.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING, Any

from qtpy.QtCore import QDate, Qt
from qtpy.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from recist_reader.reading import COMMON_ORGANS

if TYPE_CHECKING:  # pragma: no cover
    from recist_reader._widget import ReadingWidget

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
LESION_COLUMNS = ("Lesion", "Kind", "Organ", "This visit", "Baseline", "Checks")
TARGET_STATUS_CHOICES = ("measured", "too_small", "absent", "not_evaluated")
NON_TARGET_STATUS_CHOICES = ("present", "absent", "unequivocal_progression", "not_evaluated")


def setup_reading_layout(widget: ReadingWidget) -> None:
    """Create the patient, visits, lesions, new-lesion and response panels on ``widget``."""
    outer = QVBoxLayout(widget)
    outer.setContentsMargins(0, 0, 0, 0)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    outer.addWidget(scroll)
    content = QWidget()
    scroll.setWidget(content)
    widget.setMinimumWidth(460)
    layout = QVBoxLayout(content)
    layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # scroll, never squash

    patient = QGroupBox("Patient")
    form = QFormLayout(patient)
    widget.patient_id_edit = QLineEdit()
    widget.patient_id_edit.setPlaceholderText("patient id")
    widget.patient_id_edit.editingFinished.connect(widget._on_patient_id_edited)
    widget.reader_edit = QLineEdit(os.environ.get("USER", ""))
    widget.reader_edit.editingFinished.connect(widget._on_reader_edited)
    widget.criteria_combo = QComboBox()
    widget.criteria_combo.addItems(["RECIST1.1"])
    widget.baseline_date_edit = QDateEdit(calendarPopup=True)
    widget.baseline_date_edit.setDisplayFormat("yyyy-MM-dd")
    widget.baseline_date_edit.setDate(QDate.currentDate())
    widget.baseline_date_edit.editingFinished.connect(widget._on_baseline_date_edited)
    form.addRow("Patient ID", widget.patient_id_edit)
    form.addRow("Reader", widget.reader_edit)
    form.addRow("Criteria", widget.criteria_combo)
    form.addRow("Baseline date", widget.baseline_date_edit)
    buttons = QHBoxLayout()
    file_buttons = QHBoxLayout()
    widget.new_button = QPushButton("New")
    widget.open_button = QPushButton("Open…")
    widget.save_button = QPushButton("Save")
    widget.save_as_button = QPushButton("Save as…")
    widget.export_button = QPushButton("Export response…")
    for button in (widget.new_button, widget.open_button, widget.save_button):
        buttons.addWidget(button)
    for button in (widget.save_as_button, widget.export_button):
        file_buttons.addWidget(button)
    widget.new_button.clicked.connect(lambda: widget._guard(widget._on_new_clicked))
    widget.open_button.clicked.connect(lambda: widget._guard(widget._on_open_clicked))
    widget.save_button.clicked.connect(lambda: widget._guard(widget.save))
    widget.save_as_button.clicked.connect(lambda: widget._guard(widget._on_save_as_clicked))
    widget.export_button.clicked.connect(lambda: widget._guard(widget._on_export_clicked))
    form.addRow(buttons)
    form.addRow(file_buttons)
    layout.addWidget(patient)

    visits = QGroupBox("Visits")
    visits_layout = QVBoxLayout(visits)
    widget.visit_list = QListWidget()
    widget.visit_list.setMaximumHeight(110)
    widget.visit_list.currentRowChanged.connect(widget._on_visit_row_changed)
    visits_layout.addWidget(widget.visit_list)
    row = QHBoxLayout()
    widget.add_visit_button = QPushButton("Add visit from DICOM…")
    widget.add_visit_button.clicked.connect(lambda: widget._guard(widget._on_add_visit_clicked))
    widget.visit_date_edit = QDateEdit(calendarPopup=True)
    widget.visit_date_edit.setDisplayFormat("yyyy-MM-dd")
    widget.visit_date_edit.editingFinished.connect(widget._on_visit_date_edited)
    widget.compare_combo = QComboBox()
    widget.compare_combo.addItems(
        ["no comparison", "compare with baseline", "compare with previous"]
    )
    widget.compare_combo.currentIndexChanged.connect(
        lambda _: widget._guard(widget._show_current_visit)
    )
    row.addWidget(widget.add_visit_button)
    row.addWidget(QLabel("Date"))
    row.addWidget(widget.visit_date_edit)
    visits_layout.addLayout(row)
    visits_layout.addWidget(widget.compare_combo)
    layout.addWidget(visits)

    lesions = QGroupBox("Lesions")
    lesions_layout = QVBoxLayout(lesions)
    add_row = QHBoxLayout()
    widget.kind_combo = QComboBox()
    widget.kind_combo.addItems(["target", "non-target"])
    widget.organ_combo = QComboBox()
    widget.organ_combo.setEditable(True)
    widget.organ_combo.addItems(COMMON_ORGANS)
    widget.nodal_check = QCheckBox("nodal")
    widget.organ_combo.currentTextChanged.connect(
        lambda text: widget.nodal_check.setChecked(text.strip().lower() == "lymph node")
    )
    widget.add_lesion_button = QPushButton("Add lesion")
    widget.add_lesion_button.clicked.connect(lambda: widget._guard(widget._on_add_lesion_clicked))
    for control in (
        widget.kind_combo,
        widget.organ_combo,
        widget.nodal_check,
        widget.add_lesion_button,
    ):
        add_row.addWidget(control)
    lesions_layout.addLayout(add_row)
    widget.lesion_table = QTableWidget(0, len(LESION_COLUMNS))
    widget.lesion_table.setHorizontalHeaderLabels(LESION_COLUMNS)
    widget.lesion_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    widget.lesion_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    widget.lesion_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    widget.lesion_table.horizontalHeader().setSectionResizeMode(
        QHeaderView.ResizeMode.ResizeToContents
    )
    widget.lesion_table.horizontalHeader().setStretchLastSection(True)
    widget.lesion_table.verticalHeader().setVisible(False)
    widget.lesion_table.itemSelectionChanged.connect(widget._on_lesion_selected)
    widget.lesion_table.setMinimumHeight(150)
    lesions_layout.addWidget(widget.lesion_table)
    actions = QHBoxLayout()
    widget.draw_long_button = QPushButton("Draw ruler")
    widget.draw_short_button = QPushButton("Draw short axis")
    widget.status_combo = QComboBox()
    widget.goto_button = QPushButton("Go to")
    widget.measure_button = QPushButton("Measure from click")
    widget.measure_button.setToolTip(
        "semi-automatic: click inside the lesion; its long and short axis are proposed "
        "as ordinary rulers you can accept or adjust"
    )
    widget.measure_button.clicked.connect(lambda: widget._guard(widget.start_semi_automatic))
    widget.remove_lesion_button = QPushButton("Remove")
    widget.draw_long_button.clicked.connect(lambda: widget._guard(widget.start_ruler, "long"))
    widget.draw_short_button.clicked.connect(lambda: widget._guard(widget.start_ruler, "short"))
    widget.status_combo.activated.connect(lambda _: widget._guard(widget._on_status_chosen))
    widget.goto_button.clicked.connect(lambda: widget._guard(widget.go_to_selected_lesion))
    widget.remove_lesion_button.clicked.connect(
        lambda: widget._guard(widget._on_remove_lesion_clicked)
    )
    for control in (widget.draw_long_button, widget.draw_short_button, widget.status_combo):
        actions.addWidget(control)
    lesions_layout.addLayout(actions)
    more_actions = QHBoxLayout()
    more_actions.addStretch(1)
    for control in (widget.measure_button, widget.goto_button, widget.remove_lesion_button):
        more_actions.addWidget(control)
    lesions_layout.addLayout(more_actions)
    widget.reference_label = QLabel()
    widget.reference_label.setWordWrap(True)
    lesions_layout.addWidget(widget.reference_label)
    # A read-only text box, not a word-wrapped label: long messages scroll instead of
    # overflowing the layout.
    widget.checks_view = QPlainTextEdit()
    widget.checks_view.setReadOnly(True)
    widget.checks_view.setFixedHeight(90)
    widget.checks_view.setStyleSheet("color: #f0a030")
    lesions_layout.addWidget(widget.checks_view)
    layout.addWidget(lesions)

    new_box = QGroupBox("New lesions at this visit")
    new_layout = QVBoxLayout(new_box)
    new_row = QHBoxLayout()
    widget.new_location_edit = QLineEdit()
    widget.new_location_edit.setPlaceholderText("location, e.g. lung, right lower lobe")
    widget.new_equivocal_check = QCheckBox("equivocal")
    widget.mark_new_button = QPushButton("Mark on image")
    widget.mark_new_button.clicked.connect(lambda: widget._guard(widget.start_new_lesion))
    widget.remove_new_button = QPushButton("Remove")
    widget.remove_new_button.clicked.connect(lambda: widget._guard(widget._on_remove_new_clicked))
    new_layout.addWidget(widget.new_location_edit)
    for control in (widget.new_equivocal_check, widget.mark_new_button, widget.remove_new_button):
        new_row.addWidget(control)
    new_layout.addLayout(new_row)
    widget.new_lesion_list = QListWidget()
    widget.new_lesion_list.setMaximumHeight(70)
    new_layout.addWidget(widget.new_lesion_list)
    layout.addWidget(new_box)

    response = QGroupBox("Response (RECIST 1.1)")
    response_layout = QVBoxLayout(response)
    widget.response_table = QTableWidget(0, len(RESPONSE_COLUMNS))
    widget.response_table.setHorizontalHeaderLabels(RESPONSE_COLUMNS)
    for column, tip in enumerate(RESPONSE_TOOLTIPS):
        widget.response_table.horizontalHeaderItem(column).setToolTip(tip)
    widget.response_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    widget.response_table.horizontalHeader().setSectionResizeMode(
        QHeaderView.ResizeMode.ResizeToContents
    )
    widget.response_table.verticalHeader().setVisible(False)
    widget.response_table.setMinimumHeight(150)
    response_layout.addWidget(widget.response_table)
    widget.summary_label = QLabel()
    widget.summary_label.setWordWrap(True)
    response_layout.addWidget(widget.summary_label)
    widget.notes_view = QPlainTextEdit()
    widget.notes_view.setReadOnly(True)
    widget.notes_view.setMaximumHeight(120)
    response_layout.addWidget(widget.notes_view)
    layout.addWidget(response)

    widget.status_label = QLabel()
    widget.status_label.setWordWrap(True)
    layout.addWidget(widget.status_label)
    layout.addStretch(1)


def ask_question(parent: QWidget, title: str, text: str, buttons: tuple[str, ...]) -> str:
    """A modal question; returns the label of the button pressed."""
    box = QMessageBox(parent)
    box.setWindowTitle(title)
    box.setText(text)
    pressed = {box.addButton(label, QMessageBox.ButtonRole.ActionRole): label for label in buttons}
    box.exec_()
    return pressed.get(box.clickedButton(), buttons[-1])


class blocked_signals:
    """Block the signals of some widgets for the duration of a ``with`` block."""

    def __init__(self, *widgets: QWidget):
        self.widgets = widgets

    def __enter__(self) -> None:
        self.previous = [w.blockSignals(True) for w in self.widgets]

    def __exit__(self, *exc: Any) -> None:
        for widget, previous in zip(self.widgets, self.previous):
            widget.blockSignals(previous)


def qdate(date: dt.date) -> QDate:
    return QDate(date.year, date.month, date.day)


def pydate(date: QDate) -> dt.date:
    return dt.date(date.year(), date.month(), date.day())


# ------------------------------------------------------------------ in-place updates
# The panels are refreshed on every edit, up to once per mouse move while a ruler is dragged.
# Rebuilding items makes Qt re-lay-out and repaint whole views; these helpers change only
# the cells and texts that differ, so an edit repaints what it changed and nothing else.


def set_table_rows(
    table: QTableWidget, rows: list[tuple[str, ...]], tooltips: list[str] | None = None
) -> None:
    """Show ``rows`` in ``table``, reusing its items; ``tooltips`` (one per row) is optional."""
    if table.rowCount() != len(rows):
        table.setRowCount(len(rows))
    for row, cells in enumerate(rows):
        tooltip = tooltips[row] if tooltips is not None else ""
        for column, text in enumerate(cells):
            item = table.item(row, column)
            if item is None:
                item = QTableWidgetItem(text)
                item.setToolTip(tooltip)
                table.setItem(row, column, item)
                continue
            if item.text() != text:
                item.setText(text)
            if item.toolTip() != tooltip:
                item.setToolTip(tooltip)


def set_list_items(view: QListWidget, entries: list[tuple[str, Any]]) -> None:
    """Show ``(label, data)`` entries in a list view (data under ``UserRole``), in place."""
    while view.count() > len(entries):
        view.takeItem(view.count() - 1)
    for row, (label, data) in enumerate(entries):
        item = view.item(row)
        if item is None:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, data)
            view.addItem(item)
            continue
        if item.text() != label:
            item.setText(label)
        if item.data(Qt.ItemDataRole.UserRole) != data:
            item.setData(Qt.ItemDataRole.UserRole, data)


def set_combo_items(combo: QComboBox, choices: tuple[str, ...]) -> None:
    """Offer ``choices`` in ``combo``, keeping it as it is when they are already offered."""
    if tuple(combo.itemText(i) for i in range(combo.count())) != choices:
        combo.clear()
        combo.addItems(list(choices))


def set_text(view: QLabel | QPlainTextEdit, text: str) -> None:
    """Set a label's or a read-only text view's text when it differs."""
    if isinstance(view, QPlainTextEdit):
        if view.toPlainText() != text:
            view.setPlainText(text)
    elif view.text() != text:
        view.setText(text)
