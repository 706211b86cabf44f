"""iRECIST (Seymour et al. 2017): RECIST 1.1 plus a layer for immunotherapy (rules I1–I15).

The baseline disease is read exactly as RECIST 1.1 reads it (:class:`Recist11`: sums, nadir,
target and non-target categories, with i-labels); the new lesions are tracked across visits
(:mod:`~recist_reader.core.criteria.irecist_new_lesions`); the time points come from the iUPD
episodes (:mod:`~recist_reader.core.criteria.irecist_episodes`). Best overall response, PFS
and duration of response are the shared ones (:mod:`recist_reader.core.endpoints`), run on the
i-time points with iUPD and iCPD in RECIST's PD slot (I11–I13).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar

from recist_reader.core.assessment import ReadingState, VisitAssessment
from recist_reader.core.criteria.base import visit_measures_json
from recist_reader.core.criteria.irecist_episodes import Episode, EpisodeTracker, IrecistVisit
from recist_reader.core.criteria.irecist_new_lesions import (
    NewLesionRegistry,
    read_new_lesions,
    track_new_lesions,
)
from recist_reader.core.criteria.recist11 import Recist11
from recist_reader.core.endpoints import (
    Progression,
    TimePoint,
    duration_of_response,
    last_evaluable_date,
)
from recist_reader.core.labels import CR, NA, NE, NON_CR_NON_PD, PD, PR, SD, Response
from recist_reader.core.options import IrecistOptions, ScoringOptions
from recist_reader.core.record import SCHEMA_VERSION, PatientRecord, Visit
from recist_reader.errors import RecordProblem

#: I10: each category's iRECIST label; PD is iUPD (iCPD when confirmed).
I_LABELS: dict[Response, str] = {
    CR: "iCR",
    PR: "iPR",
    SD: "iSD",
    PD: "iUPD",
    NE: "NE",
    NA: "NA",
    NON_CR_NON_PD: "non-iCR/non-iUPD",
}
ICPD = "iCPD"

#: The registry of a record without new lesions (shared; never changed).
_NO_NEW_LESION_REGISTRY = NewLesionRegistry()


class Irecist(Recist11):
    """iRECIST response criteria: RECIST 1.1 with i-labels, tracked new lesions and iUPD
    episodes.

    One instance scores one record at a time: :meth:`score` keeps the record's new lesions
    and its :class:`EpisodeTracker` while it runs the shared pipeline.
    """

    name: ClassVar[str] = "iRECIST"
    options_class: ClassVar[type[ScoringOptions]] = IrecistOptions
    labels: ClassVar[Mapping[Response, str]] = I_LABELS
    #: The sums and categories are in the response; notes keep what was substituted, what was
    #: not evaluated, the exceptions (A1, A2, A6, A7, A21, R10.2) and each time point's I-rule.
    category_notes: ClassVar[bool] = False

    def __init__(self) -> None:
        super().__init__()
        self._registry = _NO_NEW_LESION_REGISTRY
        self._tracker: EpisodeTracker | None = None
        self._event: tuple[Progression | None, bool] | None = None

    def score(self, record: PatientRecord, options: ScoringOptions) -> dict[str, Any]:
        self._registry, self._tracker, self._event = _NO_NEW_LESION_REGISTRY, None, None
        return super().score(record, options)

    # ----------------------------------------------------------------- checks (I1.2, I2)
    def record_problems(
        self, record: PatientRecord, options: ScoringOptions
    ) -> list[RecordProblem]:
        """The new-lesion problems of design.md §7b (I1.2, I5.3, I5.4); tracks the lesions."""
        if not any(visit.new_lesions for visit in record.visits):
            return []  # most records: nothing to track (the shared empty registry stays)
        follow_ups = sorted(
            ((i, v) for i, v in enumerate(record.visits) if v.date > record.baseline_date),
            key=lambda item: item[1].date,
        )
        self._registry = track_new_lesions(record, follow_ups, options, self)
        return list(self._registry.problems)

    def baseline_problems(
        self,
        record: PatientRecord,
        baseline: Visit,
        baseline_index: int,
        options: ScoringOptions | None = None,
    ) -> list[RecordProblem]:
        """R1–R3 unchanged; a new lesion at baseline is ``baseline_new_lesions`` (I1.2)."""
        problems = super().baseline_problems(record, baseline, baseline_index, options)
        return [
            RecordProblem(
                problem.path,
                "new lesions cannot be listed at baseline (I1.2, R3.4): record it as a lesion",
                "baseline_new_lesions",
            )
            if problem.code == "new_lesion_at_baseline"
            else problem
            for problem in problems
        ]

    # ----------------------------------------------------------------- visits (I3–I8)
    def assess_visit(
        self,
        record: PatientRecord,
        visit: Visit,
        state: ReadingState,
        options: ScoringOptions,
    ) -> IrecistVisit:
        """The time point at ``visit``: the baseline disease as RECIST 1.1 reads it (I3, I4),
        the new lesions (I5) and the episode (I6–I8)."""
        tracker = self._tracker
        if tracker is None:
            tracker = self._tracker = self._new_tracker(record, options, state.baseline_sum_mm)
        noted = self._registry.notes_by_visit
        notes = list(noted.get(visit.visit_id, ())) if noted else []
        (
            values,
            sum_mm,
            partial_sum_mm,
            pct_baseline,
            pct_nadir,
            target,
            target_disease,
            non_target,
            non_target_disease,
        ) = self.read_baseline_disease(record, visit, state, options, notes)
        reading = read_new_lesions(visit, self._registry, options, notes, self)
        assessment = IrecistVisit(
            visit,
            visit.visit_id,
            visit.date,
            (visit.date - record.baseline_date).days,
            sum_mm,
            partial_sum_mm,
            state.nadir_mm,
            target,
            non_target,
            reading.listed_present,
            reading.equivocal,
            NE,  # overall: the tracker decides
            target_disease or non_target_disease,
            notes,
            pct_baseline,
            pct_nadir,
            (),  # counted_new_lesions: RECIST's; iRECIST tracks its own (I5)
            values,  # target_values
            reading.nlt_sum_mm() if reading.nlt_values else None,
        )
        tracker.decide(assessment, reading)
        if reading.unresolved or reading.first_seen or assessment.overall is PD:
            assessment.documented_disease = True
        return assessment

    def _new_tracker(
        self, record: PatientRecord, options: ScoringOptions, baseline_sum_mm: Decimal | None
    ) -> EpisodeTracker:
        return EpisodeTracker(record, self, options, has_targets=baseline_sum_mm is not None)

    def next_state(self, state: ReadingState, assessment: VisitAssessment) -> ReadingState:
        """As RECIST 1.1, except that a disregarded scan sets no reference (I7.2, I3.4)."""
        if assessment.disregarded:  # type: ignore[attr-defined]
            return state
        return super().next_state(state, assessment)

    # ----------------------------------------------------------------- endpoints (I9–I13)
    def find_progression(
        self,
        record: PatientRecord,
        assessments: Sequence[VisitAssessment],
        options: ScoringOptions,
    ) -> Progression | None:
        """The iPFS event (I9): the confirmed episode, or an open one as IA5 says."""
        return self._progression(assessments, options)[0]

    def _progression(
        self, assessments: Sequence[VisitAssessment], options: ScoringOptions
    ) -> tuple[Progression | None, bool]:
        """The iPFS event and whether it is confirmed, decided once per record."""
        if self._event is None:
            self._event = self._decide_event(assessments, options)
        return self._event

    def _decide_event(
        self, assessments: Sequence[VisitAssessment], options: ScoringOptions
    ) -> tuple[Progression | None, bool]:
        """The iPFS event (I9.1, I9.2, IA5) and whether it is confirmed; notes an open episode."""
        tracker = self._tracker
        if tracker is None:
            return None, False
        episode = tracker.confirmed
        if episode is not None:
            assert episode.closed is not None
            return _progression(episode, episode.closed), True
        episode = tracker.open
        if episode is None:
            return None, False
        policy = options.unconfirmed_iupd_pfs  # type: ignore[attr-defined]
        stopped = [
            a
            for a in assessments
            if a.date >= episode.iupd.date
            and (a.visit.clinically_stable is False or a.visit.treatment_continued is False)
        ]
        notes = episode.iupd.notes
        if policy == "event" or (policy == "event_if_stopped" and stopped):
            why = (
                "IA5 event"
                if policy == "event"
                else f"IA5 event_if_stopped: {_stopped_text(stopped[0])} at {stopped[0].visit_id}"
            )
            notes.append(f"I9.2 iUPD never confirmed: iPFS event at its date ({why})")
            return _progression(episode, episode.iupd), False
        why = (
            "IA5 censor"
            if policy == "censor"
            else "IA5 event_if_stopped: no visit says treatment stopped"
        )
        notes.append(f"I9.2 iUPD never confirmed: iPFS censored ({why})")
        return None, False

    def response_json(
        self,
        record: PatientRecord,
        options: ScoringOptions,
        baseline: Visit,
        baseline_sum: Decimal | None,
        baseline_notes: list[str],
        assessments: list[VisitAssessment],
    ) -> dict[str, Any]:
        """The iRECIST response (design.md §7b): i-labels, episodes, iBOR, iPFS, iDoR."""
        visits: list[IrecistVisit] = assessments  # type: ignore[assignment]
        episodes = self._tracker.episodes if self._tracker is not None else []
        progression, confirmed = self._progression(visits, options)
        window = response_window(visits, episodes)
        evaluable = [a for a in visits if not a.disregarded] if episodes else visits  # I9.3
        baseline_date = record.baseline_date
        pfs_date = (
            progression.date if progression else last_evaluable_date(evaluable, baseline_date)
        )
        best = self.best_overall_response(window, options, has_targets=baseline_sum is not None)
        if episodes and any(a.confirmed for a in visits):  # the first iCPD ends the window
            best = {kind: ICPD if label == I_LABELS[PD] else label for kind, label in best.items()}
        visit_json = self.visit_json
        return {
            "schema_version": SCHEMA_VERSION,
            "patient_id": record.patient_id,
            "criteria": self.name,
            "config": options.as_json(),
            "baseline": self.baseline_json(baseline, baseline_sum, baseline_notes),
            "visits": [visit_json(a) for a in visits],
            "iupd_episodes": [episode.as_json() for episode in episodes],
            "progression": None
            if progression is None
            else {
                "date": progression.date.isoformat(),
                "visit_id": progression.declaring.visit_id,
                "dated_visit_id": progression.dated_visit_id,
                "confirmed": confirmed,
            },
            "pfs": {"event": progression is not None, "date": pfs_date.isoformat()},
            "best_overall_response": best,
            "duration_of_response": duration_of_response(
                window, progression, evaluable, baseline_date
            ),
        }

    def visit_json(self, assessment: VisitAssessment) -> dict[str, Any]:
        """A §7b ``visits`` entry: the §2 keys with i-labels, and ``nlt_sum_mm``,
        ``iupd_basis``, ``icpd_triggers`` and ``disregarded`` in the order of §7b."""
        visit: IrecistVisit = assessment  # type: ignore[assignment]
        entry = visit_measures_json(visit, I_LABELS)
        nlt_sum_mm = visit.nlt_sum_mm
        entry["nlt_sum_mm"] = None if nlt_sum_mm is None else float(nlt_sum_mm)
        entry["overall"] = ICPD if visit.confirmed else I_LABELS[visit.overall]
        entry["iupd_basis"] = list(visit.iupd_basis)
        entry["icpd_triggers"] = list(visit.icpd_triggers)
        entry["disregarded"] = visit.disregarded
        entry["notes"] = visit.notes
        return entry


def response_window(
    assessments: Sequence[IrecistVisit], episodes: Sequence[Episode]
) -> list[TimePoint]:
    """I11.1: time points up to the first iCPD, without those a back-dated episode covers
    (from the first sighting to the day before the iUPD, IA18)."""
    if not episodes:  # the common case: every time point counts
        return [TimePoint(a.date, a.day, a.overall) for a in assessments]
    dropped = [
        (episode.date, episode.iupd.date)
        for episode in episodes
        if episode.date < episode.iupd.date
    ]
    window: list[TimePoint] = []
    for assessment in assessments:
        if dropped and any(start <= assessment.date < end for start, end in dropped):
            continue
        window.append(TimePoint(assessment.date, assessment.day, assessment.overall))
        if assessment.confirmed:
            break
    return window


def _progression(episode: Episode, declaring: IrecistVisit) -> Progression:
    return Progression(declaring, None, episode.dated_visit_id, episode.date)


def _stopped_text(assessment: IrecistVisit) -> str:
    if assessment.visit.treatment_continued is False:
        return "treatment not continued"
    return "not clinically stable"
