"""Progression date, best overall response, PFS and duration of response (R11–R15).

Shared by every criteria set: they work on the sequence of time-point responses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from recist_reader.core.assessment import VisitAssessment
from recist_reader.core.labels import (
    BEST_RESPONSE_RANK,
    CR,
    NE,
    NON_CR_NON_PD,
    PD,
    PR,
    SD,
    Response,
)
from recist_reader.core.new_lesions import NewLesionFindings
from recist_reader.core.options import ScoringOptions
from recist_reader.core.record import NewLesion


@dataclass(frozen=True)
class Progression:
    """RECIST progression: the declaring visit and the visit it is dated to (R14, R7.3)."""

    declaring: VisitAssessment
    dated: VisitAssessment | None
    dated_visit_id: str
    date: dt.date
    note: str | None = None


class TimePoint(NamedTuple):
    """A time point in the best-response window."""

    date: dt.date
    day: int
    response: Response


def find_progression(
    assessments: Sequence[VisitAssessment],
    *,
    options: ScoringOptions,
    findings: Callable[[], NewLesionFindings],
    backdating_note: Callable[[VisitAssessment, NewLesion], str],
) -> Progression | None:
    """The first overall PD, dated back to the first sighting of a new lesion counted there
    that was seen earlier (R7.3, A8, M7.8); the earliest date wins (A19).

    ``findings`` gives the record's new-lesion findings (design.md §7.5), computed only when
    needed; ``backdating_note`` words the note of a back-dated progression.
    """
    declaring = next((a for a in assessments if a.overall is PD), None)
    if declaring is None:
        return None
    dated = declaring
    note = None
    if options.backdate_equivocal_new_lesions and declaring.counted_new_lesions:
        known = findings()
        by_visit_id = {a.visit_id: a for a in assessments}
        for listing in declaring.counted_new_lesions:
            seen = known.first_sighting(declaring.visit, listing)
            sighting = None if seen is None else by_visit_id.get(seen.visit_id)
            if sighting is not None and sighting.date < dated.date:
                dated = sighting
                note = backdating_note(sighting, listing)
    return Progression(declaring, dated, dated.visit_id, dated.date, note)


def response_window(
    assessments: Sequence[VisitAssessment], progression: Progression | None
) -> list[TimePoint]:
    """Time points dated before the PD date, then the PD itself (R11.1, A13)."""
    if progression is None:
        return [TimePoint(a.date, a.day, a.overall) for a in assessments]
    window = [TimePoint(a.date, a.day, a.overall) for a in assessments if a.date < progression.date]
    pd_day = progression.dated.day if progression.dated is not None else progression.declaring.day
    window.append(TimePoint(progression.date, pd_day, PD))
    return window


def best_overall_response_unconfirmed(
    window: Sequence[TimePoint], options: ScoringOptions
) -> Response:
    """Best of CR > PR > SD > NonCR/NonPD > PD > NE over the window (R11); NE if empty (A20)."""
    best = NE
    for point in window:
        response = point.response
        if response in (SD, NON_CR_NON_PD) and point.day < options.sd_min_days:
            response = NE  # SD and NonCR/NonPD count only from day sd_min_days (R11.3, R13)
        if BEST_RESPONSE_RANK[response] > BEST_RESPONSE_RANK[best]:
            best = response
    return best


def _confirmed(
    window: Sequence[TimePoint], start: int, options: ScoringOptions, *, target: Response
) -> bool:
    """Whether the response at ``window[start]`` is confirmed as ``target`` (R12.1, R12.2, A3, A4)."""
    first = window[start]
    qualifying = (CR,) if target is CR else (PR, CR)
    confirming_index = next(
        (
            j
            for j in range(start + 1, len(window))
            if window[j].response in qualifying
            and (window[j].date - first.date).days >= options.confirm_min_days
        ),
        None,
    )
    if confirming_index is None:
        return False
    confirming = window[confirming_index].response
    if (
        target is PR
        and first.response is CR
        and confirming is PR
        and not options.cr_then_pr_confirms_pr
    ):
        return False
    allowed = {CR, NE} if target is CR else {CR, PR, NE}
    if target is PR and first.response is PR and options.accept_sd_between_pr_confirmations:
        allowed.add(SD)
    between = [point.response for point in window[start + 1 : confirming_index]]
    if any(response not in allowed for response in between):
        return False
    return sum(response is NE for response in between) <= options.max_ne_between_confirmations


def best_overall_response_confirmed(
    window: Sequence[TimePoint], options: ScoringOptions, *, has_targets: bool
) -> Response:
    """Best overall response with confirmation (R12, Table 3, A3, A4, A9)."""
    for start, point in enumerate(window):
        if point.response is CR and _confirmed(window, start, options, target=CR):
            return CR
    if has_targets:
        for start, point in enumerate(window):
            if point.response in (PR, CR) and _confirmed(window, start, options, target=PR):
                return PR
        stable = (CR, PR, SD)
        fallback = SD
    else:
        stable = (CR, NON_CR_NON_PD)
        fallback = NON_CR_NON_PD
    if any(p.response in stable and p.day >= options.sd_min_days for p in window):
        return fallback
    if any(p.response is PD for p in window):
        return PD
    return NE


def last_evaluable_date(assessments: Sequence[VisitAssessment], baseline_date: dt.date) -> dt.date:
    """Date of the last non-NE assessment, or the baseline date (R14, A10)."""
    dates = [a.date for a in assessments if a.overall is not NE]
    return max(dates) if dates else baseline_date


def duration_of_response(
    window: Sequence[TimePoint],
    progression: Progression | None,
    assessments: Sequence[VisitAssessment],
    baseline_date: dt.date,
) -> dict | None:
    """First CR/PR in the window to the PD date, or censored at the last evaluable
    assessment (R15, A10); None when no CR/PR came before PD."""
    start = next((p.date for p in window if p.response in (CR, PR)), None)
    if start is None:
        return None
    if progression is not None:
        end, censored = progression.date, False
    else:
        end, censored = last_evaluable_date(assessments, baseline_date), True
    return {
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "days": (end - start).days,
        "censored": censored,
    }
