"""What every view of the reading dock shares, and the signals that tell them what changed.

A :class:`ReadingContext` holds the napari viewer, the :class:`~recist_reader.reading.ReadingSession`
being read, the visit on screen, the selected lesion and each visit's napari layers. Views
never talk to each other: they change the session (or the visit/lesion shown) through the
context and redraw themselves when it signals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qtpy.QtCore import QObject, Signal

from recist_reader.errors import RecordError, SeriesError
from recist_reader.reading import LiveScore, ReadingError, ReadingSession

if TYPE_CHECKING:  # pragma: no cover
    from recist_reader._qt.visit_layers import VisitLayers

#: The errors a user action may raise; a view shows them as a message instead of raising.
USER_ERRORS = (ReadingError, RecordError, SeriesError, OSError)


class ReadingContext(QObject):
    """The read on screen, shared by the reading dock's views.

    Signals
    -------
    session_replaced
        A new session (New, Open): everything changed.
    record_changed
        The session's record changed (``score`` is already up to date).
    file_changed
        The record was saved or opened: its file or its unsaved-changes state changed.
    visit_changed
        Another visit is shown (``current_visit_id``).
    lesion_changed
        Another lesion is selected (``lesion_id``).
    layers_changed
        A visit's layers were added or removed (``visit_layers``).
    message(str, str, str)
        Text for the reader, its level (``""``, ``"warning"`` or ``"error"``) and the
        section of the dock it is about (``""``: none in particular). An empty text clears
        the messages: after a user action that succeeds without one.
    """

    session_replaced = Signal()
    record_changed = Signal()
    file_changed = Signal()
    visit_changed = Signal()
    lesion_changed = Signal()
    layers_changed = Signal()
    message = Signal(str, str, str)

    def __init__(self, viewer: Any, parent: QObject | None = None):
        super().__init__(parent)
        self.viewer = viewer
        self.session: ReadingSession | None = None
        self.visit_layers: dict[str, VisitLayers] = {}
        self.current_visit_id: str | None = None
        self.lesion_id: str | None = None
        self.score: LiveScore | None = None
        self._messages_shown = 0
        self._message_on_screen = False
        #: Where a lesion is expected on a visit it has no ruler on yet (visit id, lesion id)
        #: -> world point or None; Go to asks each in turn (follow-up registration adds one).
        self.locators: list[Callable[[str, str], Any]] = []
        #: Asks the reader a question (title, text, button labels); returns the label chosen.
        self.ask: Callable[[str, str, tuple[str, ...]], str] = lambda title, text, buttons: buttons[
            -1
        ]

    # ------------------------------------------------------------------ session
    def set_session(self, session: ReadingSession) -> None:
        """Read ``session`` from now on: the previous visits' layers are removed."""
        if self.session is not None and self._on_record_changed in self.session.listeners:
            self.session.listeners.remove(self._on_record_changed)
        self.clear_visit_layers()
        self.session = session
        session.listeners.append(self._on_record_changed)
        self.current_visit_id = session.baseline_visit_id
        self.lesion_id = None
        self.score = session.score()
        self.session_replaced.emit()

    def require_session(self) -> ReadingSession:
        if self.session is None:
            raise ReadingError("start a new record or open one first")
        return self.session

    def _on_record_changed(self) -> None:
        session = self.require_session()
        self.score = session.score()
        if self.lesion_id is not None and self.lesion_id not in {
            lesion["lesion_id"] for lesion in session.lesions()
        }:
            self.lesion_id = None
        if self.current_visit_id not in {visit["visit_id"] for visit in session.visits()}:
            self.current_visit_id = session.baseline_visit_id
        self.record_changed.emit()

    # ------------------------------------------------------------------ what is shown
    def select_visit(self, visit_id: str) -> None:
        """Show ``visit_id`` (raises :class:`ReadingError` for an unknown visit)."""
        self.require_session().visit(visit_id)
        self.current_visit_id = visit_id
        self.visit_changed.emit()

    def select_lesion(self, lesion_id: str | None) -> None:
        """Select ``lesion_id`` (None: no lesion)."""
        if lesion_id is not None:
            self.require_session().lesion(lesion_id)
        if lesion_id != self.lesion_id:
            self.lesion_id = lesion_id
            self.lesion_changed.emit()

    def require_lesion(self) -> str:
        if self.lesion_id is None:
            raise ReadingError("select a lesion first")
        return self.lesion_id

    def require_visit_layers(self) -> VisitLayers:
        """The layers of the visit shown; raises when its series is not open."""
        if self.current_visit_id is None or self.current_visit_id not in self.visit_layers:
            raise ReadingError("open this visit's DICOM series first")
        return self.visit_layers[self.current_visit_id]

    # ------------------------------------------------------------------ layers
    def put_visit_layers(self, visit_id: str, layers: VisitLayers) -> None:
        """Make ``layers`` the visit's layers (replacing and removing any it had)."""
        old = self.visit_layers.pop(visit_id, None)
        if old is not None:
            self._remove_from_viewer(old)
        self.visit_layers[visit_id] = layers
        self.layers_changed.emit()

    def clear_visit_layers(self) -> None:
        """Remove every visit's layers from the viewer."""
        if not self.visit_layers:
            return
        for layers in self.visit_layers.values():
            self._remove_from_viewer(layers)
        self.visit_layers.clear()
        self.layers_changed.emit()

    def _remove_from_viewer(self, layers: VisitLayers) -> None:
        for layer in layers.all():
            if layer in self.viewer.layers:
                self.viewer.layers.remove(layer)

    # ------------------------------------------------------------------ messages
    def guard(
        self,
        action: Callable[..., Any],
        *args: Any,
        about: str = "",
        background: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Run a user action; show a readable message instead of raising (next to
        ``about``, a section of the dock) and return None. A user action that succeeds
        without a message of its own clears the messages left by earlier ones; a
        ``background`` one (autosave, say) leaves them."""
        shown = self._messages_shown
        try:
            result = action(*args, **kwargs)
        except USER_ERRORS as error:
            self.show_message(str(error), error=True, about=about)
            return None
        if self._messages_shown == shown and self._message_on_screen and not background:
            self._message_on_screen = False
            self.message.emit("", "", "")
        return result

    def show_message(
        self, text: str, *, error: bool = False, warning: bool = False, about: str = ""
    ) -> None:
        """Tell the reader something, next to the section of the dock it is ``about``."""
        self._messages_shown += 1
        self._message_on_screen = bool(text)
        self.message.emit(text, "error" if error else ("warning" if warning else ""), about)
