"""Open from PACS…: find a patient's studies on a DICOMweb server, open a series as a visit,
and send SRs back (STOW-RS).

Thin Qt over :mod:`recist_reader.io.dicomweb`: each button calls one core function
(``find_studies``, ``find_series``, the reading dock's ``add_visit_from_series`` with the
series' WADO-RS URL, ``store_sr``), searches in a worker thread so the window never freezes.
The last server URL is remembered in Qt's settings (never the record, never credentials);
a user name and password typed here are used by this process only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from qtpy.QtCore import QSettings, Qt
from qtpy.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.reading_view import ReadingView

#: Where the last server is remembered (Qt settings: organisation, application, key).
SETTINGS_SCOPE = ("recist-reader", "recist-reader")
SERVER_KEY = "pacs/server_url"
STUDY_COLUMNS = ("Date", "Patient ID", "Name", "Description", "Modalities", "Series")
SERIES_COLUMNS = ("#", "Modality", "Description", "Slices")


class PacsDialog(QDialog):
    """Search a DICOMweb server and open a series as a visit.

    Parameters
    ----------
    open_series : callable
        Opens a series given its WADO-RS URL (``.../studies/S/series/X``), e.g. the reading
        dock's ``add_visit_from_series``; its errors are shown, not raised.
    settings : QSettings, optional
        Where the last server is remembered (default: the user's Qt settings).
    """

    def __init__(
        self,
        open_series: Callable[[str], Any],
        *,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Open from PACS")
        self.resize(760, 560)
        self._open_series = open_series
        self._settings = settings if settings is not None else QSettings(*SETTINGS_SCOPE)
        self._studies: list[dict[str, Any]] = []
        self._series: list[dict[str, Any]] = []
        self._worker: Any = None

        self.server_edit = QLineEdit(str(self._settings.value(SERVER_KEY, "") or ""))
        self.server_edit.setPlaceholderText("http://pacs.example.org:8042/dicom-web")
        self.user_edit = QLineEdit()
        self.user_edit.setPlaceholderText("optional (basic authentication)")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.credentials_label = QLabel()
        self.patient_edit = QLineEdit()
        self.patient_edit.setPlaceholderText("PatientID (* and ? as wildcards)")
        self.date_edit = QLineEdit()
        self.date_edit.setPlaceholderText("YYYY-MM-DD, or YYYY-MM-DD - YYYY-MM-DD")
        self.search_button = QPushButton("Search")
        self.search_button.setDefault(True)
        self.studies_table = _table(STUDY_COLUMNS, stretch=STUDY_COLUMNS.index("Description"))
        self.series_table = _table(SERIES_COLUMNS, stretch=SERIES_COLUMNS.index("Description"))
        self.open_button = QPushButton("Open as visit")
        self.send_button = QPushButton("Send SRs to PACS…")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        server_box = QGroupBox("Server")
        form = QFormLayout(server_box)
        form.addRow("DICOMweb URL", self.server_edit)
        form.addRow("User", self.user_edit)
        form.addRow("Password", self.password_edit)
        form.addRow("", self.credentials_label)
        search_box = QGroupBox("Find studies")
        search = QHBoxLayout(search_box)
        search.addWidget(QLabel("Patient ID"))
        search.addWidget(self.patient_edit, 2)
        search.addWidget(QLabel("Study date"))
        search.addWidget(self.date_edit, 2)
        search.addWidget(self.search_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addWidget(server_box)
        layout.addWidget(search_box)
        layout.addWidget(QLabel("Studies"))
        layout.addWidget(self.studies_table, 3)
        layout.addWidget(QLabel("Series of the study"))
        layout.addWidget(self.series_table, 2)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

        self.search_button.clicked.connect(self.search)
        self.patient_edit.returnPressed.connect(self.search)
        self.date_edit.returnPressed.connect(self.search)
        self.studies_table.itemSelectionChanged.connect(self._on_study_selected)
        self.series_table.itemSelectionChanged.connect(self._update_buttons)
        self.series_table.itemDoubleClicked.connect(lambda *_: self.open_selected())
        self.open_button.clicked.connect(self.open_selected)
        self.send_button.clicked.connect(self._choose_and_send)
        for edit in (self.server_edit, self.user_edit, self.password_edit):
            edit.textChanged.connect(self._update_buttons)
        self._update_buttons()

    # ------------------------------------------------------------------ actions
    @property
    def server_url(self) -> str:
        return self.server_edit.text().strip()

    def search(self) -> None:
        """Find the studies of the patient ID and date given (in a worker thread)."""
        from recist_reader.io.dicomweb.search import dicom_date_range, find_studies

        try:
            dicom_date_range(self.date_edit.text())
        except ValueError as error:
            self._say(str(error), error=True)
            return
        self._use_credentials()
        self._remember_server()
        self._studies, self._series = [], []
        _fill(self.studies_table, [])
        _fill(self.series_table, [])
        self._say(f"Searching {self.server_url} …")
        self._run(
            find_studies,
            self.server_url,
            self._show_studies,
            patient_id=self.patient_edit.text(),
            study_date=self.date_edit.text(),
        )

    def open_selected(self) -> None:
        """Open the series selected as a visit (its slices arrive in the background)."""
        chosen = self.selected_series()
        if chosen is None:
            return
        self._use_credentials()
        self._say(f"Opening {chosen['description'] or chosen['series_uid']} …")
        try:
            self._open_series(chosen["url"])
        except ValueError as error:  # SeriesError, ReadingError: a sentence naming the UID
            self._say(str(error), error=True)
            return
        self._say(
            f"Opened {chosen['modality']} {chosen['description'] or chosen['series_uid']} "
            f"({chosen['slices'] or '?'} slices) as a visit; its slices arrive from the server."
        )

    def send_srs(self, paths: Sequence[str | os.PathLike[str]]) -> list[str]:
        """Store SR files on the server (STOW-RS); the SOP Instance UIDs stored (none on
        refusal, which is shown naming the URL, the HTTP status and the UIDs)."""
        from recist_reader.io.dicomweb import store_sr

        if not paths:
            return []
        self._use_credentials()
        self._remember_server()
        try:
            stored = store_sr(list(paths), self.server_url)
        except ValueError as error:  # StoreRefusedError, a bad URL, an unreadable file
            self._say(f"Not sent: {error}", error=True)
            return []
        self._say(f"Sent {len(stored)} SR(s) to {self.server_url}.")
        return stored

    @property
    def studies(self) -> list[dict[str, Any]]:
        """The studies listed (``find_studies`` dicts), in table order."""
        return list(self._studies)

    @property
    def series(self) -> list[dict[str, Any]]:
        """The series of the study chosen (``find_series`` dicts), in table order."""
        return list(self._series)

    def selected_series(self) -> dict[str, Any] | None:
        rows = self.series_table.selectionModel().selectedRows()
        return self._series[rows[0].row()] if rows else None

    def selected_study(self) -> dict[str, Any] | None:
        rows = self.studies_table.selectionModel().selectedRows()
        return self._studies[rows[0].row()] if rows else None

    # ------------------------------------------------------------------ results
    def _show_studies(self, studies: list[dict[str, Any]]) -> None:
        self._studies = studies
        _fill(
            self.studies_table,
            [
                (
                    s["study_date"],
                    s["patient_id"],
                    s["patient_name"],
                    s["description"],
                    ", ".join(s["modalities"]),
                    "" if s["series_count"] is None else str(s["series_count"]),
                )
                for s in studies
            ],
        )
        self._say(f"{len(studies)} stud{'y' if len(studies) == 1 else 'ies'} found.")
        if len(studies) == 1:
            self.studies_table.selectRow(0)

    def _on_study_selected(self) -> None:
        from recist_reader.io.dicomweb.search import find_series

        study = self.selected_study()
        self._series = []
        _fill(self.series_table, [])
        self._update_buttons()
        if study is None:
            return
        self._say(f"Listing the series of study {study['study_uid']} …")
        self._run(find_series, self.server_url, self._show_series, study["study_uid"])

    def _show_series(self, series: list[dict[str, Any]]) -> None:
        self._series = series
        _fill(
            self.series_table,
            [
                (
                    "" if s["series_number"] is None else str(s["series_number"]),
                    s["modality"],
                    s["description"],
                    "" if s["slices"] is None else str(s["slices"]),
                )
                for s in series
            ],
            disabled=[not s["is_image"] for s in series],
        )
        images = [row for row, s in enumerate(series) if s["is_image"]]
        self._say(f"{len(series)} series, {len(images)} with images to read.")
        if len(images) == 1:
            self.series_table.selectRow(images[0])
        self._update_buttons()

    # ------------------------------------------------------------------ plumbing
    def _run(self, function: Callable[..., Any], url: str, done: Callable, *args, **kwargs):
        """Call ``function(url, *args, **kwargs)`` in a worker thread; ``done`` with the result."""
        from napari.qt.threading import create_worker

        self.search_button.setEnabled(False)
        worker = create_worker(
            function, url, *args, _start_thread=False, _ignore_errors=True, **kwargs
        )
        worker.returned.connect(done)
        worker.errored.connect(lambda error: self._say(str(error), error=True))
        worker.finished.connect(self._worker_finished)
        self._worker = worker
        worker.start()

    def _worker_finished(self) -> None:
        self._worker = None
        self._update_buttons()

    @property
    def busy(self) -> bool:
        """A search is running."""
        return self._worker is not None

    def _use_credentials(self) -> None:
        """A user name and password typed here, for this process only (never saved)."""
        from recist_reader.io.dicomweb.connection import PASSWORD_ENV, TOKEN_ENV, USER_ENV

        user = self.user_edit.text().strip()
        if user and not os.environ.get(TOKEN_ENV):
            os.environ[USER_ENV] = user
            os.environ[PASSWORD_ENV] = self.password_edit.text()
        self._update_buttons()

    def _remember_server(self) -> None:
        from recist_reader.io.dicomweb.urls import redact

        if self.server_url.lower().startswith(("http://", "https://")):
            self._settings.setValue(SERVER_KEY, redact(self.server_url))
            self._settings.sync()

    def _choose_and_send(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "SRs to send to PACS", "", "DICOM SR (*.dcm);;All files (*)"
        )
        self.send_srs(paths)

    def _update_buttons(self) -> None:
        from recist_reader.io.dicomweb.connection import TOKEN_ENV, USER_ENV

        has_server = self.server_url.lower().startswith(("http://", "https://"))
        chosen = self.selected_series()
        self.search_button.setEnabled(has_server and not self.busy)
        self.send_button.setEnabled(has_server)
        self.open_button.setEnabled(chosen is not None and bool(chosen["is_image"]))
        if os.environ.get(TOKEN_ENV):
            text = f"Credentials: the bearer token in {TOKEN_ENV}."
        elif self.user_edit.text().strip():
            text = f"Credentials: user {self.user_edit.text().strip()} (for this session only)."
        elif os.environ.get(USER_ENV):
            text = f"Credentials: user {os.environ[USER_ENV]} from {USER_ENV}."
        else:
            text = "No credentials (the server must allow anonymous access)."
        self.credentials_label.setText(text)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #e0584c;" if error else "")


class PacsOpenView(ReadingView):
    """The reading dock's "Open from PACS…" button: a visit from a DICOMweb server."""

    def __init__(
        self,
        context: ReadingContext,
        open_series: Callable[[str], Any],
        parent: QWidget | None = None,
    ):
        super().__init__(context, parent)
        self._open_series = open_series
        self.button = QPushButton("Open from PACS…")
        self.button.clicked.connect(self.show_dialog)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.button)
        layout.addStretch(1)
        self.dialog: PacsDialog | None = None

    def refresh(self) -> None:
        self.button.setEnabled(self.context.session is not None)

    def show_dialog(self) -> PacsDialog:
        """Show the dialog (one per dock, kept with its last search)."""
        if self.dialog is None:
            self.dialog = PacsDialog(self._open_series, parent=self)
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog


def _table(columns: Sequence[str], *, stretch: int) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def _fill(
    table: QTableWidget, rows: Sequence[Sequence[str]], disabled: Sequence[bool] = ()
) -> None:
    table.clearSelection()
    table.setRowCount(len(rows))
    for row, values in enumerate(rows):
        grey = row < len(disabled) and disabled[row]
        for column, value in enumerate(values):
            item = QTableWidgetItem(value)
            if grey:  # shown, but not a series to read (SR, SEG, ...)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            table.setItem(row, column, item)
