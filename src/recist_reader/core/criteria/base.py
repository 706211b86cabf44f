"""What every criteria provides, and the scoring pipeline they share.

A criteria (RECIST 1.1, mRECIST, iRECIST) is a plug-in: it checks the baseline and turns each
follow-up visit into a :class:`~recist_reader.core.assessment.VisitAssessment`. The overall
tables (:mod:`recist_reader.core.timepoint`), best overall response, progression, PFS and
duration of response (:mod:`recist_reader.core.endpoints`) and the response JSON
(design.md §2) are shared; :meth:`Criteria.score` runs them. A criteria whose rules differ
(iRECIST's labels, episodes and confirmation) overrides the hooks: :meth:`Criteria.visit_json`,
:meth:`Criteria.find_progression`, :meth:`Criteria.best_overall_response` and
:meth:`Criteria.response_json`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from decimal import Decimal
from operator import attrgetter
from typing import Any, ClassVar

from recist_reader.core.assessment import ReadingState, TargetValue, VisitAssessment
from recist_reader.core.endpoints import (
    Progression,
    TimePoint,
    best_overall_response_confirmed,
    best_overall_response_unconfirmed,
    duration_of_response,
    find_progression,
    last_evaluable_date,
    response_window,
)
from recist_reader.core.exact import to_json_number
from recist_reader.core.labels import CR, LABELS, PR, Response
from recist_reader.core.new_lesions import NewLesionFindings
from recist_reader.core.options import ScoringOptions
from recist_reader.core.record import SCHEMA_VERSION, NewLesion, PatientRecord, Visit
from recist_reader.errors import RecordError, RecordProblem

__all__ = ["Criteria", "ReadingState", "TargetValue", "VisitAssessment"]

_visit_date = attrgetter("date")

# Problems that make scoring impossible whatever validate_baseline says.
_ALWAYS_FATAL = frozenset({"no_baseline_disease"})


class Criteria(ABC):
    """A response criteria: baseline rules, per-visit responses, and the shared pipeline."""

    #: The criteria's name, as in the record's ``criteria`` and the response's.
    name: ClassVar[str]
    #: Its options: the shared ones and its own (design.md §7.4).
    options_class: ClassVar[type[ScoringOptions]] = ScoringOptions
    #: The label of each response in the JSON.
    labels: ClassVar[Mapping[Response, str]] = LABELS

    # ----------------------------------------------------------------- what a criteria decides
    @abstractmethod
    def baseline_problems(
        self,
        record: PatientRecord,
        baseline: Visit,
        baseline_index: int,
        options: ScoringOptions | None = None,
    ) -> list[RecordProblem]:
        """Violations of the baseline rules (measurability, target selection); ``options``
        default to the criteria's defaults."""

    @abstractmethod
    def baseline_sum_mm(
        self, record: PatientRecord, baseline: Visit, options: ScoringOptions
    ) -> Decimal | None:
        """The baseline sum of diameters, None without targets."""

    @abstractmethod
    def assess_visit(
        self,
        record: PatientRecord,
        visit: Visit,
        state: ReadingState,
        options: ScoringOptions,
    ) -> VisitAssessment:
        """The response at one follow-up visit, given what earlier visits established."""

    def record_problems(
        self, record: PatientRecord, options: ScoringOptions
    ) -> list[RecordProblem]:
        """Problems with the fields only this criteria reads; always fatal (none by default)."""
        return []

    def next_state(self, state: ReadingState, assessment: VisitAssessment) -> ReadingState:
        """The state after ``assessment``: nadir from complete visits, the CR state (A2)."""
        nadir = state.nadir_mm
        if assessment.sum_mm is not None and (nadir is None or assessment.sum_mm < nadir):
            nadir = assessment.sum_mm
        if assessment.overall is CR:  # the module's name: Response.CR is a slow class lookup
            in_cr = True
        elif assessment.documented_disease:
            in_cr = False
        else:
            in_cr = state.in_cr
        had_response = state.had_target_response or (
            assessment.sum_mm is not None and assessment.target in (PR, CR)
        )
        if (
            nadir is state.nadir_mm
            and in_cr is state.in_cr
            and had_response is state.had_target_response
        ):
            return state  # nothing changed; states are never changed in place
        return ReadingState(state.baseline_sum_mm, nadir, in_cr, had_response)

    def backdating_note(self, sighting: VisitAssessment, listing: NewLesion) -> str:
        """The note on a progression dated back to a new lesion's first sighting."""
        return (
            f"PD dated to {sighting.visit_id} ({sighting.date.isoformat()}), where the new "
            f"lesion '{listing.location}' was first seen as equivocal (R7.3, A8)"
        )

    # ------------------------------------------------------------------------- the pipeline
    def score(self, record: PatientRecord, options: ScoringOptions) -> dict[str, Any]:
        """The response JSON of ``record`` under this criteria (design.md §2).

        Raises
        ------
        RecordError
            When the record breaks this criteria's rules.
        """
        visits, baseline_date = record.visits, record.baseline_date  # model attributes cost more
        baseline_index = next(i for i, v in enumerate(visits) if v.date == baseline_date)
        baseline = visits[baseline_index]
        baseline_notes = self.check_baseline(record, baseline, baseline_index, options)

        baseline_sum = self.baseline_sum_mm(record, baseline, options)
        state = ReadingState(baseline_sum, baseline_sum)  # baseline_sum_mm, nadir_mm
        assessments: list[VisitAssessment] = []
        follow_ups = [visit for visit in visits if visit.date > baseline_date]
        follow_ups.sort(key=_visit_date)
        for visit in follow_ups:
            assessment = self.assess_visit(record, visit, state, options)
            assessments.append(assessment)
            state = self.next_state(state, assessment)
        return self.response_json(
            record, options, baseline, baseline_sum, baseline_notes, assessments
        )

    def check_baseline(
        self, record: PatientRecord, baseline: Visit, baseline_index: int, options: ScoringOptions
    ) -> list[str]:
        """Raise for fatal problems; return the baseline notes of the others (A17).

        The problems of :meth:`record_problems` and ``no_baseline_disease`` are always fatal;
        the baseline rules only when ``validate_baseline`` is true.
        """
        fatal = self.record_problems(record, options)
        if not record.lesions:
            fatal.append(
                RecordProblem(
                    "lesions",
                    "no lesion at baseline: a patient needs at least one target or non-target "
                    "(R3.4)",
                    "no_baseline_disease",
                )
            )
        problems = self.baseline_problems(record, baseline, baseline_index, options)
        if not problems:  # the common case
            if fatal:
                raise RecordError(fatal)
            return []
        fatal.extend(p for p in problems if p.code in _ALWAYS_FATAL)
        if options.validate_baseline:
            fatal = [*fatal, *(p for p in problems if p.code not in _ALWAYS_FATAL)]
        if fatal:
            raise RecordError(fatal)
        return [p.describe() for p in problems]

    def find_progression(
        self, record: PatientRecord, assessments: Sequence[VisitAssessment], options: ScoringOptions
    ) -> Progression | None:
        """The progression (R14): the first overall PD, dated back to a first sighting (R7.3)."""
        progression = find_progression(
            assessments,
            options=options,
            findings=lambda: NewLesionFindings(record),
            backdating_note=self.backdating_note,
        )
        if progression is not None and progression.note:
            progression.declaring.notes.append(progression.note)
        return progression

    def best_overall_response(
        self, window: Sequence[TimePoint], options: ScoringOptions, *, has_targets: bool
    ) -> dict[str, str]:
        """``{"unconfirmed": ..., "confirmed": ...}`` over the window (R11, R12)."""
        labels = self.labels
        return {
            "unconfirmed": labels[best_overall_response_unconfirmed(window, options)],
            "confirmed": labels[
                best_overall_response_confirmed(window, options, has_targets=has_targets)
            ],
        }

    def response_json(
        self,
        record: PatientRecord,
        options: ScoringOptions,
        baseline: Visit,
        baseline_sum: Decimal | None,
        baseline_notes: list[str],
        assessments: list[VisitAssessment],
    ) -> dict[str, Any]:
        """The response (design.md §2) from the visits' assessments."""
        baseline_date = record.baseline_date
        progression = self.find_progression(record, assessments, options)
        window = response_window(assessments, progression)
        pfs_date = (
            progression.date if progression else last_evaluable_date(assessments, baseline_date)
        )
        visit_json = self.visit_json
        return {
            "schema_version": SCHEMA_VERSION,
            "patient_id": record.patient_id,
            "criteria": self.name,
            "config": options.as_json(),
            "baseline": self.baseline_json(baseline, baseline_sum, baseline_notes),
            "visits": [visit_json(a) for a in assessments],
            "progression": None
            if progression is None
            else {
                "date": progression.date.isoformat(),
                "visit_id": progression.declaring.visit_id,
                "dated_visit_id": progression.dated_visit_id,
            },
            "pfs": {"event": progression is not None, "date": pfs_date.isoformat()},
            "best_overall_response": self.best_overall_response(
                window, options, has_targets=baseline_sum is not None
            ),
            "duration_of_response": duration_of_response(
                window, progression, assessments, baseline_date
            ),
        }

    @staticmethod
    def baseline_json(
        baseline: Visit, baseline_sum: Decimal | None, baseline_notes: list[str]
    ) -> dict[str, Any]:
        """The response's ``baseline`` (design.md §2)."""
        baseline_json: dict[str, Any] = {
            "visit_id": baseline.visit_id,
            "date": baseline.date.isoformat(),
            "sum_mm": to_json_number(baseline_sum),
        }
        if baseline_notes:
            baseline_json["notes"] = baseline_notes
        return baseline_json

    def visit_json(self, assessment: VisitAssessment) -> dict[str, Any]:
        """One entry of the response's ``visits`` (design.md §2)."""
        entry = visit_measures_json(assessment, self.labels)
        entry["overall"] = self.labels[assessment.overall]
        entry["notes"] = assessment.notes
        return entry


def visit_measures_json(assessment: VisitAssessment, labels: Mapping[Any, str]) -> dict[str, Any]:
    """A ``visits`` entry up to its new lesions (design.md §2), in ``labels``: the keys
    every criteria writes first; each adds its overall response and notes (and iRECIST its
    §7b keys) after them."""
    # The sums as to_json_number gives them, without its three calls per visit.
    sum_mm, partial_sum_mm, nadir_mm = (
        assessment.sum_mm,
        assessment.partial_sum_mm,
        assessment.nadir_mm,
    )
    return {
        "visit_id": assessment.visit_id,
        "date": assessment.date.isoformat(),
        "day": assessment.day,
        "sum_mm": None if sum_mm is None else float(sum_mm),
        "partial_sum_mm": None if partial_sum_mm is None else float(partial_sum_mm),
        "nadir_mm": None if nadir_mm is None else float(nadir_mm),
        "pct_change_baseline": assessment.pct_change_baseline,
        "pct_change_nadir": assessment.pct_change_nadir,
        "target": labels[assessment.target],
        "non_target": labels[assessment.non_target],
        "new_lesions": assessment.new_lesions,
        "equivocal_new_lesions": assessment.equivocal_new_lesions,
    }
