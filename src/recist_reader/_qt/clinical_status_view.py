"""The investigator's judgement at the visit shown (iRECIST, design.md §7b): clinically
stable, treatment continued, a symptom-driven scan; and whether the selected non-target is
larger than at its previous assessment ("increased", I4.2)."""

from __future__ import annotations

from qtpy.QtWidgets import QCheckBox, QComboBox, QFormLayout, QWidget

from recist_reader._qt.qt_helpers import blocked_signals
from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.reading_view import ReadingView
from recist_reader.reading import ReadingError

#: A tri-state answer as the record holds it: absent (unknown), true, false.
ANSWERS = {"unknown": None, "yes": True, "no": False}


class ClinicalStatusView(ReadingView):
    """Clinically stable and treatment continued (unknown / yes / no), symptom-driven scan, and
    the selected non-target's "increased"."""

    def __init__(self, context: ReadingContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        guard = context.guard
        self.stable_combo = QComboBox()
        self.continued_combo = QComboBox()
        for combo in (self.stable_combo, self.continued_combo):
            combo.addItems(list(ANSWERS))
        self.stable_combo.setToolTip(
            "the investigator's judgement; it never changes a time point, only iPFS of an iUPD "
            "never confirmed (I9.2, I15)"
        )
        self.continued_combo.setToolTip(self.stable_combo.toolTip())
        self.symptom_check = QCheckBox("symptom-driven scan")
        self.symptom_check.setToolTip(
            "done to investigate a new symptom: an early scan showing another new lesion "
            "confirms progression (I7.2)"
        )
        self.increased_check = QCheckBox("selected non-target increased")
        self.increased_check.setToolTip(
            "larger than at its previous assessment (I4.2): confirms a non-target iUPD (I7.3c)"
        )
        self.stable_combo.activated.connect(
            lambda _: guard(self.set_status, clinically_stable=self._answer(self.stable_combo))
        )
        self.continued_combo.activated.connect(
            lambda _: guard(self.set_status, treatment_continued=self._answer(self.continued_combo))
        )
        self.symptom_check.clicked.connect(
            lambda checked: guard(self.set_status, symptom_driven=bool(checked))
        )
        self.increased_check.clicked.connect(
            lambda checked: guard(self.set_non_target_increased, bool(checked))
        )
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addRow("Clinically stable", self.stable_combo)
        layout.addRow("Treatment continued", self.continued_combo)
        layout.addRow(self.symptom_check)
        layout.addRow(self.increased_check)

    @staticmethod
    def _answer(combo: QComboBox) -> bool | None:
        return ANSWERS[combo.currentText()]

    def set_status(self, **answers: bool | None) -> None:
        """Record the clinical status at the visit shown (keywords of
        ``ReadingSession.set_clinical_status``)."""
        session = self.context.require_session()
        visit_id = self.context.current_visit_id
        if visit_id is None or visit_id == session.baseline_visit_id:
            raise ReadingError("the clinical status is recorded at follow-up visits")
        session.set_clinical_status(visit_id, **answers)

    def set_non_target_increased(self, increased: bool) -> None:
        """Record whether the selected non-target increased at the visit shown."""
        session = self.context.require_session()
        assert self.context.current_visit_id is not None
        session.set_non_target_increased(
            self.context.current_visit_id, self.context.require_lesion(), increased
        )

    def refresh(self) -> None:
        session, visit_id = self.context.session, self.context.current_visit_id
        follow_up = session is not None and visit_id not in (None, session.baseline_visit_id)
        for control in (self.stable_combo, self.continued_combo, self.symptom_check):
            control.setEnabled(follow_up)
        visit = session.visit(visit_id) if follow_up else {}  # type: ignore[union-attr, arg-type]
        lesion_id = self.context.lesion_id
        lesion = session.lesion(lesion_id) if session is not None and lesion_id else None
        measurement = (
            session.measurement(visit_id, lesion_id)  # type: ignore[arg-type]
            if follow_up and lesion is not None
            else None
        )
        present = measurement is not None and measurement.get("status") in (
            "present",
            "unequivocal_progression",
        )
        with blocked_signals(
            self.stable_combo, self.continued_combo, self.symptom_check, self.increased_check
        ):
            for combo, key in (
                (self.stable_combo, "clinically_stable"),
                (self.continued_combo, "treatment_continued"),
            ):
                combo.setCurrentText(
                    next(label for label, value in ANSWERS.items() if value is visit.get(key))
                )
            self.symptom_check.setChecked(bool(visit.get("symptom_driven")))
            self.increased_check.setChecked(bool(measurement and measurement.get("increased")))
        self.increased_check.setEnabled(
            follow_up and lesion is not None and lesion["kind"] == "non-target" and present
        )
        label = (
            f"{lesion_id} increased since its previous assessment"
            if lesion
            else ("selected non-target increased")
        )
        if self.increased_check.text() != label:
            self.increased_check.setText(label)
