"""Small Qt helpers shared by the reading dock's views: questions, dates, and in-place updates
of tables, lists and texts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from qtpy.QtCore import QDate, Qt
from qtpy.QtWidgets import (
    QComboBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)


def ask_question(parent: QWidget, title: str, text: str, buttons: tuple[str, ...]) -> str:
    """A modal question; returns the label of the button pressed."""
    box = QMessageBox(parent)
    box.setWindowTitle(title)
    box.setText(text)
    pressed = {box.addButton(label, QMessageBox.ButtonRole.ActionRole): label for label in buttons}
    box.exec_()
    return pressed.get(box.clickedButton(), buttons[-1])


class Syncing:
    """Raised while a controller copies the record onto its layers, so that the layers'
    events do not echo the copy back into the record: ``with self.syncing(): ...`` and
    ``if self.syncing: return``."""

    def __init__(self) -> None:
        self.on = False

    def __bool__(self) -> bool:
        return self.on

    @contextmanager
    def __call__(self) -> Iterator[None]:
        previous, self.on = self.on, True
        try:
            yield
        finally:
            self.on = previous


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


# ------------------------------------------------------------------ compact panels
# The dock must show the lesions and the response without scrolling in a 1600x1000 window:
# tables and lists are as tall as their rows (up to a limit), never taller.


def fit_rows(view: QTableWidget | QListWidget, *, min_rows: int, max_rows: int) -> None:
    """Make a table or list as tall as its rows (between ``min_rows`` and ``max_rows``)."""
    rows = view.rowCount() if isinstance(view, QTableWidget) else view.count()
    shown = max(min_rows, min(rows, max_rows))
    if isinstance(view, QTableWidget):
        row_height = view.verticalHeader().defaultSectionSize()
        # The header's hint, not its height: before the table is first shown (a record
        # opened at start-up) the header is 0 high and not "visible", and the table came
        # out a header's height short, its last row under the buttons beneath.
        header_view = view.horizontalHeader()
        header = 0 if header_view.isHidden() else header_view.sizeHint().height()
    else:
        row_height = view.sizeHintForRow(0) if view.count() else view.fontMetrics().height() + 4
        header = 0
    height = header + shown * row_height + 2 * view.frameWidth() + 2
    if view.height() != height or view.minimumHeight() != height:
        view.setFixedHeight(height)
