"""The patient record being read: every edit the reading widget makes, as plain Python.

A :class:`ReadingSession` holds one patient record (design.md §1) while a radiologist works
on it: lesions, visits, rulers, statuses and new lesions. Every widget callback calls one
method here; the session keeps the record valid enough to save at any moment, scores it
live, autosaves it to a sidecar and saves it atomically.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from recist_reader.core.criteria import CRITERIA
from recist_reader.core.record import PatientRecord
from recist_reader.core.scoring import score_parsed_record, score_record
from recist_reader.core.tracking import derived_lesion_tracking_uid
from recist_reader.core.types import iso_date
from recist_reader.core.validation import cross_field_problems, problems_from_validation_error
from recist_reader.errors import RecordError, RecordProblem
from recist_reader.io.record_json import read_record_file, write_json_atomic
from recist_reader.reading.geometry import Ruler, is_perpendicular
from recist_reader.reading.mrecist_reading import VIABLE_AXIS, MrecistReading
from recist_reader.reading.new_lesion_tracking import NewLesionTracking

LesionKind = Literal["target", "non-target"]
Axis = Literal["long", "short", "viable"]

TARGET_STATUSES = ("too_small", "absent", "not_evaluated")
NON_TARGET_STATUSES = ("present", "absent", "unequivocal_progression", "not_evaluated")

#: Common sites for the organ pick list; free text is accepted too.
COMMON_ORGANS = (
    "liver",
    "lung",
    "lymph node",
    "adrenal gland",
    "bone",
    "peritoneum",
    "pleura",
    "kidney",
    "spleen",
    "pancreas",
    "brain",
    "soft tissue",
    "portal vein",
    "abdominal wall",
)

#: The patient id of a new record until the reader types one or the baseline series gives it.
UNNAMED_PATIENT_ID = "NEW-PATIENT"

# Baseline problems that make a record invalid by the rule book (R2.6, R3.1, R3.4): saving is
# refused while any is present. Everything else is shown but does not block.
BLOCKING_CODES = frozenset(
    {
        "target_not_measurable",
        "too_many_targets",
        "too_many_targets_per_organ",
        "new_lesion_at_baseline",
        "non_target_not_present_at_baseline",
    }
)
# Problems that are normal while a read is in progress: opening and saving allow them.
IN_PROGRESS_CODES = frozenset({"baseline_target_not_measured", "measurement_incomplete"})


class ReadingError(ValueError):
    """An edit that would make the record wrong (unknown id, date before baseline, ...)."""


class SaveBlockedError(ReadingError):
    """Saving is refused because the record breaks a baseline rule; ``problems`` says which."""

    def __init__(self, problems: list[RecordProblem]):
        self.problems = problems
        lines = "; ".join(p.describe() for p in problems)
        super().__init__(f"the record breaks the baseline rules, so it was not saved: {lines}")


@dataclass(frozen=True)
class LesionCheck:
    """A baseline rule check shown beside a lesion (R2, R3) or a ruler warning."""

    lesion_id: str | None
    message: str
    code: str
    blocking: bool


@dataclass
class LiveScore:
    """The response of the record as it stands, and what keeps it from being complete."""

    response: dict[str, Any] | None
    problems: list[RecordProblem] = field(default_factory=list)
    checks: list[LesionCheck] = field(default_factory=list)


def autosave_path(record_path: str | os.PathLike[str]) -> Path:
    """The autosave sidecar of a record file: hidden, beside it, never taken for a record."""
    path = Path(record_path)
    return path.with_name(f".{path.name}.autosave")


def default_autosave_folder() -> Path:
    """Where records not yet saved anywhere are autosaved (``$XDG_STATE_HOME/recist-reader``)."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(base) / "recist-reader" / "autosave"


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def _parse_date(value: str | dt.date) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return iso_date(value)
    except ValueError:
        raise ReadingError(f"{value!r} is not a date YYYY-MM-DD") from None


