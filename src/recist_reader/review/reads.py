"""One read: its ``read`` block checked (CRV1), its trail and locks checked (CRV11–CRV13),
and, when complete, scored by the single-reader engine (CRV4, CRV14)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from recist_reader.core.record import PatientRecord
from recist_reader.errors import RecordError
from recist_reader.review.audit_trail import audit_trail_problems, parse_date_time
from recist_reader.review.canonical import read_hash
from recist_reader.review.locks import lock_problems
from recist_reader.review.options import SLOTS, ReviewOptions
from recist_reader.review.problems import ReviewProblem, problem

ROLES = ("central_reader", "investigator")
READ_STATUSES = ("in_progress", "complete")
READ_FIELDS = ("read_id", "role", "slot", "reader_id", "status", "paradigm", "locked_at", "blinded")
#: Keys a review reads itself; the rest of a read is the §1 record the engine scores.
REVIEW_KEYS = ("read", "audit")


@dataclass
class Read:
    """One reader's read of one patient, as the review sees it.

    Attributes
    ----------
    data : Mapping
        The read as loaded from JSON (never changed).
    label : str
        How messages name it: its ``read_id``, else its position (and file).
    patient_id : str
    read_id, role, slot, reader_id, status : str or None
        From the ``read`` block, None when missing or not valid.
    problems : list of ReviewProblem
        CRV1, CRV11–CRV13 and scoring problems of this read alone.
    record : PatientRecord or None
        The validated record (complete reads that scored).
    response : dict or None
        Its response (design.md §2), complete reads only.
    hash : str
        :func:`~recist_reader.review.canonical.read_hash` of ``data``.
    source : str or None
        The file it was read from, when known.
    """

    data: Mapping[str, Any]
    label: str
    patient_id: str
    read_id: str | None = None
    role: str | None = None
    slot: str | None = None
    reader_id: str | None = None
    status: str | None = None
    problems: list[ReviewProblem] = field(default_factory=list)
    record: PatientRecord | None = None
    response: dict[str, Any] | None = None
    hash: str = ""
    source: str | None = None

    @property
    def is_central(self) -> bool:
        return self.role == "central_reader"

    @property
    def complete(self) -> bool:
        return self.status == "complete"

    @property
    def scored(self) -> bool:
        return self.response is not None

    def summary(self) -> dict[str, Any]:
        """``{read_id, reader_id, status, bor, progression_date, first_response_date}`` (§9.5);
        the response fields are null until the read is complete and scored."""
        response = self.response
        progression = None if response is None else response["progression"]
        dor = None if response is None else response["duration_of_response"]
        return {
            "read_id": self.read_id,
            "reader_id": self.reader_id,
            "status": self.status,
            "bor": None if response is None else dict(response["best_overall_response"]),
            "progression_date": None if progression is None else progression["date"],
            "first_response_date": None if dor is None else dor["start_date"],
        }


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _block_problems(read: Read, block: Mapping[str, Any]) -> list[ReviewProblem]:
    """CRV1: the ``read`` block's fields, each problem naming its path."""
    problems: list[ReviewProblem] = []
    label = read.read_id or read.label

    def add(code: str, name: str, text: str) -> None:
        problems.append(problem(code, text, read_id=label, path=f"read.{name}"))

    unknown = [key for key in block if key not in READ_FIELDS]
    if unknown:
        add(
            "record_error",
            unknown[0],
            f"unknown field(s) {', '.join(map(repr, unknown))} in the read block",
        )
    if read.read_id is None:
        add(
            "record_error",
            "read_id",
            f"required: a unique text id such as P-017-R1, got {block.get('read_id')!r}",
        )
    if read.role is None:
        add("bad_role", "role", f"must be one of {', '.join(ROLES)}, got {block.get('role')!r}")
    if read.role == "central_reader" and read.slot is None:
        add(
            "bad_slot",
            "slot",
            f"a central reader's read has slot R1 or R2, got {block.get('slot')!r}",
        )
    if read.role == "investigator" and block.get("slot") is not None:
        add("bad_slot", "slot", f"an investigator read has no slot, got {block.get('slot')!r}")
    if read.reader_id is None:
        add(
            "record_error",
            "reader_id",
            f"required: the reader's pseudonymous id, got {block.get('reader_id')!r}",
        )
    if read.status is None:
        add(
            "record_error",
            "status",
            f"must be one of {', '.join(READ_STATUSES)}, got {block.get('status')!r}",
        )
    if block.get("locked_at") is not None and parse_date_time(block["locked_at"]) is None:
        add(
            "record_error",
            "locked_at",
            f"must be an ISO 8601 date and time with its offset, got {block['locked_at']!r}",
        )
    if block.get("blinded") is not None and not isinstance(block["blinded"], bool):
        add("record_error", "blinded", f"must be true or false, got {block['blinded']!r}")
    return problems


def make_read(data: Mapping[str, Any], *, label: str, source: str | None = None) -> Read:
    """The :class:`Read` of ``data`` with its ``read`` block's fields (not yet checked)."""
    block = data.get("read")
    block = block if isinstance(block, Mapping) else {}
    role = block.get("role") if block.get("role") in ROLES else None
    slot = block.get("slot") if role == "central_reader" and block.get("slot") in SLOTS else None
    return Read(
        data=data,
        label=label,
        patient_id=str(data.get("patient_id")),
        read_id=_text(block.get("read_id")),
        role=role,
        slot=slot,
        reader_id=_text(block.get("reader_id")),
        status=block.get("status") if block.get("status") in READ_STATUSES else None,
        hash=read_hash(data),
        source=source,
    )


def check_read(read: Read, options: ReviewOptions, scoring: Mapping[str, Any]) -> None:
    """Fill ``read.problems`` (CRV1, CRV11–CRV13) and, for a complete read, score it (CRV4).

    Scoring sees the record without its ``read`` and ``audit`` (checked here, with their own
    problem codes); an engine error is one ``record_error`` per problem (CRV14).
    """
    from recist_reader.core.scoring import score_parsed_record
    from recist_reader.core.validation import parse_record

    data = read.data
    block = data.get("read")
    if not isinstance(block, Mapping):
        read.problems.append(
            problem(
                "record_error",
                "the read block is a JSON object (design.md §9.2)",
                read_id=read.label,
                path="read",
            )
        )
        return
    read.problems += _block_problems(read, block)
    label = read.read_id or read.label
    trail_problems, events = audit_trail_problems(
        read.read_id, data.get("audit"), require_change_reason=options.require_change_reason
    )
    read.problems += trail_problems
    if read.is_central:
        read.problems += lock_problems(label, data, events, options, complete=read.complete)
    if not read.complete:
        return
    try:
        record = parse_record({k: v for k, v in data.items() if k not in REVIEW_KEYS})
        read.response = score_parsed_record(record, scoring, option_prefix="scoring")
        read.record = record
    except RecordError as error:
        read.problems += [
            problem("record_error", p.message, read_id=label, path=p.path or None)
            for p in error.problems
        ]
