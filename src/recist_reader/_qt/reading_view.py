"""The base of the reading dock's views: a widget bound to the reading context."""

from __future__ import annotations

from qtpy.QtWidgets import QWidget

from recist_reader._qt.reading_context import ReadingContext


class ReadingView(QWidget):
    """A view of the read: it redraws itself from the session (``refresh``) whenever the
    record, the visit shown, the selected lesion or the visit layers change, and its
    controls change the session through one call each.

    Subclasses build their controls in ``__init__`` (after ``super().__init__``) and
    implement :meth:`refresh`, which must be cheap when nothing it shows changed: it runs
    on every mouse move while a ruler is dragged.

    Parameters
    ----------
    context : ReadingContext
        The read on screen, shared with the dock's other views.
    """

    def __init__(self, context: ReadingContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        for signal in (
            context.session_replaced,
            context.record_changed,
            context.visit_changed,
            context.lesion_changed,
            context.layers_changed,
        ):
            signal.connect(self.refresh)

    def refresh(self) -> None:
        """Show the session as it stands."""
        raise NotImplementedError
