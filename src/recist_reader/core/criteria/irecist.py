"""iRECIST (Seymour et al. 2017): RECIST 1.1 plus a layer for immunotherapy (rules I1–I15).

The baseline disease is read exactly as RECIST 1.1 reads it (:class:`Recist11`: sums, nadir,
target and non-target categories, with i-labels); the new lesions are tracked across visits
(:mod:`~recist_reader.core.criteria.irecist_new_lesions`); the time points come from the iUPD
episodes (:mod:`~recist_reader.core.criteria.irecist_episodes`). Best overall response, PFS
and duration of response are the shared ones (:mod:`recist_reader.core.endpoints`), run on the
i-time points with iUPD and iCPD in RECIST's PD slot (I11–I13).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar

from recist_reader.core.criteria.base import ReadingState
from recist_reader.core.criteria.irecist_episodes import Episode, EpisodeTracker, IrecistVisit
from recist_reader.core.criteria.irecist_new_lesions import read_new_lesions, track_new_lesions
from recist_reader.core.criteria.recist11 import Recist11
from recist_reader.core.endpoints import (
    Progression,
    TimePoint,
    best_overall_response_confirmed,
    best_overall_response_unconfirmed,
    duration_of_response,
    last_evaluable_date,
)
from recist_reader.core.exact import pct_change
from recist_reader.core.labels import CR, NA, NE, NON_CR_NON_PD, PD, PR, SD, Response
from recist_reader.core.options import ScoringOptions
from recist_reader.core.record import Lesion, PatientRecord, Visit
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

#: The RECIST 1.1 notes of an ordinary category decision (R5.1–R5.4, R6.3): under iRECIST the
#: sums and categories are in the response, and the notes keep what was substituted, what was
#: not evaluated, the exceptions (A1, A2, A6, A7, A21, R10.2) and the I-rule of each time point.
_ROUTINE_CATEGORY_NOTES = ("(R5.1)", "(R5.2)", "(R5.3)", "(R5.4)", "(R6.3)")


class Irecist(Recist11):
    """iRECIST response criteria: RECIST 1.1 with i-labels, tracked new lesions and iUPD
    episodes."""

    name: ClassVar[str] = "iRECIST"

    # ----------------------------------------------------------------- baseline (I2)
    def baseline_problems(
        self, record: PatientRecord, baseline: Visit, baseline_index: int
    ) -> list[RecordProblem]:
        """R1–R3 unchanged; a new lesion at baseline is ``baseline_new_lesions`` (I1.2)."""
        problems = super().baseline_problems(record, baseline, baseline_index)
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

    def not_measurable_reason(self, lesion: Lesion, value_mm: Decimal) -> str | None:
        """Why a lesion of ``value_mm`` is not measurable by RECIST 1.1 (R2), or None."""
        problems = self._measurability_problems(
            lesion, {"lesion_id": lesion.lesion_id, "diameter_mm": value_mm}, ""
        )
        if not problems:
            return None
        message = problems[0].message
        return message.split(" is not measurable: ", 1)[1].removesuffix("; make it a non-target")

    # ----------------------------------------------------------------- visits (I3, I4)
    def assess_baseline_disease(
        self,
        record: PatientRecord,
        visit: Visit,
        state: ReadingState,
        options: ScoringOptions,
        notes: list[str],
    ) -> IrecistVisit:
        """Sums, target and non-target categories at ``visit`` as RECIST 1.1 (I3, I4).

        The overall response is left for :class:`EpisodeTracker` (NE until then).
        """
        baseline, nadir = state.baseline_sum_mm, state.nadir_mm
        sum_mm = partial_sum_mm = None
        values: list[Decimal | None] | None = None
        target_disease = False
        pct_baseline = pct_nadir = None
        target = NA
        if baseline is not None:
            values, total, n_missing, target_disease = self.read_targets(
                record, visit, options, notes
            )
            if not n_missing:
                sum_mm = total
                pct_baseline = pct_change(total, baseline, options.pct_decimals)
                if nadir == baseline:
                    pct_nadir = pct_baseline
                elif nadir is not None:
                    pct_nadir = pct_change(total, nadir, options.pct_decimals)
            else:
                partial_sum_mm = total
            category_notes: list[str] = []
            target = self.target_response(
                record.target_lesions,
                values,
                total,
                state,
                options,
                category_notes,
                n_missing=n_missing,
                pct_change_baseline=pct_baseline,
                pct_change_nadir=pct_nadir,
                cr_category=not target_disease,
            )
            notes.extend(_unusual(category_notes))
        category_notes = []
        non_target, non_target_disease = self.non_target_response(
            record, visit, state, options, category_notes
        )
        notes.extend(_unusual(category_notes))
        return IrecistVisit(
            visit,
            visit.visit_id,
            visit.date,
            (visit.date - record.baseline_date).days,
            sum_mm,
            partial_sum_mm,
            nadir,
            target,
            non_target,
            False,  # new_lesions, set from the new-lesion reading
            False,  # equivocal_new_lesions
            NE,  # overall, set by the episode tracker
            non_target_disease or target_disease,
            notes,
            pct_baseline,
            pct_nadir,
            values,
        )

    # ----------------------------------------------------------------- the record
    def score_visits(
        self,
        record: PatientRecord,
        follow_ups: Sequence[tuple[int, Visit]],
        baseline_sum_mm: Decimal | None,
        options: ScoringOptions,
    ) -> tuple[list[IrecistVisit], EpisodeTracker]:
        """Every follow-up's time point, and the tracker holding the episodes.

        Raises
        ------
        RecordError
            For the new-lesion problems of §7b.
        """
        from recist_reader.errors import RecordError

        registry = track_new_lesions(record, follow_ups, options, self)
        if registry.problems:
            raise RecordError(registry.problems)
        tracker = EpisodeTracker(record, self, options, has_targets=baseline_sum_mm is not None)
        state = ReadingState(baseline_sum_mm, baseline_sum_mm)
        assessments: list[IrecistVisit] = []
        for _, visit in follow_ups:
            notes = list(registry.notes_by_visit.get(visit.visit_id, ()))
            assessment = self.assess_baseline_disease(record, visit, state, options, notes)
            reading = read_new_lesions(visit, registry, options, notes, self)
            assessment.new_lesions = reading.listed_present
            assessment.equivocal_new_lesions = reading.equivocal
            assessment.nlt_sum_mm = reading.nlt_sum_mm()
            tracker.decide(assessment, reading)
            if reading.unresolved or reading.first_seen:
                assessment.documented_disease = True
            if assessment.overall is PD:
                assessment.documented_disease = True
            assessments.append(assessment)
            if not assessment.disregarded:  # I7.2: a disregarded scan sets no reference
                state = self.next_state(state, assessment)
        return assessments, tracker

    def endpoints(
        self,
        assessments: Sequence[IrecistVisit],
        tracker: EpisodeTracker,
        baseline_date: dt.date,
        options: ScoringOptions,
        *,
        has_targets: bool,
    ) -> dict[str, Any]:
        """``iupd_episodes``, ``progression``, ``pfs``, best overall responses and duration of
        response (I9, I11–I13)."""
        progression, confirmed = self.progression(assessments, tracker, options)
        window = self.response_window(assessments, tracker.episodes)
        evaluable = [a for a in assessments if not a.disregarded]
        pfs_date = progression.date if progression else last_evaluable_date(evaluable, baseline_date)
        has_icpd = any(a.confirmed for a in assessments if a.date <= window_end(window))
        progression_json = None
        if progression is not None:
            progression_json = {
                "date": progression.date.isoformat(),
                "visit_id": progression.declaring.visit_id,
                "dated_visit_id": progression.dated_visit_id,
                "confirmed": confirmed,
            }
        return {
            "iupd_episodes": [episode.as_json() for episode in tracker.episodes],
            "progression": progression_json,
            "pfs": {"event": progression is not None, "date": pfs_date.isoformat()},
            "best_overall_response": {
                "unconfirmed": i_label(
                    best_overall_response_unconfirmed(window, options), has_icpd
                ),
                "confirmed": i_label(
                    best_overall_response_confirmed(window, options, has_targets=has_targets),
                    has_icpd,
                ),
            },
            "duration_of_response": duration_of_response(
                window, progression, evaluable, baseline_date
            ),
        }

    @staticmethod
    def progression(
        assessments: Sequence[IrecistVisit], tracker: EpisodeTracker, options: ScoringOptions
    ) -> tuple[Progression | None, bool]:
        """The iPFS event (I9.1, I9.2, IA5) and whether it is confirmed."""
        episode = tracker.confirmed
        if episode is not None:
            assert episode.closed is not None
            return _progression(episode, episode.closed), True
        episode = tracker.open
        if episode is None:
            return None, False
        policy = options.unconfirmed_iupd_pfs
        stopped = [
            a
            for a in assessments
            if a.date >= episode.iupd.date
            and (a.visit.clinically_stable is False or a.visit.treatment_continued is False)
        ]
        note_on = episode.iupd.notes
        if policy == "event" or (policy == "event_if_stopped" and stopped):
            why = (
                "IA5 event"
                if policy == "event"
                else f"IA5 event_if_stopped: {_stopped_text(stopped[0])} at {stopped[0].visit_id}"
            )
            note_on.append(f"I9.2 iUPD never confirmed: iPFS event at its date ({why})")
            return _progression(episode, episode.iupd), False
        why = "IA5 censor" if policy == "censor" else "IA5 event_if_stopped: no visit says treatment stopped"
        note_on.append(f"I9.2 iUPD never confirmed: iPFS censored ({why})")
        return None, False

    @staticmethod
    def response_window(
        assessments: Sequence[IrecistVisit], episodes: Sequence[Episode]
    ) -> list[TimePoint]:
        """I11.1: time points up to the first iCPD, without those a back-dated episode covers."""
        window: list[TimePoint] = []
        dropped = [
            (episode.date, episode.iupd.date) for episode in episodes if episode.date < episode.iupd.date
        ]
        for assessment in assessments:
            if any(start <= assessment.date < end for start, end in dropped):
                continue
            window.append(TimePoint(assessment.date, assessment.day, assessment.overall))
            if assessment.confirmed:
                break
        return window


def window_end(window: Sequence[TimePoint]) -> dt.date:
    """The date of the window's last time point (``date.max`` when empty)."""
    return window[-1].date if window else dt.date.max


