"""What can be done to the selected lesion at the visit shown: draw its rulers (a target)
or mark it (a non-target), set its status, measure it from a click and accept or reject
the proposal, go to it, change its kind at baseline, remove it; and its baseline for
reference."""

from __future__ import annotations

from qtpy.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from recist_reader._qt.marker_controller import MarkerController
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
    """Buttons for the selected lesion; each calls one function of the rulers, the
    markers, the click measurement or the session."""

    def __init__(
        self,
        context: ReadingContext,
        rulers: RulerController,
        markers: MarkerController,
        proposals: MeasureFromClick,
        parent: QWidget | None = None,
    ):
        super().__init__(context, parent)
        self.rulers = rulers
        self.markers = markers
        self.proposals = proposals
        guard = self.guard
        self.draw_long_button = QPushButton("Draw ruler")
        self.draw_short_button = QPushButton("Draw short axis")
        self.status_combo = QComboBox()
        self.goto_button = QPushButton("Go to")
        self.measure_button = QPushButton("Measure from click")
        self.measure_button.setToolTip(
            "semi-automatic: click inside the lesion; its outline and axes are proposed, "
            "and count once you accept them"
        )
        self.accept_button = QPushButton("Accept proposal")
        self.reject_button = QPushButton("Reject")
        self.kind_button = QPushButton("Make non-target")
        self.kind_button.setToolTip("at baseline: change the lesion's kind (checks re-run)")
        self.remove_button = QPushButton("Remove")
        self.draw_long_button.clicked.connect(lambda: guard(self._on_draw_clicked))
        self.draw_short_button.clicked.connect(lambda: guard(rulers.start_ruler, "short"))
        self.status_combo.activated.connect(lambda _: guard(self._on_status_chosen))
        self.measure_button.clicked.connect(lambda: guard(proposals.start))
        self.accept_button.clicked.connect(lambda: guard(proposals.accept))
        self.reject_button.clicked.connect(lambda: guard(proposals.reject))
        self.goto_button.clicked.connect(lambda: guard(self.go_to_selected_lesion))
        self.kind_button.clicked.connect(lambda: guard(self._on_kind_clicked))
        self.remove_button.clicked.connect(lambda: guard(self._on_remove_clicked))
        proposals.proposal_changed.connect(self.refresh)
        self.reference_label = QLabel()
        self.reference_label.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for row in (
            (self.draw_long_button, self.draw_short_button, self.measure_button, self.status_combo),
            (
                self.accept_button,
                self.reject_button,
                self.goto_button,
                self.kind_button,
                self.remove_button,
            ),
        ):
            line = QHBoxLayout()
            for control in row:
                line.addWidget(control)
            layout.addLayout(line)
        layout.addWidget(self.reference_label)

    def refresh(self) -> None:
        session, context = self.context.session, self.context
        has_visit = session is not None and context.current_visit_id is not None
        lesion = session.lesion(context.lesion_id) if session and context.lesion_id else None
        is_target = lesion is None or lesion["kind"] == "target"
        at_baseline = session is not None and context.current_visit_id == (
            session.baseline_visit_id
        )
        for control in (self.status_combo, self.goto_button, self.remove_button):
            control.setEnabled(has_visit)
        self.draw_long_button.setEnabled(has_visit)
        for control in (self.draw_short_button, self.measure_button):
            control.setEnabled(has_visit and is_target)
        pending = self.proposals.proposal is not None
        self.accept_button.setVisible(pending)
        self.reject_button.setVisible(pending)
        self.kind_button.setVisible(lesion is not None and at_baseline)
        if lesion is None or session is None:
            self.status_combo.clear()
            self.draw_long_button.setText("Draw ruler")
            set_text(self.reference_label, "")
            return
        self.kind_button.setText("Make non-target" if is_target else "Make target")
        choices = TARGET_STATUS_CHOICES if is_target else NON_TARGET_STATUS_CHOICES
        set_combo_items(self.status_combo, choices)
        visit_id = context.current_visit_id
        measurement = session.measurement(visit_id, lesion["lesion_id"]) if visit_id else None
        status = measurement.get("status", choices[0]) if measurement else choices[0]
        if self.status_combo.currentText() != status:
            self.status_combo.setCurrentText(status)
        if not is_target:
            self.draw_long_button.setText("Mark on image")
        else:
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
        """Move to the slice of the selected lesion's ruler or marker (this visit's, else
        baseline's)."""
        go_to_lesion(self.context, self.context.require_lesion())

    def _on_draw_clicked(self) -> None:
        session = self.context.require_session()
        if session.lesion(self.context.require_lesion())["kind"] == "non-target":
            self.markers.start_marker()
        else:
            self.rulers.start_ruler("long")

    def _on_status_chosen(self) -> None:
        session = self.context.require_session()
        lesion_id = self.context.require_lesion()
        choice = self.status_combo.currentText()
        if choice == "measured":
            self.rulers.start_ruler("short" if session.lesion(lesion_id)["nodal"] else "long")
            return
        assert self.context.current_visit_id is not None
        session.set_status(self.context.current_visit_id, lesion_id, choice)

    def _on_kind_clicked(self) -> None:
        session = self.context.require_session()
        lesion = session.lesion(self.context.require_lesion())
        kind = "non-target" if lesion["kind"] == "target" else "target"
        new_id = session.set_lesion_kind(lesion["lesion_id"], kind)
        self.context.select_lesion(new_id)
        self.show_message(f"{lesion['lesion_id']} is now {kind} {new_id}")

    def _on_remove_clicked(self) -> None:
        lesion_id = self.context.require_lesion()
        answer = self.context.ask(
            "Remove lesion",
            f"Remove {lesion_id} and its measurements at every visit?",
            ("Remove", "Cancel"),
        )
        if answer == "Remove":
            self.context.require_session().remove_lesion(lesion_id)
