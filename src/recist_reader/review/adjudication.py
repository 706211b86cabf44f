"""The adjudication record (design.md §9.4): its structure, its validity (CRV8) and how one
is written (``recist-reader adjudicate`` and the widget's adjudicator mode, §9.6)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from recist_reader.core.types import IsoDateTime
from recist_reader.review.options import SLOTS, ReviewOptions
from recist_reader.review.problems import ReviewProblem, problem

REASON_CODES = (
    "MEASUREMENT",
    "LESION_SELECTION",
    "NEW_LESION",
    "NON_TARGET_PROGRESSION",
    "IMAGE_QUALITY",
    "TIMEPOINT",
    "DATA_ENTRY",
    "MEDICALLY_JUSTIFIABLE",
    "OTHER",
)
ADJUDICATION_SCHEMA_VERSION = 1

_NonEmpty = Annotated[str, Field(min_length=1)]
_Sha256 = Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]


class Signature(BaseModel):
    """Who signed, when, and what the signature means (21 CFR 11.50; CRV25)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    by: _NonEmpty
    at: IsoDateTime
    meaning: _NonEmpty


class SlotValues(BaseModel):
    """A value per blinded slot (``reads``, ``read_hashes``)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    R1: str | None = None
    R2: str | None = None


class SlotHashes(SlotValues):
    R1: _Sha256 | None = None  # type: ignore[assignment]
    R2: _Sha256 | None = None  # type: ignore[assignment]


class AdjudicationRecord(BaseModel):
    """The adjudicator's decision for one patient (design.md §9.4).

    The fields CRV8 judges (``selected_read``, ``rationale``, ``reason_codes``) are read as
    given, so that a bad value is a review problem of the patient rather than a broken file.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, title="Adjudication record")

    schema_version: Literal[1] = ADJUDICATION_SCHEMA_VERSION
    kind: Literal["adjudication"]
    adjudication_id: _NonEmpty | None = None
    patient_id: _NonEmpty
    adjudicator_id: _NonEmpty
    adjudicated_at: IsoDateTime
    reads: SlotValues | None = None
    read_hashes: SlotHashes | None = None
    triggers_seen: list[str] | None = None
    selected_read: Any = None
    reason_codes: Any = None
    rationale: Any = None
    signature: Signature


class AdjudicationFileError(ValueError):
    """An adjudication record is not structurally valid; ``problems`` are ``path: message``."""

    def __init__(self, problems: Sequence[str], *, source: str | None = None):
        self.problems = tuple(problems)
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__("\n".join(prefix + line for line in self.problems))


def is_adjudication(document: Any) -> bool:
    """Whether a loaded JSON document is an adjudication record (``kind: adjudication``)."""
    return isinstance(document, Mapping) and document.get("kind") == "adjudication"


def parse_adjudication(document: Any, *, source: str | None = None) -> AdjudicationRecord:
    """Validate an adjudication record's structure.

    Raises
    ------
    AdjudicationFileError
        With one ``path: message`` line per problem (and the file, when given).
    """
    from recist_reader.core.validation import problems_from_validation_error

    if not isinstance(document, Mapping):
        raise AdjudicationFileError(["an adjudication record is a JSON object"], source=source)
    try:
        record = AdjudicationRecord.model_validate(document)
    except ValidationError as error:
        raise AdjudicationFileError(
            [p.describe() for p in problems_from_validation_error(error)], source=source
        ) from None
    if record.signature.by != record.adjudicator_id:
        raise AdjudicationFileError(
            [
                f"signature.by: {record.signature.by!r} is not the adjudicator "
                f"{record.adjudicator_id!r}: the adjudicator signs their own decision"
            ],
            source=source,
        )
    return record


@dataclass(frozen=True)
class Adjudication:
    """An adjudication given to a review: the validated record and the document as given."""

    record: AdjudicationRecord
    data: Mapping[str, Any]
    source: str | None = None

    @property
    def label(self) -> str:
        return self.record.adjudication_id or f"of {self.record.patient_id}" + (
            f" ({self.source})" if self.source else ""
        )