def i_label(response: Response, has_icpd: bool) -> str:
    """A best overall response's label: PD is iCPD when the window holds one, else iUPD."""
    if response is PD:
        return ICPD if has_icpd else I_LABELS[PD]
    return I_LABELS[response]


def visit_label(assessment: IrecistVisit) -> str:
    """The overall label of a time point (I10)."""
    return ICPD if assessment.confirmed else I_LABELS[assessment.overall]


def _progression(episode: Episode, declaring: IrecistVisit) -> Progression:
    return Progression(declaring, None, episode.dated_visit_id, episode.date)


def _stopped_text(assessment: IrecistVisit) -> str:
    visit = assessment.visit
    if visit.treatment_continued is False:
        return "treatment not continued"
    return "not clinically stable"


def _unusual(notes: list[str]) -> list[str]:
    """The notes of a category decision other than the ordinary ones (R5.1–R5.4, R6.3)."""
    return [note for note in notes if not note.endswith(_ROUTINE_CATEGORY_NOTES)]


def irecist_response(
    criteria: Irecist,
    record: PatientRecord,
    baseline: Visit,
    baseline_sum_mm: Decimal | None,
    baseline_notes: list[str],
    options: ScoringOptions,
) -> dict[str, Any]:
    """The §7b response of a record whose baseline passed (the scoring entry point's last step)."""
    from recist_reader.core.exact import to_json_number
    from recist_reader.core.record import SCHEMA_VERSION
    from recist_reader.core.scoring import _visit_json

    baseline_date = record.baseline_date
    follow_ups = [(i, v) for i, v in enumerate(record.visits) if v.date > baseline_date]
    follow_ups.sort(key=lambda item: item[1].date)
    assessments, tracker = criteria.score_visits(record, follow_ups, baseline_sum_mm, options)
    endpoints = criteria.endpoints(
        assessments, tracker, baseline_date, options, has_targets=baseline_sum_mm is not None
    )
    baseline_json: dict[str, Any] = {
        "visit_id": baseline.visit_id,
        "date": baseline.date.isoformat(),
        "sum_mm": to_json_number(baseline_sum_mm),
    }
    if baseline_notes:
        baseline_json["notes"] = baseline_notes
    visits = []
    for assessment in assessments:
        shared = _visit_json(assessment)
        notes = shared.pop("notes")
        shared["target"] = I_LABELS[assessment.target]
        shared["non_target"] = I_LABELS[assessment.non_target]
        del shared["overall"]
        shared["nlt_sum_mm"] = to_json_number(assessment.nlt_sum_mm)
        shared["overall"] = visit_label(assessment)
        shared["iupd_basis"] = list(assessment.iupd_basis)
        shared["icpd_triggers"] = list(assessment.icpd_triggers)
        shared["disregarded"] = assessment.disregarded
        shared["notes"] = notes
        visits.append(shared)
    return {
        "schema_version": SCHEMA_VERSION,
        "patient_id": record.patient_id,
        "criteria": criteria.name,
        "config": options.as_json(),
        "baseline": baseline_json,
        "visits": visits,
        **endpoints,
    }
