"""The reads an export holds: each record validated, scored under RECIST 1.1 and placed.

A read is one reader's assessment of one patient (central-review.md §3): a plain record or a
``role: investigator`` read is the investigator's; a ``role: central_reader`` read fills slot R1
or R2. Each becomes one evaluator's rows (sdtm.md §3): its --EVAL/--EVALID, its link-id prefix,
its place in the --SEQ order, and whether it is the accepted read of record.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from recist_reader.core.exact import to_decimal
from recist_reader.core.record import PatientRecord, Visit
from recist_reader.errors import RecordError
from recist_reader.interop.sdtm.options import SdtmOptions
from recist_reader.interop.sdtm.problems import Problems
from recist_reader.interop.sdtm.terminology import (
    EVALUATOR_IDS,
    INDEPENDENT_ASSESSOR,
    INVESTIGATOR,
)

#: --SEQ order of evaluators within a visit (sdtm.md §3): investigator, R1, R2, adjudicator.
EVALUATOR_ORDER = {None: 0, "R1": 1, "R2": 2}
ADJUDICATOR_ORDER = 3


@dataclass(frozen=True)
class VisitPlace:
    """Where a visit goes in SDTM: VISITNUM, VISIT, EPOCH, --DTC, --DY, link group."""

    visitnum: int | float
    visit: str
    epoch: str | None
    dtc: str
    study_day: int | None
    link_group: str


@dataclass
class Read:
    """One read, ready to map.

    Attributes
    ----------
    source : str
        The file (or ``records[i]``) it came from, for problem lines.
    record : PatientRecord
        The validated record.
    response : dict
        Its RECIST 1.1 response (design.md §2).
    slot : str or None
        ``R1``/``R2`` for a central read, None for the investigator's.
    studyid, usubjid : str
        STUDYID and USUBJID.
    places : dict
        Each visit's :class:`VisitPlace`, by ``visit_id``.
    accepted : bool
        Whether this is the read of record of a resolved BICR patient.
    """

    source: str
    record: PatientRecord
    response: dict[str, Any]
    slot: str | None
    studyid: str
    usubjid: str
    places: dict[str, VisitPlace] = field(default_factory=dict)
    accepted: bool = False

    @property
    def evaluator(self) -> str:
        """--EVAL: INVESTIGATOR or INDEPENDENT ASSESSOR."""
        return INVESTIGATOR if self.slot is None else INDEPENDENT_ASSESSOR

    @property
    def evaluator_id(self) -> str | None:
        """--EVALID: RADIOLOGIST 1/2 for central reads, null for the investigator."""
        return None if self.slot is None else EVALUATOR_IDS[self.slot]

    @property
    def prefix(self) -> str:
        """Link-id prefix: ``R1-``, ``R2-``; none for the investigator."""
        return "" if self.slot is None else f"{self.slot}-"

    @property
    def order(self) -> int:
        """Place of this evaluator in the --SEQ order within a visit."""
        return EVALUATOR_ORDER[self.slot]

    @property
    def read_id(self) -> str | None:
        """The read block's ``read_id``, if any."""
        return None if self.record.read is None else self.record.read.read_id

    def visits_in_date_order(self) -> list[Visit]:
        """The record's visits, baseline first."""
        return sorted(self.record.visits, key=lambda visit: visit.date)


def parse_read(
    data: Mapping[str, Any],
    source: str,
    options: SdtmOptions,
    scoring: Mapping[str, Any],
    problems: Problems,
) -> Read | None:
    """Validate, score and identify one record; None (with problems recorded) when invalid."""
    from recist_reader.core.validation import parse_record

    try:
        record = data if isinstance(data, PatientRecord) else parse_record(data)
        response = score_recist11(record, scoring)
    except RecordError as error:
        problems.extend_record_error(error, source)
        return None
    slot = _slot(record, source, problems)
    if slot is False:
        return None
    studyid = record.study_id or options.study_id
    if studyid is None:
        problems.add(
            source,
            "study_id",
            "missing: STUDYID needs the protocol id; add study_id to the record or pass --study-id",
        )
        return None
    usubjid = record.usubjid or options.usubjid_template.format(
        study_id=studyid, patient_id=record.patient_id
    )
    read = Read(source, record, response, slot, studyid, usubjid)
    places = _visit_places(read, problems)
    if places is None:
        return None
    read.places = places
    return read