class ReadingSession(NewLesionTracking, MrecistReading):
    """An editable patient record (tracked new lesions for iRECIST: :class:`NewLesionTracking`).

    Parameters
    ----------
    record : dict
        A patient record (design.md §1); in-progress records (targets not yet measured at
        baseline) are accepted.
    path : path, optional
        The file the record is saved to.
    reader : str
        The reader's name, written on every measurement they make and, with the next edit,
        as the record's ``reader`` (a record that names its reader keeps that name).
    decimals : int
        Decimals of recorded diameters (rulers keep their exact endpoints).
    """

    def __init__(
        self,
        record: dict[str, Any],
        *,
        path: str | os.PathLike[str] | None = None,
        reader: str = "",
        decimals: int = 1,
        clock: Callable[[], str] = _now_iso,
    ):
        check_record(record)
        self._record = copy.deepcopy(record)
        self._record.setdefault("schema_version", 1)
        for visit in self._record["visits"]:
            visit.setdefault("measurements", [])
            visit.setdefault("new_lesions", [])
        self.path = Path(path) if path is not None else None
        #: Who reads: the record's ``reader`` when it has one (the read is theirs), else
        #: ``reader``; written into the record with the next edit and on every measurement.
        self.reader = self._record.get("reader") or reader
        self.decimals = decimals
        self._clock = clock
        self.dirty = False
        self.listeners: list[Callable[[], None]] = []

    # ------------------------------------------------------------------ construction
    @classmethod
    def new(
        cls,
        patient_id: str,
        baseline_date: str | dt.date,
        *,
        criteria: str = "RECIST1.1",
        baseline_visit_id: str = "BL",
        reader: str = "",
    ) -> ReadingSession:
        """A new patient with an empty baseline visit."""
        if not patient_id.strip():
            raise ReadingError("give a patient id")
        if criteria not in CRITERIA:
            raise ReadingError(
                f"unsupported criteria {criteria!r}; supported: {', '.join(CRITERIA)}"
            )
        date = _parse_date(baseline_date).isoformat()
        record = {
            "schema_version": 1,
            "patient_id": patient_id.strip(),
            "criteria": criteria,
            "baseline_date": date,
            "lesions": [],
            "visits": [
                {"visit_id": baseline_visit_id, "date": date, "measurements": [], "new_lesions": []}
            ],
        }
        return cls(record, reader=reader)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, reader: str = "") -> ReadingSession:
        """Open a record file.

        Raises
        ------
        RecordError
            Naming the file and each invalid field; nothing is changed on disk.
        """
        data = read_record_file(path)
        try:
            return cls(data, path=path, reader=reader)
        except RecordError as error:
            raise error.with_source(str(path)) from None

    # ------------------------------------------------------------------ record access
    @property
    def record(self) -> dict[str, Any]:
        """A copy of the record as it stands (design.md §1)."""
        return copy.deepcopy(self._record)

    @property
    def patient_id(self) -> str:
        return self._record["patient_id"]

    @property
    def is_empty(self) -> bool:
        """True while nothing was read: no lesion, no series, no new lesion."""
        return not self._record["lesions"] and not any(
            visit.get("series") or visit["new_lesions"] for visit in self._record["visits"]
        )

    @property
    def baseline_date(self) -> dt.date:
        return dt.date.fromisoformat(self._record["baseline_date"])

    @property
    def baseline_visit_id(self) -> str:
        return self._baseline_visit()["visit_id"]

    def lesions(self, kind: LesionKind | None = None) -> list[dict[str, Any]]:
        """The lesions (copies), in record order, optionally of one kind."""
        return [
            copy.deepcopy(lesion)
            for lesion in self._record["lesions"]
            if kind in (None, lesion["kind"])
        ]

    def lesion(self, lesion_id: str) -> dict[str, Any]:
        """One lesion (a copy)."""
        return copy.deepcopy(self._lesion(lesion_id))

    def visits(self) -> list[dict[str, Any]]:
        """The visits (copies) in date order, the baseline first."""
        return [copy.deepcopy(v) for v in sorted(self._record["visits"], key=lambda v: v["date"])]

    def visit(self, visit_id: str) -> dict[str, Any]:
        """One visit (a copy)."""
        return copy.deepcopy(self._visit(visit_id))

    def measurement(self, visit_id: str, lesion_id: str) -> dict[str, Any] | None:
        """A lesion's measurement at a visit (a copy), or None."""
        found = self._measurement(self._visit(visit_id), lesion_id)
        return None if found is None else copy.deepcopy(found)

    def ruler(self, visit_id: str, lesion_id: str, *, axis: Axis = "long") -> Ruler | None:
        """The ruler drawn for a lesion (or a new-lesion target) at a visit, if any; axis
        ``viable`` is a typical HCC's viable-diameter ruler (mRECIST)."""
        if axis == VIABLE_AXIS:
            return self.viable_ruler(visit_id, lesion_id)
        if self.is_new_lesion_target(lesion_id):
            return self.new_lesion_ruler(visit_id, lesion_id, axis=axis)
        measurement = self._measurement(self._visit(visit_id), lesion_id)
        key = "ruler" if axis == "long" else "short_axis_ruler"
        if measurement is None or not measurement.get(key):
            return None
        return Ruler.from_json(measurement[key])

    def previous_visit_id(self, visit_id: str) -> str | None:
        """The visit before ``visit_id`` in date order, None for the baseline."""
        ordered = [v["visit_id"] for v in self.visits()]
        index = ordered.index(self._visit(visit_id)["visit_id"])
        return ordered[index - 1] if index > 0 else None

    # ------------------------------------------------------------------ patient
    def set_patient_id(self, patient_id: str) -> None:
        if not patient_id.strip():
            raise ReadingError("the patient id cannot be empty")
        self._record["patient_id"] = patient_id.strip()
        self._changed()

    def set_reader(self, reader: str) -> None:
        """Name who reads this record (kept in the record as ``reader``)."""
        self.reader = reader.strip()
        if self.reader and self._record.get("reader") != self.reader:
            self._changed()  # writes it

    @property
    def criteria(self) -> str:
        """The record's primary criteria (design.md §7.1)."""
        return self._record["criteria"]

    def set_criteria(self, criteria: str) -> None:
        """Make ``criteria`` the record's primary criteria (RECIST1.1, mRECIST or iRECIST)."""
        if criteria not in CRITERIA:
            raise ReadingError(
                f"unsupported criteria {criteria!r}; supported: {', '.join(CRITERIA)}"
            )
        if criteria != self._record["criteria"]:
            self._record["criteria"] = criteria
            self._changed()

    def set_baseline_date(self, date: str | dt.date) -> None:
        """Move the baseline date (and the baseline visit's date with it)."""
        new = _parse_date(date)
        later = [v for v in self._record["visits"] if v is not self._baseline_visit()]
        if any(_parse_date(v["date"]) <= new for v in later):
            raise ReadingError(f"{new.isoformat()} is not before every follow-up visit")
        self._baseline_visit()["date"] = new.isoformat()
        self._record["baseline_date"] = new.isoformat()
        self._changed()

    # ------------------------------------------------------------------ visits
    def add_visit(
        self,
        date: str | dt.date,
        *,
        visit_id: str | None = None,
        series: Iterable[dict[str, Any]] = (),
    ) -> str:
        """Add a follow-up visit; return its id (``W<weeks since baseline>`` by default)."""
        when = _parse_date(date)
        visit_id = visit_id or self.suggested_visit_id(when)
        problem = self.follow_up_problem(when, visit_id)
        if problem is not None:
            raise ReadingError(problem)
        visit: dict[str, Any] = {
            "visit_id": visit_id,
            "date": when.isoformat(),
            "measurements": [],
            "new_lesions": [],
        }
        series = [dict(s) for s in series]
        if series:
            visit["series"] = series
        self._record["visits"].append(visit)
        self._changed()
        return visit_id

    def suggested_visit_id(self, date: str | dt.date) -> str:
        """The id a follow-up on ``date`` gets by default: ``W<weeks since baseline>``."""
        weeks = round((_parse_date(date) - self.baseline_date).days / 7)
        return self._unique_id(f"W{weeks}", {v["visit_id"] for v in self._record["visits"]})

    def follow_up_problem(self, date: str | dt.date, visit_id: str) -> str | None:
        """Why a new follow-up could not have this date and id (None when it can)."""
        try:
            self._check_follow_up_date(_parse_date(date), None)
        except ReadingError as error:
            return str(error)
        if not visit_id.strip():
            return "give the visit an id"
        if any(v["visit_id"] == visit_id for v in self._record["visits"]):
            return f"visit {visit_id!r} exists already"
        return None

    def add_series(self, visit_id: str, series: dict[str, Any]) -> None:
        """Record that ``series`` (``series_uid``, ``study_uid``, ``modality``, ``description``,
        optionally ``source``) was read at a visit."""
        visit = self._visit(visit_id)
        listed = visit.setdefault("series", [])
        if all(s.get("series_uid") != series.get("series_uid") for s in listed):
            listed.append(dict(series))
            self._changed()

    def update_series(self, visit_id: str, series_uid: str, **fields: Any) -> None:
        """Change what the record keeps of a visit's series: ``source`` (where it was
        loaded from), ``window_center`` and ``window_width`` (the window the reader chose)."""
        allowed = {"source", "window_center", "window_width"}
        unknown = set(fields) - allowed
        if unknown:
            raise ReadingError(f"cannot change {', '.join(sorted(unknown))} of a series")
        listed = self._visit(visit_id).get("series") or []
        entry = next((s for s in listed if s.get("series_uid") == series_uid), None)
        if entry is None:
            raise ReadingError(f"visit {visit_id} has no series {series_uid}")
        changed = {k: v for k, v in fields.items() if entry.get(k) != v}
        if not changed:
            return
        for key, value in changed.items():
            if value is None:
                entry.pop(key, None)
            else:
                entry[key] = value
        self._changed()

    def set_visit_date(self, visit_id: str, date: str | dt.date) -> None:
        """Change a visit's date (the baseline's moves the baseline date)."""
        visit = self._visit(visit_id)
        if visit is self._baseline_visit():
            self.set_baseline_date(date)
            return
        when = _parse_date(date)
        self._check_follow_up_date(when, visit)
        visit["date"] = when.isoformat()
        self._changed()

    def remove_visit(self, visit_id: str) -> None:
        """Remove a follow-up visit and everything measured at it."""
        visit = self._visit(visit_id)
        if visit is self._baseline_visit():
            raise ReadingError("the baseline visit cannot be removed")
        self._record["visits"].remove(visit)
        self._changed()

    # ------------------------------------------------------------------ lesions
    def add_lesion(
        self,
        kind: LesionKind,
        organ: str,
        *,
        nodal: bool = False,
        lesion_id: str | None = None,
        method: str | None = None,
        slice_thickness_mm: float | None = None,
    ) -> str:
        """Add a target or non-target lesion; return its id (``T1``, ``NT1``, ... by default).

        A non-target is recorded ``present`` at baseline (R3.3).
        """
        if kind not in ("target", "non-target"):
            raise ReadingError(f"kind must be 'target' or 'non-target', not {kind!r}")
        if not organ.strip():
            raise ReadingError("give the lesion's organ")
        existing = {lesion["lesion_id"] for lesion in self._record["lesions"]}
        if lesion_id is None:
            lesion_id = self._unique_id("T" if kind == "target" else "NT", existing, start=1)
        elif lesion_id in existing:
            raise ReadingError(f"lesion {lesion_id!r} exists already")
        lesion: dict[str, Any] = {
            "lesion_id": lesion_id,
            "kind": kind,
            "organ": organ.strip(),
            "nodal": bool(nodal),
        }
        if method is not None:
            lesion["method"] = method
        if slice_thickness_mm is not None:
            lesion["slice_thickness_mm"] = float(slice_thickness_mm)
        self._record["lesions"].append(lesion)
        if kind == "non-target":
            self._put_measurement(self._baseline_visit(), lesion_id, {"status": "present"})
        self._changed()
        return lesion_id

    def update_lesion(self, lesion_id: str, **fields: Any) -> None:
        """Change a lesion's ``organ``, ``nodal``, ``method`` or ``slice_thickness_mm``."""
        allowed = {"organ", "nodal", "method", "slice_thickness_mm", "note"}
        unknown = set(fields) - allowed
        if unknown:
            raise ReadingError(
                f"cannot change {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}"
            )
        lesion = self._lesion(lesion_id)
        for key, value in fields.items():
            if value is None:
                lesion.pop(key, None)
            else:
                lesion[key] = value
        self._changed()

    def remove_lesion(self, lesion_id: str) -> None:
        """Remove a lesion and its measurements at every visit."""
        lesion = self._lesion(lesion_id)
        self._record["lesions"].remove(lesion)
        for visit in self._record["visits"]:
            visit["measurements"] = [
                m for m in visit["measurements"] if m["lesion_id"] != lesion_id
            ]
        self._changed()

    # ------------------------------------------------------------------ measurements
    def set_ruler(
        self,
        visit_id: str,
        lesion_id: str,
        ruler: Ruler,
        *,
        axis: Axis = "long",
        method: Literal["manual", "semi-automatic"] | None = None,
    ) -> dict[str, Any]:
        """Record a ruler for a target at a visit; return the measurement.

        The long axis gives a non-nodal lesion's ``diameter_mm``; the short axis gives a
        node's (R4.1). The other axis is kept as ``long_axis_mm`` / ``short_axis_mm``.
        ``method`` records how the ruler was made (``semi-automatic`` for a proposal the
        reader accepted or adjusted); by default the measurement keeps its method, or
        ``manual`` for a new one. An axis drawn ``manual`` over a semi-automatic
        measurement replaces the proposal: the proposal's other axis is removed with it. A
        tracked new-lesion target's ruler goes on its listing (:meth:`set_new_lesion_ruler`);
        axis ``viable`` records a typical HCC's viable diameter (:meth:`set_viable_ruler`).
        """
        if axis == VIABLE_AXIS:
            return self.set_viable_ruler(visit_id, lesion_id, ruler)
        if self.is_new_lesion_target(lesion_id):
            return self.set_new_lesion_ruler(visit_id, lesion_id, ruler, axis=axis)
        lesion = self._lesion(lesion_id)
        if lesion["kind"] != "target":
            raise ReadingError(f"{lesion_id} is a non-target: it takes a status, not a ruler")
        if axis not in ("long", "short"):
            raise ReadingError(f"axis must be 'long' or 'short', not {axis!r}")
        visit = self._visit(visit_id)
        measurement = dict(self._measurement(visit, lesion_id) or {})
        measurement.pop("status", None)
        if method == "manual" and measurement.get("method") == "semi-automatic":
            # A redrawn axis replaces the proposal: its other axis went with the proposal.
            other_key, other_length = (
                ("short_axis_ruler", "short_axis_mm")
                if axis == "long"
                else ("ruler", "long_axis_mm")
            )
            measurement.pop(other_key, None)
            measurement.pop(other_length, None)
            if axis == ("long" if lesion["nodal"] else "short"):
                measurement.pop("diameter_mm", None)
        length = ruler.length_mm
        if axis == "long":
            measurement["ruler"] = ruler.as_json()
            measurement["long_axis_mm"] = round(length, 2)
        else:
            measurement["short_axis_ruler"] = ruler.as_json()
            measurement["short_axis_mm"] = round(length, 2)
        recist_axis = "short" if lesion["nodal"] else "long"
        if axis == recist_axis:
            measurement["diameter_mm"] = round(length, self.decimals)
        measurement["reader"] = self.reader or measurement.get("reader") or ""
        measurement["measured_at"] = self._clock()
        if method != "semi-automatic":
            measurement.pop("proposal_doubt", None)  # the reader looked at the rulers
        if method is not None:
            measurement["method"] = method
        measurement.setdefault("method", "manual")
        self._put_measurement(visit, lesion_id, measurement)
        self._changed()
        return copy.deepcopy(measurement)

    def remove_ruler(self, visit_id: str, lesion_id: str, *, axis: Axis = "long") -> None:
        """Delete one ruler of a lesion at a visit (and the diameter it gave)."""
        if axis == VIABLE_AXIS:
            self.remove_viable_ruler(visit_id, lesion_id)
            return
        if self.is_new_lesion_target(lesion_id):
            self.remove_new_lesion_ruler(visit_id, lesion_id, axis=axis)
            return
        visit = self._visit(visit_id)
        measurement = self._measurement(visit, lesion_id)
        if measurement is None:
            return
        lesion = self._lesion(lesion_id)
        key, length_key = (
            ("ruler", "long_axis_mm") if axis == "long" else ("short_axis_ruler", "short_axis_mm")
        )
        measurement.pop(key, None)
        measurement.pop(length_key, None)
        if axis == ("short" if lesion["nodal"] else "long"):
            measurement.pop("diameter_mm", None)
        if not any(
            k in measurement for k in ("diameter_mm", "status", "ruler", "short_axis_ruler")
        ):
            visit["measurements"].remove(measurement)
        self._changed()

    def set_status(self, visit_id: str, lesion_id: str, status: str) -> None:
        """Set a status: for targets ``too_small``, ``absent``, ``not_evaluated``; for
        non-targets ``present``, ``absent``, ``unequivocal_progression``, ``not_evaluated``."""
        lesion = self._lesion(lesion_id)
        allowed = TARGET_STATUSES if lesion["kind"] == "target" else NON_TARGET_STATUSES
        if status not in allowed:
            raise ReadingError(
                f"{status!r} is not a {lesion['kind']} status; use {', '.join(allowed)}"
            )
        visit = self._visit(visit_id)
        measurement: dict[str, Any] = {
            "status": status,
            "reader": self.reader,
            "measured_at": self._clock(),
        }
        marker = (self._measurement(visit, lesion_id) or {}).get("marker")
        if marker and lesion["kind"] == "non-target" and status != "absent":
            measurement["marker"] = marker
        self._put_measurement(visit, lesion_id, measurement)
        self._changed()

    def set_marker(
        self, visit_id: str, lesion_id: str, point_lps_mm: Any, *, series_uid: str
    ) -> None:
        """Mark where a non-target is at a visit (a point in LPS mm on ``series_uid``); a
        non-target with no status there yet is recorded ``present``."""
        lesion = self._lesion(lesion_id)
        if lesion["kind"] != "non-target":
            raise ReadingError(f"{lesion_id} is a target: draw its ruler instead of a marker")
        visit = self._visit(visit_id)
        measurement = dict(self._measurement(visit, lesion_id) or {})
        if measurement.get("status") in (None, "absent"):
            measurement["status"] = "present"
        measurement["marker"] = {
            "series_uid": series_uid,
            "point_lps_mm": [float(c) for c in point_lps_mm],
        }
        measurement["reader"] = self.reader or measurement.get("reader") or ""
        measurement["measured_at"] = self._clock()
        self._put_measurement(visit, lesion_id, measurement)
        self._changed()

    def clear_marker(self, visit_id: str, lesion_id: str) -> None:
        """Remove a non-target's marker at a visit (its status stays)."""
        measurement = self._measurement(self._visit(visit_id), lesion_id)
        if measurement is not None and measurement.pop("marker", None) is not None:
            self._changed()

    def set_proposal_doubt(self, visit_id: str, lesion_id: str, doubt: str | None) -> None:
        """Record (or, with None, clear) why a semi-automatic proposal was doubtful."""
        measurement = self._measurement(self._visit(visit_id), lesion_id)
        if measurement is None:
            raise ReadingError(f"{lesion_id} has no measurement at {visit_id}")
        if doubt:
            measurement["proposal_doubt"] = doubt
        elif measurement.pop("proposal_doubt", None) is None:
            return
        self._changed()

    def set_lesion_kind(self, lesion_id: str, kind: LesionKind) -> str:
        """Make a lesion a target or a non-target while only its baseline is read; returns
        its id (``T<n>``/``NT<n>`` ids follow the kind). Its baseline measurement starts
        again (a non-target is ``present``, a target awaits its ruler)."""
        lesion = self._lesion(lesion_id)
        if kind not in ("target", "non-target"):
            raise ReadingError(f"kind must be 'target' or 'non-target', not {kind!r}")
        if lesion["kind"] == kind:
            return lesion_id
        baseline = self._baseline_visit()
        measured = [
            v["visit_id"]
            for v in self._record["visits"]
            if v is not baseline and self._measurement(v, lesion_id) is not None
        ]
        if measured:
            raise ReadingError(
                f"{lesion_id} is already read at {', '.join(measured)}: its kind can only "
                "change before the follow-ups are read"
            )
        new_id = lesion_id
        default_prefix = "T" if lesion["kind"] == "target" else "NT"
        if lesion_id.startswith(default_prefix) and lesion_id[len(default_prefix) :].isdigit():
            taken = {other["lesion_id"] for other in self._record["lesions"]}
            new_id = self._unique_id("T" if kind == "target" else "NT", taken, start=1)
        baseline["measurements"] = [
            m for m in baseline["measurements"] if m["lesion_id"] != lesion_id
        ]
        lesion["kind"] = kind
        lesion["lesion_id"] = new_id
        if kind == "non-target":
            self._put_measurement(baseline, new_id, {"status": "present"})
        self._changed()
        return new_id

    def clear_measurement(self, visit_id: str, lesion_id: str) -> None:
        """Remove a lesion's measurement at a visit (it becomes not evaluated)."""
        visit = self._visit(visit_id)
        visit["measurements"] = [m for m in visit["measurements"] if m["lesion_id"] != lesion_id]
        self._changed()

    # ------------------------------------------------------------------ new lesions
    def add_new_lesion(
        self,
        visit_id: str,
        location: str,
        *,
        equivocal: bool = False,
        point_lps_mm: tuple[float, float, float] | None = None,
        series_uid: str | None = None,
        first_seen_visit_id: str | None = None,
    ) -> int:
        """Add a new lesion at a follow-up visit; return its index in the visit's list."""
        visit = self._visit(visit_id)
        if visit is self._baseline_visit():
            raise ReadingError(
                "new lesions cannot be recorded at baseline (R3.4): add a lesion instead"
            )
        if not location.strip():
            raise ReadingError("give the new lesion's location")
        entry: dict[str, Any] = {"location": location.strip(), "equivocal": bool(equivocal)}
        if point_lps_mm is not None:
            entry["point_lps_mm"] = [float(c) for c in point_lps_mm]
        if series_uid:
            entry["series_uid"] = series_uid
        if first_seen_visit_id:
            self._visit(first_seen_visit_id)
            entry["first_seen_visit_id"] = first_seen_visit_id
        visit["new_lesions"].append(entry)
        self._changed()
        return len(visit["new_lesions"]) - 1

    def update_new_lesion(self, visit_id: str, index: int, **fields: Any) -> None:
        """Change a new lesion's ``location``, ``equivocal``, ``point_lps_mm`` or
        ``first_seen_visit_id``."""
        entries = self._visit(visit_id)["new_lesions"]
        if not 0 <= index < len(entries):
            raise ReadingError(f"visit {visit_id} has no new lesion {index + 1}")
        allowed = {
            "location",
            "equivocal",
            "point_lps_mm",
            "series_uid",
            "first_seen_visit_id",
            "note",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise ReadingError(f"cannot change {', '.join(sorted(unknown))}")
        for key, value in fields.items():
            if value is None:
                entries[index].pop(key, None)
            else:
                entries[index][key] = value
        self._changed()

    def remove_new_lesion(self, visit_id: str, index: int) -> None:
        entries = self._visit(visit_id)["new_lesions"]
        if not 0 <= index < len(entries):
            raise ReadingError(f"visit {visit_id} has no new lesion {index + 1}")
        del entries[index]
        self._changed()

    def registration(self, visit_id: str) -> dict[str, Any] | None:
        """A follow-up's stored registration to the baseline (design.md §11; a copy), or
        None."""
        found = self._visit(visit_id).get("registration")
        return None if found is None else copy.deepcopy(found)

    def set_registration(self, visit_id: str, registration: dict[str, Any] | None) -> None:
        """Keep a follow-up's registration to the baseline with the read (what
        `Registration.to_json` writes; None removes it), so that reopening the read does
        not compute it again. Scoring ignores it.

        It is written with the read's next save, but does not by itself make the read
        unsaved: a read opened and closed without an edit is not asked about (a
        registration not saved is computed again on reopening)."""
        visit = self._visit(visit_id)
        if visit is self._baseline_visit():
            raise ReadingError("the baseline is not registered to itself")
        if registration is None:
            visit.pop("registration", None)
        elif visit.get("registration") != registration:
            visit["registration"] = copy.deepcopy(dict(registration))

    # ------------------------------------------------------------------ checks and score
    def checks(self) -> list[LesionCheck]:
        """Baseline rule checks (R2, R3) and ruler warnings, each tied to a lesion."""
        return self._checks(self._parsed(lenient=True))

    def _checks(self, record: PatientRecord) -> list[LesionCheck]:
        criteria = CRITERIA[record.criteria]()
        baseline_index = next(
            i for i, v in enumerate(record.visits) if v.date == record.baseline_date
        )
        problems = criteria.baseline_problems(record, record.visits[baseline_index], baseline_index)
        out = [
            LesionCheck(self._lesion_of_path(p.path), p.message, p.code, p.code in BLOCKING_CODES)
            for p in problems
        ]
        for lesion in self._record["lesions"]:
            if lesion["kind"] != "target":
                continue
            if not self._measurement(self._baseline_visit(), lesion["lesion_id"]):
                out.append(
                    LesionCheck(
                        lesion["lesion_id"],
                        f"{lesion['lesion_id']} has no baseline measurement yet: draw its ruler",
                        "baseline_target_not_measured",
                        False,
                    )
                )
            for visit in self._record["visits"]:
                doubt = (self._measurement(visit, lesion["lesion_id"]) or {}).get("proposal_doubt")
                if doubt:
                    out.append(
                        LesionCheck(
                            lesion["lesion_id"],
                            f"{lesion['lesion_id']} at {visit['visit_id']}: doubtful proposal "
                            f"({doubt}): check its rulers",
                            "proposal_doubtful",
                            False,
                        )
                    )
                long, short = (
                    self.ruler(visit["visit_id"], lesion["lesion_id"], axis=a)
                    for a in ("long", "short")
                )
                if long is not None and short is not None and not is_perpendicular(long, short):
                    out.append(
                        LesionCheck(
                            lesion["lesion_id"],
                            f"{lesion['lesion_id']} at {visit['visit_id']}: long and short axis are "
                            "not perpendicular within 5°",
                            "rulers_not_perpendicular",
                            False,
                        )
                    )
        return out

    def score(self, *, criteria: str | None = None, **options: Any) -> LiveScore:
        """Score the record as it stands (baseline rule violations reported, not fatal), under
        its primary criteria or ``criteria``.

        The record is validated once for both the checks and the score: this runs on every
        edit, live while a ruler is dragged.
        """
        try:
            record = PatientRecord.model_validate(self._record)
        except ValidationError as error:
            return LiveScore(None, problems_from_validation_error(error), [])
        problems = cross_field_problems(record)
        if any(p.code not in IN_PROGRESS_CODES for p in problems):  # pragma: no cover - kept valid
            return LiveScore(None, problems, [])
        checks = self._checks(record)
        if problems:  # a read in progress: checks, but no score yet
            return LiveScore(None, problems, checks)
        try:
            response = score_parsed_record(
                record,
                {"validate_baseline": False, **options},
                option_prefix="options",
                criteria=criteria,
            )
        except RecordError as error:
            return LiveScore(None, list(error.problems), checks)
        return LiveScore(response, [], checks)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write the record atomically (temporary file, fsync, rename) and drop the autosave.

        Raises
        ------
        SaveBlockedError
            When a baseline rule makes the record invalid (R2.6, R3.1): the file is untouched.
        """
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ReadingError("choose a file to save the record to")
        blocking = [c for c in self.checks() if c.blocking]
        if blocking:
            raise SaveBlockedError(
                [RecordProblem(c.lesion_id or "", c.message, c.code) for c in blocking]
            )
        for lesion in self._record["lesions"]:  # design.md §8.1: written once, at first save
            lesion.setdefault(
                "tracking_uid", derived_lesion_tracking_uid(self.patient_id, lesion["lesion_id"])
            )
        write_json_atomic(target, self._record)
        old_sidecar = self.autosave_file()
        self.path = target
        self.dirty = False
        for sidecar in {old_sidecar, self.autosave_file()}:
            sidecar.unlink(missing_ok=True)
        return target

    def autosave_file(self) -> Path:
        """Where this session autosaves: beside its file, or in the autosave folder."""
        if self.path is not None:
            return autosave_path(self.path)
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.patient_id)
        return default_autosave_folder() / f"{safe}.json.autosave"

    def autosave(self) -> Path:
        """Write the record to its autosave sidecar (rule violations allowed)."""
        return write_json_atomic(self.autosave_file(), self._record, durable=False)

    def export_response(self, path: str | os.PathLike[str], **options: Any) -> Path:
        """Write the per-visit response JSON (design.md §2); the record must be complete."""
        try:
            response = score_record(self._record, **options)
        except RecordError as error:
            raise error.with_source(str(path)) from None
        return write_json_atomic(path, response)

    # ------------------------------------------------------------------ internals
    def _changed(self) -> None:
        if self.reader and self._record.get("reader") != self.reader:
            self._record["reader"] = self.reader
        self.dirty = True
        for listener in list(self.listeners):
            listener()

    def _baseline_visit(self) -> dict[str, Any]:
        for visit in self._record["visits"]:
            if visit["date"] == self._record["baseline_date"]:
                return visit
        raise ReadingError("the record has no baseline visit")  # pragma: no cover - checked on open

    def _visit(self, visit_id: str) -> dict[str, Any]:
        for visit in self._record["visits"]:
            if visit["visit_id"] == visit_id:
                return visit
        raise ReadingError(f"no visit {visit_id!r}")

    def _lesion(self, lesion_id: str) -> dict[str, Any]:
        for lesion in self._record["lesions"]:
            if lesion["lesion_id"] == lesion_id:
                return lesion
        raise ReadingError(f"no lesion {lesion_id!r}")

    @staticmethod
    def _measurement(visit: dict[str, Any], lesion_id: str) -> dict[str, Any] | None:
        return next((m for m in visit["measurements"] if m["lesion_id"] == lesion_id), None)

    def _put_measurement(
        self, visit: dict[str, Any], lesion_id: str, values: dict[str, Any]
    ) -> None:
        entry = {"lesion_id": lesion_id, **{k: v for k, v in values.items() if k != "lesion_id"}}
        for index, measurement in enumerate(visit["measurements"]):
            if measurement["lesion_id"] == lesion_id:
                visit["measurements"][index] = entry
                return
        visit["measurements"].append(entry)

    def _check_follow_up_date(self, when: dt.date, visit: dict[str, Any] | None) -> None:
        if when <= self.baseline_date:
            raise ReadingError(
                f"a follow-up visit must be after the baseline date {self.baseline_date.isoformat()}"
            )
        for other in self._record["visits"]:
            if other is not visit and other["date"] == when.isoformat():
                raise ReadingError(f"visit {other['visit_id']} is already on {when.isoformat()}")

    @staticmethod
    def _unique_id(prefix: str, taken: set[str], *, start: int | None = None) -> str:
        if start is None and prefix not in taken:
            return prefix
        number = start or 2
        while f"{prefix}{number}" in taken:
            number += 1
        return f"{prefix}{number}"

    def _parsed(self, *, lenient: bool) -> PatientRecord:
        return _parse(self._record, lenient=lenient)

    def _lesion_of_path(self, path: str) -> str | None:
        """The lesion a problem's JSON path points at (``lesions[2]...`` or a measurement)."""
        if path.startswith("lesions["):
            index = int(path[len("lesions[") : path.index("]")])
            return self._record["lesions"][index]["lesion_id"]
        if ".measurements[" in path:
            v_index = int(path[len("visits[") : path.index("]")])
            rest = path[path.index(".measurements[") + len(".measurements[") :]
            m_index = int(rest[: rest.index("]")])
            return self._record["visits"][v_index]["measurements"][m_index]["lesion_id"]
        return None


def _parse(record: dict[str, Any], *, lenient: bool) -> PatientRecord:
    try:
        parsed = PatientRecord.model_validate(record)
    except ValidationError as error:
        raise RecordError(problems_from_validation_error(error)) from None
    problems = [
        p for p in cross_field_problems(parsed) if not (lenient and p.code in IN_PROGRESS_CODES)
    ]
    if problems:
        raise RecordError(problems)
    return parsed


def check_record(record: Any) -> None:
    """Raise :class:`RecordError` unless ``record`` is a structurally valid record; a read in
    progress (targets not yet measured at baseline) is accepted."""
    if not isinstance(record, dict):
        raise RecordError(
            [RecordProblem("", "a patient record must be a JSON object", "not_an_object")]
        )
    _parse(record, lenient=True)


def pending_autosave(path: str | os.PathLike[str]) -> Path | None:
    """The autosave sidecar of ``path`` when it holds changes the file does not."""
    sidecar = autosave_path(path)
    if not sidecar.is_file():
        return None
    try:
        saved = json.loads(Path(path).read_text(encoding="utf-8")) if Path(path).is_file() else None
        autosaved = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return sidecar
    return None if saved == autosaved else sidecar
