"""Messages for the reader: what the last action did or why it failed, shown next to
what it concerns (one line per section of the dock, and one for the rest)."""

from __future__ import annotations

from collections.abc import Callable

from qtpy.QtWidgets import QLabel, QVBoxLayout, QWidget

from recist_reader._qt.reading_context import ReadingContext

LEVEL_STYLES = {"": "", "warning": "color: #f0a030", "error": "color: #ff6060"}


class MessagesView(QWidget):
    """Shows the context's messages about ``section`` (errors and warnings also as napari
    notifications); the view without a section shows those about none of ``sections()``.
    Every message replaces the one before, wherever it was shown."""

    def __init__(
        self,
        context: ReadingContext,
        section: str = "",
        sections: Callable[[], set[str]] = set,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.context = context
        self.section = section
        self.sections = sections
        self.label = QLabel()
        self.label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        self.setVisible(False)
        context.message.connect(self.show_message)

    def show_message(self, text: str, level: str = "", about: str = "") -> None:
        mine = about == self.section or (not self.section and about not in self.sections())
        self.label.setText(text if mine else "")
        self.label.setStyleSheet(LEVEL_STYLES[level] if mine else "")
        self.setVisible(bool(mine and text))
        if mine and level:
            from napari.utils.notifications import show_error, show_warning

            (show_error if level == "error" else show_warning)(f"RECIST reading: {text}")
