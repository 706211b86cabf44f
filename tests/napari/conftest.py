"""The reading dock in a shown napari viewer, and real Qt mouse and key events on its canvas."""

from __future__ import annotations

import numpy as np
import pytest


class Canvas:
    """Real Qt mouse, wheel and key events on a napari viewer's canvas, at world points of
    the displayed plane (the last two world axes; one pane, no grid)."""

    def __init__(self, viewer, qtbot):
        from recist_reader._qt.visit_layers import camera_of

        self.viewer = viewer
        self.qtbot = qtbot
        self.camera = camera_of(viewer)

    @property
    def native(self):
        return self.viewer.window._qt_viewer.canvas.native  # the widget that gets the events

    def pixel(self, world):
        from qtpy.QtCore import QPoint
        from qtpy.QtWidgets import QApplication

        QApplication.processEvents()  # the canvas may just have been resized by the dock
        centre, zoom = np.asarray(self.camera.center), self.camera.zoom
        x = (world[-1] - centre[-1]) * zoom + self.native.width() / 2
        y = (world[-2] - centre[-2]) * zoom + self.native.height() / 2
        return QPoint(int(round(x)), int(round(y)))

    def click(self, world, *, button=None):
        from qtpy.QtCore import Qt
        from qtpy.QtTest import QTest

        point = self.pixel(world)
        QTest.mouseMove(self.native, point)
        QTest.mouseClick(
            self.native,
            button or Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
            point,
        )
        self.qtbot.wait(10)

    def drag(self, start_world, end_world, steps: int = 6):
        """Press at ``start_world``, move in ``steps`` to ``end_world``, release."""
        from qtpy.QtCore import QPoint, Qt
        from qtpy.QtTest import QTest

        left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        start, end = self.pixel(start_world), self.pixel(end_world)
        QTest.mouseMove(self.native, start)
        QTest.mousePress(self.native, left, none, start)
        for fraction in np.linspace(0, 1, steps + 1)[1:]:
            point = QPoint(
                int(start.x() + fraction * (end.x() - start.x())),
                int(start.y() + fraction * (end.y() - start.y())),
            )
            QTest.mouseMove(self.native, point)
            self.qtbot.wait(5)
        QTest.mouseRelease(self.native, left, none, end)
        self.qtbot.wait(10)

    def key(self, key, modifier=None):
        """Press and release ``key`` (a ``Qt.Key``) with the canvas focused."""
        from qtpy.QtCore import Qt
        from qtpy.QtTest import QTest

        self.native.setFocus()
        QTest.keyClick(self.native, key, modifier or Qt.KeyboardModifier.NoModifier)
        self.qtbot.wait(10)

    def wheel(self, notches: int, *, modifier=None):
        """Turn the mouse wheel by ``notches`` (positive: away from the user) over the
        canvas centre."""
        from qtpy.QtCore import QPoint, QPointF, Qt
        from qtpy.QtGui import QWheelEvent
        from qtpy.QtWidgets import QApplication

        centre = QPointF(self.native.width() / 2, self.native.height() / 2)
        for _ in range(abs(notches)):
            event = QWheelEvent(
                centre,
                QPointF(self.native.mapToGlobal(centre.toPoint())),
                QPoint(0, 0),
                QPoint(0, 120 if notches > 0 else -120),
                Qt.MouseButton.NoButton,
                modifier or Qt.KeyboardModifier.NoModifier,
                Qt.ScrollPhase.NoScrollPhase,
                False,
            )
            QApplication.sendEvent(self.native, event)
            self.qtbot.wait(10)


@pytest.fixture
def widget(make_napari_viewer, qtbot):
    """The reading dock, docked in a shown viewer; every question answered "Discard"."""
    from recist_reader._widget import ReadingWidget

    viewer = make_napari_viewer(show=True)
    dock = ReadingWidget(viewer)
    viewer.window.add_dock_widget(dock, name="RECIST reading", area="right")
    dock.ask = lambda title, text, buttons: "Discard"  # also answers the question on closing
    dock.record_bar.reader_edit.setText("Dr Test")
    dock.record_bar.reader_edit.editingFinished.emit()
    return dock


@pytest.fixture
def canvas(widget, qtbot):
    """Mouse and key events on the reading dock's viewer."""
    return Canvas(widget.viewer, qtbot)


@pytest.fixture
def answer(widget, qtbot):
    """Answers the dock's next modal dialogs as the reader would: a QMessageBox by the label
    of the button to press, a QInputDialog by the text to type then OK.

    ``answer("Save", ...)`` queues replies and returns the list of the texts of the dialogs
    answered so far. A dialog with no reply queued is cancelled and listed as
    ``"UNEXPECTED: <text>"`` (the test fails instead of hanging).
    """
    from qtpy.QtCore import QTimer
    from qtpy.QtWidgets import QApplication, QInputDialog, QMessageBox

    from recist_reader._qt.qt_helpers import ask_question

    widget.ask = lambda title, text, buttons: ask_question(widget, title, text, buttons)
    pending: list[str] = []
    asked: list[str] = []

    def reply_to_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            return
        text = dialog.text() if isinstance(dialog, QMessageBox) else dialog.labelText()
        if not pending:
            asked.append(f"UNEXPECTED: {text}")
            dialog.reject()
            return
        reply = pending.pop(0)
        asked.append(text)
        if isinstance(dialog, QInputDialog):
            dialog.setTextValue(reply)
            dialog.accept()
            return
        buttons = [b for b in dialog.buttons() if b.text() == reply]
        if not buttons:
            asked[-1] = f"NO BUTTON {reply!r}: {text}"
            dialog.reject()
            return
        buttons[0].click()

    timer = QTimer()
    timer.timeout.connect(reply_to_dialog)
    timer.start(20)

    def queue(*replies: str) -> list[str]:
        pending.extend(replies)
        return asked

    yield queue
    widget.ask = lambda title, text, buttons: "Discard"  # the viewer closes after this
    timer.stop()
