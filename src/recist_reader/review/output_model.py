"""The review output (design.md §9.5) as pydantic models: the source of its JSON Schema.

:func:`~recist_reader.review.review.review_reads` builds plain dicts; the tests validate its
output against the schema generated from these models, so the two cannot drift.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

#: Marks a part of the response in the generated schema; ``review.schema`` turns it into a
#: ``$ref`` to ``response.schema.json`` (pydantic resolves ``$ref`` among its own definitions).
RESPONSE_PART = "x-response-part"


def _response_part(name: str | None, *, nullable: bool = False) -> WithJsonSchema:
    """A part of the response (design.md §2) by reference to ``response.schema.json``, so
    that this schema follows the response model (and every criteria's labels)."""
    part = {RESPONSE_PART: name or ""}
    return WithJsonSchema({"anyOf": [part, {"type": "null"}]} if nullable else part)


BestOverallResponse = Annotated[dict[str, Any], _response_part("BestOverallResponse")]
PfsSummary = Annotated[dict[str, Any], _response_part("PfsSummary")]
ProgressionSummary = Annotated[
    dict[str, Any] | None, _response_part("ProgressionSummary", nullable=True)
]
DurationOfResponse = Annotated[
    dict[str, Any] | None, _response_part("DurationOfResponse", nullable=True)
]
PatientResponse = Annotated[dict[str, Any] | None, _response_part(None, nullable=True)]
NullableBestOverallResponse = Annotated[
    dict[str, Any] | None, _response_part("BestOverallResponse", nullable=True)
]

Status = Literal["concordant", "adjudicated", "awaiting_adjudication", "awaiting_reads", "invalid"]
Slot = Literal["R1", "R2"]
Trigger = Literal["bor", "pd_date", "pd_status", "response_date", "timepoint"]
DateText = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", json_schema_extra={"format": "date"})
Rate = Field(ge=0, le=1, description="a plain float, not rounded; null when undefined")


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OptionsUsed(_Closed):
    """Every review option, as used (central-review.md §5)."""

    triggers: list[Trigger]
    bor_type: Literal["confirmed", "unconfirmed", "both"]
    bor_compare: Literal["category", "responder"]
    pd_date_tolerance_days: int = Field(ge=0)
    response_date_tolerance_days: int = Field(ge=0)
    concordant_source: Slot
    paradigm: Literal["sequential_locked", "global"]
    unlock_policy: Literal["forbid", "with_reason"]
    require_change_reason: bool
    require_rationale: bool
    unrequired_adjudication: Literal["apply", "ignore"]
    pd_date_windows_days: list[int]
    alpha: float = Field(gt=0, lt=1)


class ReadSummary(_Closed):
    """One read's calls; the response fields are null until it is complete and scored."""

    read_id: str | None
    reader_id: str | None
    status: Literal["in_progress", "complete"] | None
    bor: NullableBestOverallResponse
    progression_date: str | None = DateText
    first_response_date: str | None = Field(
        DateText.default,
        description="duration_of_response.start_date",
        pattern=r"^\d{4}-\d{2}-\d{2}$",
    )


class Adjudication(_Closed):
    adjudication_id: str | None
    selected_read: Any = Field(description="as given (R1 or R2 when valid)")
    adjudicator_id: str
    adjudicated_at: str
    rationale: Any
    reason_codes: Any
    required: bool | None = Field(
        description="the reads were discordant; null without two valid reads"
    )
    applied: bool


class Central(_Closed):
    """The read of record's own response (CRV10)."""

    source: Slot
    basis: Literal["concordant", "adjudicated"]
    read_id: str
    best_overall_response: BestOverallResponse
    progression: ProgressionSummary
    pfs: PfsSummary
    duration_of_response: DurationOfResponse
    response: PatientResponse = Field(None, description="with --full: the whole response")


class Problem(_Closed):
    code: str
    message: str = Field(description="names the read (or adjudication) and the field")
    read_id: str | None
    path: str | None = Field(description="JSON path of the field in that file")


class Patient(_Closed):
    patient_id: str
    status: Status
    reads: dict[str, ReadSummary] = Field(description="keyed R1, R2")
    triggers: list[Trigger] = Field(description="the triggers that fired, sorted")
    discordance: dict[str, dict[str, Any]] = Field(
        description="each fired trigger with both values"
    )
    adjudication: Adjudication | None
    central: Central | None = Field(description="null unless concordant or adjudicated")
    investigator: ReadSummary | None
    problems: list[Problem]
    warnings: list[Problem]


class Kappa(_Closed):
    n: int
    matrix: dict[str, dict[str, int]] = Field(description="matrix[R1 call][R2 call]: count")
    p_o: float | None
    p_e: float | None
    kappa: float | None = Field(description="null when p_e = 1 or n = 0")


class BorKappa(Kappa):
    responder: Kappa


class PdWindow(_Closed):
    n_within: int
    rate_given_both: float | None = Rate
    rate_given_any: float | None = Rate


class PdAgreement(_Closed):
    n: int
    both: int
    r1_only: int
    r2_only: int
    neither: int
    status_agreement: float | None = Rate
    windows_days: dict[str, PdWindow]


class TimepointAgreement(_Closed):
    n: int
    p_o: float | None
    p_e: float | None
    kappa: float | None


class ReaderMetrics(_Closed):
    n_reads: int
    n_adjudicated: int = Field(description="required adjudications only")
    n_selected: int
    aar: float | None = Field(description="selected / adjudicated")
    rdi_pct: float = Field(description="100 × (adjudicated − selected) / reads")


class Agreement(_Closed):
    n_pairs: int
    n_discordant: int
    adjudication_rate: float | None = Rate
    ci_low: float | None = Field(description="exact Clopper–Pearson at alpha")
    ci_high: float | None
    by_trigger: dict[str, int]
    bor: dict[Literal["confirmed", "unconfirmed"], BorKappa]
    pd: PdAgreement
    timepoint: TimepointAgreement
    readers: dict[str, ReaderMetrics]


class DiscrepancyRates(_Closed):
    """CRV20, following the definitions of Amit et al. 2011 [M] (recalled, not checked)."""

    n: int
    a1_inv_earlier: int
    a2_same: int
    a3_inv_later: int
    b_inv_only: int
    c_central_only: int
    d_neither: int
    edr: float | None = Field(description="(a1 + b)/(a1 + a2 + a3 + b)")
    ldr: float | None = Field(description="(a3 + c)/(a1 + a3 + b + c)")


class ReviewOutput(_Closed):
    """The output of ``recist-reader review --json`` and ``review_reads`` (design.md §9.5)."""

    model_config = ConfigDict(title="Central review output")

    schema_version: Literal[1]
    options: OptionsUsed
    scoring: dict[str, Any] = Field(description="scoring options applied to both reads")
    n_patients: int
    status_counts: dict[Status, int]
    patients: list[Patient]
    agreement: Agreement
    investigator_vs_central: dict[str, DiscrepancyRates] = Field(
        description='"all" and, when records carry an arm, "arm:<arm>"'
    )
