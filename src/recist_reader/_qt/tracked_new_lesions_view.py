"""Tracked new lesions (iRECIST, design.md §7b): make a marked new lesion a tracked one (id,
kind, organ, nodal), and assess every tracked lesion at the visit shown: a ruler for a
new-lesion target, a status and "increased" for a new-lesion non-target."""

from __future__ import annotations

from qtpy.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from recist_reader._qt.qt_helpers import blocked_signals, set_combo_items, set_table_rows
from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.reading_view import ReadingView
from recist_reader._qt.ruler_controller import RulerController
from recist_reader.reading import ReadingError
from recist_reader.reading.irecist_display import tracked_lesion_rows
from recist_reader.reading.new_lesion_tracking import (
    NEW_LESION_NON_TARGET_STATUSES,
    NEW_LESION_TARGET_STATUSES,
)

TRACKED_COLUMNS = ("ID", "Location", "Organ", "Kind", "At this visit", "Increased")
KIND_CHOICES = ("non-target", "target")


class TrackedNewLesionsView(ReadingView):
    """Track the marked new lesions of the visit shown; assess every tracked one there."""

    def __init__(
        self, context: ReadingContext, rulers: RulerController, parent: QWidget | None = None
    ):
        super().__init__(context, parent)
        self.rulers = rulers
        guard = context.guard
        # Tracking a new lesion marked at this visit.
        self.untracked_combo = QComboBox()
        self.untracked_combo.setToolTip("a new lesion marked at this visit, not tracked yet")
        self.kind_combo = QComboBox()
        self.kind_combo.addItems(list(KIND_CHOICES))
        self.kind_combo.setToolTip(
            "new-lesion target: measurable, measured with a ruler at every visit (at most 5, "
            "2 per organ); new-lesion non-target: a status at every visit"
        )
        self.organ_edit = QLineEdit()
        self.organ_edit.setPlaceholderText("organ")
        self.nodal_check = QCheckBox("nodal")
        self.track_button = QPushButton("Track")
        self.track_button.clicked.connect(lambda: guard(self.track_selected))
        # Assessing the tracked lesions at this visit.
        self.table = QTableWidget(0, len(TRACKED_COLUMNS))
        self.table.setHorizontalHeaderLabels(TRACKED_COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setMaximumHeight(130)
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.draw_button = QPushButton("Draw ruler")
        self.draw_button.clicked.connect(lambda: guard(self.start_ruler))
        self.status_combo = QComboBox()
        self.status_combo.activated.connect(lambda _: guard(self._on_status_chosen))
        self.increased_check = QCheckBox("increased")
        self.increased_check.setToolTip("larger than at its previous assessment (I7.3)")
        self.increased_check.clicked.connect(
            lambda checked: guard(self.set_increased, bool(checked))
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for controls in (
            (self.untracked_combo, self.track_button),
            (self.kind_combo, self.organ_edit, self.nodal_check),
        ):  # two short rows: the dock stays as narrow as the lesion table
            row = QHBoxLayout()
            for control in controls:
                row.addWidget(control)
            layout.addLayout(row)
        layout.addWidget(self.table)
        assess_row = QHBoxLayout()
        for control in (self.draw_button, self.status_combo, self.increased_check):
            assess_row.addWidget(control)
        layout.addLayout(assess_row)

    # ------------------------------------------------------------------ actions
    def track_selected(self) -> str:
        """Track the new lesion chosen in the list with the kind, organ and nodal flag given;
        return its id. A new-lesion target beyond the limits is refused (I5.4)."""
        session = self.context.require_session()
        visit_id = self._visit_id()
        index = self.untracked_combo.currentData()
        if index is None:
            raise ReadingError("mark the new lesion on the image first, then track it here")
        new_lesion_id = session.track_new_lesion(
            visit_id,
            int(index),
            kind=self.kind_combo.currentText(),  # type: ignore[arg-type]
            organ=self.organ_edit.text().strip() or None,
            nodal=self.nodal_check.isChecked(),
        )
        self.select(new_lesion_id)
        self.context.show_message(f"{new_lesion_id} tracked: assess it at every later visit")
        return new_lesion_id

    def select(self, new_lesion_id: str) -> None:
        """Select a tracked lesion in the table."""
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).text() == new_lesion_id:
                self.table.selectRow(row)
                return
        raise ReadingError(f"{new_lesion_id} is not tracked at this visit")

    def selected(self) -> str:
        """The id of the tracked lesion selected in the table."""
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            raise ReadingError("select a tracked new lesion in the table first")
        return self.table.item(rows[0].row(), 0).text()

    def start_ruler(self) -> None:
        """Draw the selected new-lesion target's ruler on the visit shown (its short axis for
        a node)."""
        session = self.context.require_session()
        new_lesion_id = self.selected()
        axis = "short" if session.tracked_new_lesion(new_lesion_id).nodal else "long"
        self.rulers.start_ruler(axis, new_lesion_id=new_lesion_id)

    def set_status(self, status: str) -> None:
        """Set the selected tracked lesion's status at the visit shown."""
        session = self.context.require_session()
        session.set_new_lesion_status(self._visit_id(), self.selected(), status)

    def set_increased(self, increased: bool) -> None:
        """Record whether the selected new-lesion non-target increased at the visit shown."""
        session = self.context.require_session()
        session.set_new_lesion_increased(self._visit_id(), self.selected(), increased)

    def _on_status_chosen(self) -> None:
        choice = self.status_combo.currentText()
        if choice == "measured":
            self.start_ruler()
        else:
            self.set_status(choice)

    def _visit_id(self) -> str:
        session = self.context.require_session()
        visit_id = self.context.current_visit_id
        if visit_id is None or visit_id == session.baseline_visit_id:
            raise ReadingError("new lesions are assessed at follow-up visits")
        return visit_id

    # ------------------------------------------------------------------ record -> view
    def refresh(self) -> None:
        session, visit_id = self.context.session, self.context.current_visit_id
        follow_up = session is not None and visit_id not in (None, session.baseline_visit_id)
        for control in (self.track_button, self.untracked_combo, self.table):
            control.setEnabled(follow_up)
        if not follow_up:
            self.untracked_combo.clear()
            set_table_rows(self.table, [])
            self._show_selected()
            return
        assert session is not None and visit_id is not None
        untracked = [
            (f"{i + 1}: {entry['location']}", i)
            for i, entry in enumerate(session.visit(visit_id)["new_lesions"])
            if "new_lesion_id" not in entry and not entry.get("equivocal")
        ]
        shown = [
            (self.untracked_combo.itemText(i), self.untracked_combo.itemData(i))
            for i in range(self.untracked_combo.count())
        ]
        if shown != untracked:
            with blocked_signals(self.untracked_combo):
                self.untracked_combo.clear()
                for label, index in untracked:
                    self.untracked_combo.addItem(label, index)
        try:
            previous = self.selected()
        except ReadingError:
            previous = None
        set_table_rows(self.table, tracked_lesion_rows(session.tracked_at(visit_id)))
        if previous is not None:
            try:
                self.select(previous)
            except ReadingError:
                pass
        self._show_selected()

    def _show_selected(self) -> None:
        """Enable the assessment controls for the selected lesion's kind."""
        session, visit_id = self.context.session, self.context.current_visit_id
        try:
            new_lesion_id = self.selected()
        except ReadingError:
            new_lesion_id = None
        if session is None or visit_id is None or new_lesion_id is None:
            for control in (self.draw_button, self.status_combo, self.increased_check):
                control.setEnabled(False)
            return
        tracked = session.tracked_new_lesion(new_lesion_id)
        listing = session.new_lesion_listing(visit_id, new_lesion_id)
        target = tracked.kind == "target"
        choices = (
            ("measured", *NEW_LESION_TARGET_STATUSES) if target else NEW_LESION_NON_TARGET_STATUSES
        )
        set_combo_items(self.status_combo, choices)
        if listing is None:
            status = ""
        elif target and listing.get("diameter_mm") is not None:
            status = "measured"
        else:
            status = listing.get("status") or ("present" if not target else "")
        with blocked_signals(self.status_combo, self.increased_check):
            self.status_combo.setCurrentText(
                status
            ) if status else self.status_combo.setCurrentIndex(-1)
            self.increased_check.setChecked(bool(listing and listing.get("increased")))
        self.draw_button.setText("Draw short axis" if tracked.nodal else "Draw ruler")
        self.draw_button.setEnabled(target)
        self.status_combo.setEnabled(True)
        self.increased_check.setEnabled(
            not target
            and listing is not None
            and (listing.get("status") or "present") in ("present", "unequivocal_progression")
        )
