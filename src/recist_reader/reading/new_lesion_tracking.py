"""Reading new lesions for iRECIST, and each visit's clinical status (design.md §7b).

A new lesion the reader marked becomes *tracked*: it gets a ``new_lesion_id`` (``NL1``,
``NL2``, ...), a kind (new-lesion target, measured with a ruler at every visit like a target;
or new-lesion non-target, with a status and "increased"), an organ and a nodal flag, fixed
from its first unequivocal listing on. At every later visit the tracked lesions are listed for
the reader to assess; assessing one lists it at that visit with the identity of its first
listing. New-lesion targets are limited to 5 in a record and 2 per organ (I5.4): tracking one
more is refused with the reason.

:class:`NewLesionTracking` is a part of :class:`~recist_reader.reading.ReadingSession`: its
methods edit the session's record and tell its listeners, as the session's own do.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from recist_reader.core.criteria.irecist_new_lesions import (
    MAX_NEW_LESION_TARGETS,
    MAX_NEW_LESION_TARGETS_PER_ORGAN,
)
from recist_reader.core.criteria.recist11 import organ_key
from recist_reader.core.record import Lesion
from recist_reader.reading.geometry import Ruler

NewLesionKind = Literal["target", "non-target"]
Axis = Literal["long", "short"]

NEW_LESION_TARGET_STATUSES = ("too_small", "absent", "not_evaluated")
NEW_LESION_NON_TARGET_STATUSES = ("present", "absent", "unequivocal_progression", "not_evaluated")
#: The listing fields that say what a tracked lesion is; its later listings repeat them.
IDENTITY_FIELDS = ("new_lesion_id", "location", "kind", "organ", "nodal")
#: The listing fields that say what the reader found at a visit.
_VALUE_FIELDS = ("diameter_mm", "status", "ruler", "short_axis_ruler", "increased")


@dataclass(frozen=True)
class TrackedNewLesion:
    """A tracked new lesion as its first unequivocal listing says (copies of the fields).

    Attributes
    ----------
    new_lesion_id, location, kind, organ : str
    nodal : bool
    first_visit_id : str
        The visit of its first unequivocal listing.
    """

    new_lesion_id: str
    location: str
    kind: NewLesionKind
    organ: str
    nodal: bool
    first_visit_id: str

    def as_lesion(self) -> dict[str, Any]:
        """The lesion-shaped dict the ruler views use for a new-lesion target."""
        return {
            "lesion_id": self.new_lesion_id,
            "kind": "target",
            "organ": self.organ,
            "nodal": self.nodal,
            "new_lesion": True,
        }


class NewLesionTracking:
    """The iRECIST part of a reading session (mixed into ``ReadingSession``)."""

    # Provided by ReadingSession:
    _record: dict[str, Any]
    reader: str
    decimals: int
    _clock: Callable[[], str]
    _visit: Callable[[str], dict[str, Any]]
    _baseline_visit: Callable[[], dict[str, Any]]
    _changed: Callable[[], None]

    # ------------------------------------------------------------------ what is tracked
    def tracked_new_lesions(self) -> list[TrackedNewLesion]:
        """Every tracked new lesion, in the order of their first unequivocal listings."""
        found: dict[str, TrackedNewLesion] = {}
        for visit in sorted(self._record["visits"], key=_date):  # not copied: this runs often
            for entry in visit["new_lesions"]:
                new_lesion_id = entry.get("new_lesion_id")
                if new_lesion_id is None or new_lesion_id in found or entry.get("equivocal"):
                    continue
                found[new_lesion_id] = TrackedNewLesion(
                    new_lesion_id,
                    entry["location"],
                    entry.get("kind") or "non-target",
                    entry.get("organ") or entry["location"],
                    bool(entry.get("nodal")),
                    visit["visit_id"],
                )
        return list(found.values())

    def tracked_new_lesion(self, new_lesion_id: str) -> TrackedNewLesion:
        """One tracked new lesion; raises :class:`ReadingError` when there is none."""
        for tracked in self.tracked_new_lesions():
            if tracked.new_lesion_id == new_lesion_id:
                return tracked
        raise _refused(f"no tracked new lesion {new_lesion_id!r}")

    def new_lesion_targets(self) -> list[dict[str, Any]]:
        """The new-lesion targets, lesion-shaped (``lesion_id``, ``organ``, ``nodal``) for the
        rulers, in order."""
        return [t.as_lesion() for t in self.tracked_new_lesions() if t.kind == "target"]

    def is_new_lesion_target(self, lesion_id: str) -> bool:
        """Whether ``lesion_id`` names a tracked new-lesion target (its rulers are the
        listing's)."""
        if not any(
            n.get("new_lesion_id") == lesion_id and n.get("kind") == "target"
            for visit in self._record["visits"]
            for n in visit["new_lesions"]
        ):  # the common case, cheaply: rulers ask this for every target while one is dragged
            return False
        if any(lesion["lesion_id"] == lesion_id for lesion in self._record["lesions"]):
            return False
        return any(t["lesion_id"] == lesion_id for t in self.new_lesion_targets())

    def tracked_at(self, visit_id: str) -> list[tuple[TrackedNewLesion, dict[str, Any] | None]]:
        """The tracked new lesions to assess at ``visit_id`` (first listed there or before), each
        with its listing at that visit (a copy) or None when it is not assessed yet (I5.1)."""
        visit = self._visit(visit_id)
        order = self._visit_order()
        position = order.index(visit_id)
        out = []
        for tracked in self.tracked_new_lesions():
            if order.index(tracked.first_visit_id) > position:
                continue
            listing = _listing(visit, tracked.new_lesion_id)
            out.append((tracked, None if listing is None else copy.deepcopy(listing)))
        return out

    def _visit_order(self) -> list[str]:
        """The visit ids in date order."""
        return [v["visit_id"] for v in sorted(self._record["visits"], key=_date)]

    # ------------------------------------------------------------------ tracking
    def track_new_lesion(
        self,
        visit_id: str,
        index: int,
        *,
        kind: NewLesionKind = "non-target",
        organ: str | None = None,
        nodal: bool = False,
        new_lesion_id: str | None = None,
    ) -> str:
        """Track the new lesion ``visit.new_lesions[index]``; return its ``new_lesion_id``.

        Its kind, organ and nodal flag are set on every listing of it. A new-lesion target
        beyond 5 in the record, or beyond 2 in one organ (all lymph nodes are one organ, and
        so is a paired organ), is refused (I5.4): track it as a new-lesion non-target.
        """
        if kind not in ("target", "non-target"):
            raise _refused(f"kind must be 'target' or 'non-target', not {kind!r}")
        entries = self._visit(visit_id)["new_lesions"]
        if not 0 <= index < len(entries):
            raise _refused(f"visit {visit_id} has no new lesion {index + 1}")
        entry = entries[index]
        organ = (organ or entry.get("organ") or entry["location"]).strip()
        if not organ:
            raise _refused("give the new lesion's organ")
        current = entry.get("new_lesion_id")
        taken = {t.new_lesion_id for t in self.tracked_new_lesions()} | {
            lesion["lesion_id"] for lesion in self._record["lesions"]
        }
        if new_lesion_id is None:
            new_lesion_id = current or _unique_id("NL", taken - {current})
        elif new_lesion_id != current and new_lesion_id in taken:
            raise _refused(f"{new_lesion_id!r} names another lesion already")
        if kind == "target":
            self._check_new_lesion_target_limits(new_lesion_id, organ, nodal)
        for visit in self._record["visits"]:
            for listing in visit["new_lesions"]:
                if listing is entry or (
                    current is not None and listing.get("new_lesion_id") == current
                ):
                    listing["new_lesion_id"] = new_lesion_id
                    listing["kind"] = kind
                    listing["organ"] = organ
                    listing["nodal"] = bool(nodal)
                    if kind == "non-target":  # a non-target takes a status, not a diameter
                        for key in ("diameter_mm", "ruler", "short_axis_ruler"):
                            listing.pop(key, None)
                        if listing.get("status") == "too_small":
                            listing["status"] = "present"
                    elif listing.get("status") in ("present", "unequivocal_progression"):
                        listing.pop("status")
                        listing.pop("increased", None)
        self._changed()
        return new_lesion_id

    def untrack_new_lesion(self, new_lesion_id: str) -> None:
        """Stop tracking a new lesion: its first listing stays as a plain new lesion, its
        later listings are removed."""
        tracked = self.tracked_new_lesion(new_lesion_id)
        for visit in self._record["visits"]:
            kept = []
            for listing in visit["new_lesions"]:
                if listing.get("new_lesion_id") != new_lesion_id:
                    kept.append(listing)
                elif visit["visit_id"] == tracked.first_visit_id or listing.get("equivocal"):
                    for key in (*IDENTITY_FIELDS[2:], *_VALUE_FIELDS, "new_lesion_id"):
                        listing.pop(key, None)
                    kept.append(listing)
            visit["new_lesions"] = kept
        self._changed()

    def _check_new_lesion_target_limits(self, new_lesion_id: str, organ: str, nodal: bool) -> None:
        others = [t for t in self.tracked_new_lesions() if t.kind == "target"]
        others = [t for t in others if t.new_lesion_id != new_lesion_id]
        if len(others) >= MAX_NEW_LESION_TARGETS:
            raise _refused(
                f"{len(others)} new-lesion targets already ("
                f"{', '.join(t.new_lesion_id for t in others)}): at most "
                f"{MAX_NEW_LESION_TARGETS} in a record (I5.4); track {new_lesion_id} as a "
                "new-lesion non-target"
            )
        key = _organ_key(organ, nodal)
        same = [t.new_lesion_id for t in others if _organ_key(t.organ, t.nodal) == key]
        if len(same) >= MAX_NEW_LESION_TARGETS_PER_ORGAN:
            where = "the lymph nodes" if nodal else f"organ {organ!r}"
            raise _refused(
                f"{', '.join(same)} are new-lesion targets in {where} already: at most "
                f"{MAX_NEW_LESION_TARGETS_PER_ORGAN} per organ (I5.4; all lymph nodes are one "
                f"organ, and so is a paired organ); track {new_lesion_id} as a new-lesion "
                "non-target"
            )

    # ------------------------------------------------------------------ assessing
    def new_lesion_listing(self, visit_id: str, new_lesion_id: str) -> dict[str, Any] | None:
        """A tracked lesion's listing at a visit (a copy), None when not listed there."""
        found = _listing(self._visit(visit_id), new_lesion_id)
        return None if found is None else copy.deepcopy(found)

    def set_new_lesion_ruler(
        self,
        visit_id: str,
        new_lesion_id: str,
        ruler: Ruler,
        *,
        axis: Axis = "long",
    ) -> dict[str, Any]:
        """Measure a new-lesion target at a visit with a ruler (its long axis, or the short
        axis of a node, is ``diameter_mm``, I5.5); return the listing.

        On a listing ``method`` is the imaging method (design.md §7b), so how the ruler was
        drawn is not recorded there."""
        tracked = self.tracked_new_lesion(new_lesion_id)
        if tracked.kind != "target":
            raise _refused(
                f"{new_lesion_id} is a new-lesion non-target: set its status instead of a ruler"
            )
        listing = self._listing_to_assess(visit_id, tracked)
        listing.pop("status", None)
        listing["ruler" if axis == "long" else "short_axis_ruler"] = ruler.as_json()
        if axis == ("short" if tracked.nodal else "long"):
            listing["diameter_mm"] = round(ruler.length_mm, self.decimals)
        listing["reader"] = self.reader or listing.get("reader") or ""
        listing["measured_at"] = self._clock()
        self._changed()
        return copy.deepcopy(listing)

    def new_lesion_ruler(
        self, visit_id: str, new_lesion_id: str, *, axis: Axis = "long"
    ) -> Ruler | None:
        """The ruler drawn for a new-lesion target at a visit, if any."""
        listing = _listing(self._visit(visit_id), new_lesion_id)
        key = "ruler" if axis == "long" else "short_axis_ruler"
        if listing is None or not listing.get(key):
            return None
        return Ruler.from_json(listing[key])

    def remove_new_lesion_ruler(
        self, visit_id: str, new_lesion_id: str, *, axis: Axis = "long"
    ) -> None:
        """Delete a ruler of a new-lesion target at a visit (and the diameter it gave)."""
        tracked = self.tracked_new_lesion(new_lesion_id)
        listing = _listing(self._visit(visit_id), new_lesion_id)
        if listing is None:
            return
        listing.pop("ruler" if axis == "long" else "short_axis_ruler", None)
        if axis == ("short" if tracked.nodal else "long"):
            listing.pop("diameter_mm", None)
            if "status" not in listing:
                listing["status"] = "not_evaluated"  # an NLT listing needs a value (§7b)
        self._changed()

    def set_new_lesion_status(self, visit_id: str, new_lesion_id: str, status: str) -> None:
        """Set a tracked lesion's status at a visit: for a new-lesion target ``too_small``,
        ``absent``, ``not_evaluated`` (its ruler is dropped); for a new-lesion non-target
        ``present``, ``absent``, ``unequivocal_progression``, ``not_evaluated``."""
        tracked = self.tracked_new_lesion(new_lesion_id)
        allowed = (
            NEW_LESION_TARGET_STATUSES
            if tracked.kind == "target"
            else NEW_LESION_NON_TARGET_STATUSES
        )
        if status not in allowed:
            raise _refused(
                f"{status!r} is not a status of a new-lesion {tracked.kind}; use {', '.join(allowed)}"
            )
        listing = self._listing_to_assess(visit_id, tracked)
        for key in _VALUE_FIELDS:
            if key != "increased" or status not in ("present", "unequivocal_progression"):
                listing.pop(key, None)
        listing["status"] = status
        listing["reader"] = self.reader
        listing["measured_at"] = self._clock()
        self._changed()

    def set_new_lesion_increased(self, visit_id: str, new_lesion_id: str, increased: bool) -> None:
        """Record whether a new-lesion non-target is larger than at its previous assessment
        (I7.3e); it must be present or unequivocally progressing."""
        tracked = self.tracked_new_lesion(new_lesion_id)
        listing = _listing(self._visit(visit_id), new_lesion_id)
        if tracked.kind != "non-target":
            raise _refused(
                f"{new_lesion_id} is a new-lesion target: its growth is measured by its ruler"
            )
        if listing is None or (listing.get("status") or "present") not in (
            "present",
            "unequivocal_progression",
        ):
            raise _refused(
                f"{new_lesion_id} must be assessed present at {visit_id} to have increased"
            )
        if increased:
            listing["increased"] = True
        else:
            listing.pop("increased", None)
        self._changed()

    def _listing_to_assess(self, visit_id: str, tracked: TrackedNewLesion) -> dict[str, Any]:
        """The tracked lesion's listing at a visit, listed there first when it is not (with the
        identity of its first listing)."""
        visit = self._visit(visit_id)
        if visit is self._baseline_visit():
            raise _refused("new lesions cannot be recorded at baseline (R3.4)")
        order = self._visit_order()
        if order.index(visit_id) < order.index(tracked.first_visit_id):
            raise _refused(
                f"{tracked.new_lesion_id} was first seen at {tracked.first_visit_id}, after "
                f"{visit_id}"
            )
        listing = _listing(visit, tracked.new_lesion_id)
        if listing is None:
            listing = {
                "new_lesion_id": tracked.new_lesion_id,
                "location": tracked.location,
                "equivocal": False,
                "kind": tracked.kind,
                "organ": tracked.organ,
                "nodal": tracked.nodal,
            }
            visit["new_lesions"].append(listing)
        return listing

    # ------------------------------------------------------------------ per visit
    def set_non_target_increased(self, visit_id: str, lesion_id: str, increased: bool) -> None:
        """Record whether a non-target is larger than at its previous assessment (I4.2); it
        must be recorded present or unequivocally progressing at that visit."""
        visit = self._visit(visit_id)
        lesion = next((x for x in self._record["lesions"] if x["lesion_id"] == lesion_id), None)
        if lesion is None or lesion["kind"] != "non-target":
            raise _refused(f"{lesion_id!r} is not a non-target lesion")
        measurement = next((m for m in visit["measurements"] if m["lesion_id"] == lesion_id), None)
        if measurement is None or measurement.get("status") not in (
            "present",
            "unequivocal_progression",
        ):
            raise _refused(
                f"set {lesion_id} present or unequivocal progression at {visit_id} first"
            )
        if increased:
            measurement["increased"] = True
        else:
            measurement.pop("increased", None)
        self._changed()

    def set_clinical_status(
        self,
        visit_id: str,
        *,
        clinically_stable: bool | None = ...,  # type: ignore[assignment]
        treatment_continued: bool | None = ...,  # type: ignore[assignment]
        symptom_driven: bool | None = ...,  # type: ignore[assignment]
    ) -> None:
        """Record the investigator's judgement at a follow-up: clinically stable, treatment
        continued (None: unknown) and whether the scan was symptom-driven (I15, I7.2). Only
        the keywords given change."""
        visit = self._visit(visit_id)
        if visit is self._baseline_visit():
            raise _refused("the clinical status is recorded at follow-up visits")
        for key, value in (
            ("clinically_stable", clinically_stable),
            ("treatment_continued", treatment_continued),
            ("symptom_driven", symptom_driven),
        ):
            if value is ...:
                continue
            if value is None or (key == "symptom_driven" and not value):
                visit.pop(key, None)
            else:
                visit[key] = bool(value)
        self._changed()


def _refused(message: str) -> Exception:
    """The session's :class:`~recist_reader.reading.session.ReadingError` (imported here:
    the session module imports this one)."""
    from recist_reader.reading.session import ReadingError

    return ReadingError(message)


def _date(visit: dict[str, Any]) -> str:
    return visit["date"]


def _listing(visit: dict[str, Any], new_lesion_id: str) -> dict[str, Any] | None:
    return next((n for n in visit["new_lesions"] if n.get("new_lesion_id") == new_lesion_id), None)


def _organ_key(organ: str, nodal: bool) -> str:
    return organ_key(Lesion(lesion_id="x", kind="target", organ=organ, nodal=nodal))


def _unique_id(prefix: str, taken: set[str | None]) -> str:
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"