def score_recist11(record: PatientRecord, scoring: Mapping[str, Any]) -> dict[str, Any]:
    """The RECIST 1.1 response of a read whatever its primary criteria (design.md §10)."""
    from recist_reader.core.scoring import score_parsed_record

    if record.criteria == "RECIST1.1":
        return score_parsed_record(record, scoring, option_prefix="options")
    return score_parsed_record(record, scoring, option_prefix="options", criteria="RECIST1.1")


def _slot(record: PatientRecord, source: str, problems: Problems) -> str | None | bool:
    """The read's slot (None for the investigator); False after recording a problem."""
    read = record.read
    if read is None or read.role == "investigator":
        return None
    if read.slot is None:
        problems.add(
            source,
            "read.slot",
            "missing: a central read fills slot R1 or R2 (CRV2); set read.slot",
        )
        return False
    return read.slot


def _visit_places(read: Read, problems: Problems) -> dict[str, VisitPlace] | None:
    """VISITNUM, VISIT, EPOCH, --DTC, --DY and link group of every visit of a read."""
    record = read.record
    visits = read.visits_in_date_order()
    index = {id(visit): i for i, visit in enumerate(record.visits)}
    numbered = [v for v in visits if v.visit_num is not None]
    if numbered and len(numbered) != len(visits):
        missing = next(v for v in visits if v.visit_num is None)
        problems.add(
            read.source,
            f"visits[{index[id(missing)]}].visit_num",
            "missing while other visits have one: give every visit its protocol visit_num, "
            "or none (VISITNUM is then the rank of the visit date)",
        )
        return None
    places: dict[str, VisitPlace] = {}
    previous: Decimal | None = None
    for rank, visit in enumerate(visits, start=1):
        visitnum: int | float = rank
        if visit.visit_num is not None:
            number = to_decimal(visit.visit_num)
            if previous is not None and number <= previous:
                problems.add(
                    read.source,
                    f"visits[{index[id(visit)]}].visit_num",
                    f"{visit.visit_num} does not increase with the visit date (the visit "
                    "before has a number as high or higher): VISITNUM must follow the "
                    "schedule",
                )
                return None
            previous = number
            visitnum = int(number) if number == number.to_integral_value() else float(number)
        places[visit.visit_id] = VisitPlace(
            visitnum=visitnum,
            visit=visit.visit_name or visit.visit_id,
            epoch=visit.epoch,
            dtc=visit.date.isoformat(),
            study_day=_study_day(visit.date, record.reference_start_date),
            link_group=f"{read.prefix}A{number_text(visitnum)}",
        )
    return places


def _study_day(date: dt.date, reference: dt.date | None) -> int | None:
    """--DY: days from RFSTDTC, day 1 the reference day, no day 0 (sdtm.md §3)."""
    if reference is None:
        return None
    days = (date - reference).days
    return days + 1 if days >= 0 else days


@functools.lru_cache(maxsize=65536)
def number_text(value: int | float | Decimal) -> str:
    """A number in its shortest decimal form: ``2``, ``2.5``, ``30.31`` (never ``2.0``)."""
    number = value if isinstance(value, Decimal) else to_decimal(value)
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def check_patients(reads: Sequence[Read], problems: Problems) -> None:
    """Reads of one patient must agree on STUDYID and USUBJID and fill each slot once;
    different patients must have different USUBJIDs."""
    by_patient: dict[str, list[Read]] = {}
    for read in reads:
        by_patient.setdefault(read.record.patient_id, []).append(read)
    owner: dict[str, str] = {}
    for patient_id, patient_reads in by_patient.items():
        first = patient_reads[0]
        for read in patient_reads[1:]:
            for name, attribute in (("study_id", "studyid"), ("usubjid", "usubjid")):
                if getattr(read, attribute) != getattr(first, attribute):
                    problems.add(
                        read.source,
                        name,
                        f"{getattr(read, attribute)!r} differs from "
                        f"{getattr(first, attribute)!r} in {first.source} (same patient "
                        f"{patient_id!r}): every read of a patient has one "
                        f"{attribute.upper()}",
                    )
        seen: dict[str | None, Read] = {}
        for read in patient_reads:
            if read.slot in seen:
                what = "investigator read" if read.slot is None else f"{read.slot} read"
                problems.add(
                    read.source,
                    "read",
                    f"a second {what} of patient {patient_id!r} (also {seen[read.slot].source}): "
                    "export one read per slot",
                )
            else:
                seen[read.slot] = read
        other = owner.setdefault(first.usubjid, patient_id)
        if other != patient_id:
            problems.add(
                first.source,
                "usubjid",
                f"{first.usubjid!r} is also the USUBJID of patient {other!r}: give each "
                "patient its own",
            )
