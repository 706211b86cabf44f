"""What can be done to the selected lesion at the visit shown: draw its rulers, set its
status, measure it from a click, go to it, remove it; and its baseline for reference."""

from __future__ import annotations

from qtpy.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from recist_reader._qt.measure_from_click import MeasureFromClick
from recist_reader._qt.navigation import go_to_lesion
from recist_reader._qt.qt_helpers import set_combo_items, set_text
from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.reading_view import ReadingView
from recist_reader._qt.ruler_controller import RulerController
from recist_reader.reading.display import baseline_reference_text

TARGET_STATUS_CHOICES = ("measured", "too_small", "absent", "not_evaluated")
NON_TARGET_STATUS_CHOICES = ("present", "absent", "unequivocal_progression", "not_evaluated")


class LesionActionsView(ReadingView):
    """Buttons for the selected lesion; each calls one function of the rulers, the click
    measurement or the session."""

    def __init__(
        self,
        context: ReadingContext,
        rulers: RulerController,
        proposals: MeasureFromClick,
        parent: QWidget | None = None,
    ):
        super().__init__(context, parent)
        self.rulers = rulers
        self.proposals = proposals
        guard = context.guard
        self.draw_long_button = QPushButton("Draw ruler")
        self.draw_short_button = QPushButton("Draw short axis")
        self.status_combo = QComboBox()
        self.goto_button = QPushButton("Go to")
        self.measure_button = QPushButton("Measure from click")
        self.measure_button.setToolTip(
            "semi-automatic: click inside the lesion; its long and short axis are proposed "
            "as ordinary rulers you can accept or adjust"
        )
        self.remove_button = QPushButton("Remove")
        self.draw_long_button.clicked.connect(lambda: guard(rulers.start_ruler, "long"))
        self.draw_short_button.clicked.connect(lambda: guard(rulers.start_ruler, "short"))
        self.status_combo.activated.connect(lambda _: guard(self._on_status_chosen))
        self.measure_button.clicked.connect(lambda: guard(proposals.start))
        self.goto_button.clicked.connect(lambda: guard(self.go_to_selected_lesion))
        self.remove_button.clicked.connect(lambda: guard(self._on_remove_clicked))
        self.reference_label = QLabel()
        self.reference_label.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        actions = QHBoxLayout()
        for control in (self.draw_long_button, self.draw_short_button, self.status_combo):
            actions.addWidget(control)
        layout.addLayout(actions)
        more_actions = QHBoxLayout()
        more_actions.addStretch(1)
        for control in (self.measure_button, self.goto_button, self.remove_button):
            more_actions.addWidget(control)
        layout.addLayout(more_actions)
        layout.addWidget(self.reference_label)

    def refresh(self) -> None:
        session, context = self.context.session, self.context
        has_visit = session is not None and context.current_visit_id is not None
        lesion = session.lesion(context.lesion_id) if session and context.lesion_id else None
        is_target = lesion is None or lesion["kind"] == "target"
        for control in (self.status_combo, self.goto_button, self.remove_button):
            control.setEnabled(has_visit)
        for control in (self.draw_long_button, self.draw_short_button, self.measure_button):
            control.setEnabled(has_visit and is_target)
        if lesion is None or session is None:
            self.status_combo.clear()
            set_text(self.reference_label, "")
            return
        choices = TARGET_STATUS_CHOICES if lesion["kind"] == "target" else NON_TARGET_STATUS_CHOICES
        set_combo_items(self.status_combo, choices)
        visit_id = context.current_visit_id
        measurement = session.measurement(visit_id, lesion["lesion_id"]) if visit_id else None
        status = measurement.get("status", choices[0]) if measurement else choices[0]
        if self.status_combo.currentText() != status:
            self.status_combo.setCurrentText(status)
        self.draw_long_button.setText("Draw long axis" if lesion["nodal"] else "Draw ruler")
        baseline_layers = context.visit_layers.get(session.baseline_visit_id)
        set_text(
            self.reference_label,
            baseline_reference_text(
                session,
                lesion["lesion_id"],
                baseline_layers.world_to_lps if baseline_layers else None,
            ),
        )

    def go_to_selected_lesion(self) -> None:
        """Move to the slice of the selected lesion's ruler (this visit's, else baseline's)."""
        go_to_lesion(self.context, self.context.require_lesion())

    def _on_status_chosen(self) -> None:
        session = self.context.require_session()
        lesion_id = self.context.require_lesion()
        choice = self.status_combo.currentText()
        if choice == "measured":
            self.rulers.start_ruler("short" if session.lesion(lesion_id)["nodal"] else "long")
            return
        assert self.context.current_visit_id is not None
        session.set_status(self.context.current_visit_id, lesion_id, choice)

    def _on_remove_clicked(self) -> None:
        lesion_id = self.context.require_lesion()
        answer = self.context.ask(
            "Remove lesion",
            f"Remove {lesion_id} and its measurements at every visit?",
            ("Remove", "Cancel"),
        )
        if answer == "Remove":
            self.context.require_session().remove_lesion(lesion_id)
