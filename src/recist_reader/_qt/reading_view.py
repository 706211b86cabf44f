"""The base of the reading dock's views: a widget bound to the reading context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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

    #: The dock section the view sits in (set by the dock); its messages show there.
    section: str = ""

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

    def guard(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a user action of this view (`ReadingContext.guard`); its messages show in
        the view's section."""
        return self.context.guard(action, *args, about=self.section, **kwargs)

    def show_message(self, text: str, *, error: bool = False, warning: bool = False) -> None:
        """Tell the reader something, in this view's section."""
        self.context.show_message(text, error=error, warning=warning, about=self.section)
