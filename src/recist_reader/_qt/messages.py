"""The reading dock's message line: what the last action did, or why it failed."""

from __future__ import annotations

from qtpy.QtWidgets import QLabel, QVBoxLayout, QWidget

from recist_reader._qt.reading_context import ReadingContext

LEVEL_STYLES = {"": "", "warning": "color: #f0a030", "error": "color: #ff6060"}


class MessagesView(QWidget):
    """Shows the context's messages; errors and warnings also as napari notifications."""

    def __init__(self, context: ReadingContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.label = QLabel()
        self.label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        context.message.connect(self.show_message)

    def show_message(self, text: str, level: str = "") -> None:
        self.label.setText(text)
        self.label.setStyleSheet(LEVEL_STYLES[level])
        if level:
            from napari.utils.notifications import show_error, show_warning

            (show_error if level == "error" else show_warning)(f"RECIST reading: {text}")
