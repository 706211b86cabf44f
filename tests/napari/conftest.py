"""The reading dock in a shown napari viewer, and real Qt mouse and key events on its canvas."""

from __future__ import annotations

import datetime as dt

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

    def settle(self) -> None:
        """Wait until the canvas keeps its size: napari lays its panels out again (and
        resizes the canvas) a few event-loop turns after the active layer changes."""
        size = None
        for _ in range(20):
            self.qtbot.wait(25)
            if self.native.size() == size:
                return
            size = self.native.size()

    def pixel(self, world):
        from qtpy.QtCore import QPoint

        self.settle()
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
    viewer.window._qt_window.resize(1600, 1000)  # the window size the issue reads in
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


class FileDialogs:
    """Answers Qt's own (not native) file dialogs."""

    @staticmethod
    def choose(dialog, path) -> None:
        """Go to ``path`` in the dialog and press its accept button ("Choose", "Open")."""
        from qtpy.QtWidgets import QDialogButtonBox

        dialog.setDirectory(str(path))
        box = dialog.findChild(QDialogButtonBox)
        role = QDialogButtonBox.ButtonRole.AcceptRole
        [button for button in box.buttons() if box.buttonRole(button) == role][0].click()


@pytest.fixture
def file_dialog():
    return FileDialogs()


@pytest.fixture
def answer(widget, qtbot):
    """Answers the dock's next modal dialogs as the reader would: a QMessageBox by the label
    of the button to press, a QInputDialog by the text to type then OK, a QFileDialog by
    the path to choose, any dialog by a function that is given it (and answers it).

    ``answer("Save", ...)`` queues replies and returns the list of the texts of the dialogs
    answered so far. A dialog with no reply queued is cancelled and listed as
    ``"UNEXPECTED: <text>"`` (the test fails instead of hanging).
    """
    from qtpy.QtCore import QTimer
    from qtpy.QtWidgets import QApplication, QFileDialog, QInputDialog, QMessageBox

    from recist_reader._qt.qt_helpers import ask_question

    widget.ask = lambda title, text, buttons: ask_question(widget, title, text, buttons)
    pending: list[str] = []
    asked: list[str] = []

    def reply_to_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            return
        if isinstance(dialog, QMessageBox):
            text = dialog.text()
        elif isinstance(dialog, QInputDialog):
            text = dialog.labelText()
        else:
            text = dialog.windowTitle()
        if not pending:
            asked.append(f"UNEXPECTED: {text}")
            dialog.reject()
            return
        reply = pending.pop(0)
        asked.append(text)
        if callable(reply):
            reply(dialog)
            return
        if isinstance(dialog, QFileDialog):  # a folder: open it, then "Choose"
            FileDialogs.choose(dialog, reply)
            return
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

    def queue(*replies) -> list[str]:
        pending.extend(replies)
        return asked

    yield queue
    widget.ask = lambda title, text, buttons: "Discard"  # the viewer closes after this
    timer.stop()


@pytest.fixture(scope="module")
def patients(tmp_path_factory):
    """Phantoms on 5 mm slices, with a liver target T1 and a node N1. Patient A
    (PHANTOM001): baseline, W8, and W16 on a grid 2 mm further along (a real follow-up's
    slices rarely line up with the baseline's); patient B (PHANTOM002): a baseline.
    ``patients["A"]["W8"]`` is a `WrittenVisit` (its series, each lesion's truth)."""
    import recist_reader.phantom as ph

    folder = tmp_path_factory.mktemp("five_mm")
    grid = ph.Grid.centred((12, 150, 150), (5.0, 0.8, 0.8))
    liver = ph.Lesion("T1", (-24, -5, 0), ph.Ellipsoid((26, 16, 16), angle_deg=20), -60)
    node = ph.Lesion("N1", (25, 15, 0), ph.LymphNode(24, 17, angle_deg=70), 40)
    bone = ph.Lesion("NT1", (10, -30, 5), ph.Sphere(8), 60)
    body = ph.body_phantom(body_semi_axes_mm=(60, 50), liver=True, lesions=[liver, node, bone])
    a = ph.write_patient(
        folder / "A",
        body,
        grid,
        [
            ph.VisitPlan("BL", dt.date(2024, 1, 10)),
            ph.VisitPlan("W8", dt.date(2024, 3, 6), {"T1": -6.0}),
        ],
        noise_sd_hu=5,
        seed=1,
    )
    shifted = ph.Grid.centred(grid.shape, grid.spacing_mm, centre_mm=(0.0, 0.0, 2.0))
    w16 = ph.write_patient(
        folder / "A16", body, shifted, [ph.VisitPlan("W16", dt.date(2024, 5, 1))], seed=3
    )[0]
    b = ph.write_patient(
        folder / "B",
        body,
        grid,
        [ph.VisitPlan("BL", dt.date(2024, 2, 1))],
        patient=ph.PatientInfo(patient_id="PHANTOM002"),
        seed=2,
    )
    visits_a = {v.plan.visit_id: v for v in a}
    visits_a["W16"] = w16
    return {"A": visits_a, "B": {v.plan.visit_id: v for v in b}}
