"""Central review, adjudicator mode (central-review.md §7, CRV24): the two reads of a patient
side by side on the same images, read-only; select R1 or R2, give reason codes and a
rationale, and sign.

The visit's image is shown twice in napari's grid (one camera, so the same slice, zoom and
pan on both sides): R1's rulers on the left in orange, R2's on the right in magenta, each
read's marked new lesions in red. The
per-visit responses of both reads are aligned row by row, the discordant rows highlighted,
and the triggers listed with both values. No ruler tool is active: the rulers layers are not
editable, and the adjudicator never changes a measurement.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from qtpy.QtCore import Qt, Signal
from qtpy.QtGui import QColor
from qtpy.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from recist_reader._qt.visit_layers import grid_of
from recist_reader.reading.display import lps_to_world, ruler_label
from recist_reader.review.adjudication import REASON_CODES
from recist_reader.review.cases import AdjudicationCase
from recist_reader.review.reader_session import utc_now

SLOT_COLOURS = {"R1": "orange", "R2": "magenta"}
DISCORDANT = QColor(150, 40, 40)
COLUMNS = ("Visit", "Date", "R1 sum (mm)", "R1 overall", "R2 sum (mm)", "R2 overall")


def _sum(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def read_new_lesions(
    read: dict[str, Any], visit_id: str, series_uid: str
) -> list[tuple[list[float], str]]:
    """A read's new lesions marked at a visit on a series: (LPS point, label) each."""
    visit = next(v for v in read["visits"] if v["visit_id"] == visit_id)
    return [
        (
            lesion["point_lps_mm"],
            f"new: {lesion['location']}" + (" (equivocal)" if lesion.get("equivocal") else ""),
        )
        for lesion in visit.get("new_lesions", [])
        if lesion.get("point_lps_mm") and lesion.get("series_uid") in (None, series_uid)
    ]


def read_rulers(
    read: dict[str, Any], visit_id: str, series_uid: str
) -> list[tuple[np.ndarray, str]]:
    """A read's rulers at a visit on a series: (LPS end points, label) each."""
    visit = next(v for v in read["visits"] if v["visit_id"] == visit_id)
    lesions = {lesion["lesion_id"]: lesion for lesion in read["lesions"]}
    rulers = []
    for measurement in visit.get("measurements", []):
        lesion = lesions.get(measurement["lesion_id"])
        for key, axis in (("ruler", "long"), ("short_axis_ruler", "short")):
            ruler = measurement.get(key)
            if lesion is None or not ruler or ruler.get("series_uid") != series_uid:
                continue
            points = np.asarray(ruler["points_lps_mm"], float)
            length = float(np.linalg.norm(points[1] - points[0]))
            rulers.append((points, ruler_label(lesion, axis, length)))
    return rulers


