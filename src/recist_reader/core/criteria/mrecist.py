"""mRECIST for hepatocellular carcinoma (Lencioni & Llovet 2010), as set out in the rule book
``mrecist-rules.md``: rules M1–M15 and options MA1–MA25.

mRECIST is RECIST 1.1 (:class:`~recist_reader.core.criteria.recist11.Recist11`) measured on
*viable* tumour: a typical-HCC target counts its arterially enhancing diameter; a non-target
HCC or tumour thrombus that no longer enhances has disappeared; effusions progress only with
malignant cytology; porta hepatis nodes are malignant from 20 mm; a new liver nodule counts
from 10 mm with the typical pattern (or by 10 mm growth). The sums, tables, confirmation,
progression, PFS and DoR are RECIST 1.1's (M8–M13).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

from recist_reader.core.assessment import VisitAssessment
from recist_reader.core.criteria.recist11 import (
    NewLesionReading,
    Recist11,
    TargetSpec,
    organ_key,
)
from recist_reader.core.exact import ZERO, exact_sum, minus, mm_text, times
from recist_reader.core.new_lesions import NewLesionFindings
from recist_reader.core.options import MrecistOptions, ScoringOptions
from recist_reader.core.record import (
    Lesion,
    Measurement,
    NewLesion,
    PatientRecord,
    Visit,
    measurement_position,
)
from recist_reader.errors import RecordError, RecordProblem

TYPICAL = "typical_hcc"
ATYPICAL = "atypical_hcc"
THROMBUS = "tumor_thrombus"
EFFUSION = "effusion"
PORTA_HEPATIS_NODE = "porta_hepatis_node"
#: Intrahepatic or fluid types: never nodal (M2.5).
_NEVER_NODAL = frozenset({TYPICAL, ATYPICAL, THROMBUS, EFFUSION})
#: Intrahepatic types: one organ, the liver (M3.2).
_INTRAHEPATIC = frozenset({TYPICAL, ATYPICAL})
#: Types whose non-target response is the loss of arterial enhancement (M6.2, MA9).
_ENHANCEMENT_TYPES = frozenset({TYPICAL, THROMBUS})
#: New-lesion types that need a size (M2.5).
_SIZED_NEW_LESION_TYPES = frozenset({TYPICAL, ATYPICAL, PORTA_HEPATIS_NODE})
_VIABLE_FIELDS = ("viable_diameter_mm", "viable_status")
_MRECIST_MEASUREMENT_KEYS = frozenset({*_VIABLE_FIELDS, "mrecist_status"})
_TYPE_WORDS = {
    TYPICAL: "typical HCC",
    ATYPICAL: "atypical HCC",
    THROMBUS: "tumour thrombus",
    EFFUSION: "effusion",
    PORTA_HEPATIS_NODE: "porta hepatis node",
    "other": "lesion",
}


def mrecist_role(lesion: Lesion) -> str:
    """A lesion's role under mRECIST: ``mrecist_kind``, else its RECIST ``kind`` (M14.2)."""
    return lesion.mrecist_kind or lesion.kind


def new_lesion_size_mm(listing: NewLesion) -> Decimal | None:
    """A listing's size: ``size_mm``, else its numeric ``diameter_mm`` (design.md §7.5)."""
    return listing.size_mm if listing.size_mm is not None else listing.diameter_mm


@dataclass
class _Roles:
    """A record's lesions under mRECIST, and what mRECIST remembers across its visits."""

    targets: tuple[Lesion, ...]
    non_targets: tuple[Lesion, ...]
    excluded_nodes: tuple[Lesion, ...]
    #: By lesion id: the first date with malignant cytology (M6.4, MA20), None if never;
    #: filled when needed.
    malignant_since: dict[str, dt.date | None] = field(default_factory=dict)


