"""The RECIST reading dock widget: small views over one reading session, composed.

Each view (``recist_reader._qt``) shows one concern of the read and is bound to a shared
:class:`~recist_reader._qt.reading_context.ReadingContext` (the
:class:`~recist_reader.reading.ReadingSession`, the visit shown, the selected lesion, each
visit's napari layers). A view redraws itself when the context signals a change, and each
of its controls calls one function of the session. Views never call each other.

Adding a view
-------------
Subclass :class:`~recist_reader._qt.reading_view.ReadingView` in a file of its own under
``_qt/`` (build the controls in ``__init__``, implement a cheap ``refresh()``), then add it
to the dock, from a script, a test or :meth:`ReadingWidget.__init__`::

    dock.add_view(MyView(dock.context), section="Lesions")

A view in a new section gets a titled box of its own, below the others, with a line for
the messages about it. Each visit has its layers (`VisitLayers`), kept together so that the
compare grid shows one visit per cell: its image (``metadata["recist_visit_id"]``), the
Shapes layer ``"<visit> rulers"``, the Points layers ``"<visit> new lesions"`` and
``"<visit> non-targets"``, and the Shapes layer ``"<visit> proposal"``; they share the
image's grid. Only the visits shown are in the viewer's layer list.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qtpy.QtCore import QEvent, QObject, Qt
from qtpy.QtWidgets import QGroupBox, QLayout, QScrollArea, QVBoxLayout, QWidget

from recist_reader._qt.clinical_status_view import ClinicalStatusView
from recist_reader._qt.compare_view import CompareView
from recist_reader._qt.criteria_response_view import CriteriaResponseView
from recist_reader._qt.dicom_sr_view import DicomSRView
from recist_reader._qt.follow_up_registration import FollowUpRegistration
from recist_reader._qt.lesion_actions import LesionActionsView
from recist_reader._qt.lesion_table import LesionTableView
from recist_reader._qt.marker_controller import MarkerController
from recist_reader._qt.measure_from_click import MeasureFromClick
from recist_reader._qt.messages import MessagesView
from recist_reader._qt.mrecist_view import MrecistView
from recist_reader._qt.new_lesions_view import NewLesionsView
from recist_reader._qt.pacs_dialog import PacsOpenView
from recist_reader._qt.propagation_view import PropagationView
from recist_reader._qt.qt_helpers import ask_question
from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.reading_view import ReadingView
from recist_reader._qt.record_bar import RecordBar
from recist_reader._qt.response_panel import ResponsePanel
from recist_reader._qt.ruler_controller import RulerController
from recist_reader._qt.snap_ruler_view import SnapRulerView
from recist_reader._qt.tracked_new_lesions_view import TrackedNewLesionsView
from recist_reader._qt.visit_list import VisitListView
from recist_reader._qt.visit_series import VisitSeries
from recist_reader._qt.window_presets import WindowPresetsView

if TYPE_CHECKING:  # pragma: no cover
    import napari
    from recist_reader._qt.visit_layers import VisitLayers
    from recist_reader.reading import LiveScore, ReadingSession


class ReadingWidget(QWidget):
    """RECIST reading: patient, visits, lesion rulers, new lesions and the live response.

    Parameters
    ----------
    napari_viewer : napari.Viewer
        The viewer the widget draws in (given by napari when the widget is docked).
    """

    def __init__(self, napari_viewer: napari.Viewer, parent: QWidget | None = None):
        super().__init__(parent)
        self.viewer = napari_viewer
        self.context = context = ReadingContext(napari_viewer, self)
        self.ask = lambda title, text, buttons: ask_question(self, title, text, buttons)
        self.series = VisitSeries(context, self)
        self.rulers = RulerController(context, self)
        self.markers = MarkerController(context, self)
        self.proposals = MeasureFromClick(context, self.rulers, self)
        self.record_bar = RecordBar(context, self.series)
        self.visits = VisitListView(context, self.series)
        self.pacs = PacsOpenView(context, self.series.add_visit_from_series)
        self.compare = CompareView(context)
        self.windows = WindowPresetsView(context)
        self.lesions = LesionTableView(context)
        self.lesion_actions = LesionActionsView(context, self.rulers, self.markers, self.proposals)
        self.new_lesions = NewLesionsView(context)
        self.response = ResponsePanel(context)
        self.tracked_new_lesions = TrackedNewLesionsView(context, self.rulers)  # iRECIST
        self.clinical_status = ClinicalStatusView(context)  # iRECIST
        self.criteria_response = CriteriaResponseView(context)
        self.mrecist = MrecistView(context, self.series, self.rulers)  # mRECIST (HCC)
        self.messages = MessagesView(context, sections=lambda: set(self._sections))
        self.registrations = FollowUpRegistration(context, self)
        self.propagation = PropagationView(context, self.registrations, self.proposals)
        self.snap_ruler = SnapRulerView(context)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(scroll)
        content = QWidget()
        scroll.setWidget(content)
        self.setMinimumWidth(540)
        self._layout = QVBoxLayout(content)
        self._layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # never squash
        self._layout.addWidget(self.messages)
        self._layout.addStretch(1)
        self._sections: dict[str, QGroupBox] = {}
        for view, section in (
            (self.record_bar, "Patient"),
            (self.visits, "Visits"),
            (self.pacs, "Visits"),
            (self.compare, "Visits"),
            (self.windows, "Visits"),
            (self.lesions, "Lesions"),
            (self.lesion_actions, "Lesions"),
            (self.snap_ruler, "Lesions"),
            (self.propagation, "Lesions"),
            (self.new_lesions, "New lesions at this visit"),
            # What every read needs stays in view above (issue 17 §6); then the rest.
            (self.response, "Response (primary criteria)"),
            (self.tracked_new_lesions, "Tracked new lesions (iRECIST)"),
            (self.clinical_status, "Clinical status at this visit (iRECIST)"),
            (self.mrecist, "HCC reading (mRECIST)"),
            (self.criteria_response, "Response by criteria"),
        ):
            self.add_view(view, section=section)
        self.dicom_sr = DicomSRView(context, self.series)
        self.add_view(self.dicom_sr, section="DICOM SR")
        from recist_reader._qt.reader_mode import ReaderModeView  # central review (design.md §9)

        self.reader_mode = ReaderModeView(context, self.series)
        self.add_view(self.reader_mode, section="Central review: reader mode")
        self.reader_mode.refresh()

        for signal in (context.session_replaced, context.record_changed, context.file_changed):
            signal.connect(self._refresh_title)
        for view in (
            self.record_bar,
            self.visits,
            self.pacs,
            self.windows,
            self.lesions,
            self.lesion_actions,
            self.new_lesions,
        ):
            view.refresh()  # controls disabled until there is a record

    def add_view(self, view: QWidget, *, section: str | None = None) -> None:
        """Add ``view`` to the dock, in the titled box ``section`` (made on first use,
        below the others, with a line for the messages about it), or on its own above the
        messages. A `ReadingView`'s messages show in its section."""
        if section is None:
            self._layout.insertWidget(self._layout.count() - 2, view)
            return
        if isinstance(view, ReadingView):
            view.section = section
        box = self._sections.get(section)
        if box is None:
            box = self._sections[section] = QGroupBox(section)
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(6, 4, 6, 4)
            box_layout.addWidget(MessagesView(self.context, section))
            self._layout.insertWidget(self._layout.count() - 2, box)
        box.layout().insertWidget(box.layout().count() - 1, view)

    def message_text(self) -> str:
        """The message shown to the reader now, wherever it is ("" for none)."""
        shown = [
            messages.label.text()
            for messages in self.findChildren(MessagesView)
            if messages.label.text()
        ]
        return shown[0] if shown else ""

    # ------------------------------------------------------------------ shared state
    @property
    def ask(self) -> Callable[[str, str, tuple[str, ...]], str]:
        """Asks the reader a question (title, text, button labels) and returns the label
        chosen; replaced in tests."""
        return self.context.ask

    @ask.setter
    def ask(self, function: Callable[[str, str, tuple[str, ...]], str]) -> None:
        self.context.ask = function

    @property
    def session(self) -> ReadingSession | None:
        return self.context.session

    @property
    def visit_layers(self) -> dict[str, VisitLayers]:
        return self.context.visit_layers

    @property
    def current_visit_id(self) -> str | None:
        return self.context.current_visit_id

    @property
    def last_score(self) -> LiveScore | None:
        return self.context.score

    # ------------------------------------------------------------------ the API of a read
    def new_patient(self, patient_id: str, baseline_date: str | dt.date) -> None:
        """Start a new patient record."""
        self.record_bar.new_patient(patient_id, baseline_date)

    def open_record(
        self,
        path: str | os.PathLike[str],
        *,
        series_folder: str | os.PathLike[str] | None = None,
        recover_autosave: bool | None = None,
    ) -> None:
        """Open a record file and its visits' series (see `RecordBar.open_record`)."""
        self.record_bar.open_record(
            path, series_folder=series_folder, recover_autosave=recover_autosave
        )

    def load_visit_series(self, folder: str | os.PathLike[str]) -> None:
        """Load every visit's series (by the UIDs saved in the record) from ``folder``."""
        self.series.load_visit_series(folder)

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Save the record (atomically); refuses while a baseline rule is broken."""
        return self.record_bar.save(path)

    def confirm_discard(self) -> bool:
        """Ask before unsaved changes are lost; True when it is fine to go on."""
        return self.record_bar.confirm_discard()

    def autosave_now(self) -> None:
        """Write the autosave sidecar now."""
        self.record_bar.autosave_now()

    def add_visit_from_series(
        self,
        path: str | os.PathLike[str],
        *,
        series_uid: str | None = None,
        date: str | dt.date | None = None,
    ) -> str:
        """Open a DICOM series as a visit (see `VisitSeries.add_visit_from_series`)."""
        return self.series.add_visit_from_series(path, series_uid=series_uid, date=date)

    def select_visit(self, visit_id: str) -> None:
        """Show a visit (and its comparison, if chosen)."""
        self.context.select_visit(visit_id)

    def add_lesion(self, kind: str, organ: str, *, nodal: bool = False) -> str:
        """Add a lesion and select it; a target is then ready for its ruler."""
        return self.lesions.add_lesion(kind, organ, nodal=nodal)

    def selected_lesion_id(self) -> str | None:
        return self.context.lesion_id

    def select_lesion(self, lesion_id: str) -> None:
        self.context.select_lesion(lesion_id)

    def start_ruler(self, axis: str = "long") -> None:
        """Let the reader draw the selected target's ruler on the current visit's image."""
        self.rulers.start_ruler(axis)

    def set_ruler_from_world(
        self, lesion_id: str, line_world: Any, *, axis: str = "long", visit_id: str | None = None
    ) -> None:
        """Record a ruler given by two world points (what drawing on the canvas produces)."""
        self.rulers.set_ruler_from_world(lesion_id, line_world, axis=axis, visit_id=visit_id)

    def set_status(self, lesion_id: str, status: str, *, visit_id: str | None = None) -> None:
        """Set a lesion's status at the current visit (removes its rulers there)."""
        session = self.context.require_session()
        session.set_status(visit_id or self.context.current_visit_id, lesion_id, status)

    def go_to_selected_lesion(self) -> None:
        """Move to the slice of the selected lesion's ruler (this visit's, else baseline's)."""
        self.lesion_actions.go_to_selected_lesion()

    def start_semi_automatic(self) -> None:
        """The next click on the current visit's image measures the selected target there."""
        self.proposals.start()

    def measure_at(self, lesion_id: str, point_world: Any) -> Any:
        """Propose a target's axes from a click at ``point_world`` (`MeasureFromClick`)."""
        return self.proposals.measure_at(lesion_id, point_world)

    def start_new_lesion(self) -> None:
        """Let the reader click the new lesion on the current visit's image."""
        self.new_lesions.start_new_lesion()

    def add_new_lesion_at(
        self, location: str, point_world: Any, *, equivocal: bool = False
    ) -> None:
        """Record a new lesion at a world point of the current visit's image."""
        self.new_lesions.add_new_lesion_at(location, point_world, equivocal=equivocal)

    def response_panel_text(self) -> str:
        """The response panel as text (rows, summary): what the reader sees."""
        return self.response.text()

    def show_message(self, text: str, *, error: bool = False, warning: bool = False) -> None:
        """Show a message under the panels (and as a napari notification for errors and
        warnings)."""
        self.context.show_message(text, error=error, warning=warning)

    def accept_proposal(self) -> None:
        """Record the pending "Measure from click" proposal (asks before replacing)."""
        self.proposals.accept()

    # ------------------------------------------------------------------ title, closing
    def _refresh_title(self) -> None:
        session = self.context.session
        if session is None:
            return
        star = " *" if session.dirty else ""
        where = f" — {session.path.name}" if session.path else ""
        self.setWindowTitle(f"RECIST reading: {session.patient_id}{where}{star}")

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt)
        super().showEvent(event)
        window = self.window()
        if window is not self and not getattr(self, "_close_filter", None):
            self._close_filter = _CloseFilter(self)
            window.installEventFilter(self._close_filter)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 (Qt)
        if self.confirm_discard():
            self.registrations.cancel_all(wait_s=2.0)
            event.accept()
        else:
            event.ignore()


class _CloseFilter(QObject):
    """Asks about unsaved changes before napari's main window closes."""

    def __init__(self, widget: ReadingWidget):
        super().__init__(widget)
        self.widget = widget

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt)
        if event.type() == QEvent.Type.Close:
            if not self.widget.confirm_discard():
                event.ignore()
                return True
            self.widget.registrations.cancel_all(wait_s=2.0)
        return False
