"""Follow-ups registered to the baseline in the background, and kept with the read.

When a follow-up's series and the baseline's are both open, the follow-up is registered to
the baseline (`recist_reader.registration.register_visits`) on a worker thread with one
SimpleITK thread, so napari keeps the other core and never waits; the result is stored on
the visit (``visit["registration"]``, design.md §11) so that reopening the read finds it
instead of computing it again. Closing a visit, or opening another read, cancels it.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from qtpy.QtCore import QObject, Signal

from recist_reader._qt.reading_context import ReadingContext
from recist_reader.reading import ReadingError
from recist_reader.reading.display import lps_to_world

if TYPE_CHECKING:  # pragma: no cover
    from recist_reader._qt.visit_layers import VisitLayers
    from recist_reader.registration import Registration

#: SimpleITK threads of a background registration: the other core stays napari's.
REGISTRATION_THREADS = 1


@dataclass
class RegistrationState:
    """Where a follow-up's registration stands.

    ``status`` is ``"registering"``, ``"done"`` (``registration`` set; it may be
    implausible) or ``"failed"`` (``message`` says why).
    """

    status: str
    baseline_series_uid: str
    follow_up_series_uid: str
    registration: Registration | None = None
    message: str = ""
    cancel: threading.Event | None = None
    worker: threading.Thread | None = None

    @property
    def usable(self) -> bool:
        """A plausible registration is available."""
        return self.registration is not None and self.registration.plausible


def _register_in_background(
    owner: weakref.ref, visit_id: str, fixed: Any, moving: Any, cancel: threading.Event
) -> None:
    """On a worker thread: register, then hand the result to the main thread. It holds its
    `FollowUpRegistration` weakly, so a viewer closed meanwhile is not kept alive."""
    from recist_reader.registration import (
        RegistrationCancelled,
        RegistrationError,
        register_visits,
    )

    try:
        result = register_visits(fixed, moving, cancel=cancel.is_set, threads=REGISTRATION_THREADS)
    except RegistrationCancelled:
        return
    except (RegistrationError, RuntimeError, MemoryError) as error:
        result, message = None, str(error)
    else:
        message = ""
    registrations = owner()
    if registrations is None:
        return
    try:
        registrations._finished.emit(visit_id, result, message)
    except RuntimeError:  # the dock was closed meanwhile
        pass


def _volume_of(layers: VisitLayers) -> Any:
    """The visit's image as a `Volume` (its array, LPS affine, modality, series UID)."""
    from recist_reader.io.dicom.volume import Volume

    metadata = layers.image.metadata
    return Volume(
        array=layers.image.data,
        spacing_mm=tuple(metadata["spacing_mm"]),
        affine=np.asarray(metadata["affine_lps"], float),
        series_uid=metadata["series_uid"],
        modality=metadata.get("modality", ""),
        study_date=metadata.get("study_date"),
        warnings=[],
    )