class AdjudicatorView(QWidget):
    """One awaiting-adjudication patient: both reads, the triggers, the decision.

    Signals
    -------
    signed(str)
        The adjudication record was written (its path).
    """

    signed = Signal(str)

    def __init__(self, viewer: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.viewer = viewer
        self.case: AdjudicationCase | None = None
        self.series_folder: Path | None = None
        self.adjudication_folder: Path | None = None
        self.layers: list[Any] = []
        self._volumes: dict[str, Any] = {}
        self.title = QLabel("No patient to adjudicate")
        self.title.setStyleSheet("font-weight: bold")
        self.triggers = QLabel()
        self.triggers.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setMaximumHeight(150)
        self.table.cellClicked.connect(
            lambda row, _: self.show_visit(self.table.item(row, 0).text())
        )
        self.visit_combo = QComboBox()
        self.visit_combo.activated.connect(
            lambda _: self.show_visit(self.visit_combo.currentText())
        )
        self.choice = QButtonGroup(self)
        self.r1_button = QRadioButton("Select R1")
        self.r2_button = QRadioButton("Select R2")
        for button in (self.r1_button, self.r2_button):
            self.choice.addButton(button)
        self.reasons = QListWidget()
        self.reasons.setMaximumHeight(120)
        for code in REASON_CODES:
            item = QListWidgetItem(code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.reasons.addItem(item)
        self.rationale = QPlainTextEdit()
        self.rationale.setPlaceholderText("rationale: what you saw, where (series, image)")
        self.rationale.setMaximumHeight(80)
        self.adjudicator_edit = QLineEdit()
        self.adjudicator_edit.setPlaceholderText("your pseudonymous id, e.g. rad-19")
        self.sign_button = QPushButton("Sign")
        self.sign_button.clicked.connect(self._on_sign_clicked)
        self.message = QLabel()
        self.message.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.triggers)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        row.addWidget(QLabel("Visit shown"))
        row.addWidget(self.visit_combo)
        layout.addLayout(row)
        choice = QHBoxLayout()
        choice.addWidget(self.r1_button)
        choice.addWidget(self.r2_button)
        layout.addLayout(choice)
        form = QFormLayout()
        form.addRow("Reason codes", self.reasons)
        form.addRow("Rationale", self.rationale)
        form.addRow("Adjudicator", self.adjudicator_edit)
        layout.addLayout(form)
        layout.addWidget(self.sign_button)
        layout.addWidget(self.message)
        self._set_enabled(False)

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.r1_button, self.r2_button, self.reasons, self.rationale,
                       self.adjudicator_edit, self.sign_button, self.visit_combo):  # fmt: skip
            widget.setEnabled(enabled)

    # ------------------------------------------------------------------ the case
    def open_case(
        self,
        case: AdjudicationCase,
        *,
        series_folder: str | os.PathLike[str] | None,
        adjudication_folder: str | os.PathLike[str],
    ) -> None:
        """Show ``case``: triggers, aligned responses and the first discordant visit."""
        self.close_case()
        self.case = case
        self.series_folder = Path(series_folder) if series_folder is not None else None
        self.adjudication_folder = Path(adjudication_folder)
        self.title.setText(f"Adjudication · {case.patient_id} · read-only")
        self.triggers.setText("Triggers: " + "; ".join(case.triggers))
        self.table.setRowCount(len(case.rows))
        for row, visit in enumerate(case.rows):
            cells = (visit.visit_id, visit.date, _sum(visit.r1_sum_mm), visit.r1_overall,
                     _sum(visit.r2_sum_mm), visit.r2_overall)  # fmt: skip
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if visit.discordant:
                    item.setBackground(DISCORDANT)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        visit_ids = [
            v["visit_id"] for v in sorted(case.read("R1")["visits"], key=lambda v: v["date"])
        ]
        self.visit_combo.clear()
        self.visit_combo.addItems(visit_ids)
        first = next((r.visit_id for r in case.rows if r.discordant), visit_ids[-1])
        self._set_enabled(True)
        self.message.setText("")
        if self.series_folder is not None:
            self.show_visit(first)

    def close_case(self) -> None:
        """Remove the case's layers and leave the grid."""
        for layer in self.layers:
            if layer in self.viewer.layers:
                self.viewer.layers.remove(layer)
        self.layers = []
        grid_of(self.viewer).enabled = False

    def show_visit(self, visit_id: str) -> None:
        """Both reads' rulers of ``visit_id`` on its image, side by side."""
        from recist_reader._reader import layer_data, load_for_display
        from recist_reader.io.dicom import list_series

        if self.case is None or self.series_folder is None:
            return
        r1, r2 = self.case.read("R1"), self.case.read("R2")
        visit = next(v for v in r1["visits"] if v["visit_id"] == visit_id)
        series = visit.get("series") or []
        if not series:
            self.message.setText(f"{visit_id}: the read names no series")
            return
        series_uid = series[0]["series_uid"]
        if series_uid not in self._volumes:
            found = {
                info.summary.series_uid: info.summary
                for info in list_series(self.series_folder).series
            }
            if series_uid not in found:
                self.message.setText(
                    f"{visit_id}: series {series_uid} not found under {self.series_folder}"
                )
                return
            self._volumes[series_uid] = load_for_display(self.series_folder, found[series_uid].key)
        data, kwargs, _ = layer_data(self._volumes[series_uid])
        world_to_lps = np.asarray(kwargs["metadata"]["world_to_lps"], float)
        self.close_case()
        slices = []
        for slot, read in (("R1", r1), ("R2", r2)):
            image = self.viewer.add_image(
                data, **{**kwargs, "name": f"{slot} · {visit_id} · {kwargs['name']}"}
            )
            rulers = read_rulers(read, visit_id, series_uid)
            lines = [lps_to_world(points, world_to_lps) for points, _ in rulers]
            layer = self.viewer.add_shapes(
                lines or None, ndim=3, shape_type="line", name=f"{slot} rulers · {visit_id}",
                edge_color=SLOT_COLOURS[slot], edge_width=1.0,
                features={"label": np.array([label for _, label in rulers], dtype=object)},
                text={"string": "{label}", "size": 11, "color": SLOT_COLOURS[slot], "anchor": "upper_left"},
                units=kwargs["units"], axis_labels=kwargs["axis_labels"],
            )  # fmt: skip
            layer.editable = False
            marked = read_new_lesions(read, visit_id, series_uid)
            points = self.viewer.add_points(
                lps_to_world([point for point, _ in marked], world_to_lps) if marked else None,
                ndim=3, name=f"{slot} new lesions · {visit_id}", size=8, face_color="red",
                features={"label": np.array([label for _, label in marked], dtype=object)},
                text={"string": "{label}", "size": 11, "color": "red", "anchor": "upper_left"},
                units=kwargs["units"], axis_labels=kwargs["axis_labels"],
            )  # fmt: skip
            points.editable = False
            self.layers += [image, layer, points]
            slices += [float(line[0][0]) for line in lines]
        grid = grid_of(self.viewer)
        grid.enabled = True
        grid.stride = 3
        grid.shape = (1, 2)
        self.viewer.reset_view()
        self.viewer.layers.selection.active = self.layers[0]
        if slices:
            self.viewer.dims.set_point(0, slices[0])
        if self.visit_combo.currentText() != visit_id:
            self.visit_combo.setCurrentText(visit_id)

    # ------------------------------------------------------------------ the decision
    def sign(
        self, *, selected_read: str, rationale: str, reason_codes: list[str], adjudicator_id: str
    ) -> Path:
        """Write the signed adjudication record (never replacing a file); returns its path."""
        if self.case is None or self.adjudication_folder is None:
            raise ValueError("open a patient awaiting adjudication first")
        path = self.case.decide(
            selected_read=selected_read, rationale=rationale, reason_codes=reason_codes,
            adjudicator_id=adjudicator_id, adjudicated_at=utc_now(), folder=self.adjudication_folder,
        )  # fmt: skip
        self._set_enabled(False)
        self.message.setText(f"Signed: {self.case.patient_id} → {selected_read} ({path.name})")
        self.signed.emit(str(path))
        return path

    def _on_sign_clicked(self) -> None:
        button = self.choice.checkedButton()
        if button is None:
            self.message.setText("Select R1 or R2 first.")
            return
        codes = [
            self.reasons.item(i).text()
            for i in range(self.reasons.count())
            if self.reasons.item(i).checkState() == Qt.CheckState.Checked
        ]
        try:
            self.sign(
                selected_read="R1" if button is self.r1_button else "R2",
                rationale=self.rationale.toPlainText().strip(),
                reason_codes=codes,
                adjudicator_id=self.adjudicator_edit.text().strip(),
            )
        except (ValueError, OSError) as error:
            self.message.setText(f"Not signed: {error}")
