"""What the review overview and the adjudicator mode show, as plain data (CRV24, §7).

:func:`overview_rows` gives one row per patient with what a click opens;
:func:`adjudication_case` gives an ``awaiting_adjudication`` patient's two reads aligned visit
by visit with the discordant rows marked, the triggers with both values, and
:meth:`AdjudicationCase.decide` writes the signed adjudication record.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recist_reader.review.adjudication import (
    Adjudication,
    adjudication_problems,
    adjudication_record,
    parse_adjudication,
)
from recist_reader.review.options import ReviewOptions
from recist_reader.review.reader_actions import ReadActionError
from recist_reader.review.review import PatientReview, Review
from recist_reader.review.text import describe_trigger

#: What a click on a patient of each status opens.
OVERVIEW_ACTIONS = {
    "awaiting_adjudication": "adjudicate",
    "invalid": "problems",
    "awaiting_reads": "reads",
    "concordant": "outcome",
    "adjudicated": "outcome",
}


@dataclass(frozen=True)
class OverviewRow:
    """One patient of the review overview."""

    patient_id: str
    status: str
    detail: str
    action: str


def _detail(patient: PatientReview) -> str:
    if patient.status == "invalid":
        return "; ".join(f"{p.code}: {p.message}" for p in patient.problems)
    if patient.status == "awaiting_reads":
        slots = []
        for slot in ("R1", "R2"):
            read = patient.slots.get(slot)
            slots.append(f"{slot} {'missing' if read is None else read.status}")
        return ", ".join(slots)
    if patient.status == "awaiting_adjudication":
        text = "; ".join(describe_trigger(k, v) for k, v in patient.discordance.items())
        if patient.problems:
            text += " — " + "; ".join(p.code for p in patient.problems)
        return text
    read = patient.central_read
    assert read is not None and read.response is not None
    bor = read.response["best_overall_response"]["confirmed"]
    progression = read.response["progression"]
    pd = "no PD" if progression is None else f"PD {progression['date']}"
    return f"central {patient.central_slot} ({patient.basis}): BOR {bor}, {pd}"


def overview_rows(review: Review) -> list[OverviewRow]:
    """Every patient's status, a one-line detail and what opening it does."""
    return [
        OverviewRow(p.patient_id, p.status, _detail(p), OVERVIEW_ACTIONS[p.status])
        for p in review.patients
    ]


@dataclass(frozen=True)
class VisitRow:
    """One follow-up visit in both reads: sum of diameters and overall response."""

    visit_id: str
    date: str
    r1_sum_mm: float | None
    r1_overall: str
    r2_sum_mm: float | None
    r2_overall: str

    @property
    def discordant(self) -> bool:
        return self.r1_overall != self.r2_overall


@dataclass
class AdjudicationCase:
    """An ``awaiting_adjudication`` patient as the adjudicator sees it (read-only)."""

    patient: PatientReview
    rows: list[VisitRow]
    triggers: list[str]
    options: ReviewOptions

    @property
    def patient_id(self) -> str:
        return self.patient.patient_id

    def read(self, slot: str) -> dict[str, Any]:
        """The read in ``slot`` as loaded (for its rulers)."""
        return dict(self.patient.slots[slot].data)

    def decide(
        self,
        *,
        selected_read: str,
        rationale: str,
        reason_codes: list[str],
        adjudicator_id: str,
        adjudicated_at: str,
        folder: str | os.PathLike[str],
    ) -> Path:
        """Sign the decision: write the adjudication record (never replacing a file).

        Raises
        ------
        ReadActionError
            The decision breaks CRV8 (adjudicator is a reader, no rationale, bad code).
        """
        from recist_reader.review.writing import default_adjudication_path, write_new_json

        document = adjudication_record(
            patient_id=self.patient_id,
            reads={slot: read.data for slot, read in self.patient.slots.items()},
            selected_read=selected_read,
            adjudicator_id=adjudicator_id,
            adjudicated_at=adjudicated_at,
            rationale=rationale,
            reason_codes=reason_codes,
            triggers_seen=sorted(self.patient.discordance),
        )
        problems = adjudication_problems(
            Adjudication(parse_adjudication(document), document), self.patient.slots, self.options
        )
        if problems:
            raise ReadActionError("; ".join(p.message for p in problems))
        return write_new_json(default_adjudication_path(folder, self.patient_id), document)


def adjudication_case(review: Review, patient_id: str) -> AdjudicationCase:
    """The case of ``patient_id``; refused unless it awaits adjudication (CRV24)."""
    patient = next((p for p in review.patients if p.patient_id == patient_id), None)
    if patient is None:
        raise ReadActionError(f"no patient {patient_id!r} in the review")
    if patient.status != "awaiting_adjudication":
        raise ReadActionError(
            f"patient {patient_id} is {patient.status}: the adjudicator opens only patients awaiting adjudication"
        )
    r1, r2 = patient.slots["R1"].response, patient.slots["R2"].response
    assert r1 is not None and r2 is not None
    by_visit = {v["visit_id"]: v for v in r2["visits"]}
    rows = [
        VisitRow(
            v["visit_id"],
            v["date"],
            v["sum_mm"],
            v["overall"],
            by_visit[v["visit_id"]]["sum_mm"],
            by_visit[v["visit_id"]]["overall"],
        )
        for v in r1["visits"]
    ]
    triggers = [describe_trigger(k, v) for k, v in patient.discordance.items()]
    return AdjudicationCase(patient, rows, triggers, review.options)