class Mrecist(Recist11):
    """mRECIST response criteria for hepatocellular carcinoma."""

    name: ClassVar[str] = "mRECIST"
    derives_new_lesions: ClassVar[bool] = True  # M7.7
    options_class: ClassVar[type[ScoringOptions]] = MrecistOptions

    rules: ClassVar[dict[str, str]] = {
        "too_small": "M4.3, MA17",
        "absent": "M4.3",
        "reappearance": "M5.8, MA15",
        "partial_sum_pd": "M10.2",
        "partial_sum_ne": "M10.1",
        "cr_precedence": "M5.6, A1",
        "cr": "M5.1",
        "pd": "M5.3",
        "pr": "M5.2",
        "continuing_pr": "M5.6, A7",
        "sd": "M5.4",
        "non_target_pd": "M6.1",
        "non_target_reappearance": "M6.6, MA15",
        "nodal_non_target_after_cr": "M6.6, A21",
        "non_target_partial_missing": "M6.1, A6",
        "non_target_ne": "M6.1, A6",
        "too_many_targets": "M3.2",
        "too_many_targets_per_organ": "M3.2: the liver is one organ, and so are all lymph nodes",
        "new_lesion": "M7",
        "equivocal_new_lesion": "M7.2",
    }

    def __init__(self) -> None:
        super().__init__()
        self._roles_record: PatientRecord | None = None
        self._roles = _Roles((), (), ())
        self._findings_record: PatientRecord | None = None
        self._findings: NewLesionFindings | None = None

    # ---------------------------------------------------------------------- roles (M14)
    def roles(self, record: PatientRecord) -> _Roles:
        """The record's mRECIST targets, non-targets and excluded porta hepatis nodes."""
        if self._roles_record is not record:
            targets: list[Lesion] = []
            non_targets: list[Lesion] = []
            excluded: list[Lesion] = []
            for lesion in record.lesions:
                role = lesion.mrecist_kind or lesion.kind
                if role == "target":
                    targets.append(lesion)
                elif role == "non-target":
                    non_targets.append(lesion)
                elif lesion.lesion_type == PORTA_HEPATIS_NODE:
                    excluded.append(lesion)
            self._roles = _Roles(tuple(targets), tuple(non_targets), tuple(excluded))
            self._roles_record = record
        return self._roles

    def findings(self, record: PatientRecord) -> NewLesionFindings:
        """The record's new-lesion findings (design.md §7.5), computed once."""
        if self._findings_record is not record or self._findings is None:
            self._findings, self._findings_record = NewLesionFindings(record), record
        return self._findings

    def node_normal_below_mm(self, lesion: Lesion, options: ScoringOptions) -> Decimal:
        """Short axis below which a nodal target is normal: MA4 for the porta hepatis,
        10 mm for other nodes (M5.1, R2.4)."""
        if lesion.lesion_type == PORTA_HEPATIS_NODE:
            return options.mrecist_porta_hepatis_node_normal_below_mm  # type: ignore[attr-defined]
        return self.nodal_normal_below_mm

    # ------------------------------------------------------------ targets and sums (M4, M5)
    def make_target_specs(
        self, record: PatientRecord, options: ScoringOptions
    ) -> tuple[TargetSpec, ...]:
        """Typical-HCC targets by their viable diameter; the others whole (M4.1, MA12)."""
        return tuple(
            [
                (lesion, "viable_diameter_mm", None)
                if lesion.lesion_type == TYPICAL
                else (
                    lesion,
                    "diameter_mm",
                    self.node_normal_below_mm(lesion, options) if lesion.nodal else None,
                )
                for lesion in self.roles(record).targets
            ]
        )

    def baseline_sum_mm(
        self, record: PatientRecord, baseline: Visit, options: ScoringOptions
    ) -> Decimal | None:
        """The baseline mRECIST sum B (M4.1, M4.2): None without an mRECIST target.

        Raises
        ------
        RecordError
            When B cannot be computed or is 0, even with ``validate_baseline`` off (M3.10).
        """
        specs = self.target_specs(record, options)
        if not specs:
            return None
        by_id = baseline.measurement_by_lesion
        values = []
        for lesion, value_key, _ in specs:
            value = by_id.get(lesion.lesion_id, {}).get(value_key)
            if value is None:
                raise RecordError(
                    [
                        RecordProblem(
                            f"visits[{record.visits.index(baseline)}].measurements",
                            f"mRECIST target {lesion.lesion_id!r} has no baseline "
                            f"{value_key}: the baseline mRECIST sum cannot be computed "
                            "(M3.10, M4.2)",
                            "baseline_target_not_measured",
                        )
                    ]
                )
            values.append(value)
        total = exact_sum(values)
        if not total:
            raise RecordError(
                [
                    RecordProblem(
                        "lesions",
                        "the baseline mRECIST sum is 0 mm: a response cannot be measured "
                        "against it (M4.2)",
                        "target_not_measurable",
                    )
                ]
            )
        return total

    def value_without_diameter(
        self,
        lesion: Lesion,
        measurement: Measurement | None,
        options: ScoringOptions,
        notes: list[str],
    ) -> Decimal | None:
        """A target's value without a number in its measurement key (M4.3, M4.4, MA10)."""
        if lesion.lesion_type != TYPICAL or measurement is None:
            return super().value_without_diameter(lesion, measurement, options, notes)
        lesion_id = lesion.lesion_id
        viable_status = measurement.get("viable_status")
        if viable_status is not None:  # too_small (MA17), absent (no viable tumour), NE
            return self.value_of_status(f"{lesion_id} viable part", viable_status, options, notes)
        if measurement.get("status") == "absent" or measurement.get("diameter_mm") == 0:
            notes.append(f"{lesion_id} absent: counted as 0 mm (M4.4)")
            return ZERO
        notes.append(
            f"{lesion_id} viable diameter not recorded: not evaluated; the whole diameter is "
            "never used (M4.4, MA10)"
        )
        return None

    def meets_progression(
        self, sum_mm: Decimal, nadir_mm: Decimal, options: ScoringOptions
    ) -> bool:
        """M5.3, MA1, MA16: ``S > N``, ``5·S ≥ 6·N`` and ``S − N ≥`` the minimum, exactly."""
        difference = minus(sum_mm, nadir_mm)
        if difference <= ZERO or difference < options.mrecist_pd_min_increase_mm:  # type: ignore[attr-defined]
            return False
        numerator, denominator = self.pd_ratio
        return times(sum_mm, denominator) >= times(nadir_mm, numerator)

    def progression_threshold_text(self, options: ScoringOptions) -> str:
        minimum = options.mrecist_pd_min_increase_mm  # type: ignore[attr-defined]
        return f"+20 % and +{mm_text(minimum)} mm" if minimum else "+20 %"

    def cr_category_text(self) -> str:
        return "no arterial enhancement left in any target, every node below its normal size"

    def normal_nodes_text(self) -> str:
        return "no viable tumour, and every node below its normal size is normal"

    # ------------------------------------------------------------------ non-targets (M6)
    def non_target_state(
        self, lesion: Lesion, measurement: Measurement | None, options: ScoringOptions
    ) -> str:
        """A non-target's mRECIST reading before the enhancement and cytology rules:
        ``mrecist_status``, else its RECIST status, else its numbers (M6, M14.3)."""
        if measurement is None:
            return "not_evaluated"
        if lesion.kind == "non-target":
            return measurement.get("mrecist_status") or measurement.get("status") or "not_evaluated"
        status = measurement.get("mrecist_status")
        if status is not None:
            return status
        # A RECIST target followed as an mRECIST non-target: read from its numbers.
        if lesion.lesion_type == TYPICAL and any(key in measurement for key in _VIABLE_FIELDS):
            value, status = measurement.get("viable_diameter_mm"), measurement.get("viable_status")
        else:
            value, status = measurement.get("diameter_mm"), measurement.get("status")
        if value is not None:
            if lesion.nodal:
                normal_below = self.node_normal_below_mm(lesion, options)
                return "present" if value >= normal_below else "absent"
            return "present" if value > 0 else "absent"
        if status == "too_small":
            return "present"
        return status or "not_evaluated"

    def malignant_by(self, record: PatientRecord, lesion: Lesion, visit: Visit) -> bool:
        """Malignant cytology recorded for ``lesion`` at ``visit`` or earlier (M6.4, MA20)."""
        known = self.roles(record).malignant_since
        lesion_id = lesion.lesion_id
        if lesion_id not in known:
            dates = [
                seen.date
                for seen in record.visits
                if seen.measurement_by_lesion.get(lesion_id, {}).get("cytology") == "malignant"
            ]
            known[lesion_id] = min(dates) if dates else None
        since = known[lesion_id]
        return since is not None and since <= visit.date

    def non_target_readings(
        self, record: PatientRecord, visit: Visit, options: ScoringOptions, notes: list[str]
    ) -> tuple[list[Lesion], list[str], list[str]] | None:
        """The mRECIST non-targets at ``visit``, after M6.2 (enhancement) and M6.4 (effusion
        cytology): those present, those progressing, those not evaluated; None without
        mRECIST non-targets."""
        non_targets = self.roles(record).non_targets
        if not non_targets:
            return None
        by_id = visit.measurement_by_lesion
        present: list[Lesion] = []
        progressed: list[str] = []
        missing: list[str] = []
        needs_cytology = options.mrecist_effusion_pd_requires_cytology  # type: ignore[attr-defined]
        for lesion in non_targets:
            measurement = by_id.get(lesion.lesion_id)
            if measurement is not None and lesion.kind == "non-target":  # the common case
                state = (
                    measurement.get("mrecist_status")
                    or measurement.get("status")
                    or "not_evaluated"
                )
            else:
                state = self.non_target_state(lesion, measurement, options)
            lesion_type = lesion.lesion_type
            if state == "present":
                if (
                    lesion_type in _ENHANCEMENT_TYPES
                    and measurement is not None
                    and measurement.get("enhancing") is False
                ):
                    notes.append(
                        f"{lesion.lesion_id}: {_TYPE_WORDS[lesion_type]} no longer enhances in "
                        "the arterial phase: counted as absent (M6.2)"
                    )
                    continue
                present.append(lesion)
            elif state == "unequivocal_progression":
                if (
                    lesion_type == EFFUSION
                    and needs_cytology
                    and not self.malignant_by(record, lesion, visit)
                ):
                    notes.append(
                        f"{lesion.lesion_id}: effusion progression without malignant cytology is "
                        "not PD (M6.4, MA2)"
                    )
                    present.append(lesion)
                else:
                    progressed.append(lesion.lesion_id)
            elif state != "absent":
                missing.append(lesion.lesion_id)
        return present, progressed, missing

    def can_reappear(
        self, record: PatientRecord, lesion: Lesion, visit: Visit, options: ScoringOptions
    ) -> bool:
        """M6.6: a non-nodal non-target present after CR is PD; an effusion only with
        malignant cytology (M6.4, MA2)."""
        if lesion.nodal:
            return False
        if lesion.lesion_type != EFFUSION:
            return True
        return not options.mrecist_effusion_pd_requires_cytology or self.malignant_by(  # type: ignore[attr-defined]
            record, lesion, visit
        )

    def not_reappearance_note(self, present: Sequence[Lesion], visit: Visit) -> str:
        names = ", ".join(lesion.lesion_id for lesion in present)
        return (
            f"{names} present after CR but not reappearance: a node (M6.6, A21), or an "
            "effusion without malignant cytology (M6.4)"
        )

    # ------------------------------------------------------------------ new lesions (M7)
    def new_lesions_at(
        self, record: PatientRecord, visit: Visit, options: ScoringOptions, notes: list[str]
    ) -> NewLesionReading:
        """The listings that qualify under M7, those that do not (yet), and derived new
        porta hepatis nodes (M7.7)."""
        derived = self._derived_nodes(record, visit, options, notes)
        if not visit.new_lesions:
            return (derived, False, ()) if derived else (False, False, ())
        counted: list[NewLesion] = []
        uncounted = False
        for listing in visit.new_lesions:
            if not listing.is_new_finding:
                notes.append(
                    f"new-lesion listing {listing.location} ({listing.status}) is not a new "
                    "finding at this visit (design.md §7.5)"
                )
                continue
            if listing.equivocal:
                notes.append(f"equivocal new lesion, not counted: {listing.location} (M7.2)")
                uncounted = True
                continue
            reason = self._qualifies(record, visit, listing, options)
            if reason is None:
                counted.append(listing)
            else:
                uncounted = True
            notes.append(self._new_lesion_note(listing, reason))
        return bool(counted) or derived, uncounted, tuple(counted)

    def _qualifies(
        self, record: PatientRecord, visit: Visit, listing: NewLesion, options: ScoringOptions
    ) -> str | None:
        """None when an unequivocal listing counts under M7, else why it does not (yet)."""
        lesion_type = listing.lesion_type
        size = new_lesion_size_mm(listing)
        minimum = options.mrecist_new_intrahepatic_min_mm  # type: ignore[attr-defined]
        if lesion_type == TYPICAL:
            if size is not None and size >= minimum:
                return None
            return f"{_size_text(size)} < {mm_text(minimum)} mm (M7.3, MA5)"
        if lesion_type == ATYPICAL:
            return self._atypical_growth(record, visit, listing, size, options)
        if lesion_type == EFFUSION:
            if not options.mrecist_effusion_pd_requires_cytology:  # type: ignore[attr-defined]
                return None
            same = self.findings(record).listings(visit, listing)
            if any(item.cytology == "malignant" and seen.date <= visit.date for seen, item in same):
                return None
            return "no malignant cytology (M7.5, MA2)"
        if lesion_type == PORTA_HEPATIS_NODE:
            threshold = options.mrecist_porta_hepatis_node_min_mm  # type: ignore[attr-defined]
            if size is not None and size >= threshold:
                return None
            return f"short axis {_size_text(size)} < {mm_text(threshold)} mm (M7.6, MA3)"
        return None  # other, tumour thrombus: as RECIST 1.1 (M7.1, MA11, MA13)

    def _atypical_growth(
        self,
        record: PatientRecord,
        visit: Visit,
        listing: NewLesion,
        size: Decimal | None,
        options: ScoringOptions,
    ) -> str | None:
        """M7.4, MA6, MA14: ≥ MA5 now and grown ≥ MA6 since the finding's first listing."""
        minimum = options.mrecist_new_intrahepatic_min_mm  # type: ignore[attr-defined]
        growth_needed = options.mrecist_atypical_growth_mm  # type: ignore[attr-defined]
        first = next(
            (
                item
                for _, item in self.findings(record).listings(visit, listing)
                if item.is_new_finding
            ),
            listing,
        )
        first_size = new_lesion_size_mm(first)
        if first_size is None:
            return "no size at its first listing to measure growth from (M7.4, MA14)"
        growth = None if size is None else minus(size, first_size)
        if size is not None and size >= minimum and growth is not None and growth >= growth_needed:
            return None
        grown = "no size" if growth is None else f"grown {mm_text(growth)} mm"
        return (
            f"{_size_text(size)}, {grown} since first seen at {mm_text(first_size)} mm: needs "
            f"≥ {mm_text(minimum)} mm and ≥ {mm_text(growth_needed)} mm growth (M7.4, MA6)"
        )

    @staticmethod
    def _new_lesion_note(listing: NewLesion, reason: str | None) -> str:
        what = f"{listing.location} ({_TYPE_WORDS[listing.lesion_type]}"
        size = new_lesion_size_mm(listing)
        what += f" {mm_text(size)} mm)" if size is not None else ")"
        if reason is None:
            rule = {
                TYPICAL: "M7.3",
                ATYPICAL: "M7.4",
                EFFUSION: "M7.5",
                PORTA_HEPATIS_NODE: "M7.6",
                THROMBUS: "M7.1, MA11",
            }.get(listing.lesion_type, "M7.1")
            return f"new lesion under mRECIST: {what} ({rule})"
        return f"not (yet) a new lesion under mRECIST: {what}: {reason}"

    def _derived_nodes(
        self, record: PatientRecord, visit: Visit, options: ScoringOptions, notes: list[str]
    ) -> bool:
        """M7.7, MA21: an excluded porta hepatis node whose short axis reaches MA3 is a new
        malignant node at this visit."""
        excluded = self.roles(record).excluded_nodes
        if not excluded:
            return False
        threshold = options.mrecist_porta_hepatis_node_min_mm  # type: ignore[attr-defined]
        by_id = visit.measurement_by_lesion
        found = False
        for lesion in excluded:
            value = by_id.get(lesion.lesion_id, {}).get("diameter_mm")
            if value is not None and value >= threshold:
                notes.append(
                    f"{lesion.lesion_id}: porta hepatis node excluded at baseline now measures "
                    f"{mm_text(value)} mm short axis ≥ {mm_text(threshold)} mm: a new malignant "
                    "node (M7.7, MA21)"
                )
                found = True
        return found

    def backdating_note(self, sighting: VisitAssessment, listing: NewLesion) -> str:
        return (
            f"PD dated to {sighting.visit_id} ({sighting.date.isoformat()}), where the new "
            f"lesion '{listing.location}' was first seen (M7.8, MA7)"
        )

    # -------------------------------------------------------------- validation (M2.5, M3)
    def record_problems(
        self, record: PatientRecord, options: ScoringOptions
    ) -> list[RecordProblem]:
        """M2.5 input checks and the mRECIST fields' consistency: always errors."""
        problems: list[RecordProblem] = []
        lesions_by_id = {}
        for index, lesion in enumerate(record.lesions):
            lesions_by_id.setdefault(lesion.lesion_id, lesion)
            if lesion.lesion_type != "other" or lesion.mrecist_kind is not None:
                problems.extend(_lesion_problems(index, lesion))
        keys = _MRECIST_MEASUREMENT_KEYS
        for v_index, visit in enumerate(record.visits):
            for m_index, measurement in enumerate(visit.measurements):
                if keys.isdisjoint(measurement):
                    continue  # the common case: no mRECIST reading to check
                lesion = lesions_by_id.get(measurement["lesion_id"])
                if lesion is not None and _measurement_has_problem(lesion, measurement):
                    problems.extend(
                        _measurement_problems(
                            f"visits[{v_index}].measurements[{m_index}]", lesion, measurement
                        )
                    )
            for n_index, listing in enumerate(visit.new_lesions):
                problems.extend(
                    _new_lesion_problems(f"visits[{v_index}].new_lesions[{n_index}]", listing)
                )
        return problems

    def baseline_problems(
        self,
        record: PatientRecord,
        baseline: Visit,
        baseline_index: int,
        options: ScoringOptions | None = None,
    ) -> list[RecordProblem]:
        """M3: target eligibility and measurability, the limits, non-targets present, at
        least one mRECIST lesion, no new lesion at baseline."""
        options = options or MrecistOptions()
        problems: list[RecordProblem] = []
        where = f"visits[{baseline_index}]"
        by_id = baseline.measurement_by_lesion
        roles = self.roles(record)
        if record.lesions and not roles.targets and not roles.non_targets:
            problems.append(
                RecordProblem(
                    "lesions",
                    "no mRECIST target or non-target at baseline: every lesion is excluded (M3.9)",
                    "no_baseline_disease",
                )
            )
        selection = self.target_selection_problems(
            [
                (index, lesion)
                for index, lesion in enumerate(record.lesions)
                if (lesion.mrecist_kind or lesion.kind) == "target"
            ],
            _mrecist_organ,
        )
        for index, lesion in enumerate(record.lesions):
            role = mrecist_role(lesion)
            measurement = by_id.get(lesion.lesion_id)
            if role == "target":
                if selection:
                    problems.extend(selection.pop(index, ()))
                problems.extend(
                    self._target_eligibility(index, lesion, baseline, where, measurement, options)
                )
            elif role == "non-target":
                problem = self._non_target_at_baseline(
                    lesion, baseline, where, measurement, options
                )
                if problem is not None:
                    problems.append(problem)
            elif lesion.lesion_type == PORTA_HEPATIS_NODE and measurement is not None:
                value = measurement.get("diameter_mm")
                threshold = options.mrecist_porta_hepatis_node_min_mm  # type: ignore[attr-defined]
                if value is not None and value >= threshold:
                    problems.append(
                        RecordProblem(
                            f"lesions[{index}].mrecist_kind",
                            f"{lesion.lesion_id} is a porta hepatis node of {mm_text(value)} mm "
                            f"at baseline; under mRECIST it is malignant from "
                            f"{mm_text(threshold)} mm (M3.5, MA21): make it an mRECIST target "
                            "or non-target",
                            "bad_lesion",
                        )
                    )
        for n_index, _ in enumerate(baseline.new_lesions):
            problems.append(
                RecordProblem(
                    f"{where}.new_lesions[{n_index}]",
                    "new lesions cannot be recorded at baseline (M3.9): record it as a lesion",
                    "bad_new_lesion",
                )
            )
        return problems

    def _target_eligibility(
        self,
        index: int,
        lesion: Lesion,
        baseline: Visit,
        where: str,
        measurement: Measurement | None,
        options: ScoringOptions,
    ) -> list[RecordProblem]:
        """Whether an mRECIST target may be one (M3.1, M3.3–M3.7)."""
        lesion_id, lesion_type = lesion.lesion_id, lesion.lesion_type
        path = _MeasurementPath(baseline, where, lesion_id, measurement)
        if lesion_type in (THROMBUS, EFFUSION) or (
            lesion_type == ATYPICAL and not options.mrecist_allow_atypical_hcc_targets  # type: ignore[attr-defined]
        ):
            rule = {
                THROMBUS: "M3.6: tumour thrombus is not measurable",
                EFFUSION: "M3.7: effusions are not measurable",
                ATYPICAL: "M3.3, option mrecist_allow_atypical_hcc_targets",
            }[lesion_type]
            return [
                RecordProblem(
                    f"lesions[{index}].lesion_type",
                    f"{lesion_type} cannot be an mRECIST target ({rule}): set mrecist_kind "
                    "non-target",
                    "mrecist_target_not_eligible",
                )
            ]
        if lesion_type == TYPICAL:
            minimum = self.measurable_min_mm(lesion)
            value = None if measurement is None else measurement.get("viable_diameter_mm")
            need = f"typical-HCC target {lesion_id} needs a baseline viable diameter ≥ {mm_text(minimum)} mm (M3.1)"
            if value is None:
                return [
                    RecordProblem(
                        f"{path}.viable_diameter_mm",
                        f"{need}: measure its arterially enhancing part",
                        "baseline_target_not_measured",
                    )
                ]
            if value < minimum:
                return [
                    RecordProblem(
                        f"{path}.viable_diameter_mm",
                        f"{need}, got {mm_text(value)} mm: follow it as an mRECIST non-target",
                        "target_not_measurable",
                    )
                ]
            return []
        if measurement is None or measurement.get("diameter_mm") is None:
            return []  # a RECIST target without a baseline diameter: reported by validation
        if lesion_type == PORTA_HEPATIS_NODE:
            value = measurement["diameter_mm"]
            threshold = options.mrecist_porta_hepatis_node_min_mm  # type: ignore[attr-defined]
            if value >= threshold:
                return []
            return [
                RecordProblem(
                    f"{path}.diameter_mm",
                    f"porta hepatis target {lesion_id} has a short axis of {mm_text(value)} mm: "
                    f"it is malignant and measurable only from {mm_text(threshold)} mm (M3.5, "
                    "MA3); record mrecist_kind excluded",
                    "target_not_measurable",
                )
            ]
        if measurement["diameter_mm"] < self.measurable_min_mm(lesion):
            return self._measurability_problems(lesion, measurement, path)  # M3.4: R2
        return []

    def _non_target_at_baseline(
        self,
        lesion: Lesion,
        baseline: Visit,
        where: str,
        measurement: Measurement | None,
        options: ScoringOptions,
    ) -> RecordProblem | None:
        """M3.8: an mRECIST non-target is present, and enhancing if HCC or thrombus."""
        state = self.non_target_state(lesion, measurement, options)
        path = _MeasurementPath(baseline, where, lesion.lesion_id, measurement)
        if state != "present":
            shown = "no measurement" if measurement is None else f"{state!r}"
            return RecordProblem(
                str(path),
                f"mRECIST non-target {lesion.lesion_id!r} must be present at baseline, got "
                f"{shown} (M3.8)",
                "baseline_nontarget_not_present",
            )
        if (
            lesion.lesion_type in _ENHANCEMENT_TYPES
            and measurement is not None
            and measurement.get("enhancing") is False
        ):
            return RecordProblem(
                f"{path}.enhancing",
                f"{_TYPE_WORDS[lesion.lesion_type]} {lesion.lesion_id!r} does not enhance at "
                "baseline: it is not viable disease under mRECIST (M3.8); record "
                "mrecist_kind excluded",
                "baseline_nontarget_not_present",
            )
        return None