def adjudication_problems(
    adjudication: Adjudication,
    reads: Mapping[str, Any],
    options: ReviewOptions,
) -> list[ReviewProblem]:
    """CRV8: why ``adjudication`` cannot be applied to the patient's two reads.

    Parameters
    ----------
    adjudication : Adjudication
    reads : Mapping
        ``{"R1": Read, "R2": Read}``, the patient's two complete valid reads.
    options : ReviewOptions
    """
    record, label = adjudication.record, adjudication.label
    problems = []

    def add(code: str, path: str, text: str) -> None:
        problems.append(problem(code, text, read_id=label, path=path, subject="adjudication"))

    if record.selected_read not in SLOTS:
        add(
            "bad_selection",
            "selected_read",
            f"must be R1 or R2 (one whole read), got {record.selected_read!r}",
        )
    readers = {slot: read.reader_id for slot, read in reads.items()}
    for slot, reader_id in readers.items():
        if record.adjudicator_id == reader_id:
            add(
                "adjudicator_is_reader",
                "adjudicator_id",
                f"{record.adjudicator_id!r} read this patient as {slot}: the adjudicator is a third radiologist",
            )
    rationale = record.rationale
    if rationale is not None and not isinstance(rationale, str):
        add("missing_rationale", "rationale", f"must be text, got {rationale!r}")
    elif options.require_rationale and not (rationale or "").strip():
        add(
            "missing_rationale", "rationale", "the charter requires a rationale (require_rationale)"
        )
    codes = record.reason_codes
    if codes is not None:
        if not isinstance(codes, list):
            add("bad_reason_code", "reason_codes", f"must be a list of reason codes, got {codes!r}")
        else:
            bad = [c for c in codes if c not in REASON_CODES]
            if bad:
                add(
                    "bad_reason_code",
                    "reason_codes",
                    f"unknown {', '.join(map(repr, bad))}; allowed: {', '.join(REASON_CODES)}",
                )
    for slot, read in reads.items():
        named = getattr(record.reads, slot) if record.reads is not None else None
        if named is not None and named != read.read_id:
            add(
                "stale_adjudication",
                f"reads.{slot}",
                f"decided on read {named!r}, but the {slot} read is now {read.read_id!r}",
            )
        decided = getattr(record.read_hashes, slot) if record.read_hashes is not None else None
        if decided is not None and decided != read.hash:
            add(
                "stale_adjudication",
                f"read_hashes.{slot}",
                f"read {read.read_id} changed after the decision (its hash is now {read.hash}); "
                "the adjudicator must decide again on the current reads",
            )
    return problems


def adjudication_record(
    *,
    patient_id: str,
    reads: Mapping[str, Mapping[str, Any]],
    selected_read: str,
    adjudicator_id: str,
    adjudicated_at: str,
    rationale: str,
    reason_codes: Sequence[str] = (),
    triggers_seen: Sequence[str] = (),
    adjudication_id: str | None = None,
) -> dict[str, Any]:
    """A new adjudication record (design.md §9.4), signed by the adjudicator.

    Parameters
    ----------
    patient_id : str
    reads : Mapping
        ``{"R1": read, "R2": read}``: the two reads as loaded from JSON; their ids and
        current hashes go into the record (a later change makes it stale, CRV8).
    selected_read : str
        ``R1`` or ``R2``.
    adjudicator_id, adjudicated_at : str
        Who decides (pseudonymous id) and when (ISO 8601 date-time with offset).
    rationale : str
    reason_codes, triggers_seen : sequence of str
    adjudication_id : str, optional
        Default ``ADJ-<patient_id>``.

    Returns
    -------
    dict
        Validated against :class:`AdjudicationRecord`; CRV8 is checked by the review.
    """
    from recist_reader.review.canonical import read_hash

    document: dict[str, Any] = {
        "schema_version": ADJUDICATION_SCHEMA_VERSION,
        "kind": "adjudication",
        "adjudication_id": adjudication_id or f"ADJ-{patient_id}",
        "patient_id": patient_id,
        "adjudicator_id": adjudicator_id,
        "adjudicated_at": adjudicated_at,
        "reads": {slot: reads[slot]["read"]["read_id"] for slot in SLOTS},
        "read_hashes": {slot: read_hash(reads[slot]) for slot in SLOTS},
        "triggers_seen": sorted(triggers_seen),
        "selected_read": selected_read,
        "reason_codes": list(reason_codes),
        "rationale": rationale,
        "signature": {
            "by": adjudicator_id,
            "at": adjudicated_at,
            "meaning": f"adjudication: I select read {selected_read} as the central read of record",
        },
    }
    parse_adjudication(document)
    return document
