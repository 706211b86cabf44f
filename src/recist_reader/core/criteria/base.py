"""What every criteria set provides, and the per-visit data the shared machinery works on.

A criteria set (RECIST 1.1 now; mRECIST and iRECIST next) decides baseline eligibility and
each visit's target and non-target response. The sums (:mod:`recist_reader.core.sums`), the
overall-response tables (:mod:`recist_reader.core.timepoint`) and best overall response,
progression, PFS and duration of response (:mod:`recist_reader.core.endpoints`) are shared.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, NamedTuple

from recist_reader.core.labels import CR, PR, Response
from recist_reader.core.options import ScoringOptions
from recist_reader.core.record import Lesion, PatientRecord, Visit
from recist_reader.errors import RecordProblem


class TargetValue(NamedTuple):
    """A target lesion's value at one visit: ``value_mm`` is None when not evaluated."""

    lesion: Lesion
    value_mm: Decimal | None


@dataclass(slots=True)
class ReadingState:
    """What earlier visits established, carried to the next visit.

    Attributes
    ----------
    baseline_sum_mm : Decimal or None
        Sum of target diameters at baseline (None without targets).
    nadir_mm : Decimal or None
        Smallest complete sum so far, baseline included (R5.5).
    in_cr : bool
        An overall CR was assigned and no visit since documented disease (A2).
    had_target_response : bool
        An earlier complete visit had target PR or CR (for ``continuing_pr``, A7).
    """

    baseline_sum_mm: Decimal | None
    nadir_mm: Decimal | None
    in_cr: bool = False
    had_target_response: bool = False


@dataclass(slots=True)
class VisitAssessment:
    """The response at one follow-up visit (``visit_id`` and ``date`` are the visit's).

    Criteria build it with positional arguments, in the order of the fields below.
    """

    visit: Visit
    visit_id: str
    date: dt.date
    day: int
    sum_mm: Decimal | None
    partial_sum_mm: Decimal | None
    nadir_mm: Decimal | None
    target: Response
    non_target: Response
    new_lesions: bool
    equivocal_new_lesions: bool
    overall: Response
    documented_disease: bool
    notes: list[str] = field(default_factory=list)
    #: The displayed % changes of a complete sum from baseline and from the nadir (A11).
    pct_change_baseline: float | None = None
    pct_change_nadir: float | None = None


class Criteria(ABC):
    """A response criteria set: baseline rules and per-visit responses."""

    name: ClassVar[str]

    @abstractmethod
    def baseline_problems(
        self, record: PatientRecord, baseline: Visit, baseline_index: int
    ) -> list[RecordProblem]:
        """Violations of the baseline rules (measurability, target selection)."""

    @abstractmethod
    def baseline_sum_mm(self, record: PatientRecord, baseline: Visit) -> Decimal | None:
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