class _MeasurementPath:
    """The JSON path of a lesion's baseline measurement, built only when a problem is
    reported (``f"{path}"``, ``f"{path}.field"``)."""

    def __init__(
        self, baseline: Visit, where: str, lesion_id: str, measurement: Measurement | None
    ):
        self.baseline, self.where, self.lesion_id = baseline, where, lesion_id
        self.measured = measurement is not None

    def __str__(self) -> str:
        if not self.measured:
            return f"{self.where}.measurements"
        position = measurement_position(self.baseline, self.lesion_id)
        return f"{self.where}.measurements[{position}]"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def _mrecist_organ(lesion: Lesion) -> str:
    """The organ a target counts against: the liver for every HCC, else as R3.2 (M3.2)."""
    return "liver" if lesion.lesion_type in _INTRAHEPATIC else organ_key(lesion)


def _size_text(size: Decimal | None) -> str:
    return "no size" if size is None else f"{mm_text(size)} mm"


def _nodal_problem(path: str, lesion_type: str, nodal: bool, code: str) -> RecordProblem | None:
    """M2.5: a porta hepatis node is nodal; HCC, thrombus and effusions are not."""
    if lesion_type == PORTA_HEPATIS_NODE and not nodal:
        return RecordProblem(
            f"{path}.nodal",
            "a porta_hepatis_node must be nodal: set nodal true (M2.5)",
            code,
        )
    if lesion_type in _NEVER_NODAL and nodal:
        return RecordProblem(
            f"{path}.lesion_type",
            f"{lesion_type} cannot be nodal: set nodal false, or lesion_type "
            "porta_hepatis_node or other for a node (M2.5)",
            code,
        )
    return None


