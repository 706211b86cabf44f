"""The mRECIST part of a reading session: what the reader records for an HCC read
(design.md §7a; mrecist-rules.md M2–M3, M6, M7).

Observations, not verdicts: each lesion's type and mRECIST role, a typical-HCC target's
viable diameter (a second ruler, on the arterial-phase series) or "no viable tumour left",
whether a non-target HCC or tumour thrombus still enhances, an effusion's cytology, and the
size and pattern of a new liver nodule. The checks are those of mRECIST scoring (M2.5, M3),
each tied to its lesion. Mixed into :class:`~recist_reader.reading.session.ReadingSession`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args

from recist_reader.core.record import Cytology, LesionType, MrecistKind, TargetStatus
from recist_reader.reading.geometry import Ruler

LESION_TYPES: tuple[str, ...] = get_args(LesionType)
MRECIST_KINDS: tuple[str, ...] = get_args(MrecistKind)
VIABLE_STATUSES: tuple[str, ...] = get_args(TargetStatus)
CYTOLOGY: tuple[str, ...] = get_args(Cytology)
#: The ruler "axis" of a viable diameter (the rulers layer tells a ruler's kind by it).
VIABLE_AXIS = "viable"


@dataclass(frozen=True)
class MrecistCheck:
    """An mRECIST rule the read breaks, tied to a lesion (None: the record as a whole)."""

    lesion_id: str | None
    message: str
    code: str


class MrecistReading:
    """The mRECIST part of a reading session (mixed into ``ReadingSession``)."""

    # Provided by ReadingSession:
    _record: dict[str, Any]
    reader: str
    decimals: int
    _clock: Callable[[], str]
    _visit: Callable[[str], dict[str, Any]]
    _lesion: Callable[[str], dict[str, Any]]
    _baseline_visit: Callable[[], dict[str, Any]]
    _changed: Callable[[], None]
    _lesion_of_path: Callable[[str], str | None]

    # ------------------------------------------------------------------ lesions
    def set_lesion_type(self, lesion_id: str, lesion_type: str) -> None:
        """What a lesion is, for the HCC rules (M2.4); ``other`` is the default."""
        from recist_reader.reading.session import ReadingError

        if lesion_type not in LESION_TYPES:
            raise ReadingError(
                f"{lesion_type!r} is not a lesion type; use {', '.join(LESION_TYPES)}"
            )
        lesion = self._lesion(lesion_id)
        if lesion_type == "other":
            lesion.pop("lesion_type", None)
        else:
            lesion["lesion_type"] = lesion_type
        if lesion_type == "porta_hepatis_node" and not lesion.get("nodal"):
            lesion["nodal"] = True  # M2.5: a porta hepatis node is nodal
        self._changed()

    def set_mrecist_kind(self, lesion_id: str, kind: str | None) -> None:
        """The lesion's role under mRECIST (M14.2): ``target``, ``non-target``, ``excluded``,
        or None for its RECIST role."""
        from recist_reader.reading.session import ReadingError

        if kind is not None and kind not in MRECIST_KINDS:
            raise ReadingError(f"{kind!r} is not an mRECIST role; use {', '.join(MRECIST_KINDS)}")
        lesion = self._lesion(lesion_id)
        if kind is None or kind == lesion["kind"]:
            lesion.pop("mrecist_kind", None)
        else:
            lesion["mrecist_kind"] = kind
        self._changed()

    def mrecist_role(self, lesion_id: str) -> str:
        """The lesion's role under mRECIST: its ``mrecist_kind``, else its ``kind``."""
        lesion = self._lesion(lesion_id)
        return lesion.get("mrecist_kind") or lesion["kind"]

    # ------------------------------------------------------------------ viable diameter
    def viable_ruler(self, visit_id: str, lesion_id: str) -> Ruler | None:
        """The viable-diameter ruler of a lesion at a visit, if drawn."""
        measurement = self._mrecist_measurement(visit_id, lesion_id)
        if measurement is None or not measurement.get("viable_ruler"):
            return None
        return Ruler.from_json(measurement["viable_ruler"])

    def set_viable_ruler(self, visit_id: str, lesion_id: str, ruler: Ruler) -> dict[str, Any]:
        """Record the viable diameter (M2.3) of a typical HCC from a ruler drawn on the
        enhancing part; return the measurement."""
        measurement = self._viable_measurement(visit_id, lesion_id)
        measurement.pop("viable_status", None)
        measurement["viable_ruler"] = ruler.as_json()
        measurement["viable_diameter_mm"] = round(ruler.length_mm, self.decimals)
        return self._put_viable(visit_id, lesion_id, measurement)

    def set_viable_diameter(self, visit_id: str, lesion_id: str, diameter_mm: float) -> None:
        """Record a viable diameter typed in (no ruler); 0 means no enhancement left."""
        from recist_reader.reading.session import ReadingError

        if diameter_mm < 0:
            raise ReadingError("a viable diameter is ≥ 0 mm (0: no enhancement left)")
        measurement = self._viable_measurement(visit_id, lesion_id)
        measurement.pop("viable_status", None)
        measurement.pop("viable_ruler", None)
        measurement["viable_diameter_mm"] = round(float(diameter_mm), self.decimals)
        self._put_viable(visit_id, lesion_id, measurement)

    def set_viable_status(self, visit_id: str, lesion_id: str, status: str | None) -> None:
        """``absent`` (no viable tumour left), ``too_small`` or ``not_evaluated`` instead of
        a viable diameter (M2.3, M4.3); None clears the viable reading."""
        from recist_reader.reading.session import ReadingError

        if status is not None and status not in VIABLE_STATUSES:
            raise ReadingError(
                f"{status!r} is not a viable status; use {', '.join(VIABLE_STATUSES)}"
            )
        measurement = self._viable_measurement(visit_id, lesion_id)
        for key in ("viable_diameter_mm", "viable_ruler", "viable_status"):
            measurement.pop(key, None)
        if status is not None:
            measurement["viable_status"] = status
        self._put_viable(visit_id, lesion_id, measurement)

    def remove_viable_ruler(self, visit_id: str, lesion_id: str) -> None:
        """Delete the viable ruler and the diameter it gave."""
        if self.viable_ruler(visit_id, lesion_id) is not None:
            self.set_viable_status(visit_id, lesion_id, None)

    # ------------------------------------------------------------------ non-targets
    def set_enhancing(self, visit_id: str, lesion_id: str, enhancing: bool | None) -> None:
        """Whether a non-target HCC or tumour thrombus still enhances in the arterial phase
        (M6.2; None: not recorded, which counts as enhancing, MA18)."""
        self._set_field(visit_id, lesion_id, "enhancing", enhancing)

    def set_cytology(self, visit_id: str, lesion_id: str, cytology: str | None) -> None:
        """An effusion's cytology/pathology at this visit (M6.4): ``malignant``, ``negative``,
        ``not_done``, or None."""
        from recist_reader.reading.session import ReadingError

        if cytology is not None and cytology not in CYTOLOGY:
            raise ReadingError(f"{cytology!r} is not a cytology result; use {', '.join(CYTOLOGY)}")
        self._set_field(visit_id, lesion_id, "cytology", cytology)

    # ------------------------------------------------------------------ new lesions
    def set_new_lesion_pattern(
        self,
        visit_id: str,
        index: int,
        *,
        lesion_type: str | None = None,
        size_mm: float | None = None,
        cytology: str | None = None,
    ) -> None:
        """A new finding's type and pattern (typical or atypical HCC, …), its size (short axis
        for a node) and a new effusion's cytology (M7); None leaves a field as it is."""
        from recist_reader.reading.session import ReadingError

        entries = self._visit(visit_id)["new_lesions"]
        if not 0 <= index < len(entries):
            raise ReadingError(f"visit {visit_id} has no new lesion {index + 1}")
        entry = entries[index]
        if lesion_type is not None:
            if lesion_type not in LESION_TYPES:
                raise ReadingError(f"{lesion_type!r} is not a lesion type")
            if lesion_type == "other":
                entry.pop("lesion_type", None)
            else:
                entry["lesion_type"] = lesion_type
        if size_mm is not None:
            if size_mm < 0:
                raise ReadingError("a size is ≥ 0 mm")
            entry["size_mm"] = round(float(size_mm), self.decimals)
        if cytology is not None:
            if cytology not in CYTOLOGY:
                raise ReadingError(f"{cytology!r} is not a cytology result")
            entry["cytology"] = cytology
        self._changed()

    # ------------------------------------------------------------------ checks
    def mrecist_checks(self) -> list[MrecistCheck]:
        """The mRECIST baseline and input checks (M2.5, M3) of the read as it stands, each
        tied to its lesion (empty when the read is not structurally valid yet)."""
        from recist_reader.core.criteria.mrecist import Mrecist
        from recist_reader.core.options import MrecistOptions
        from recist_reader.errors import RecordError

        try:
            record = self._parsed(lenient=True)  # type: ignore[attr-defined]
        except RecordError:
            return []
        criteria = Mrecist()
        options = MrecistOptions().with_overrides(
            {
                k: v
                for k, v in self._record.get("config", {}).items()
                if k in MrecistOptions.option_names()
            }
        )
        index = next(i for i, v in enumerate(record.visits) if v.date == record.baseline_date)
        problems = [
            *criteria.record_problems(record, options),
            *criteria.baseline_problems(record, record.visits[index], index, options),
        ]
        return [
            MrecistCheck(self._lesion_of_path(p.path), f"{p.path}: {p.message}", p.code)
            for p in problems
        ]

    # ------------------------------------------------------------------ helpers
    def _mrecist_measurement(self, visit_id: str, lesion_id: str) -> dict[str, Any] | None:
        self._lesion(lesion_id)
        return next(
            (m for m in self._visit(visit_id)["measurements"] if m["lesion_id"] == lesion_id), None
        )

    def _viable_measurement(self, visit_id: str, lesion_id: str) -> dict[str, Any]:
        """A copy of the lesion's measurement, to record a viable reading on (typical HCC)."""
        from recist_reader.reading.session import ReadingError

        lesion = self._lesion(lesion_id)
        if lesion.get("lesion_type") != "typical_hcc":
            raise ReadingError(
                f"{lesion_id} is not a typical HCC: set its type to typical HCC to record a "
                "viable diameter (M2.3)"
            )
        measurement = copy.deepcopy(self._mrecist_measurement(visit_id, lesion_id) or {})
        if lesion["kind"] == "non-target":
            measurement.setdefault("status", "present")  # seen, since it is measured
        return measurement

    def _put_viable(
        self, visit_id: str, lesion_id: str, measurement: dict[str, Any]
    ) -> dict[str, Any]:
        visit = self._visit(visit_id)
        visit["measurements"] = [m for m in visit["measurements"] if m["lesion_id"] != lesion_id]
        meaningful = set(measurement) - {"lesion_id", "reader", "measured_at", "method"}
        if meaningful:
            measurement["lesion_id"] = lesion_id
            measurement["reader"] = self.reader or measurement.get("reader") or ""
            measurement["measured_at"] = self._clock()
            visit["measurements"].append(measurement)
        self._changed()
        return copy.deepcopy(measurement)

    def _set_field(self, visit_id: str, lesion_id: str, key: str, value: Any) -> None:
        from recist_reader.reading.session import ReadingError

        measurement = self._mrecist_measurement(visit_id, lesion_id)
        if measurement is None:
            raise ReadingError(
                f"{lesion_id} has no assessment at {visit_id} yet: record its status first"
            )
        if value is None:
            measurement.pop(key, None)
        else:
            measurement[key] = value
        self._changed()
