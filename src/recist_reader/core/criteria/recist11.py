"""RECIST 1.1 (Eisenhauer et al. 2009), as set out in the rule book R1–R15 and A1–A22."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import ClassVar

from recist_reader.core.assessment import ReadingState, TargetValue, VisitAssessment
from recist_reader.core.criteria.base import Criteria
from recist_reader.core.exact import (
    EXACT,
    ZERO,
    exact_sum,
    minus,
    mm_text,
    pct_change,
    times,
    to_decimal,
)
from recist_reader.core.labels import CR, NA, NE, NON_CR_NON_PD, PD, PR, SD, Response
from recist_reader.core.options import ScoringOptions
from recist_reader.core.record import (
    Lesion,
    Measurement,
    NewLesion,
    PatientRecord,
    Visit,
    measurement_position,
)
from recist_reader.core.timepoint import overall_non_target_only, overall_with_targets
from recist_reader.errors import RecordProblem

_LATERALITY_WORDS = frozenset({"left", "right", "bilateral", "both", "lt", "rt", "l", "r"})
_PAIRED_ORGAN_PLURALS = {
    "lungs": "lung",
    "kidneys": "kidney",
    "adrenals": "adrenal",
    "ovaries": "ovary",
    "breasts": "breast",
    "testes": "testis",
    "pleurae": "pleura",
}
_WORD = re.compile(r"[^\W_]+")
LYMPH_NODE_ORGAN = "lymphnode"


def organ_key(lesion: Lesion) -> str:
    """The organ a lesion counts against for target selection (R3.2, A16).

    Every nodal lesion is ``"lymph node"``; other organs are compared case- and
    space-insensitively, ignoring laterality words and folding paired-organ plurals.

    Examples
    --------
    >>> from recist_reader.core.record import Lesion
    >>> organ_key(Lesion(lesion_id="T1", kind="target", organ="Left  Lungs"))
    'lung'
    >>> organ_key(Lesion(lesion_id="T2", kind="target", organ="Small bowel"))
    'smallbowel'
    """
    if lesion.nodal:
        return LYMPH_NODE_ORGAN
    return _organ_text_key(lesion.organ)


@functools.lru_cache(maxsize=1024)
def _organ_text_key(organ: str) -> str:
    """:func:`organ_key` of a non-nodal organ's text (cached: trials reuse a few organ names)."""
    words = [
        _PAIRED_ORGAN_PLURALS.get(word, word)
        for word in _WORD.findall(organ.lower())
        if word not in _LATERALITY_WORDS
    ]
    return "".join(words) or "".join(organ.lower().split())


#: How a criteria reads one target: (lesion, the measurement key of its value, the short axis
#: below which it is normal; None for a non-nodal target, normal only at 0). A plain tuple: a
#: named tuple costs a Python call to build.
TargetSpec = tuple[Lesion, str, Decimal | None]


#: What a visit's new-lesion listings give (:meth:`Recist11.new_lesions_at`): an unequivocal
#: new lesion, a listing that does not count (yet), and the listings that count.
NewLesionReading = tuple[bool, bool, tuple[NewLesion, ...]]
_NO_NEW_LESION: NewLesionReading = (False, False, ())

#: The baseline disease at one visit (:meth:`Recist11.read_baseline_disease`): the targets'
#: values (None without targets), ``sum_mm``, ``partial_sum_mm``, the displayed % changes from
#: baseline and nadir, the target response and whether a target shows disease, the non-target
#: response and whether a non-target shows disease. A plain tuple, as :data:`TargetReading`.
BaselineDiseaseReading = tuple[
    list[Decimal | None] | None,
    Decimal | None,
    Decimal | None,
    float | None,
    float | None,
    Response,
    bool,
    Response,
    bool,
]

#: The targets at one visit (:meth:`Recist11.read_targets`): each target's value in
#: ``record.target_lesions`` order (None when not evaluated), the exact sum of the evaluated
#: ones, how many were not evaluated, and whether one shows disease (R5.8; when none does,
#: the CR category of R5.1). A plain tuple: a named tuple costs more than the sum, per visit.
TargetReading = tuple[list[Decimal | None], Decimal, int, bool]


