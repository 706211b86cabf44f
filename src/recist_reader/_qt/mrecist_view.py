"""The mRECIST (HCC) reading of the lesion and visit shown (design.md §7a, mrecist-rules.md).

Which of the visit's series is on screen (its arterial or portal-venous phase: rulers keep
the series they are drawn on); the selected lesion's type and mRECIST role with the mRECIST
baseline checks that concern it; at the visit shown, a typical HCC's viable diameter (drawn
as a magenta ruler ``T1 viable 18.0 mm`` on the arterial series, or "no viable tumour left",
"too small"), whether a non-target HCC or thrombus still enhances, an effusion's cytology;
and each new finding's pattern, size and cytology.
"""

from __future__ import annotations

from qtpy.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from recist_reader._qt.qt_helpers import blocked_signals, set_text
from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.reading_view import ReadingView
from recist_reader._qt.ruler_controller import RulerController
from recist_reader._qt.visit_series import VisitSeries
from recist_reader.reading.mrecist_reading import CYTOLOGY, LESION_TYPES, VIABLE_AXIS

TYPE_NAMES = {
    "other": "other (RECIST 1.1 conventions)",
    "typical_hcc": "typical HCC (arterial enhancement, washout)",
    "atypical_hcc": "atypical HCC (hypovascular, infiltrative)",
    "tumor_thrombus": "tumour thrombus (portal vein)",
    "effusion": "effusion (pleural, ascites)",
    "porta_hepatis_node": "porta hepatis node",
}
ROLE_NAMES = {
    None: "as its RECIST role",
    "target": "target",
    "non-target": "non-target",
    "excluded": "excluded (not mRECIST disease)",
}
ENHANCING_NAMES = {None: "not recorded (counts as enhancing)", True: "yes", False: "no"}
CYTOLOGY_NAMES = {None: "not recorded", **{value: value.replace("_", " ") for value in CYTOLOGY}}


def _fill_combo(combo: QComboBox, names: dict) -> None:
    for value, text in names.items():
        combo.addItem(text, value)


def _select(combo: QComboBox, value: object) -> None:
    with blocked_signals(combo):
        combo.setCurrentIndex(max(combo.findData(value), 0))


