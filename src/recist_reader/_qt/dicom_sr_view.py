"""DICOM SR in the reading dock: export the read as SR, reopen a read from its SRs, and offer
the rulers of other tools' SRs (OHIF's own measurements) as unassigned rulers to attach to
lesions (design.md §8.2, §8.8)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from qtpy.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.reading_view import ReadingView
from recist_reader._qt.visit_series import VisitSeries
from recist_reader.errors import SeriesError
from recist_reader.reading import ReadingError, ReadingSession
from recist_reader.reading.geometry import Ruler


class DicomSRView(ReadingView):
    """Export SR…, Open SRs…, Rulers from SR…, and the list of unassigned rulers.

    Parameters
    ----------
    context : ReadingContext
        The read on screen.
    series : VisitSeries
        Opens the visits' series of a read reopened from its SRs.
    """

    def __init__(self, context: ReadingContext, series: VisitSeries, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.series = series
        #: Other tools' rulers not yet attached to a lesion (ForeignRuler objects).
        self.unassigned: list[Any] = []
        self.export_button = QPushButton("Export SR…")
        self.open_button = QPushButton("Open SRs…")
        self.rulers_button = QPushButton("Rulers from SR…")
        self.ruler_list = QListWidget()
        self.ruler_list.setMaximumHeight(90)
        self.ruler_list.itemSelectionChanged.connect(self.refresh)
        self.attach_long_button = QPushButton("Attach as long axis")
        self.attach_short_button = QPushButton("Attach as short axis")
        self.discard_button = QPushButton("Discard")
        guard = context.guard
        self.export_button.clicked.connect(lambda: guard(self._on_export_clicked))
        self.open_button.clicked.connect(lambda: guard(self._on_open_clicked))
        self.rulers_button.clicked.connect(lambda: guard(self._on_rulers_clicked))
        self.attach_long_button.clicked.connect(lambda: guard(self.attach_selected, "long"))
        self.attach_short_button.clicked.connect(lambda: guard(self.attach_selected, "short"))
        self.discard_button.clicked.connect(lambda: guard(self.discard_selected))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        for button in (self.export_button, self.open_button, self.rulers_button):
            row.addWidget(button)
        layout.addLayout(row)
        self.rulers_label = QLabel("Unassigned rulers (other tools' SRs)")
        layout.addWidget(self.rulers_label)
        layout.addWidget(self.ruler_list)
        row = QHBoxLayout()
        for button in (self.attach_long_button, self.attach_short_button, self.discard_button):
            row.addWidget(button)
        layout.addLayout(row)
        self.refresh()

    # ------------------------------------------------------------------ view
    def refresh(self) -> None:
        has_session = self.context.session is not None
        self.export_button.setEnabled(has_session)
        self.rulers_button.setEnabled(has_session)
        chosen = self.ruler_list.currentRow() >= 0 and bool(self.ruler_list.selectedItems())
        can_attach = chosen and has_session and self.context.lesion_id is not None
        self.attach_long_button.setEnabled(can_attach)
        self.attach_short_button.setEnabled(can_attach)
        self.discard_button.setEnabled(chosen)
        visible = bool(self.unassigned)
        for widget in (
            self.rulers_label,
            self.ruler_list,
            self.attach_long_button,
            self.attach_short_button,
            self.discard_button,
        ):
            widget.setVisible(visible)

    def _show_rulers(self) -> None:
        from recist_reader.interop.sr import visit_of_series

        record = self.context.session.record if self.context.session is not None else None
        self.ruler_list.clear()
        for ruler in self.unassigned:
            length = "" if ruler.length_mm is None else f" · {ruler.length_mm:.1f} mm"
            visit = visit_of_series(record, ruler.series_uid) if record and ruler.series_uid else None
            where = f" · {visit}" if visit else " · no visit of this read"
            self.ruler_list.addItem(f"{ruler.label}{length}{where} · {Path(ruler.source).name}")
        self.refresh()

    # ------------------------------------------------------------------ export
    def series_folders(self) -> list[Path | str]:
        """Where the read's images are: the folders of every open visit's files, the DICOMweb
        server of every visit opened from PACS, and the record's own folder."""
        from recist_reader.interop.sr.images import is_dicomweb_url

        sources: list[Path | str] = []
        for layers in self.context.visit_layers.values():
            for file in layers.image.metadata.get("source_files", ()):
                # a visit opened from PACS lists WADO-RS instance URLs: {base}/studies/...
                source = (
                    str(file).split("/studies/")[0] if is_dicomweb_url(str(file)) else Path(file).parent
                )
                if source not in sources:
                    sources.append(source)
        session = self.context.session
        if session is not None and session.path is not None and session.path.parent not in sources:
            sources.append(session.path.parent)
        return sources

    def export_to(self, out: str | os.PathLike[str]) -> list[Path]:
        """Write the read's SRs into ``out``; returns the files written."""
        from recist_reader.interop.sr import SRExportError, SRExportWarning, export_sr_files

        session = self.context.require_session()
        folders = self.series_folders()
        if not folders:
            raise ReadingError("open the visits' DICOM series first: the SRs are written in their studies")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SRExportWarning)
            try:
                written = export_sr_files(session.record, folders, out)
            except SRExportError as error:
                raise ReadingError(str(error)) from None
        for warning in caught:
            if issubclass(warning.category, SRExportWarning):
                self.context.show_message(str(warning.message), warning=True)
        self.context.show_message(f"wrote {len(written)} DICOM SR file(s) to {out}")
        return written

    def _on_export_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the DICOM SR files")
        if folder:
            self.export_to(folder)

    # ------------------------------------------------------------------ import
    def _read(self, paths: list[str | os.PathLike[str]]) -> Any:
        """``read_sr`` of ``paths``; its errors as ReadingError (shown, not raised)."""
        from recist_reader.interop.sr import SRImportError, read_sr

        try:
            return read_sr(paths)
        except SRImportError as error:
            raise ReadingError(str(error)) from None

    def open_srs(self, folder: str | os.PathLike[str]) -> ReadingSession:
        """Reopen a read from the SRs under ``folder`` (the images too when they are there);
        other tools' rulers become unassigned rulers."""
        imported = self._read([folder])
        reader = self.context.session.reader if self.context.session is not None else ""
        session = ReadingSession(imported.record, reader=reader)
        session.dirty = True  # not saved as a record yet
        self.context.set_session(session)
        self.context.file_changed.emit()
        self.unassigned = list(imported.foreign_rulers)
        self._show_rulers()
        for note in imported.notes:
            self.context.show_message(note, warning=True)
        try:
            self.series.load_visit_series(folder)
        except SeriesError:
            self.context.show_message(
                f"the visits' images are not under {folder}: open each visit's series",
                warning=True,
            )
        return session

    def _on_open_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of the read's DICOM SR files")
        if folder:
            self.open_srs(folder)

    def add_rulers_from(self, paths: list[str | os.PathLike[str]]) -> int:
        """Offer the rulers of other tools' SRs under ``paths`` as unassigned rulers; returns
        how many were added."""
        folders = [s for s in self.series_folders() if isinstance(s, Path)]
        imported = self._read([*paths, *folders])  # the images' geometry too
        added = [r for r in imported.foreign_rulers if r not in self.unassigned]
        self.unassigned.extend(added)
        self._show_rulers()
        lesions = len(imported.record["lesions"])
        if lesions:
            self.context.show_message(
                f"the SRs also hold a read of {lesions} lesion(s): open it with Open SRs…",
                warning=True,
            )
        self.context.show_message(f"{len(added)} unassigned ruler(s) from the SRs")
        return len(added)

    def _on_rulers_clicked(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "DICOM SR files", "", "DICOM (*)")
        if paths:
            self.add_rulers_from(list(paths))

    # ------------------------------------------------------------------ attach
    def attach_selected(self, axis: str = "long") -> str:
        """Make the chosen unassigned ruler the selected lesion's ruler (``axis`` ``long`` or
        ``short``) at the visit of its series; returns that visit's id."""
        from recist_reader.interop.sr import visit_of_series

        session = self.context.require_session()
        lesion_id = self.context.require_lesion()
        row = self.ruler_list.currentRow()
        if row < 0:
            raise ReadingError("choose an unassigned ruler first")
        foreign = self.unassigned[row]
        ruler_json = foreign.ruler_json()
        if ruler_json is None:
            raise ReadingError(
                f"ruler {foreign.label!r}: its image's geometry is not known; open the visit's "
                "series, then add the rulers again"
            )
        visit_id = visit_of_series(session.record, ruler_json["series_uid"])
        if visit_id is None:
            raise ReadingError(
                f"ruler {foreign.label!r} lies on series {ruler_json['series_uid']}, which no "
                "visit of this read holds: open that series as a visit first"
            )
        session.set_ruler(visit_id, lesion_id, Ruler.from_json(ruler_json), axis=axis)
        del self.unassigned[row]
        self._show_rulers()
        self.context.select_visit(visit_id)
        return visit_id

    def discard_selected(self) -> None:
        """Drop the chosen unassigned ruler."""
        row = self.ruler_list.currentRow()
        if row >= 0:
            del self.unassigned[row]
            self._show_rulers()