class Recist11(Criteria):
    """RECIST 1.1 response criteria."""

    name: ClassVar[str] = "RECIST1.1"

    #: R2.4: short axis at or above which a node is pathological and measurable.
    nodal_measurable_min_mm: ClassVar[Decimal] = Decimal(15)
    #: R2.4, R5.1: short axis below which a node is normal.
    nodal_normal_below_mm: ClassVar[Decimal] = Decimal(10)
    #: R2.1, R2.2: smallest measurable non-nodal lesion on CT/MRI (≤ 5 mm slices) or caliper.
    non_nodal_measurable_min_mm: ClassVar[Decimal] = Decimal(10)
    #: R2.3: smallest measurable lesion on chest X-ray.
    chest_xray_measurable_min_mm: ClassVar[Decimal] = Decimal(20)
    #: R3.1
    max_targets: ClassVar[int] = 5
    max_targets_per_organ: ClassVar[int] = 2
    #: R5.2: PR when 10·S ≤ 7·B (a decrease of at least 30 %). Decimals: a product with an
    #: int converts the int first, at every visit.
    pr_ratio: ClassVar[tuple[Decimal, Decimal]] = (Decimal(7), Decimal(10))
    #: R5.3: PD when 5·S ≥ 6·N (an increase of at least 20 %) and S − N ≥ 5 mm.
    pd_ratio: ClassVar[tuple[Decimal, Decimal]] = (Decimal(6), Decimal(5))
    pd_min_increase_mm: ClassVar[Decimal] = Decimal(5)

    #: The rules notes cite, by what they decide. A criteria that applies these rules under its
    #: own numbers (mRECIST) gives its own mapping.
    rules: ClassVar[Mapping[str, str]] = {
        "too_small": "R4.3",
        "absent": "R4.3",
        "reappearance": "R5.8, A2",
        "partial_sum_pd": "R10.2",
        "partial_sum_ne": "R10.1",
        "cr_precedence": "A1",
        "cr": "R5.1",
        "pd": "R5.3",
        "pr": "R5.2",
        "continuing_pr": "A7",
        "sd": "R5.4",
        "non_target_pd": "R6.3",
        "non_target_reappearance": "R6.5, A2",
        "nodal_non_target_after_cr": "A21",
        "non_target_partial_missing": "A6",
        "non_target_ne": "R6.4, A6",
        "too_many_targets": "R3.1",
        "too_many_targets_per_organ": "R3.1, R3.2: all lymph nodes are one organ, and so is a "
        "paired organ",
        "new_lesion": "R7.1",
        "equivocal_new_lesion": "R7.2",
    }

    #: Whether a visit can have new lesions without listings (mRECIST's derived nodes, M7.7).
    derives_new_lesions: ClassVar[bool] = False
    #: Notes state the ordinary category decisions (R5.1–R5.4, R6.3), not only what was
    #: substituted and the exceptions. iRECIST's notes give its own rules instead (§7b).
    category_notes: ClassVar[bool] = True

    def __init__(self) -> None:
        self._specs_record: PatientRecord | None = None
        self._specs: tuple[TargetSpec, ...] = ()

    # ----------------------------------------------------------------- baseline (R2, R3)
    def measurable_min_mm(self, lesion: Lesion) -> Decimal:
        """Smallest measurable baseline size of ``lesion`` by its method (R2.1–R2.4, A22)."""
        if lesion.nodal:
            return self.nodal_measurable_min_mm
        if lesion.method == "CXR":
            return self.chest_xray_measurable_min_mm
        if lesion.method == "caliper" or lesion.slice_thickness_mm <= 5:
            return self.non_nodal_measurable_min_mm
        return max(
            self.non_nodal_measurable_min_mm, times(to_decimal(lesion.slice_thickness_mm), 2)
        )

    def baseline_sum_mm(
        self, record: PatientRecord, baseline: Visit, options: ScoringOptions
    ) -> Decimal | None:
        if not record.target_lesions:
            return None
        by_id = baseline.measurement_by_lesion
        return exact_sum(
            [by_id[lesion.lesion_id]["diameter_mm"] for lesion in record.target_lesions]
        )

    def target_specs(
        self, record: PatientRecord, options: ScoringOptions
    ) -> tuple[TargetSpec, ...]:
        """How each target of ``record`` is read (computed once per record)."""
        if self._specs_record is not record:
            self._specs = self.make_target_specs(record, options)
            self._specs_record = record
        return self._specs

    def make_target_specs(
        self, record: PatientRecord, options: ScoringOptions
    ) -> tuple[TargetSpec, ...]:
        """RECIST 1.1 targets, by ``diameter_mm``; nodes normal below 10 mm (R4.1, R5.1)."""
        normal_below = self.nodal_normal_below_mm
        return tuple(
            [
                (lesion, "diameter_mm", normal_below if lesion.nodal else None)
                for lesion in record.target_lesions
            ]
        )

    def baseline_problems(
        self,
        record: PatientRecord,
        baseline: Visit,
        baseline_index: int,
        options: ScoringOptions | None = None,
    ) -> list[RecordProblem]:
        problems: list[RecordProblem] = []
        where = f"visits[{baseline_index}]"
        by_id = baseline.measurement_by_lesion
        selection = (
            self.target_selection_problems(
                [(i, lesion) for i, lesion in enumerate(record.lesions) if lesion.kind == "target"],
                organ_key,
            )
            if len(record.target_lesions) > self.max_targets_per_organ
            else None
        )
        for index, lesion in enumerate(record.lesions):
            if lesion.kind == "target":
                if selection:
                    problems.extend(selection.pop(index, ()))
                measurement = by_id.get(lesion.lesion_id)
                if measurement is not None:
                    value = measurement.get("diameter_mm")
                    # The path is built only for a target that is not measurable.
                    if value is not None and value < self.measurable_min_mm(lesion):
                        position = measurement_position(baseline, lesion.lesion_id)
                        problems.extend(
                            self._measurability_problems(
                                lesion, measurement, f"{where}.measurements[{position}]"
                            )
                        )
            else:
                measurement = by_id.get(lesion.lesion_id)
                status = None if measurement is None else measurement.get("status")
                if status != "present":
                    position = (
                        None
                        if measurement is None
                        else measurement_position(baseline, lesion.lesion_id)
                    )
                    path = (
                        f"{where}.measurements"
                        if position is None
                        else (f"{where}.measurements[{position}].status")
                    )
                    shown = "no measurement" if position is None else f"status {status!r}"
                    problems.append(
                        RecordProblem(
                            path,
                            f"non-target {lesion.lesion_id!r} must be recorded 'present' at "
                            f"baseline, got {shown} (R3.3)",
                            "non_target_not_present_at_baseline",
                        )
                    )
        for n_index, _ in enumerate(baseline.new_lesions):
            problems.append(
                RecordProblem(
                    f"{where}.new_lesions[{n_index}]",
                    "new lesions cannot be recorded at baseline (R3.4): record it as a lesion",
                    "new_lesion_at_baseline",
                )
            )
        return problems

    def target_selection_problems(
        self, targets: Iterable[tuple[int, Lesion]], organ_of: Callable[[Lesion], str]
    ) -> dict[int, list[RecordProblem]]:
        """Too many targets in total or in one organ (R3.1, R3.2), by lesion index.

        ``targets`` are (index in ``lesions``, lesion) in record order; ``organ_of`` gives the
        organ a lesion counts against.
        """
        targets = list(targets)
        problems: dict[int, list[RecordProblem]] = {}
        if len(targets) <= self.max_targets_per_organ:
            return problems  # too few to break either limit
        per_organ: dict[str, int] = {}
        one_too_many, one_too_many_per_organ = self.max_targets + 1, self.max_targets_per_organ + 1
        for seen, (index, lesion) in enumerate(targets, start=1):
            if seen == one_too_many:
                problems.setdefault(index, []).append(
                    RecordProblem(
                        f"lesions[{index}].kind",
                        f"{len(targets)} target lesions: at most {self.max_targets} are allowed "
                        f"({self.rules['too_many_targets']}); follow the others as non-targets",
                        "too_many_targets",
                    )
                )
            organ = organ_of(lesion)
            in_organ = per_organ[organ] = per_organ.get(organ, 0) + 1
            if in_organ == one_too_many_per_organ:
                problems.setdefault(index, []).append(
                    RecordProblem(
                        f"lesions[{index}].organ",
                        f"more than {self.max_targets_per_organ} targets in "
                        + ("the lymph nodes" if lesion.nodal else f"organ {lesion.organ!r}")
                        + f" ({self.rules['too_many_targets_per_organ']}); follow the others "
                        "as non-targets",
                        "too_many_targets_per_organ",
                    )
                )
        return problems

    def _measurability_problems(
        self, lesion: Lesion, measurement: Measurement, path: str
    ) -> list[RecordProblem]:
        value = measurement.get("diameter_mm")
        if value is None:  # reported as baseline_target_not_measured by validation
            return []
        reason = self.not_measurable_reason(lesion, value)
        if reason is None:
            return []
        return [
            RecordProblem(
                f"{path}.diameter_mm",
                f"target {lesion.lesion_id!r} is not measurable: {reason}; make it a non-target",
                "target_not_measurable",
            )
        ]

    def not_measurable_reason(self, lesion: Lesion, value: Decimal) -> str | None:
        """Why ``lesion`` measuring ``value`` mm is not measurable (R2), None when it is."""
        minimum = self.measurable_min_mm(lesion)
        if value >= minimum:
            return None
        if lesion.nodal:
            what = (
                "a node of 10 to < 15 mm short axis is pathological but not measurable: "
                "follow it as a non-target (R2.4)"
                if value >= self.nodal_normal_below_mm
                else "a node under 10 mm short axis is normal (R2.4)"
            )
            reason = f"short axis {mm_text(value)} mm is below {mm_text(minimum)} mm: {what}"
        elif lesion.method == "CXR":
            reason = f"{mm_text(value)} mm is below {mm_text(minimum)} mm on chest X-ray (R2.3)"
        elif lesion.method == "caliper":
            reason = f"{mm_text(value)} mm is below {mm_text(minimum)} mm by caliper (R2.2)"
        else:
            reason = (
                f"{mm_text(value)} mm is below the measurable size {mm_text(minimum)} mm for "
                f"{lesion.method} with {mm_text(to_decimal(lesion.slice_thickness_mm))} mm slices "
                "(R2.1: ≥ 10 mm and ≥ twice the slice thickness)"
            )
        return reason

    # ------------------------------------------------------------------ visits (R4–R10)
    def target_values(
        self, record: PatientRecord, visit: Visit, options: ScoringOptions, notes: list[str]
    ) -> list[Decimal | None]:
        """Each target's value at ``visit`` (R1.3, R4.3, A14, A15).

        One value per target (:meth:`target_specs`), in that order; None when the target was
        not evaluated.
        """
        return self.read_targets(record, visit, options, notes)[0]

    def read_targets(
        self, record: PatientRecord, visit: Visit, options: ScoringOptions, notes: list[str]
    ) -> TargetReading:
        """The targets at ``visit`` in one pass: :meth:`target_values`, their sum and whether
        any shows disease (:meth:`shows_disease`; none is :meth:`is_cr_category`)."""
        by_id = visit.measurement_by_lesion
        add = EXACT.add
        values: list[Decimal | None] = []
        total, n_missing, disease = ZERO, 0, False
        specs = self._specs if self._specs_record is record else self.target_specs(record, options)
        for lesion, value_key, normal_below in specs:
            measurement = by_id.get(lesion.lesion_id)
            value_mm = None if measurement is None else measurement.get(value_key)
            if value_mm is None:
                value_mm = self.value_without_diameter(lesion, measurement, options, notes)
                if value_mm is None:
                    values.append(None)
                    n_missing += 1
                    continue
            values.append(value_mm)
            total = add(total, value_mm)
            if not disease:
                disease = value_mm > ZERO if normal_below is None else value_mm >= normal_below
        return values, total, n_missing, disease

    def value_without_diameter(
        self,
        lesion: Lesion,
        measurement: Measurement | None,
        options: ScoringOptions,
        notes: list[str],
    ) -> Decimal | None:
        """The value of a target recorded by status or not measured, with its note (R4.3)."""
        if measurement is None:
            notes.append(f"{lesion.lesion_id} not measured at this visit: not evaluated (A14)")
            return None
        return self.value_of_status(lesion.lesion_id, measurement.get("status"), options, notes)

    def value_of_status(
        self, subject: str, status: str | None, options: ScoringOptions, notes: list[str]
    ) -> Decimal | None:
        """A target ``status``'s value, noted (R4.3, A15): ``too_small`` counts
        ``too_small_mm``, ``absent`` 0 mm, anything else is not evaluated."""
        if status == "too_small":
            notes.append(
                f"{subject} too small to measure: counted as "
                f"{mm_text(options.too_small_mm)} mm ({self.rules['too_small']})"
            )
            return options.too_small_mm
        if status == "absent":
            notes.append(f"{subject} absent: counted as 0 mm ({self.rules['absent']})")
            return ZERO
        notes.append(f"{subject} not evaluated")
        return None

    def is_cr_category(self, lesions: Sequence[Lesion], values: Sequence[Decimal | None]) -> bool:
        """R5.1: non-nodal targets all 0 and every nodal target < 10 mm (evaluated ones)."""
        return not any(map(self.shows_disease, lesions, values))

    def shows_disease(self, lesion: Lesion, value_mm: Decimal | None) -> bool:
        """Whether a target's value shows disease (R5.8): non-nodal > 0, nodal ≥ 10 mm."""
        if value_mm is None:
            return False
        return value_mm >= self.nodal_normal_below_mm if lesion.nodal else value_mm > 0

    @staticmethod
    def reappeared_targets(
        specs: Sequence[TargetSpec], values: Sequence[Decimal | None]
    ) -> list[TargetValue]:
        """Targets showing disease again after CR (R5.8): non-nodal > 0, nodal at or above
        its normal short axis."""
        return [
            TargetValue(lesion, value_mm)
            for (lesion, _, normal_below), value_mm in zip(specs, values)
            if value_mm is not None
            and (value_mm > 0 if normal_below is None else value_mm >= normal_below)
        ]

    def meets_progression(
        self, sum_mm: Decimal, nadir_mm: Decimal, options: ScoringOptions
    ) -> bool:
        """R5.3: ``5·S ≥ 6·N`` and ``S − N ≥ 5 mm``, exactly (inclusive)."""
        numerator, denominator = self.pd_ratio
        if minus(sum_mm, nadir_mm) < self.pd_min_increase_mm:  # the cheaper test first
            return False
        return times(sum_mm, denominator) >= times(nadir_mm, numerator)

    def progression_threshold_text(self, options: ScoringOptions) -> str:
        """The target PD threshold in words, for notes (R5.3)."""
        return "+20 % and +5 mm"

    def cr_category_text(self) -> str:
        """What the target CR category means, for notes (R5.1)."""
        return "non-nodal targets gone, every node < 10 mm"

    def normal_nodes_text(self) -> str:
        """Why the CR category beats an arithmetic rise, for notes (A1)."""
        return "every node < 10 mm is normal"

    def meets_partial_response(self, sum_mm: Decimal, baseline_mm: Decimal) -> bool:
        """R5.2: ``10·S ≤ 7·B``, exactly (inclusive)."""
        numerator, denominator = self.pr_ratio
        return times(sum_mm, denominator) <= times(baseline_mm, numerator)

    @staticmethod
    def _change_from_nadir(
        total: Decimal, nadir: Decimal, options: ScoringOptions, percent: float | None = None
    ) -> str:
        """``53.0 mm vs nadir 44.0 mm (+9.0 mm, +20.45 %)`` for notes (``percent`` if known)."""
        difference = minus(total, nadir)
        sign = "+" if difference >= 0 else "-"
        if percent is None:
            percent = pct_change(total, nadir, options.pct_decimals)
        shown = f", {percent:{options.pct_format}} %" if percent is not None else ""
        return f"{mm_text(total)} mm vs nadir {mm_text(nadir)} mm ({sign}{mm_text(abs(difference))} mm{shown})"

    def target_response(
        self,
        specs: Sequence[TargetSpec],
        values: Sequence[Decimal | None],
        total: Decimal,
        state: ReadingState,
        options: ScoringOptions,
        notes: list[str],
        *,
        n_missing: int | None = None,
        pct_change_baseline: float | None = None,
        pct_change_nadir: float | None = None,
        cr_category: bool | None = None,
    ) -> Response:
        """Target response at a visit (R5, R10).

        ``specs`` are the targets (:meth:`target_specs`), ``values`` their values
        (:meth:`target_values`), ``total`` the sum of the evaluated ones: the sum of diameters
        when every target was evaluated, else the partial sum. ``n_missing`` (the targets not
        evaluated), the displayed changes of a complete sum from baseline and nadir, and
        ``cr_category`` (no target shows disease) are given when the caller has them
        (:meth:`read_targets`).
        """
        baseline, nadir = state.baseline_sum_mm, state.nadir_mm
        assert baseline is not None and nadir is not None
        rules = self.rules
        if n_missing is None:
            n_missing = sum(1 for value_mm in values if value_mm is None)
        complete = n_missing == 0
        if cr_category is None:
            cr_category = not self.reappeared_targets(specs, values)
        if state.in_cr and options.pd_on_reappearance_after_cr and not cr_category:
            reappeared = self.reappeared_targets(specs, values)
            if reappeared:
                names = ", ".join(
                    f"{item.lesion.lesion_id} {mm_text(item.value_mm)} mm" for item in reappeared
                )
                notes.append(
                    f"target PD: disease reappeared after CR ({names}) ({rules['reappearance']})"
                )
                return PD
        progression = self.meets_progression(total, nadir, options)
        if not complete:
            if progression and not (cr_category and options.cr_precedence_over_arithmetic_pd):
                notes.append(
                    "target PD from the partial sum: evaluated targets alone reach "
                    f"{self.progression_threshold_text(options)}, "
                    f"{self._change_from_nadir(total, nadir, options)} ({rules['partial_sum_pd']})"
                )
                return PD
            notes.append(
                f"target NE: {n_missing} target(s) not evaluated, partial sum "
                f"{mm_text(total)} mm ({rules['partial_sum_ne']})"
            )
            return NE
        if cr_category and (options.cr_precedence_over_arithmetic_pd or not progression):
            if progression:
                notes.append(
                    f"target CR although the sum rose {self._change_from_nadir(total, nadir, options, pct_change_nadir)}: {self.normal_nodes_text()} ({rules['cr_precedence']})"
                )
            elif self.category_notes:
                notes.append(f"target CR: {self.cr_category_text()} ({rules['cr']})")
            return CR
        if progression:
            if self.category_notes:
                threshold = self.progression_threshold_text(options).replace(" and ", " and ≥ ")
                notes.append(
                    f"target PD: sum {self._change_from_nadir(total, nadir, options, pct_change_nadir)}: ≥ {threshold} from nadir ({rules['pd']})"
                )
            return PD
        if not self.category_notes:  # only an exception (A7) is noted
            if self.meets_partial_response(total, baseline):
                return PR
            if not (options.continuing_pr and state.had_target_response):
                return SD
        pct = (
            pct_change(total, baseline, options.pct_decimals)
            if pct_change_baseline is None
            else pct_change_baseline
        )
        change = f"{pct:{options.pct_format}} %" if pct is not None else "no % change from 0 mm"
        versus_baseline = f"sum {mm_text(total)} mm vs baseline {mm_text(baseline)} mm ({change})"
        if self.meets_partial_response(total, baseline):
            notes.append(f"target PR: {versus_baseline}: ≥ 30 % decrease ({rules['pr']})")
            return PR
        if options.continuing_pr and state.had_target_response:
            notes.append(
                f"target PR continues: {versus_baseline}, no PD since the PR ({rules['continuing_pr']})"
            )
            return PR
        notes.append(f"target SD: {versus_baseline}: neither PR nor PD ({rules['sd']})")
        return SD

    def non_target_readings(
        self, record: PatientRecord, visit: Visit, options: ScoringOptions, notes: list[str]
    ) -> tuple[list[Lesion], list[str], list[str]] | None:
        """The non-targets at ``visit``: those present, the ids of those unequivocally
        progressing, and the ids of those not evaluated (R1.3, R6); None without
        non-targets."""
        if not record.non_target_lesions:
            return None
        by_id = visit.measurement_by_lesion
        progressed: list[str] = []
        present: list[Lesion] = []
        missing: list[str] = []
        for lesion in record.non_target_lesions:  # one pass: this runs for every visit
            measurement = by_id.get(lesion.lesion_id)
            status = None if measurement is None else measurement.get("status")
            if status == "present":
                present.append(lesion)
            elif status == "unequivocal_progression":
                progressed.append(lesion.lesion_id)
            elif status != "absent":
                missing.append(lesion.lesion_id)
        return present, progressed, missing

    def can_reappear(
        self, record: PatientRecord, lesion: Lesion, visit: Visit, options: ScoringOptions
    ) -> bool:
        """Whether ``lesion`` present after CR is reappearance (R6.5; a node is not, A21)."""
        return not lesion.nodal

    def not_reappearance_note(self, present: Sequence[Lesion], visit: Visit) -> str:
        """The note on non-targets present after CR that are not reappearance (A21)."""
        return (
            "nodal non-target present after CR is not reappearance "
            f"({self.rules['nodal_non_target_after_cr']})"
        )

    def non_target_response(
        self,
        record: PatientRecord,
        visit: Visit,
        state: ReadingState,
        options: ScoringOptions,
        notes: list[str],
    ) -> tuple[Response, bool]:
        """Non-target response (R6) and whether a non-target documents disease."""
        readings = self.non_target_readings(record, visit, options, notes)
        if readings is None:
            return NA, False
        present, progressed, missing = readings
        rules = self.rules
        disease = bool(present or progressed)
        if progressed:
            if self.category_notes:
                notes.append(
                    f"non-target PD: unequivocal progression of {', '.join(progressed)} "
                    f"({rules['non_target_pd']})"
                )
            return PD, disease
        if state.in_cr and options.pd_on_reappearance_after_cr:
            reappeared = [
                lesion.lesion_id
                for lesion in present
                if self.can_reappear(record, lesion, visit, options)
            ]
            if reappeared:
                notes.append(
                    f"non-target PD: {', '.join(reappeared)} present again after CR "
                    f"({rules['non_target_reappearance']})"
                )
                return PD, disease
            if present:
                notes.append(self.not_reappearance_note(present, visit))
        if missing:
            if present and not options.nontarget_partial_missing_is_ne:
                notes.append(
                    f"non-target NonCR/NonPD: {', '.join(missing)} not evaluated, others present "
                    f"({rules['non_target_partial_missing']})"
                )
                return NON_CR_NON_PD, disease
            notes.append(
                f"non-target NE: {', '.join(missing)} not evaluated ({rules['non_target_ne']})"
            )
            return NE, disease
        if not present:
            return CR, disease
        return NON_CR_NON_PD, disease

    def new_lesions_at(
        self, record: PatientRecord, visit: Visit, options: ScoringOptions, notes: list[str]
    ) -> NewLesionReading:
        """Whether ``visit`` found unequivocal and equivocal new lesions, noted (R7.1, R7.2).

        A listing recorded ``absent`` or ``not_evaluated`` (an iRECIST re-listing) is not a new
        finding (design.md §7.5).
        """
        if not visit.new_lesions:
            return _NO_NEW_LESION
        counted: list[NewLesion] = []
        equivocal: list[str] = []
        not_findings: list[str] = []
        for new_lesion in visit.new_lesions:
            if not new_lesion.is_new_finding:
                not_findings.append(f"{new_lesion.location} ({new_lesion.status})")
            elif new_lesion.equivocal:
                equivocal.append(new_lesion.location)
            else:
                counted.append(new_lesion)
        if counted:
            notes.append(
                f"unequivocal new lesion: {'; '.join(n.location for n in counted)} "
                f"({self.rules['new_lesion']})"
            )
        if equivocal:
            notes.append(
                f"equivocal new lesion, not PD at this visit: {'; '.join(equivocal)} "
                f"({self.rules['equivocal_new_lesion']})"
            )
        if not_findings:
            notes.append(
                f"new-lesion listing not a new finding at this visit: {'; '.join(not_findings)} "
                "(design.md §7.5)"
            )
        return bool(counted), bool(equivocal), tuple(counted)

    def assess_visit(
        self,
        record: PatientRecord,
        visit: Visit,
        state: ReadingState,
        options: ScoringOptions,
    ) -> VisitAssessment:
        notes: list[str] = []
        reading = self.read_baseline_disease(record, visit, state, options, notes)
        target, non_target = reading[5], reading[7]
        if visit.new_lesions or self.derives_new_lesions:
            new_lesion, equivocal_new_lesion, counted = self.new_lesions_at(
                record, visit, options, notes
            )
        else:  # most visits list none
            new_lesion = equivocal_new_lesion = False
            counted = ()
        if state.baseline_sum_mm is not None:
            overall = overall_with_targets(target, non_target, new_lesion)
        else:
            overall = overall_non_target_only(non_target, new_lesion)
        documented_disease = reading[8] or new_lesion or overall is PD or reading[6]
        # Positional: keyword arguments cost more than the rest of this call (17 fields).
        return VisitAssessment(
            visit,
            visit.visit_id,
            visit.date,
            (visit.date - record.baseline_date).days,  # day
            reading[1],  # sum_mm
            reading[2],  # partial_sum_mm
            state.nadir_mm,
            target,
            non_target,
            new_lesion,
            equivocal_new_lesion,
            overall,
            documented_disease,
            notes,
            reading[3],  # pct_change_baseline
            reading[4],  # pct_change_nadir
            counted,
        )

    def read_baseline_disease(
        self,
        record: PatientRecord,
        visit: Visit,
        state: ReadingState,
        options: ScoringOptions,
        notes: list[str],
    ) -> BaselineDiseaseReading:
        """The targets and non-targets at ``visit``: sums, displayed changes, categories."""
        baseline, nadir = state.baseline_sum_mm, state.nadir_mm
        values: list[Decimal | None] | None = None
        sum_mm = partial_sum_mm = None
        target_disease = False
        pct_baseline = pct_nadir = None
        target = NA
        if baseline is not None:
            values, total, n_missing, target_disease = self.read_targets(
                record, visit, options, notes
            )
            if not n_missing:
                sum_mm = total
                # The displayed changes (A11), computed once for the notes and the JSON.
                pct_baseline = pct_change(total, baseline, options.pct_decimals)
                if nadir == baseline:
                    pct_nadir = pct_baseline
                elif nadir is not None:
                    pct_nadir = pct_change(total, nadir, options.pct_decimals)
            else:
                partial_sum_mm = total
            target = self.target_response(
                self._specs,  # read_targets computed them for this record
                values,
                total,
                state,
                options,
                notes,
                n_missing=n_missing,
                pct_change_baseline=pct_baseline,
                pct_change_nadir=pct_nadir,
                cr_category=not target_disease,
            )
        non_target, non_target_disease = self.non_target_response(
            record, visit, state, options, notes
        )
        return (
            values,
            sum_mm,
            partial_sum_mm,
            pct_baseline,
            pct_nadir,
            target,
            target_disease,
            non_target,
            non_target_disease,
        )
