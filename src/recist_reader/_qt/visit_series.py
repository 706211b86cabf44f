"""Each visit's DICOM series, opened as the visit's napari layers.

The first series opened is the baseline scan; every further one is a follow-up visit
dated from its StudyDate. A reopened record finds its series again by their UIDs.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from qtpy.QtCore import QObject
from qtpy.QtWidgets import QFileDialog, QInputDialog, QWidget

from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.visit_layers import VisitLayers, create_visit_layers
from recist_reader.io.dicom.loader import is_dicomweb_url
from recist_reader.reading import ReadingError


class VisitSeries(QObject):
    """Opens series as visits; the context keeps the layers they become."""

    def __init__(self, context: ReadingContext, parent: QObject | None = None):
        super().__init__(parent)
        self.context = context
        #: Where each series found so far can be loaded from: ``{series_uid: (folder, key)}``
        #: (a visit may hold several, e.g. arterial and portal-venous phases).
        self.sources: dict[str, tuple[str | os.PathLike[str], Any]] = {}

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

        session = self.context.require_session()
        try:
            volume = load_for_display(path, series_uid)
        except AmbiguousSeriesError as error:
            choice = self._choose_series(error)
            if choice is None:
                raise ReadingError("no series chosen") from None
            volume = load_for_display(path, choice)
        baseline_id = session.baseline_visit_id
        when = date if date is not None else volume.study_date
        recorded = [s["series_uid"] for s in session.visit(baseline_id).get("series", [])]
        if baseline_id not in self.context.visit_layers and (
            not recorded or volume.series_uid in recorded
        ):
            visit_id = baseline_id  # the first series opened is the baseline scan
            has_follow_ups = len(session.visits()) > 1
            if when and not has_follow_ups and _parse_iso(when) != session.baseline_date:
                session.set_baseline_date(when)
        else:
            if not when:
                raise ReadingError(f"{path}: the series has no StudyDate; give the visit's date")
            visit_id = session.add_visit(when)
        session.add_series(
            visit_id,
            {
                "series_uid": volume.series_uid,
                "study_uid": getattr(volume, "study_uid", "") or "",
                "modality": volume.modality,
                "description": getattr(volume, "description", "") or "",
            },
        )
        self.add_visit_layers(visit_id, volume)
        self.context.select_visit(visit_id)
        return visit_id

    def load_visit_series(self, folder: str | os.PathLike[str]) -> None:
        """Load every visit's series (by the UIDs saved in the record) from ``folder``."""
        from recist_reader._reader import load_for_display
        from recist_reader.io.dicom import list_series

        session = self.context.require_session()
        wanted = {
            series["series_uid"]: visit["visit_id"]
            for visit in session.visits()
            for series in visit.get("series", [])
            if visit["visit_id"] not in self.context.visit_layers
        }
        if not wanted:
            return
        if is_dicomweb_url(folder):  # a DICOMweb server: each series found by its UID
            self._load_from_server(str(folder), wanted)
            return
        listing = list_series(folder)
        found = {info.summary.series_uid: info.summary for info in listing.series}
        missing = []
        for series_uid, visit_id in wanted.items():
            summary = found.get(series_uid)
            if summary is None:
                missing.append(f"{visit_id} ({series_uid})")
                continue
            self.sources[series_uid] = (folder, summary.key)
            if visit_id in self.context.visit_layers:
                continue  # the visit's first series is shown; the others on demand
            self.add_visit_layers(visit_id, load_for_display(folder, summary.key))
        if missing:
            self.context.show_message(
                f"series not found under {folder}: {', '.join(missing)}", error=True
            )

    def show_series(self, visit_id: str, series_uid: str) -> None:
        """Show another of the visit's series (e.g. its arterial phase) as the visit's image:
        the rulers drawn on that series appear, and rulers drawn now keep its UID."""
        from recist_reader._reader import load_for_display

        layers = self.context.visit_layers.get(visit_id)
        if layers is not None and layers.series_uid == series_uid:
            return
        source = self.sources.get(series_uid)
        if source is None:
            raise ReadingError(
                f"series {series_uid} of {visit_id} was not found with the record's series: "
                "open the folder holding it"
            )
        self.add_visit_layers(visit_id, load_for_display(*source))
        self.context.select_visit(visit_id)
    def _load_from_server(self, url: str, wanted: dict[str, str]) -> None:
        from recist_reader._reader import load_for_display
        from recist_reader.errors import SeriesError

        failed = []
        for series_uid, visit_id in wanted.items():
            try:
                self.add_visit_layers(visit_id, load_for_display(url, series_uid))
            except SeriesError as error:
                failed.append(f"{visit_id}: {error}")
        if failed:
            self.context.show_message("; ".join(failed), error=True)

    def add_visit_layers(self, visit_id: str, volume: Any) -> VisitLayers:
        """Show ``volume`` as the visit's image, with its rulers and new-lesion layers, in
        the world frame of the visits already open."""
        from recist_reader._reader import layer_data, world_frame

        shown = next(iter(self.context.visit_layers.values()), None)
        frame, labels = shown.world_frame if shown is not None else world_frame(volume.affine)
        data, kwargs, _ = layer_data(volume, frame=frame, labels=labels)
        kwargs["name"] = f"{visit_id} · {kwargs['name']}"
        kwargs["metadata"]["recist_visit_id"] = visit_id
        layers = create_visit_layers(self.context.viewer, visit_id, data, kwargs)
        self.context.put_visit_layers(visit_id, layers)
        return layers

    def add_visit_from_folder(self, parent: QWidget | None = None) -> None:
        """Ask for a folder and open its series as a visit."""
        folder = QFileDialog.getExistingDirectory(parent, "DICOM series of the visit")
        if folder:
            self.add_visit_from_series(folder)

    def _choose_series(self, error: Any) -> str | None:
        summaries = [c.summary() for c in error.candidates]
        labels = [
            f"{c.description or '(no description)'} · {c.slices} slices · {c.key}"
            for c in summaries
        ]
        label, ok = QInputDialog.getItem(
            None, "Several series", "Which series is this visit?", labels, 0, False
        )
        return summaries[labels.index(label)].key if ok else None


def _parse_iso(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def sample_record_of(layer: Any) -> Path | None:
    """The record a sample-data layer carries (``recist_record_path``), if it exists."""
    record_path = getattr(layer, "metadata", {}).get("recist_record_path")
    return Path(record_path) if record_path and Path(record_path).is_file() else None