def _lesion_problems(index: int, lesion: Lesion) -> list[RecordProblem]:
    problems = []
    nodal = _nodal_problem(f"lesions[{index}]", lesion.lesion_type, lesion.nodal, "bad_lesion")
    if nodal is not None:
        problems.append(nodal)
    if (
        lesion.mrecist_kind == "target"
        and lesion.kind == "non-target"
        and lesion.lesion_type != TYPICAL
    ):
        problems.append(
            RecordProblem(
                f"lesions[{index}].mrecist_kind",
                f"{lesion.lesion_id} is a RECIST non-target: only a typical_hcc lesion can be an "
                "mRECIST target then (measured by its viable diameter); a target measured whole "
                "must be a RECIST target (M14.3)",
                "bad_lesion",
            )
        )
    return problems


def _measurement_has_problem(lesion: Lesion, measurement: Measurement) -> bool:
    """The cheap test before :func:`_measurement_problems` (most readings are fine)."""
    if "mrecist_status" in measurement and (lesion.mrecist_kind or lesion.kind) != "non-target":
        return True
    if lesion.lesion_type == TYPICAL:
        return "viable_diameter_mm" in measurement and "viable_status" in measurement
    return "viable_diameter_mm" in measurement or "viable_status" in measurement


def _measurement_problems(
    where: str, lesion: Lesion, measurement: Measurement
) -> list[RecordProblem]:
    problems = []
    has_viable = [key for key in _VIABLE_FIELDS if key in measurement]
    if len(has_viable) == 2:
        problems.append(
            RecordProblem(
                f"{where}.viable_status",
                "give either viable_diameter_mm or viable_status, not both (M2.5)",
                "bad_measurement",
            )
        )
    elif has_viable and lesion.lesion_type != TYPICAL:
        problems.append(
            RecordProblem(
                f"{where}.{has_viable[0]}",
                f"{lesion.lesion_id} is {lesion.lesion_type}: a viable diameter is read only for a "
                "typical_hcc lesion (M2.3, M4.1); set its lesion_type or remove the field",
                "bad_measurement",
            )
        )
    if "mrecist_status" in measurement and mrecist_role(lesion) != "non-target":
        problems.append(
            RecordProblem(
                f"{where}.mrecist_status",
                f"{lesion.lesion_id} is an mRECIST {mrecist_role(lesion)}: mrecist_status is the "
                "reading of an mRECIST non-target (M14.3); remove it",
                "bad_measurement",
            )
        )
    return problems


def _new_lesion_problems(where: str, listing: NewLesion) -> list[RecordProblem]:
    problems = []
    nodal = _nodal_problem(where, listing.lesion_type, listing.nodal_or_default, "bad_new_lesion")
    if nodal is not None:
        problems.append(nodal)
    if (
        listing.lesion_type in _SIZED_NEW_LESION_TYPES
        and not listing.equivocal
        and listing.is_new_finding
        and new_lesion_size_mm(listing) is None
    ):
        what = (
            "a new porta hepatis node (its short axis)"
            if listing.lesion_type == PORTA_HEPATIS_NODE
            else "an intrahepatic new lesion"
        )
        problems.append(
            RecordProblem(
                f"{where}.size_mm",
                f"required for {what} (M2.5): give its size in mm",
                "bad_new_lesion",
            )
        )
    return problems