class FollowUpRegistration(QObject):
    """Registers each open follow-up to the open baseline, once, in the background.

    Signals
    -------
    changed(str)
        A follow-up's registration state changed (its visit id).
    """

    changed = Signal(str)
    _finished = Signal(str, object, object)  # visit id, Registration or None, error text

    def __init__(self, context: ReadingContext, parent: QObject | None = None):
        super().__init__(parent)
        self.context = context
        self.states: dict[str, RegistrationState] = {}
        self._finished.connect(self._on_finished)
        context.layers_changed.connect(self.update)
        context.session_replaced.connect(self._on_session_replaced)
        context.locators.append(self.expected_centre_world)

    # ------------------------------------------------------------------ what is known
    def state(self, visit_id: str | None) -> RegistrationState | None:
        return self.states.get(visit_id) if visit_id is not None else None

    def registration(self, visit_id: str | None) -> Registration | None:
        """The follow-up's plausible registration, or None."""
        state = self.state(visit_id)
        return state.registration if state is not None and state.usable else None

    def expected_ruler_lps(self, visit_id: str, lesion_id: str) -> np.ndarray | None:
        """The baseline ruler of a lesion mapped onto the follow-up (2 x 3 LPS mm), when the
        follow-up's registration is plausible and the lesion has a baseline ruler."""
        registration = self.registration(visit_id)
        session = self.context.session
        if registration is None or session is None:
            return None
        for axis in ("long", "short"):
            ruler = session.ruler(session.baseline_visit_id, lesion_id, axis=axis)  # type: ignore[arg-type]
            if ruler is not None:
                return registration.to_follow_up(np.asarray(ruler.points_lps_mm, float))
        return None

    def expected_ruler_world(self, visit_id: str, lesion_id: str) -> np.ndarray | None:
        """The baseline ruler mapped onto the follow-up, in its world coordinates, laid on
        the follow-up's slice nearest its centre (so that it shows where the image does)."""
        layers = self.context.visit_layers.get(visit_id)
        ruler = self.expected_ruler_lps(visit_id, lesion_id)
        if layers is None or ruler is None:
            return None
        line = lps_to_world(ruler, layers.world_to_lps)
        centre = line.mean(axis=0)
        index = np.asarray(layers.image.world_to_data(centre), float)
        index[0] = np.clip(np.round(index[0]), 0, layers.image.data.shape[0] - 1)
        line[:, 0] = np.asarray(layers.image.data_to_world(index), float)[0]
        return line

    def expected_centre_world(self, visit_id: str, lesion_id: str) -> np.ndarray | None:
        """Where the lesion is expected on the follow-up (world coordinates, on a slice)."""
        line = self.expected_ruler_world(visit_id, lesion_id)
        return None if line is None else line.mean(axis=0)

    # ------------------------------------------------------------------ keeping up
    def update(self) -> None:
        """Start (or take from the record) the registration of every open follow-up."""
        session = self.context.session
        if session is None:
            return
        baseline = self.context.visit_layers.get(session.baseline_visit_id)
        for visit_id, state in list(self.states.items()):
            layers = self.context.visit_layers.get(visit_id)
            if (
                baseline is None
                or layers is None
                or state.baseline_series_uid != baseline.series_uid
                or state.follow_up_series_uid != layers.series_uid
            ):
                self._forget(visit_id)
        if baseline is None:
            return
        for visit_id, layers in self.context.visit_layers.items():
            if visit_id == session.baseline_visit_id or visit_id in self.states:
                continue
            self._start(visit_id, baseline, layers)

    def _start(self, visit_id: str, baseline: VisitLayers, layers: VisitLayers) -> None:
        from recist_reader.registration import Registration, RegistrationError

        session = self.context.require_session()
        stored = session.registration(visit_id)
        state = RegistrationState("registering", baseline.series_uid, layers.series_uid)
        if (
            stored is not None
            and stored.get("baseline_series_uid") == baseline.series_uid
            and stored.get("follow_up_series_uid") == layers.series_uid
        ):
            try:
                state.registration = Registration.from_json(stored)
                state.status = "done"
            except RegistrationError as error:
                self.context.show_message(
                    f"{visit_id}: the stored registration is unusable ({error}); registering again",
                    warning=True,
                )
        self.states[visit_id] = state
        if state.status == "done":
            self.changed.emit(visit_id)
            return
        state.cancel = threading.Event()
        fixed, moving = _volume_of(baseline), _volume_of(layers)
        worker = threading.Thread(
            target=_register_in_background,
            args=(weakref.ref(self), visit_id, fixed, moving, state.cancel),
            name=f"register {visit_id}",
            # Not a daemon: a daemon thread killed inside SimpleITK at interpreter exit
            # aborts the process ("FATAL: exception not rethrown"); Python waits for this
            # one instead (seconds at most; closing the window cancels it first).
            daemon=False,
        )
        state.worker = worker
        worker.start()
        self.context.show_message(f"{visit_id}: registering to the baseline in the background…")
        self.changed.emit(visit_id)

    def _on_finished(self, visit_id: str, result: Registration | None, error: str) -> None:
        """On the main thread: keep the result if the visit is still the one registered."""
        state = self.states.get(visit_id)
        session = self.context.session
        if state is None or session is None or state.status != "registering":
            return
        if result is None:
            state.status, state.message = "failed", error
            self.context.show_message(
                f"{visit_id}: registration to the baseline failed ({error}); Go to shows the "
                "baseline ruler's position: find the lesion by hand",
                warning=True,
            )
        elif (result.baseline_series_uid, result.follow_up_series_uid) != (
            state.baseline_series_uid,
            state.follow_up_series_uid,
        ):
            return
        else:
            state.status, state.registration = "done", result
            if visit_id in {v["visit_id"] for v in session.visits()}:
                try:
                    session.set_registration(visit_id, result.to_json())
                except ReadingError as error:  # e.g. a locked timepoint in reader mode
                    self.context.show_message(
                        f"{visit_id}: the registration is used but not saved with the read "
                        f"({error})",
                        warning=True,
                    )
            if result.plausible:
                self.context.show_message(
                    f"{visit_id}: registered to the baseline ({result.method}, "
                    f"{result.seconds:.0f} s); Go to and Propose find each lesion"
                )
            else:
                self.context.show_message(
                    f"{visit_id}: {result.reason}. Go to shows the baseline ruler's position "
                    "and Propose is off: find the lesion by hand",
                    warning=True,
                )
        self.changed.emit(visit_id)

    def _forget(self, visit_id: str) -> None:
        state = self.states.pop(visit_id, None)
        if state is not None and state.cancel is not None:
            state.cancel.set()
        self.changed.emit(visit_id)

    def _on_session_replaced(self) -> None:
        for visit_id in list(self.states):
            self._forget(visit_id)
        self.update()

    def cancel_all(self, wait_s: float = 0.0) -> None:
        """Stop every registration still running (e.g. when the dock closes); with
        ``wait_s``, wait up to that long for the workers to end (the cancel is checked
        about every 50 ms), so that nothing of a closed viewer stays in use."""
        states = list(self.states.values())
        for state in states:
            if state.cancel is not None:
                state.cancel.set()
        for state in states:
            if wait_s and state.worker is not None and state.worker.is_alive():
                state.worker.join(wait_s)

    def wait(self, visit_id: str, timeout_s: float = 120.0) -> RegistrationState | None:
        """Block until the follow-up's registration is done (for scripts and tests; the
        dock never calls it). Processes Qt events while waiting."""
        import time

        from qtpy.QtWidgets import QApplication

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            state = self.states.get(visit_id)
            if state is None or state.status != "registering":
                return state
            QApplication.processEvents()
            time.sleep(0.02)
        return self.states.get(visit_id)
