"""The per-visit data every criteria produces and the shared machinery consumes.

A criteria (:mod:`recist_reader.core.criteria`) turns each follow-up visit into a
:class:`VisitAssessment`, carrying a :class:`ReadingState` from visit to visit; the overall
tables (:mod:`~recist_reader.core.timepoint`) and the endpoints
(:mod:`~recist_reader.core.endpoints`) work on those.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from recist_reader.core.labels import Response
from recist_reader.core.record import Lesion, NewLesion, Visit


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

    Criteria build it with positional arguments, in the order of the fields below. A criteria
    with more to say per visit (iRECIST) subclasses it and extends
    :meth:`~recist_reader.core.criteria.base.Criteria.visit_json`.
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
    #: The new-lesion listings of this visit that count as new lesions under the criteria
    #: (for dating progression to their first sighting, R7.3, M7.8).
    counted_new_lesions: tuple[NewLesion, ...] = ()
