"""The RECIST reading dock widget: thin Qt glue over :class:`recist_reader.reading.ReadingSession`.

Each visit has three layers, kept together so that the grid compare view shows one visit per
cell: its image (``metadata["recist_visit_id"]``), a Shapes layer ``"<visit> rulers"`` of
line rulers drawn in world millimetres, and a Points layer ``"<visit> new lesions"``.
Every user action calls one session method; the session's change listeners refresh the
panels and schedule the autosave.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from qtpy.QtCore import QEvent, QObject, Qt, QTimer
from qtpy.QtWidgets import QFileDialog, QWidget

from recist_reader._qt.reading_layout import (
    NON_TARGET_STATUS_CHOICES,
    TARGET_STATUS_CHOICES,
    ask_question,
    blocked_signals,
    pydate,
    qdate,
    set_combo_items,
    set_list_items,
    set_table_rows,
    set_text,
    setup_reading_layout,
)
from recist_reader._qt.visit_layers import (
    RULER_COLOURS,
    VisitLayers,
    camera_of,
    create_visit_layers,
    draw_new_lesions,
    draw_rulers,
    grid_of,
    visit_of,
)
from recist_reader.errors import RecordError, SeriesError
from recist_reader.reading import (
    LiveScore,
    ReadingError,
    ReadingSession,
    Ruler,
    pending_autosave,
)
from recist_reader.reading.display import (
    baseline_reference_text,
    check_text,
    lesion_rows,
    lps_to_world,
    new_lesion_entries,
    notes_text,
    response_rows,
    ruler_from_world,
    ruler_label,
    summary_text,
    visit_entries,
    world_to_lps,
)

if TYPE_CHECKING:  # pragma: no cover
    import napari

AUTOSAVE_DELAY_MS = 500


class ReadingWidget(QWidget):
    """RECIST reading: patient, visits, lesion rulers, new lesions and the live response.

    Parameters
    ----------
    napari_viewer : napari.Viewer
        The viewer the widget draws in (given by napari when the widget is docked).
    """

    def __init__(self, napari_viewer: napari.Viewer, parent: QWidget | None = None):
        super().__init__(parent)
        self.viewer = napari_viewer
        self.session: ReadingSession | None = None
        self.visit_layers: dict[str, VisitLayers] = {}
        self.current_visit_id: str | None = None
        self.last_score: LiveScore | None = None
        self._pending_ruler: tuple[str, str] | None = None
        self._measure_lesion_id: str | None = None
        self._syncing = False
        self._world_frame: tuple[np.ndarray, tuple[str, str, str]] | None = None
        #: Asks the user a question; replaced in tests. Returns the chosen button label.
        self.ask: Callable[[str, str, tuple[str, ...]], str] = lambda title, text, buttons: (
            ask_question(self, title, text, buttons)
        )
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setSingleShot(True)
        self._autosave_timer.setInterval(AUTOSAVE_DELAY_MS)
        self._autosave_timer.timeout.connect(self.autosave_now)
        setup_reading_layout(self)
        self._set_enabled()
        self.viewer.layers.events.inserted.connect(self._on_layer_inserted)

    def _set_enabled(self) -> None:
        has_session = self.session is not None
        has_visit = has_session and self.current_visit_id is not None
        for widget in (
            self.save_button,
            self.save_as_button,
            self.export_button,
            self.add_visit_button,
            self.add_lesion_button,
            self.patient_id_edit,
            self.baseline_date_edit,
        ):
            widget.setEnabled(has_session)
        for widget in (
            self.draw_long_button,
            self.draw_short_button,
            self.status_combo,
            self.goto_button,
            self.measure_button,
            self.remove_lesion_button,
            self.mark_new_button,
            self.remove_new_button,
            self.visit_date_edit,
        ):
            widget.setEnabled(bool(has_visit))

    # =================================================================== errors
    def _guard(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a user action; show a readable message instead of raising."""
        try:
            return action(*args, **kwargs)
        except (ReadingError, RecordError, SeriesError, OSError) as error:
            self.show_message(str(error), error=True)
            return None

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Change layers without the layer event handlers echoing it into the record."""
        previous, self._syncing = self._syncing, True
        try:
            yield
        finally:
            self._syncing = previous

    def show_message(self, text: str, *, error: bool = False, warning: bool = False) -> None:
        """Show a message under the panels (and as a napari notification for errors and
        warnings)."""
        self.status_label.setText(text)
        self.status_label.setStyleSheet(
            "color: #ff6060" if error else ("color: #f0a030" if warning else "")
        )
        if error or warning:
            from napari.utils.notifications import show_error, show_warning

            (show_error if error else show_warning)(f"RECIST reading: {text}")

    # =================================================================== patient
    def new_patient(self, patient_id: str, baseline_date: str | dt.date) -> None:
        """Start a new patient record."""
        session = ReadingSession.new(
            patient_id, baseline_date, reader=self.reader_edit.text().strip()
        )
        self._replace_session(session)

    def open_record(
        self,
        path: str | os.PathLike[str],
        *,
        series_folder: str | os.PathLike[str] | None = None,
        recover_autosave: bool | None = None,
    ) -> None:
        """Open a record file and the series of its visits found under ``series_folder``.

        ``recover_autosave``: use newer autosaved changes (None asks the user). A file that
        cannot be read raises :class:`RecordError` naming it; nothing changes on disk.
        """
        path = Path(path)
        source = path
        sidecar = pending_autosave(path)
        if sidecar is not None:
            if recover_autosave is None:
                recover_autosave = (
                    self.ask(
                        "Recover unsaved changes?",
                        f"{sidecar.name} holds changes to {path.name} that were not saved "
                        "(napari closed unexpectedly?). Recover them?",
                        ("Recover", "Discard"),
                    )
                    == "Recover"
                )
            if recover_autosave:
                source = sidecar
        session = ReadingSession.open(source, reader=self.reader_edit.text().strip())
        session.path = path
        session.dirty = source != path
        self._replace_session(session)
        folder = Path(series_folder) if series_folder is not None else path.parent
        self.load_visit_series(folder)

    def load_visit_series(self, folder: str | os.PathLike[str]) -> None:
        """Load every visit's series (by the UIDs saved in the record) from ``folder``."""
        from recist_reader._reader import load_for_display
        from recist_reader.io.dicom import list_series

        assert self.session is not None
        wanted = {
            series["series_uid"]: visit["visit_id"]
            for visit in self.session.visits()
            for series in visit.get("series", [])
            if visit["visit_id"] not in self.visit_layers
        }
        if not wanted:
            return
        listing = list_series(folder)
        found = {info.summary.series_uid: info.summary for info in listing.series}
        missing = []
        for series_uid, visit_id in wanted.items():
            summary = found.get(series_uid)
            if summary is None:
                missing.append(f"{visit_id} ({series_uid})")
                continue
            volume = load_for_display(folder, summary.key)
            self._add_visit_layers(visit_id, volume)
        if missing:
            self.show_message(f"series not found under {folder}: {', '.join(missing)}", error=True)
        self._draw_all_rulers()
        self._refresh()
        self._show_current_visit()

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Save the record (atomically); refuses while a baseline rule is broken."""
        assert self.session is not None
        if path is None and self.session.path is None:
            return self._on_save_as_clicked()
        written = self.session.save(path)
        self._update_record_metadata()
        self._refresh_title()
        self.show_message(f"saved {written}")
        return written

    def confirm_discard(self) -> bool:
        """Ask before unsaved changes are lost; True when it is fine to go on."""
        if self.session is None or not self.session.dirty:
            return True
        answer = self.ask(
            "Unsaved changes",
            f"The record of {self.session.patient_id} has changes that are not saved.",
            ("Save", "Discard", "Cancel"),
        )
        if answer == "Save":
            return self._guard(self.save) is not None
        return answer == "Discard"

    def autosave_now(self) -> None:
        """Write the autosave sidecar and refresh the record kept on the rulers layers (for
        the record writer); also done shortly after every change, not on every drag step."""
        self._update_record_metadata()
        if self.session is not None and self.session.dirty:
            self._guard(self.session.autosave)

    def _replace_session(self, session: ReadingSession) -> None:
        self._remove_all_visit_layers()
        self.session = session
        session.listeners.append(self._on_session_changed)
        self.current_visit_id = session.baseline_visit_id
        with blocked_signals(self.patient_id_edit, self.baseline_date_edit):
            self.patient_id_edit.setText(session.patient_id)
            self.baseline_date_edit.setDate(qdate(session.baseline_date))
        self._refresh()
        self._set_enabled()

    def _on_new_clicked(self) -> None:
        if not self.confirm_discard():
            return
        patient_id = self.patient_id_edit.text().strip() or "NEW-PATIENT"
        self.new_patient(patient_id, pydate(self.baseline_date_edit.date()))

    def _on_open_clicked(self) -> None:
        if not self.confirm_discard():
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Open patient record", "", "Patient record (*.json)"
        )
        if path:
            self.open_record(path)

    def _on_save_as_clicked(self) -> Path:
        assert self.session is not None
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save patient record",
            f"{self.session.patient_id}.json",
            "Patient record (*.json)",
        )
        if not path:
            raise ReadingError("not saved: no file chosen")
        return self.save(path)

    def _on_export_clicked(self) -> None:
        assert self.session is not None
        path, _ = QFileDialog.getSaveFileName(
            self, "Export response", f"{self.session.patient_id}.response.json", "Response (*.json)"
        )
        if path:
            self.session.export_response(path)
            self.show_message(f"response written to {path}")

    def _on_patient_id_edited(self) -> None:
        if (
            self.session is not None
            and self.patient_id_edit.text().strip() != self.session.patient_id
        ):
            self._guard(self.session.set_patient_id, self.patient_id_edit.text())

    def _on_reader_edited(self) -> None:
        if self.session is not None:
            self.session.reader = self.reader_edit.text().strip()

    def _on_baseline_date_edited(self) -> None:
        if self.session is None:
            return
        date = pydate(self.baseline_date_edit.date())
        if date != self.session.baseline_date:
            if (
                self._guard(self.session.set_baseline_date, date) is None
                and self.session.baseline_date != date
            ):
                with blocked_signals(self.baseline_date_edit):
                    self.baseline_date_edit.setDate(qdate(self.session.baseline_date))

    # =================================================================== visits
    def add_visit_from_series(
        self,
        path: str | os.PathLike[str],
        *,
        series_uid: str | None = None,
        date: str | dt.date | None = None,
    ) -> str:
        """Open a DICOM series as a visit: the baseline if it has no series yet, else a new
        follow-up dated from StudyDate (or ``date``). Returns the visit id."""
        from recist_reader._reader import load_for_display
        from recist_reader.io.dicom import AmbiguousSeriesError

        assert self.session is not None
        try:
            volume = load_for_display(path, series_uid)
        except AmbiguousSeriesError as error:
            choice = self._choose_series(error)
            if choice is None:
                raise ReadingError("no series chosen") from None
            volume = load_for_display(path, choice)
        baseline_id = self.session.baseline_visit_id
        when = date if date is not None else volume.study_date
        recorded = [s["series_uid"] for s in self.session.visit(baseline_id).get("series", [])]
        if baseline_id not in self.visit_layers and (not recorded or volume.series_uid in recorded):
            visit_id = baseline_id  # the first series opened is the baseline scan
            has_follow_ups = len(self.session.visits()) > 1
            if when and not has_follow_ups and _parse_iso(when) != self.session.baseline_date:
                self.session.set_baseline_date(when)
        else:
            if not when:
                raise ReadingError(f"{path}: the series has no StudyDate; give the visit's date")
            visit_id = self.session.add_visit(when)
        self.session.add_series(
            visit_id,
            {
                "series_uid": volume.series_uid,
                "study_uid": getattr(volume, "study_uid", "") or "",
                "modality": volume.modality,
                "description": getattr(volume, "description", "") or "",
            },
        )
        self._add_visit_layers(visit_id, volume)
        self.current_visit_id = visit_id
        self._draw_all_rulers()
        self._refresh()
        self._show_current_visit()
        return visit_id

    def _choose_series(self, error: Any) -> str | None:
        from qtpy.QtWidgets import QInputDialog

        summaries = [c.summary() for c in error.candidates]
        labels = [
            f"{c.description or '(no description)'} · {c.slices} slices · {c.key}"
            for c in summaries
        ]
        label, ok = QInputDialog.getItem(
            self, "Several series", "Which series is this visit?", labels, 0, False
        )
        return summaries[labels.index(label)].key if ok else None

    def _on_add_visit_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "DICOM series of the visit")
        if folder:
            self.add_visit_from_series(folder)

    def select_visit(self, visit_id: str) -> None:
        """Show a visit (and its comparison, if chosen)."""
        assert self.session is not None
        self.session.visit(visit_id)  # raises for an unknown visit
        self.current_visit_id = visit_id
        self._refresh()
        self._show_current_visit()

    def _on_visit_row_changed(self, row: int) -> None:
        if self.session is None or row < 0 or self._syncing:
            return
        visit_id = self.visit_list.item(row).data(Qt.ItemDataRole.UserRole)
        if visit_id != self.current_visit_id:
            self._guard(self.select_visit, visit_id)

    def _on_visit_date_edited(self) -> None:
        if self.session is None or self.current_visit_id is None:
            return
        date = pydate(self.visit_date_edit.date())
        if date.isoformat() != self.session.visit(self.current_visit_id)["date"]:
            self._guard(self.session.set_visit_date, self.current_visit_id, date)
            self._refresh()

    def _add_visit_layers(self, visit_id: str, volume: Any) -> VisitLayers:
        from recist_reader._reader import layer_data, world_frame

        if self._world_frame is None:
            self._world_frame = world_frame(volume.affine)
        frame, labels = self._world_frame
        data, kwargs, _ = layer_data(volume, frame=frame, labels=labels)
        kwargs["name"] = f"{visit_id} · {kwargs['name']}"
        kwargs["metadata"]["recist_visit_id"] = visit_id
        old = self.visit_layers.pop(visit_id, None)
        if old is not None:
            self._remove_layers(old)
        with self._quietly():
            layers = create_visit_layers(self.viewer, visit_id, data, kwargs)
        rulers, points = layers.rulers, layers.new_lesions
        # Bound methods (held weakly by the layers' events); the visit is in the layer's metadata.
        rulers.events.data.connect(self._on_rulers_data)
        rulers.events.set_data.connect(self._on_rulers_moved)
        points.events.data.connect(self._on_points_data)
        self.visit_layers[visit_id] = layers
        self._update_record_metadata()
        return layers

    def _remove_layers(self, layers: VisitLayers) -> None:
        with self._quietly():
            for layer in (layers.image, layers.rulers, layers.new_lesions):
                if layer in self.viewer.layers:
                    self.viewer.layers.remove(layer)

    def _remove_all_visit_layers(self) -> None:
        for layers in self.visit_layers.values():
            self._remove_layers(layers)
        self.visit_layers.clear()
        self._world_frame = None

    def _on_layer_inserted(self, event: Any) -> None:
        """A layer from the sample data carries its record: offer to open it."""
        if self._syncing or self.session is not None:
            return
        layer = event.value
        record_path = (
            layer.metadata.get("recist_record_path") if hasattr(layer, "metadata") else None
        )
        if record_path and Path(record_path).is_file():
            QTimer.singleShot(0, lambda: self._guard(self._adopt_sample_layers, Path(record_path)))

    def _adopt_sample_layers(self, record_path: Path) -> None:
        if self.session is not None:
            return
        sample_layers = [
            layer
            for layer in self.viewer.layers
            if layer.metadata.get("recist_record_path") == str(record_path)
        ]
        folder = (
            Path(sample_layers[0].metadata.get("recist_series_folder", record_path.parent))
            if sample_layers
            else record_path.parent
        )
        with self._quietly():
            for layer in sample_layers:
                self.viewer.layers.remove(layer)
        self.open_record(record_path, series_folder=folder, recover_autosave=False)

    def _show_current_visit(self) -> None:
        """Show the current visit's layers, and the compared visit's in a grid beside it."""
        if self.session is None or self.current_visit_id is None:
            return
        shown = [self.current_visit_id]
        mode = self.compare_combo.currentIndex()
        other = None
        if mode == 1:
            other = self.session.baseline_visit_id
        elif mode == 2:
            other = self.session.previous_visit_id(self.current_visit_id)
        if other is not None and other != self.current_visit_id and other in self.visit_layers:
            shown.insert(0, other)
        if len(shown) > 1:
            self._group_visit_layers_first()
        offset = self._alignment_offset(other) if len(shown) > 1 else np.zeros(3)
        for visit_id, layers in self.visit_layers.items():
            layers.shift_display(offset if visit_id == other else np.zeros(3))
            for layer in (layers.image, layers.rulers, layers.new_lesions):
                layer.visible = visit_id in shown
        grid = grid_of(self.viewer)
        grid.stride = 3
        side_by_side = len(shown) > 1
        if side_by_side != grid.enabled:
            grid.enabled = side_by_side
            self.viewer.reset_view()
        current = self.visit_layers.get(self.current_visit_id)
        if current is not None:
            self.viewer.layers.selection.active = current.rulers

    def _lesion_centre_world(self, visit_id: str, lesion_id: str) -> np.ndarray | None:
        """World centre of a lesion's ruler at a visit (long axis, else short), if drawn."""
        assert self.session is not None
        layers = self.visit_layers.get(visit_id)
        if layers is None:
            return None
        for axis in ("long", "short"):
            ruler = self.session.ruler(visit_id, lesion_id, axis=axis)  # type: ignore[arg-type]
            if ruler is not None and ruler.series_uid == layers.series_uid:
                return lps_to_world(ruler.points_lps_mm, layers.world_to_lps).mean(axis=0)
        return None

    def _alignment_offset(self, other: str | None) -> np.ndarray:
        """How far to shift the compared visit so the selected lesion lies on the same spot
        (and slice) as in the current visit; zero when either ruler is missing."""
        lesion_id = self.selected_lesion_id()
        if other is None or lesion_id is None or self.current_visit_id is None:
            return np.zeros(3)
        here = self._lesion_centre_world(self.current_visit_id, lesion_id)
        there = self._lesion_centre_world(other, lesion_id)
        if here is None or there is None:
            return np.zeros(3)
        return here - there

    def _group_visit_layers_first(self) -> None:
        """Put the visit layers first, three per visit in date order, for the grid."""
        assert self.session is not None
        ordered = []
        for visit in self.session.visits():
            layers = self.visit_layers.get(visit["visit_id"])
            if layers is not None:
                ordered += [layers.image, layers.rulers, layers.new_lesions]
        for target_index, layer in enumerate(ordered):
            current_index = self.viewer.layers.index(layer)
            if current_index != target_index:
                self.viewer.layers.move(current_index, target_index)

    # =================================================================== lesions
    def add_lesion(self, kind: str, organ: str, *, nodal: bool = False) -> str:
        """Add a lesion and select it; a target is then ready for its ruler."""
        assert self.session is not None
        lesion_id = self.session.add_lesion(kind, organ, nodal=nodal)  # type: ignore[arg-type]
        self.select_lesion(lesion_id)
        return lesion_id

    def _on_add_lesion_clicked(self) -> None:
        self.add_lesion(
            self.kind_combo.currentText(),
            self.organ_combo.currentText(),
            nodal=self.nodal_check.isChecked(),
        )

    def selected_lesion_id(self) -> str | None:
        rows = (
            self.lesion_table.selectionModel().selectedRows()
            if self.lesion_table.selectionModel()
            else []
        )
        if not rows:
            return None
        item = self.lesion_table.item(rows[0].row(), 0)
        return None if item is None else item.text()

    def select_lesion(self, lesion_id: str) -> None:
        for row in range(self.lesion_table.rowCount()):
            if self.lesion_table.item(row, 0).text() == lesion_id:
                self.lesion_table.selectRow(row)
                return

    def _on_lesion_selected(self) -> None:
        if self._syncing:
            return
        self._refresh_lesion_actions()
        if self.compare_combo.currentIndex() != 0:
            self._guard(self._show_current_visit)  # line the selected lesion up in both

    def _on_remove_lesion_clicked(self) -> None:
        lesion_id = self._require_lesion()
        answer = self.ask(
            "Remove lesion",
            f"Remove {lesion_id} and its measurements at every visit?",
            ("Remove", "Cancel"),
        )
        if answer == "Remove":
            assert self.session is not None
            self.session.remove_lesion(lesion_id)
            self._draw_all_rulers()

    def _require_lesion(self) -> str:
        lesion_id = self.selected_lesion_id()
        if lesion_id is None:
            raise ReadingError("select a lesion first")
        return lesion_id

    def _require_visit_layers(self) -> VisitLayers:
        if self.current_visit_id is None or self.current_visit_id not in self.visit_layers:
            raise ReadingError("open this visit's DICOM series first")
        return self.visit_layers[self.current_visit_id]

    def start_ruler(self, axis: str = "long") -> None:
        """Let the reader draw the selected target's ruler on the current visit's image."""
        assert self.session is not None
        lesion_id = self._require_lesion()
        lesion = self.session.lesion(lesion_id)
        if lesion["kind"] != "target":
            raise ReadingError(
                f"{lesion_id} is a non-target: set its status instead of drawing a ruler"
            )
        layers = self._require_visit_layers()
        self._pending_ruler = (lesion_id, axis)
        layers.rulers.feature_defaults = {
            "lesion_id": lesion_id,
            "axis": axis,
            "label": ruler_label(lesion, axis, 0.0),
        }
        layers.rulers.current_edge_color = RULER_COLOURS[axis]
        self.viewer.layers.selection.active = layers.rulers
        layers.rulers.mode = "add_line"
        self.show_message(
            f"draw the {'short axis' if axis == 'short' else 'longest diameter'} of {lesion_id} on the image"
        )

    def set_ruler_from_world(
        self, lesion_id: str, line_world: Any, *, axis: str = "long", visit_id: str | None = None
    ) -> None:
        """Record a ruler given by two world points (what drawing on the canvas produces)."""
        assert self.session is not None
        visit_id = visit_id or self.current_visit_id
        assert visit_id is not None
        layers = self.visit_layers[visit_id]
        ruler = ruler_from_world(line_world, layers.world_to_lps, layers.series_uid)
        self.session.set_ruler(visit_id, lesion_id, ruler, axis=axis)  # type: ignore[arg-type]
        self._draw_rulers(visit_id)

    def _on_status_chosen(self) -> None:
        assert self.session is not None and self.current_visit_id is not None
        lesion_id = self._require_lesion()
        choice = self.status_combo.currentText()
        if choice == "measured":
            self.start_ruler("short" if self.session.lesion(lesion_id)["nodal"] else "long")
            return
        self.set_status(lesion_id, choice)

    def set_status(self, lesion_id: str, status: str, *, visit_id: str | None = None) -> None:
        """Set a lesion's status at the current visit (removes its rulers there)."""
        assert self.session is not None
        visit_id = visit_id or self.current_visit_id
        assert visit_id is not None
        self.session.set_status(visit_id, lesion_id, status)
        if visit_id in self.visit_layers:
            self._draw_rulers(visit_id)

    def go_to_selected_lesion(self) -> None:
        """Move to the slice of the selected lesion's ruler (this visit's, else baseline's)."""
        assert self.session is not None
        lesion_id = self._require_lesion()
        for visit_id in (self.current_visit_id, self.session.baseline_visit_id):
            if visit_id is None or visit_id not in self.visit_layers:
                continue
            for axis in ("long", "short"):
                ruler = self.session.ruler(visit_id, lesion_id, axis=axis)  # type: ignore[arg-type]
                if ruler is not None:
                    world = lps_to_world(
                        ruler.points_lps_mm, self.visit_layers[visit_id].world_to_lps
                    )
                    centre = world.mean(axis=0)
                    self.viewer.dims.set_point(0, float(centre[0]))
                    camera_of(self.viewer).center = tuple(float(c) for c in centre)
                    return
        raise ReadingError(f"{lesion_id} has no ruler to go to yet")

    # --------------------------------------------------------------- semi-automatic
    def start_semi_automatic(self) -> None:
        """The next click on the current visit's image measures the selected target there."""
        assert self.session is not None
        lesion_id = self._require_lesion()
        if self.session.lesion(lesion_id)["kind"] != "target":
            raise ReadingError(f"{lesion_id} is a non-target: only targets are measured")
        layers = self._require_visit_layers()
        layers.rulers.mode = "pan_zoom"
        self._pending_ruler = None
        if self._on_measure_click not in self.viewer.mouse_drag_callbacks:
            self.viewer.mouse_drag_callbacks.append(self._on_measure_click)
        self._measure_lesion_id = lesion_id
        self.show_message(f"click inside {lesion_id} to measure it")

    def _on_measure_click(self, viewer: Any, event: Any) -> None:
        """One click: measure, then stop listening."""
        if event.type != "mouse_press":
            return
        if self._on_measure_click in viewer.mouse_drag_callbacks:
            viewer.mouse_drag_callbacks.remove(self._on_measure_click)
        lesion_id = getattr(self, "_measure_lesion_id", None)
        if lesion_id is not None:
            self._measure_lesion_id = None
            self._guard(self.measure_at, lesion_id, np.asarray(event.position, float))

    def measure_at(self, lesion_id: str, point_world: Any) -> Any:
        """Propose ``lesion_id``'s long and short axis from a click at ``point_world`` on the
        current visit's image (`recist_reader.measure_lesion`); returns the measurement.

        The proposal becomes ordinary rulers (``method: semi-automatic``); a doubtful result
        says so and is still drawn, for the reader to adjust or redraw.
        """
        from recist_reader.measure import measure_lesion

        assert self.session is not None and self.current_visit_id is not None
        layers = self._require_visit_layers()
        lesion = self.session.lesion(lesion_id)
        image = layers.image
        seed = np.asarray(image.world_to_data(point_world), float)
        if np.any(seed < -0.5) or np.any(seed > np.asarray(image.data.shape) - 0.5):
            raise ReadingError("click inside the image")
        spacing = tuple(float(s) for s in image.metadata["spacing_mm"])
        result = measure_lesion(
            np.asarray(image.data), tuple(seed), spacing_mm=spacing, nodal=lesion["nodal"]
        )
        slice_index = result.slice_index if result.slice_index is not None else round(seed[0])
        affine_lps = np.asarray(image.metadata["affine_lps"], float)
        for axis, ends in (
            ("long", result.long_axis_endpoints),
            ("short", result.short_axis_endpoints),
        ):
            index = np.array([[slice_index, row, col, 1.0] for row, col in ends], float)
            first, second = (tuple(float(c) for c in p[:3]) for p in index @ affine_lps.T)
            self.session.set_ruler(
                self.current_visit_id,
                lesion_id,
                Ruler(layers.series_uid, (first, second)),  # type: ignore[arg-type]
                axis=axis,  # type: ignore[arg-type]
                method="semi-automatic",
            )
        self._draw_rulers(self.current_visit_id)
        recist = result.short_axis_mm if lesion["nodal"] else result.long_axis_mm
        if result.confident:
            self.show_message(
                f"{lesion_id}: proposed {result.long_axis_mm:.1f} × {result.short_axis_mm:.1f} mm "
                f"({recist:.1f} mm counts); drag an end point to adjust"
            )
        else:
            self.show_message(
                f"{lesion_id}: doubtful proposal ({'; '.join(result.notes) or 'unclear boundary'}): "
                "check the rulers and adjust or redraw them",
                warning=True,
            )
        return result

    # --------------------------------------------------------------- ruler layer events
    def _on_rulers_data(self, event: Any) -> None:
        visit_id = visit_of(event)
        if self._syncing or self.session is None or visit_id not in self.visit_layers:
            return
        action = str(getattr(event, "action", ""))
        if action.endswith("added"):
            self._guard(self._accept_new_ruler, visit_id)
        elif action.endswith("changed"):
            self._guard(self._sync_rulers_from_layer, visit_id)
        elif action.endswith("removed"):
            self._guard(self._sync_removed_rulers, visit_id)

    def _accept_new_ruler(self, visit_id: str) -> None:
        assert self.session is not None
        layers = self.visit_layers[visit_id]
        if layers.rulers.nshapes == 0:
            return
        features = layers.rulers.features
        index = layers.rulers.nshapes - 1
        lesion_id = features["lesion_id"].iloc[index]
        axis = features["axis"].iloc[index]
        if not isinstance(lesion_id, str) or not lesion_id or self._pending_ruler is None:
            with self._quietly():
                layers.rulers.selected_data = {index}
                layers.rulers.remove_selected()
            raise ReadingError("choose a lesion and press 'Draw ruler' before drawing")
        line = np.asarray(layers.rulers.data[index])
        ruler = ruler_from_world(line, layers.world_to_lps, layers.series_uid)
        self._pending_ruler = None
        layers.rulers.mode = "select"
        self.session.set_ruler(visit_id, lesion_id, ruler, axis=axis, method="manual")
        self._draw_rulers(visit_id)
        self.show_message(f"{lesion_id}: {ruler.length_mm:.1f} mm")

    def _on_rulers_moved(self, event: Any) -> None:
        """Live update while an end point is dragged."""
        visit_id = visit_of(event)
        if self._syncing or self.session is None or visit_id not in self.visit_layers:
            return
        self._guard(self._sync_rulers_from_layer, visit_id, True)

    def _sync_rulers_from_layer(self, visit_id: str, live: bool = False) -> None:
        """Copy every ruler's end points from the layer to the record where they moved."""
        assert self.session is not None
        if live and self._pending_ruler is not None:
            return  # a ruler being drawn is recorded when it is finished
        layers = self.visit_layers[visit_id]
        features = layers.rulers.features
        data = layers.rulers.data
        if len(features) != len(data):
            return
        lesion_ids = features["lesion_id"].to_numpy()  # not .iloc per shape: this runs per drag
        axes = features["axis"].to_numpy()
        for index, line in enumerate(data):
            lesion_id, axis = lesion_ids[index], axes[index]
            if not isinstance(lesion_id, str) or len(line) < 2:
                continue
            ruler = ruler_from_world(np.asarray(line), layers.world_to_lps, layers.series_uid)
            try:
                saved = self.session.ruler(visit_id, lesion_id, axis=axis)
            except ReadingError:
                continue  # lesion removed
            if saved is None or not np.allclose(
                saved.points_lps_mm, ruler.points_lps_mm, atol=1e-6
            ):
                self.session.set_ruler(visit_id, lesion_id, ruler, axis=axis)
                self._update_ruler_label(layers, index, lesion_id, axis, ruler.length_mm)

    def _sync_removed_rulers(self, visit_id: str) -> None:
        assert self.session is not None
        layers = self.visit_layers[visit_id]
        features = layers.rulers.features
        present = {
            (features["lesion_id"].iloc[i], features["axis"].iloc[i]) for i in range(len(features))
        }
        for lesion in self.session.lesions("target"):
            for axis in ("long", "short"):
                if (lesion["lesion_id"], axis) not in present and self.session.ruler(
                    visit_id, lesion["lesion_id"], axis=axis
                ):  # type: ignore[arg-type]
                    self.session.remove_ruler(visit_id, lesion["lesion_id"], axis=axis)  # type: ignore[arg-type]

    def _update_ruler_label(
        self, layers: VisitLayers, index: int, lesion_id: str, axis: str, length_mm: float
    ) -> None:
        assert self.session is not None
        features = layers.rulers.features  # edited in place, then refresh_text (napari's way)
        column = features.columns.get_loc("label")
        features.iat[index, column] = ruler_label(self.session.lesion(lesion_id), axis, length_mm)
        with self._quietly():
            layers.rulers.refresh_text()

    def _draw_rulers(self, visit_id: str) -> None:
        """Redraw a visit's rulers from the record (one line per ruler, with its label)."""
        assert self.session is not None
        layers = self.visit_layers.get(visit_id)
        if layers is None:
            return
        mode = layers.rulers.mode
        with self._quietly():
            draw_rulers(layers, self.session, visit_id)
            layers.rulers.mode = mode if mode != "add_line" or self._pending_ruler else "select"
        self._update_record_metadata()

    def _draw_all_rulers(self) -> None:
        for visit_id in self.visit_layers:
            self._draw_rulers(visit_id)
            self._draw_new_lesions(visit_id)

    # =================================================================== new lesions
    def start_new_lesion(self) -> None:
        """Let the reader click the new lesion on the current visit's image."""
        location = self.new_location_edit.text().strip()
        if not location:
            raise ReadingError("type the new lesion's location first")
        layers = self._require_visit_layers()
        if self.current_visit_id == (self.session.baseline_visit_id if self.session else None):
            raise ReadingError("new lesions cannot be recorded at baseline (R3.4)")
        layers.new_lesions.feature_defaults = {
            "location": location,
            "equivocal": self.new_equivocal_check.isChecked(),
        }
        self.viewer.layers.selection.active = layers.new_lesions
        layers.new_lesions.mode = "add"
        self.show_message(f"click the new lesion ({location}) on the image")

    def add_new_lesion_at(
        self, location: str, point_world: Any, *, equivocal: bool = False
    ) -> None:
        """Record a new lesion at a world point of the current visit's image."""
        assert self.session is not None and self.current_visit_id is not None
        layers = self._require_visit_layers()
        point = world_to_lps([np.asarray(point_world, float)], layers.world_to_lps)[0]
        self.session.add_new_lesion(
            self.current_visit_id,
            location,
            equivocal=equivocal,
            point_lps_mm=point,
            series_uid=layers.series_uid,
        )
        self._draw_new_lesions(self.current_visit_id)

    def _on_points_data(self, event: Any) -> None:
        visit_id = visit_of(event)
        if self._syncing or self.session is None or visit_id not in self.visit_layers:
            return
        action = str(getattr(event, "action", ""))
        layers = self.visit_layers[visit_id]
        if action.endswith("added"):
            index = len(layers.new_lesions.data) - 1
            features = layers.new_lesions.features
            location = str(features["location"].iloc[index]) if index >= 0 else ""
            equivocal = bool(features["equivocal"].iloc[index]) if index >= 0 else False
            point = world_to_lps([layers.new_lesions.data[index]], layers.world_to_lps)[0]
            layers.new_lesions.mode = "pan_zoom"
            if (
                self._guard(
                    self.session.add_new_lesion,
                    visit_id,
                    location,
                    equivocal=equivocal,
                    point_lps_mm=point,
                    series_uid=layers.series_uid,
                )
                is None
            ):
                self._draw_new_lesions(visit_id)
        elif action.endswith("removed") or action.endswith("changed"):
            self._guard(self._sync_new_lesions_from_layer, visit_id)

    def _sync_new_lesions_from_layer(self, visit_id: str) -> None:
        """Mirror moved or deleted points into the record (points keep the record's order)."""
        assert self.session is not None
        layers = self.visit_layers[visit_id]
        listed = self.session.visit(visit_id)["new_lesions"]
        features = layers.new_lesions.features
        kept = list(zip(layers.new_lesions.data, features["location"], features["equivocal"]))
        for index in reversed(range(len(listed))):
            self.session.remove_new_lesion(visit_id, index)
        for point, location, equivocal in kept:
            self.session.add_new_lesion(
                visit_id,
                str(location),
                equivocal=bool(equivocal),
                point_lps_mm=world_to_lps([point], layers.world_to_lps)[0],
                series_uid=layers.series_uid,
            )

    def _on_remove_new_clicked(self) -> None:
        assert self.session is not None and self.current_visit_id is not None
        row = self.new_lesion_list.currentRow()
        if row < 0:
            raise ReadingError("select a new lesion in the list first")
        self.session.remove_new_lesion(self.current_visit_id, row)
        self._draw_new_lesions(self.current_visit_id)

    def _draw_new_lesions(self, visit_id: str) -> None:
        assert self.session is not None
        layers = self.visit_layers.get(visit_id)
        if layers is None:
            return
        with self._quietly():
            draw_new_lesions(layers, self.session, visit_id)

    # =================================================================== refresh
    def _on_session_changed(self) -> None:
        self._refresh()
        self._refresh_title()
        self._autosave_timer.start()

    def _update_record_metadata(self) -> None:
        """Keep the current record on every rulers layer (the record writer saves it)."""
        if self.session is None:
            return
        record = self.session.record
        for layers in self.visit_layers.values():
            layers.rulers.metadata["recist_record"] = record
            if self.session.path is not None:
                layers.rulers.metadata["recist_record_path"] = str(self.session.path)

    def _refresh_title(self) -> None:
        if self.session is None:
            return
        star = " *" if self.session.dirty else ""
        where = f" — {self.session.path.name}" if self.session.path else ""
        self.setWindowTitle(f"RECIST reading: {self.session.patient_id}{where}{star}")

    def _refresh(self) -> None:
        """Redraw every panel from the session: visits, lesions, checks and response."""
        if self.session is None:
            return
        self.last_score = self.session.score()
        with self._quietly():
            self._refresh_visits()
            self._refresh_lesions()
            self._refresh_new_lesions()
            self._refresh_response()
        self._refresh_lesion_actions()
        self._set_enabled()

    def _refresh_visits(self) -> None:
        assert self.session is not None
        entries = visit_entries(self.session, self.visit_layers.keys())
        set_list_items(self.visit_list, entries)
        visit_ids = [visit_id for _, visit_id in entries]
        if self.current_visit_id in visit_ids:
            row = visit_ids.index(self.current_visit_id)
            if self.visit_list.currentRow() != row:
                self.visit_list.setCurrentRow(row)
            visit = self.session.visit(self.current_visit_id)
            visit_date = qdate(dt.date.fromisoformat(visit["date"]))
            if self.visit_date_edit.date() != visit_date:
                self.visit_date_edit.setDate(visit_date)
        elif self.visit_list.currentRow() != -1:
            self.visit_list.setCurrentRow(-1)

    def _refresh_lesions(self) -> None:
        assert self.session is not None and self.last_score is not None
        selected = self.selected_lesion_id()
        checks = self.last_score.checks
        set_table_rows(self.lesion_table, *lesion_rows(self.session, checks, self.current_visit_id))
        if selected is not None and self.selected_lesion_id() != selected:
            self.select_lesion(selected)
        set_text(self.checks_view, "\n".join(check_text(c) for c in checks))

    def _refresh_new_lesions(self) -> None:
        assert self.session is not None
        set_list_items(
            self.new_lesion_list, new_lesion_entries(self.session, self.current_visit_id)
        )

    def _refresh_response(self) -> None:
        assert self.last_score is not None
        response = self.last_score.response
        set_table_rows(self.response_table, response_rows(response))
        set_text(self.notes_view, notes_text(response))
        if response is None:
            problems = "; ".join(p.describe() for p in self.last_score.problems[:3])
            set_text(self.summary_label, f"Not scored yet: {problems}" if problems else "")
        else:
            set_text(self.summary_label, summary_text(response))

    def _refresh_lesion_actions(self) -> None:
        if self.session is None:
            return
        lesion_id = self.selected_lesion_id()
        if lesion_id is None:
            self.status_combo.clear()
            set_text(self.reference_label, "")
            return
        lesion = self.session.lesion(lesion_id)
        choices = TARGET_STATUS_CHOICES if lesion["kind"] == "target" else NON_TARGET_STATUS_CHOICES
        set_combo_items(self.status_combo, choices)
        measurement = (
            self.session.measurement(self.current_visit_id, lesion_id)
            if self.current_visit_id
            else None
        )
        status = measurement.get("status", choices[0]) if measurement else choices[0]
        if self.status_combo.currentText() != status:
            self.status_combo.setCurrentText(status)
        is_target = lesion["kind"] == "target"
        has_visit = self.current_visit_id is not None
        self.draw_long_button.setEnabled(is_target and has_visit)
        self.draw_short_button.setEnabled(is_target and has_visit)
        self.draw_long_button.setText("Draw long axis" if lesion["nodal"] else "Draw ruler")
        baseline_layers = self.visit_layers.get(self.session.baseline_visit_id)
        set_text(
            self.reference_label,
            baseline_reference_text(
                self.session, lesion_id, baseline_layers.world_to_lps if baseline_layers else None
            ),
        )

    def response_panel_text(self) -> str:
        """The response panel as text (rows, summary): what the reader sees."""
        rows = [
            "  ".join(
                self.response_table.item(r, c).text()
                for c in range(self.response_table.columnCount())
            )
            for r in range(self.response_table.rowCount())
        ]
        return "\n".join([*rows, self.summary_label.text()])

    # =================================================================== closing
    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt)
        super().showEvent(event)
        window = self.window()
        if window is not self and not getattr(self, "_close_filter", None):
            self._close_filter = _CloseFilter(self)
            window.installEventFilter(self._close_filter)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 (Qt)
        if self.confirm_discard():
            event.accept()
        else:
            event.ignore()


class _CloseFilter(QObject):
    """Asks about unsaved changes before napari's main window closes."""

    def __init__(self, widget: ReadingWidget):
        super().__init__(widget)
        self.widget = widget

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt)
        if event.type() == QEvent.Type.Close and not self.widget.confirm_discard():
            event.ignore()
            return True
        return False


def _parse_iso(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
