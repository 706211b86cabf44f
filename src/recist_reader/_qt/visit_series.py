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
from recist_reader._qt.visit_date_dialog import ask_visit_date
from recist_reader._qt.visit_layers import VisitLayers, create_visit_layers
from recist_reader.io.dicom.loader import is_dicomweb_url
from recist_reader.reading import UNNAMED_PATIENT_ID, ReadingError


class VisitSeries(QObject):
    """Opens series as visits; the context keeps the layers they become."""

    #: The dock section its messages show in.
    section = "Visits"

    def __init__(self, context: ReadingContext, parent: QObject | None = None):
        super().__init__(parent)
        self.context = context
        #: Where each series found so far can be loaded from: ``{series_uid: (place, key)}``
        #: (a visit may hold several, e.g. arterial and portal-venous phases).
        self.sources: dict[str, tuple[str | os.PathLike[str], Any]] = {}

    def add_visit_from_series(
        self,
        path: str | os.PathLike[str],
        *,
        series_uid: str | None = None,
        date: str | dt.date | None = None,
        ask_date: bool = False,
    ) -> str:
        """Open a DICOM series as a visit; returns the visit id.

        A series the record lists is shown again at its visit; otherwise it becomes the
        baseline if the baseline has no series yet, else a new follow-up dated from
        StudyDate (or ``date``; with ``ask_date`` the reader confirms or changes the date
        and the visit id first). A series of another patient is added only if the reader
        says so.
        """
        from recist_reader._reader import load_for_display
        from recist_reader.io.dicom import AmbiguousSeriesError

        self.context.require_session()
        try:
            volume = load_for_display(path, series_uid)
        except AmbiguousSeriesError as error:
            choice = self._choose_series(error)
            if choice is None:
                raise ReadingError("no series chosen") from None
            volume = load_for_display(path, choice)
        visit_id = self._visit_to_reattach(volume.series_uid)
        if visit_id is None:
            visit_id = self._new_visit_for(volume, path, date, ask_date=ask_date)
        else:
            session = self.context.require_session()
            session.update_series(visit_id, volume.series_uid, source=_source_of(path))
        self.sources[volume.series_uid] = (path, volume.series_uid)
        self.add_visit_layers(visit_id, volume)
        self.context.select_visit(visit_id)
        return visit_id

    def _visit_to_reattach(self, series_uid: str) -> str | None:
        """The visit that lists ``series_uid`` in the record (e.g. a reopened read whose
        images were elsewhere): the series is shown there again, nothing else changes."""
        session = self.context.require_session()
        for visit in session.visits():
            if any(s.get("series_uid") == series_uid for s in visit.get("series") or []):
                return visit["visit_id"]
        return None

    def _new_visit_for(
        self, volume: Any, path: Any, date: str | dt.date | None, *, ask_date: bool
    ) -> str:
        """Record ``volume`` as the baseline scan (the first series opened) or as a new
        follow-up dated from its StudyDate (or ``date``); returns the visit id."""
        session = self.context.require_session()
        self._check_patient(volume, path)
        baseline_id = session.baseline_visit_id
        when = date if date is not None else volume.study_date
        if not session.visit(baseline_id).get("series"):
            visit_id = baseline_id  # the first series opened is the baseline scan
            has_follow_ups = len(session.visits()) > 1
            if when and not has_follow_ups and _parse_iso(when) != session.baseline_date:
                session.set_baseline_date(when)
        elif ask_date:
            when, visit_id = ask_visit_date(
                session,
                _parse_iso(when) if when else None,
                getattr(volume, "description", "") or "",
                None,
            )
            visit_id = session.add_visit(when, visit_id=visit_id)
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
                "source": _source_of(path),
            },
        )
        return visit_id

    def _check_patient(self, volume: Any, path: Any) -> None:
        """The record's patient id comes from the first series' DICOM PatientID; a series
        of another patient is added only when the reader says so."""
        session = self.context.require_session()
        dicom_id = str(getattr(volume, "patient_id", "") or "").strip()
        if not dicom_id or dicom_id == session.patient_id:
            return
        if session.is_empty and session.path is None:
            if session.patient_id == UNNAMED_PATIENT_ID:
                session.set_patient_id(dicom_id)
                return
            answer = self.context.ask(
                "Patient ID",
                f"The series is of patient {dicom_id} (DICOM PatientID); you typed "
                f"{session.patient_id} for this record. Which ID does the record take?",
                (f"Use {dicom_id}", f"Keep {session.patient_id}", "Cancel"),
            )
            if answer == "Cancel":
                raise ReadingError(f"{path}: not added")
            if answer == f"Use {dicom_id}":
                session.set_patient_id(dicom_id)
            return
        baseline = self.context.visit_layers.get(session.baseline_visit_id)
        expected = (baseline.image.metadata.get("patient_id") if baseline else "") or (
            session.patient_id
        )
        if dicom_id == expected:
            return
        answer = self.context.ask(
            "Another patient?",
            f"The series is of patient {dicom_id} (DICOM PatientID), but this record is "
            f"of {expected}. Add it to {session.patient_id}'s record anyway?",
            ("Add anyway", "Cancel"),
        )
        if answer != "Add anyway":
            raise ReadingError(
                f"{path}: not added: the series is of patient {dicom_id}, the record of {expected}"
            )

    def load_visit_series(self, folder: str | os.PathLike[str] | None = None) -> list[str]:
        """Find every visit's series by the UIDs the record lists: under ``folder`` (or at
        that DICOMweb URL) when given, else where each was loaded from (its ``source``),
        then beside the record; show each visit not shown yet. Returns the visits still
        without images (a message names them, with the way forward: "Locate series…")."""
        session = self.context.require_session()
        beside = [session.path.parent] if session.path is not None else []
        listings: dict[str, dict[str, Any]] = {}
        missing = []
        for visit in session.visits():
            visit_id, series = visit["visit_id"], visit.get("series") or []
            for entry in series:
                places = [folder] if folder is not None else [entry.get("source"), *beside]
                found = self._locate(entry["series_uid"], places, listings)
                if found is not None and visit_id not in self.context.visit_layers:
                    volume = self._load(*found)
                    if volume is not None:
                        self.add_visit_layers(visit_id, volume)
            if series and visit_id not in self.context.visit_layers:
                missing.append(visit_id)
        if missing:
            where = f"under {folder}" if folder is not None else "where they were read"
            self.context.show_message(
                f"series not found {where}: {', '.join(missing)}; select the visit and "
                "press 'Locate series…'",
                error=True,
                about=self.section,
            )
        return missing

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

    def locate_series(self, visit_id: str, folder: str | os.PathLike[str]) -> None:
        """Open a visit's series from ``folder`` (searched for the series UIDs the record
        lists for it) and remember that it is there."""
        session = self.context.require_session()
        series = session.visit(visit_id).get("series") or []
        if not series:
            raise ReadingError(f"{visit_id} lists no series: use 'Add visit from DICOM…'")
        for entry in series:
            found = self._locate(entry["series_uid"], [folder], {})
            volume = self._load(*found) if found is not None else None
            if volume is not None:
                session.update_series(visit_id, entry["series_uid"], source=_source_of(folder))
                self.add_visit_layers(visit_id, volume)
                self.context.select_visit(visit_id)
                return
        uids = ", ".join(entry["series_uid"] for entry in series)
        raise ReadingError(f"{folder}: {visit_id}'s series ({uids}) is not there")

    def locate_from_folder(self, parent: QWidget | None = None) -> None:
        """Ask for the folder of the current visit's series and open it from there."""
        visit_id = self.context.current_visit_id
        if visit_id is None:
            raise ReadingError("select a visit first")
        folder = QFileDialog.getExistingDirectory(parent, f"Folder of {visit_id}'s series")
        if folder:
            self.locate_series(visit_id, folder)

    def _locate(
        self, series_uid: str, places: list[Any], listings: dict[str, dict[str, Any]]
    ) -> tuple[Any, Any] | None:
        """The first of ``places`` (folders or DICOMweb URLs) that holds ``series_uid``, with
        the key that loads it there; remembered in `sources`. Folder listings are kept in
        ``listings``; a URL is taken at its word (loading it says if the series is not
        there)."""
        from recist_reader.errors import SeriesError
        from recist_reader.io.dicom import list_series

        for place in places:
            if not place:
                continue
            if is_dicomweb_url(place):
                found: tuple[Any, Any] = (str(place), series_uid)
            else:
                key = str(place)
                if key not in listings:
                    try:
                        series = list_series(place).series if Path(place).exists() else []
                    except (SeriesError, OSError):
                        series = []
                    listings[key] = {info.summary.series_uid: info.summary for info in series}
                summary = listings[key].get(series_uid)
                if summary is None:
                    continue
                found = (place, summary.key)
            self.sources[series_uid] = found
            return found
        return None

    def _load(self, place: Any, key: Any) -> Any:
        """The series at ``place``, or None (with a message) when it cannot be loaded."""
        from recist_reader._reader import load_for_display
        from recist_reader.errors import SeriesError

        try:
            return load_for_display(place, key)
        except SeriesError as error:
            self.context.show_message(str(error), error=True, about=self.section)
            return None

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
            self.add_visit_from_series(folder, ask_date=True)

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


def _source_of(path: str | os.PathLike[str]) -> str:
    """Where a series was opened from, as the record keeps it: a DICOMweb URL as given, a
    file or folder as the absolute path of its folder (the place the reader chose)."""
    if is_dicomweb_url(path):
        return str(path)
    location = Path(path).resolve()
    return str(location if location.is_dir() else location.parent)


def _parse_iso(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def sample_record_of(layer: Any) -> Path | None:
    """The record a sample-data layer carries (``recist_record_path``), if it exists."""
    record_path = getattr(layer, "metadata", {}).get("recist_record_path")
    return Path(record_path) if record_path and Path(record_path).is_file() else None
