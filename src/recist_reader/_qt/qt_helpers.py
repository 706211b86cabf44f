"""Small Qt helpers shared by the reading dock's views: questions, dates, and in-place updates
of tables, lists and texts."""

from __future__ import annotations

import datetime as dt
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
