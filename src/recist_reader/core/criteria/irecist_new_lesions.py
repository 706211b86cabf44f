"""iRECIST new lesions: identity across visits, kind and limits, and each visit's reading.

Rules I5.1–I5.9 and the validation errors of design.md §7b. A new lesion listed with a
``new_lesion_id`` is *tracked*: it is measured (new-lesion target, NLT) or assessed (new-lesion
non-target, NLNT) at every later visit. A listing without one is a *legacy* lesion (a RECIST
1.1-style read): a new-lesion non-target carried forward as present and unchanged (I5.9, IA12).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from recist_reader.core.criteria.recist11 import organ_key
from recist_reader.core.exact import EXACT, ZERO, mm_text
from recist_reader.core.new_lesions import NewLesionFindings
from recist_reader.core.options import ScoringOptions
from recist_reader.core.record import Lesion, NewLesion, PatientRecord, Visit
from recist_reader.errors import RecordProblem

if TYPE_CHECKING:
    from recist_reader.core.criteria.irecist import Irecist

#: I5.4: at most 5 new-lesion targets in the record, at most 2 per organ.
MAX_NEW_LESION_TARGETS = 5
MAX_NEW_LESION_TARGETS_PER_ORGAN = 2

#: The ``equivocal``-free statuses that say a listing shows no finding at that visit.
_NO_FINDING = frozenset({"absent", "not_evaluated"})


@dataclass(slots=True, eq=False)
class TrackedNewLesion:
    """One new lesion of the record, from its first unequivocal listing on.

    Attributes
    ----------
    key : str
        Its identity: ``"#"`` and the number of its finding (design.md §7.5: the same
        ``new_lesion_id``, else the same location; I5.1, I5.9).
    name : str
        How notes name it: the id, or the location text.
    tracked : bool
        Listed with a ``new_lesion_id``; a legacy lesion otherwise.
    lesion : Lesion or None
        The new-lesion target as a lesion (organ, nodal, method); None for a new-lesion
        non-target.
    nodal : bool
    first_date, first_visit_id
        Its first unequivocal listing: the visit where it is new (I6.1).
    sighting_date, sighting_visit_id
        Its first sighting (the first listing, equivocal or not, or its
        ``first_seen_visit_id``), to which progression is back-dated (I6.3, IA18).
    """

    key: str
    name: str
    tracked: bool
    lesion: Lesion | None
    nodal: bool
    first_date: dt.date
    first_visit_id: str
    sighting_date: dt.date
    sighting_visit_id: str

    @property
    def is_target(self) -> bool:
        """A new-lesion target (measured; its diameter is in the NLT sum, I5.5)."""
        return self.lesion is not None


@dataclass(slots=True)
class NewLesionRegistry:
    """Every new lesion of a record, in the order they became unequivocal.

    ``notes_by_visit`` holds, by visit id, the new-lesion problems that are notes rather than
    errors (``irecist_validate_new_lesions`` false, IA7).
    """

    lesions: list[TrackedNewLesion] = field(default_factory=list)
    problems: list[RecordProblem] = field(default_factory=list)
    notes_by_visit: dict[str, list[str]] = field(default_factory=dict)
    findings: NewLesionFindings | None = None

    def key(self, visit: Visit, index: int) -> str:
        """The identity of ``visit.new_lesions[index]``."""
        assert self.findings is not None
        return f"#{self.findings.finding(visit, index)}"

    def known_by(self, date: dt.date) -> list[TrackedNewLesion]:
        """The lesions unequivocal at or before ``date``."""
        return [lesion for lesion in self.lesions if lesion.first_date <= date]


@dataclass(slots=True)
class NewLesionReading:
    """The new lesions at one visit (every lesion unequivocal at or before it).

    Attributes
    ----------
    known : dict
        Every new lesion unequivocal at or before this visit, by key.
    first_seen : list of TrackedNewLesion
        Unequivocal for the first time at this visit.
    nlt_values : dict
        Each new-lesion target's value by key (None when not evaluated).
    nlnt_status : dict
        Each tracked new-lesion non-target's status by key: ``present``, ``absent``,
        ``unequivocal_progression`` (None when not evaluated).
    increased : set of str
        Keys of new-lesion non-targets recorded ``increased`` (I7.3e).
    unresolved : list of TrackedNewLesion
        Evaluated and not resolved (I5.7), legacy lesions included (always present).
    unevaluated : list of TrackedNewLesion
        Tracked lesions without a value at this visit (I5.8).
    listed_present : bool
        An unequivocal listing at this visit shows a lesion that has not resolved (§7b
        ``new_lesions``).
    equivocal : bool
        An equivocal listing at this visit.
    """

    known: dict[str, TrackedNewLesion] = field(default_factory=dict)
    first_seen: list[TrackedNewLesion] = field(default_factory=list)
    nlt_values: dict[str, Decimal | None] = field(default_factory=dict)
    nlnt_status: dict[str, str | None] = field(default_factory=dict)
    increased: set[str] = field(default_factory=set)
    unresolved: list[TrackedNewLesion] = field(default_factory=list)
    unevaluated: list[TrackedNewLesion] = field(default_factory=list)
    listed_present: bool = False
    equivocal: bool = False

    def nlt_sum_mm(self) -> Decimal | None:
        """The NLT sum (I5.5): None without new-lesion targets or when one was not evaluated."""
        values = self.nlt_values.values()
        if not values or any(value is None for value in values):
            return None
        total = ZERO
        for value in values:
            total = EXACT.add(total, value)  # type: ignore[arg-type]
        return total


def _explicit(listing: NewLesion, name: str) -> bool:
    return name in listing.model_fields_set and getattr(listing, name) is not None


class _Tracker:
    """Builds a :class:`NewLesionRegistry` visit by visit (the §7b validations)."""

    def __init__(self, record: PatientRecord, options: ScoringOptions, criteria: Irecist):
        self.record = record
        self.options = options
        self.criteria = criteria
        self.registry = NewLesionRegistry(findings=NewLesionFindings(record))
        self.by_key: dict[str, TrackedNewLesion] = {}
        self.first_listing: dict[str, NewLesion] = {}
        self.n_targets = 0
        self.per_organ: dict[str, int] = {}

    def problem(self, visit: Visit, path: str, message: str, code: str, *, soft: bool) -> None:
        """An error, or a note at ``visit`` when ``soft`` and validation is off (IA7)."""
        problem = RecordProblem(path, message, code)
        if soft and not self.options.irecist_validate_new_lesions:
            self.registry.notes_by_visit.setdefault(visit.visit_id, []).append(
                f"{problem.describe()}: followed as a new-lesion non-target (IA7)"
            )
        else:
            self.registry.problems.append(problem)

    def visit(self, v_index: int, visit: Visit) -> None:
        seen_here: dict[str, int] = {}
        for n_index, listing in enumerate(visit.new_lesions):
            path = f"visits[{v_index}].new_lesions[{n_index}]"
            key = self.registry.key(visit, n_index)
            tracked = listing.new_lesion_id is not None
            if key in seen_here:
                if tracked:
                    self.problem(
                        visit,
                        f"{path}.new_lesion_id",
                        f"new lesion {listing.new_lesion_id!r} is listed twice at visit {visit.visit_id!r} "
                        f"(also new_lesions[{seen_here[key]}]): list it once",
                        "duplicate_new_lesion",
                        soft=False,
                    )
                continue  # a legacy location listed twice is one finding
            seen_here[key] = n_index
            known = self.by_key.get(key)
            if known is not None:
                if tracked:
                    self.check_consistent(visit, path, listing, known)
                continue
            if not listing.equivocal:
                self.first_unequivocal(visit, path, listing, key, tracked)

    def check_consistent(
        self, visit: Visit, path: str, listing: NewLesion, known: TrackedNewLesion
    ) -> None:
        """I1.2: kind, nodal and organ never change; never equivocal again."""
        first = self.first_listing[known.key]
        where = f"at {known.first_visit_id}"
        if listing.equivocal:
            self.problem(
                visit,
                f"{path}.equivocal",
                f"new lesion {known.name!r} was unequivocal {where}: it cannot be listed "
                "equivocal later (I1.2)",
                "inconsistent_new_lesion",
                soft=False,
            )
        first_kind = first.kind or "non-target"
        if _explicit(listing, "kind") and listing.kind != first_kind:
            self.problem(
                visit,
                f"{path}.kind",
                f"new lesion {known.name!r} is a new-lesion {first_kind} since {known.first_visit_id}: "
                f"its kind cannot change to {listing.kind!r} (I1.2)",
                "inconsistent_new_lesion",
                soft=False,
            )
        nodal = listing.nodal_or_default
        if _explicit(listing, "nodal") and nodal != known.nodal:
            self.problem(
                visit,
                f"{path}.nodal",
                f"new lesion {known.name!r} was recorded nodal={str(known.nodal).lower()} "
                f"{where}: it cannot change (I1.2)",
                "inconsistent_new_lesion",
                soft=False,
            )
        if _explicit(listing, "organ") and _explicit(first, "organ"):
            before = Lesion(lesion_id="x", kind="target", organ=first.organ, nodal=known.nodal)
            now = Lesion(lesion_id="x", kind="target", organ=listing.organ, nodal=known.nodal)
            if organ_key(before) != organ_key(now):
                self.problem(
                    visit,
                    f"{path}.organ",
                    f"new lesion {known.name!r} is in organ {first.organ!r} {where}: its organ "
                    f"cannot change to {listing.organ!r} (I1.2)",
                    "inconsistent_new_lesion",
                    soft=False,
                )

    def first_unequivocal(
        self, visit: Visit, path: str, listing: NewLesion, key: str, tracked: bool
    ) -> None:
        """Register a lesion at its first unequivocal listing (I5.1, I5.3, I5.4)."""
        kind = listing.kind or "non-target"
        if listing.status in _NO_FINDING and not (tracked and kind == "target"):
            return  # an absent or unassessed listing shows no finding yet
        nodal = listing.nodal_or_default
        lesion = None
        if tracked and kind == "target":
            lesion = self.new_lesion_target(visit, path, listing, key, nodal)
        assert self.registry.findings is not None
        seen = self.registry.findings.first_sighting(visit, listing)
        if seen is None or seen.date > visit.date:
            seen = visit
        new_lesion = TrackedNewLesion(
            key,
            listing.new_lesion_id or listing.location,
            tracked,
            lesion,
            nodal,
            visit.date,
            visit.visit_id,
            seen.date,
            seen.visit_id,
        )
        self.by_key[key] = new_lesion
        self.first_listing[key] = listing
        self.registry.lesions.append(new_lesion)

    def new_lesion_target(
        self, visit: Visit, path: str, listing: NewLesion, key: str, nodal: bool
    ) -> Lesion | None:
        """The new-lesion target, or None when it must be followed as a non-target (IA7)."""
        organ = listing.organ or listing.location
        name = listing.new_lesion_id or listing.location
        lesion = Lesion(
            lesion_id=key,
            kind="target",
            organ=organ,
            nodal=nodal,
            method=listing.method or "CT",
            slice_thickness_mm=listing.slice_thickness_mm or 5.0,
        )
        value = listing.diameter_mm
        if value is None:
            self.problem(
                visit,
                f"{path}.diameter_mm",
                f"new-lesion target {name!r} needs a measured diameter_mm at its first "
                f"unequivocal listing, got status {listing.status!r} (I5.3)",
                "new_target_not_measured",
                soft=True,
            )
            return None
        reason = self.criteria.not_measurable_reason(lesion, value)
        if reason is not None:
            self.problem(
                visit,
                f"{path}.diameter_mm",
                f"new-lesion target {name!r} is not measurable: {reason}; record it as a "
                "new-lesion non-target (I5.3)",
                "new_target_not_measurable",
                soft=True,
            )
            return None
        organ = organ_key(lesion)
        if self.n_targets == MAX_NEW_LESION_TARGETS:
            self.problem(
                visit,
                f"{path}.kind",
                f"new-lesion target {name!r} would be number {self.n_targets + 1}: at most "
                f"{MAX_NEW_LESION_TARGETS} new-lesion targets are allowed (I5.4); record it as "
                "a new-lesion non-target",
                "too_many_new_lesion_targets",
                soft=True,
            )
            return None
        if self.per_organ.get(organ, 0) == MAX_NEW_LESION_TARGETS_PER_ORGAN:
            where = "the lymph nodes" if nodal else f"organ {lesion.organ!r}"
            self.problem(
                visit,
                f"{path}.organ",
                f"new-lesion target {name!r} would be the third in {where}: at most "
                f"{MAX_NEW_LESION_TARGETS_PER_ORGAN} per organ (I5.4; all lymph nodes are one "
                "organ, and so is a paired organ); record it as a new-lesion non-target",
                "too_many_new_lesion_targets_per_organ",
                soft=True,
            )
            return None
        self.n_targets += 1
        self.per_organ[organ] = self.per_organ.get(organ, 0) + 1
        return lesion


def track_new_lesions(
    record: PatientRecord,
    follow_ups: Sequence[tuple[int, Visit]],
    options: ScoringOptions,
    criteria: Irecist,
) -> NewLesionRegistry:
    """Every new lesion of ``record`` and the §7b problems of its listings.

    Parameters
    ----------
    follow_ups : sequence of (index in ``record.visits``, visit)
        The follow-up visits in date order.
    criteria : Irecist
        For the RECIST 1.1 identity of a location (R7.3) and measurability (R2).
    """
    if not any(visit.new_lesions for _, visit in follow_ups):
        return NewLesionRegistry()
    tracker = _Tracker(record, options, criteria)
    for v_index, visit in follow_ups:
        if visit.new_lesions:
            tracker.visit(v_index, visit)
    return tracker.registry


def read_new_lesions(
    visit: Visit,
    registry: NewLesionRegistry,
    options: ScoringOptions,
    notes: list[str],
    criteria: Irecist,
) -> NewLesionReading:
    """The new lesions at ``visit`` (I5.5–I5.9), with notes on what was not evaluated.

    A visit of a record without new lesions shares one empty reading (never changed).
    """
    if not registry.lesions and not visit.new_lesions:
        return NO_NEW_LESIONS
    reading = NewLesionReading()
    listings: dict[str, NewLesion] = {}
    for index, listing in enumerate(visit.new_lesions):
        if listing.equivocal:
            reading.equivocal = True
            continue
        listings.setdefault(registry.key(visit, index), listing)
    date = visit.date
    for lesion in registry.lesions:
        if lesion.first_date > date:
            break
        reading.known[lesion.key] = lesion
        if lesion.first_date == date:
            reading.first_seen.append(lesion)
        listing = listings.get(lesion.key)
        if not lesion.tracked:  # I5.9: present and unchanged, listed again or not
            reading.unresolved.append(lesion)
            reading.listed_present = reading.listed_present or listing is not None
            continue
        if listing is None:
            notes.append(
                f"new lesion {lesion.name} not listed at this visit: not evaluated (I5.1, IA6)"
            )
            _unevaluated(reading, lesion)
            continue
        if lesion.lesion is not None:
            value = _target_value(lesion, listing, options, notes)
            reading.nlt_values[lesion.key] = value
            if value is None:
                reading.unevaluated.append(lesion)
            elif criteria.shows_disease(lesion.lesion, value):
                reading.unresolved.append(lesion)
                reading.listed_present = True
            continue
        status = _non_target_status(lesion, listing, options, criteria)
        reading.nlnt_status[lesion.key] = status
        if status is None:
            notes.append(f"new lesion {lesion.name} not evaluated (I5.8)")
            reading.unevaluated.append(lesion)
        elif status != "absent":
            reading.unresolved.append(lesion)
            reading.listed_present = True
            if listing.increased:
                reading.increased.add(lesion.key)
    return reading


#: The reading of a visit when the record has no new lesion (shared; never changed).
NO_NEW_LESIONS = NewLesionReading()


def _unevaluated(reading: NewLesionReading, lesion: TrackedNewLesion) -> None:
    if lesion.is_target:
        reading.nlt_values[lesion.key] = None
    else:
        reading.nlnt_status[lesion.key] = None
    reading.unevaluated.append(lesion)


def _target_value(
    lesion: TrackedNewLesion, listing: NewLesion, options: ScoringOptions, notes: list[str]
) -> Decimal | None:
    """A new-lesion target's value (as a target's, R4.3, I5.5)."""
    if listing.diameter_mm is not None:
        return listing.diameter_mm
    if listing.status == "too_small":
        notes.append(
            f"new lesion {lesion.name} too small to measure: counted as "
            f"{mm_text(options.too_small_mm)} mm (R4.3, I5.5)"
        )
        return options.too_small_mm
    if listing.status == "absent":
        return ZERO
    notes.append(f"new lesion {lesion.name} not evaluated (I5.8)")
    return None


def _non_target_status(
    lesion: TrackedNewLesion, listing: NewLesion, options: ScoringOptions, criteria: Irecist
) -> str | None:
    """A new-lesion non-target's status; a new-lesion target followed as a non-target (IA7)
    is present while its value shows disease (I5.7)."""
    status = listing.status
    value = listing.diameter_mm
    if value is None and status == "too_small":
        value = options.too_small_mm
    if value is not None:
        shows = value >= criteria.nodal_normal_below_mm if lesion.nodal else value > 0
        return "present" if shows else "absent"
    if status == "not_evaluated":
        return None
    return status or "present"