class MrecistView(ReadingView):
    """Series shown, lesion type and mRECIST role with checks, the viable reading, enhancement
    and cytology, and new findings' pattern and size."""

    def __init__(
        self,
        context: ReadingContext,
        series: VisitSeries,
        rulers: RulerController,
        parent: QWidget | None = None,
    ):
        super().__init__(context, parent)
        self.series, self.rulers = series, rulers
        guard = context.guard
        self.series_combo = QComboBox()
        self.series_combo.setToolTip(
            "the series of this visit on screen: draw the viable diameter on the arterial phase, "
            "the whole lesion on the portal-venous phase; each ruler keeps its series"
        )
        self.series_combo.activated.connect(lambda _: guard(self.show_series))
        self.type_combo = QComboBox()
        _fill_combo(self.type_combo, TYPE_NAMES)
        self.type_combo.activated.connect(lambda _: guard(self.set_lesion_type))
        self.role_combo = QComboBox()
        _fill_combo(self.role_combo, ROLE_NAMES)
        self.role_combo.activated.connect(lambda _: guard(self.set_role))
        self.checks_label = QLabel()
        self.checks_label.setWordWrap(True)
        self.viable_label = QLabel()
        self.draw_viable_button = QPushButton("Draw viable ruler")
        self.draw_viable_button.setToolTip(
            "draw the longest diameter of the arterially enhancing part (M2.3), not across "
            "large necrotic areas"
        )
        self.draw_viable_button.clicked.connect(lambda: guard(self.rulers.start_ruler, VIABLE_AXIS))
        self.no_viable_button = QPushButton("No viable tumour left")
        self.no_viable_button.clicked.connect(lambda: guard(self.set_viable_status, "absent"))
        self.too_small_button = QPushButton("Too small")
        self.too_small_button.setToolTip("enhancement too faint to measure: counts 5 mm (M4.3)")
        self.too_small_button.clicked.connect(lambda: guard(self.set_viable_status, "too_small"))
        self.clear_viable_button = QPushButton("Clear")
        self.clear_viable_button.clicked.connect(lambda: guard(self.set_viable_status, None))
        viable_row = QHBoxLayout()
        for button in (
            self.draw_viable_button,
            self.no_viable_button,
            self.too_small_button,
            self.clear_viable_button,
        ):
            viable_row.addWidget(button)
        self.enhancing_combo = QComboBox()
        _fill_combo(self.enhancing_combo, ENHANCING_NAMES)
        self.enhancing_combo.setToolTip(
            "a non-target HCC or tumour thrombus that no longer enhances counts as gone (M6.2)"
        )
        self.enhancing_combo.activated.connect(lambda _: guard(self.set_enhancing))
        self.cytology_combo = QComboBox()
        _fill_combo(self.cytology_combo, CYTOLOGY_NAMES)
        self.cytology_combo.setToolTip(
            "an effusion's growth is PD only with malignant cytology, now or before (M6.4)"
        )
        self.cytology_combo.activated.connect(lambda _: guard(self.set_cytology))
        self.finding_combo = QComboBox()
        self.finding_combo.setToolTip("a new finding listed at this visit")
        self.finding_combo.activated.connect(lambda _: self.refresh())
        self.finding_type_combo = QComboBox()
        _fill_combo(self.finding_type_combo, {t: TYPE_NAMES[t] for t in LESION_TYPES})
        self.finding_type_combo.activated.connect(lambda _: guard(self.set_finding_pattern))
        self.finding_size = QDoubleSpinBox()
        self.finding_size.setRange(0.0, 500.0)
        self.finding_size.setDecimals(1)
        self.finding_size.setSuffix(" mm")
        self.finding_size.setToolTip(
            "longest diameter (short axis for a node): a typical nodule counts from 10 mm, an "
            "atypical one by 10 mm growth, a porta hepatis node from 20 mm (M7)"
        )
        self.finding_size.editingFinished.connect(lambda: guard(self.set_finding_pattern))
        self._checked_for: object = None
        self._checks: list = []
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addRow("Series shown", self.series_combo)
        layout.addRow("Lesion type", self.type_combo)
        layout.addRow("mRECIST role", self.role_combo)
        layout.addRow(self.checks_label)
        layout.addRow("Viable diameter", self.viable_label)
        layout.addRow(viable_row)
        layout.addRow("Still enhancing", self.enhancing_combo)
        layout.addRow("Cytology", self.cytology_combo)
        layout.addRow("New finding", self.finding_combo)
        layout.addRow("  pattern", self.finding_type_combo)
        layout.addRow("  size", self.finding_size)
        self.refresh()

    # ------------------------------------------------------------------ actions
    def show_series(self) -> None:
        visit_id = self.context.current_visit_id
        series_uid = self.series_combo.currentData()
        if visit_id is not None and series_uid:
            self.series.show_series(visit_id, series_uid)

    def set_lesion_type(self) -> None:
        session = self.context.require_session()
        session.set_lesion_type(self.context.require_lesion(), self.type_combo.currentData())

    def set_role(self) -> None:
        session = self.context.require_session()
        session.set_mrecist_kind(self.context.require_lesion(), self.role_combo.currentData())

    def set_viable_status(self, status: str | None) -> None:
        session = self.context.require_session()
        visit_id = self._require_visit()
        session.set_viable_status(visit_id, self.context.require_lesion(), status)

    def set_enhancing(self) -> None:
        session = self.context.require_session()
        session.set_enhancing(
            self._require_visit(), self.context.require_lesion(), self.enhancing_combo.currentData()
        )

    def set_cytology(self) -> None:
        session = self.context.require_session()
        session.set_cytology(
            self._require_visit(), self.context.require_lesion(), self.cytology_combo.currentData()
        )

    def set_finding_pattern(self) -> None:
        index = self.finding_combo.currentIndex()
        if index < 0:
            return
        session = self.context.require_session()
        size = self.finding_size.value()
        session.set_new_lesion_pattern(
            self._require_visit(),
            index,
            lesion_type=self.finding_type_combo.currentData(),
            size_mm=size if size > 0 else None,
        )

    def _require_visit(self) -> str:
        from recist_reader.reading import ReadingError

        if self.context.current_visit_id is None:
            raise ReadingError("choose a visit first")
        return self.context.current_visit_id

    # ------------------------------------------------------------------ refresh
    def refresh(self) -> None:
        session = self.context.session
        visit_id = self.context.current_visit_id
        lesion_id = self.context.lesion_id
        self.setEnabled(session is not None)
        if session is None:
            return
        self._refresh_series(session, visit_id)
        lesion = None
        if lesion_id is not None and any(
            item["lesion_id"] == lesion_id for item in session.lesions()
        ):
            lesion = session.lesion(lesion_id)
        for widget in (self.type_combo, self.role_combo):
            widget.setEnabled(lesion is not None)
        lesion_type = (lesion or {}).get("lesion_type", "other")
        _select(self.type_combo, lesion_type)
        _select(self.role_combo, (lesion or {}).get("mrecist_kind"))
        checks = [
            c.message for c in session.mrecist_checks() if lesion and c.lesion_id == lesion_id
        ]
        set_text(self.checks_label, "\n".join(f"⚠ {c}" for c in checks) or "")
        measurement = (
            session.measurement(visit_id, lesion_id)
            if lesion is not None and visit_id is not None
            else None
        ) or {}
        typical = lesion_type == "typical_hcc" and visit_id is not None
        for button in (
            self.draw_viable_button,
            self.no_viable_button,
            self.too_small_button,
            self.clear_viable_button,
        ):
            button.setEnabled(typical)
        if not typical:
            viable = "–"
        elif "viable_diameter_mm" in measurement:
            value = measurement["viable_diameter_mm"]
            viable = "no viable tumour left (0 mm)" if value == 0 else f"{value:.1f} mm"
        elif measurement.get("viable_status") == "absent":
            viable = "no viable tumour left"
        elif "viable_status" in measurement:
            viable = measurement["viable_status"].replace("_", " ")
        else:
            viable = "not recorded (not evaluated, M4.4)"
        set_text(self.viable_label, viable)
        self.enhancing_combo.setEnabled(
            lesion_type in ("typical_hcc", "tumor_thrombus") and bool(measurement)
        )
        _select(self.enhancing_combo, measurement.get("enhancing"))
        self.cytology_combo.setEnabled(lesion_type == "effusion" and bool(measurement))
        _select(self.cytology_combo, measurement.get("cytology"))
        self._refresh_findings(session, visit_id)

    def _refresh_series(self, session, visit_id: str | None) -> None:
        series = session.visit(visit_id).get("series", []) if visit_id is not None else []
        layers = self.context.visit_layers.get(visit_id or "")
        shown = layers.series_uid if layers is not None else None
        items = [(s.get("description") or s["series_uid"][-12:], s["series_uid"]) for s in series]
        if [self.series_combo.itemData(i) for i in range(self.series_combo.count())] != [
            uid for _, uid in items
        ]:
            with blocked_signals(self.series_combo):
                self.series_combo.clear()
                for text, uid in items:
                    self.series_combo.addItem(text, uid)
        _select(self.series_combo, shown)
        self.series_combo.setEnabled(len(items) > 1)

    def _refresh_findings(self, session, visit_id: str | None) -> None:
        entries = session.visit(visit_id)["new_lesions"] if visit_id is not None else []
        names = [entry["location"] for entry in entries]
        if [self.finding_combo.itemText(i) for i in range(self.finding_combo.count())] != names:
            with blocked_signals(self.finding_combo):
                self.finding_combo.clear()
                self.finding_combo.addItems(names)
        index = self.finding_combo.currentIndex()
        entry = entries[index] if 0 <= index < len(entries) else None
        for widget in (self.finding_combo, self.finding_type_combo, self.finding_size):
            widget.setEnabled(entry is not None)
        _select(self.finding_type_combo, (entry or {}).get("lesion_type", "other"))
        with blocked_signals(self.finding_size):
            self.finding_size.setValue(float((entry or {}).get("size_mm") or 0.0))
