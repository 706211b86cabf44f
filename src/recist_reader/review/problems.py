"""The problems and warnings a review reports (design.md §9.5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Every ``problems[].code`` of design.md §9.5, with the rule that raises it.
PROBLEM_CODES: dict[str, str] = {
    "duplicate_read": "CRV2",
    "bad_slot": "CRV1",
    "bad_role": "CRV1",
    "same_reader": "CRV2",
    "timepoint_mismatch": "CRV3",
    "scoring_config_mismatch": "CRV4",
    "paradigm_mismatch": "CRV11",
    "visit_not_locked": "CRV11",
    "read_not_locked": "CRV11",
    "lock_order": "CRV11",
    "locked_timepoint_modified": "CRV12",
    "bad_audit_entry": "CRV13",
    "missing_change_reason": "CRV13",
    "audit_out_of_order": "CRV13",
    "audit_chain_broken": "CRV13",
    "record_error": "CRV14",
    "bad_selection": "CRV8",
    "adjudicator_is_reader": "CRV8",
    "missing_rationale": "CRV8",
    "bad_reason_code": "CRV8",
    "stale_adjudication": "CRV8",
    "duplicate_adjudication": "CRV8",
}
#: The problems of an adjudication: reported, the adjudication not applied, the reads valid.
ADJUDICATION_PROBLEM_CODES = frozenset(
    {
        "bad_selection",
        "adjudicator_is_reader",
        "missing_rationale",
        "bad_reason_code",
        "stale_adjudication",
        "duplicate_adjudication",
    }
)
WARNING_CODES = ("adjudication_not_required", "adjudication_premature")


@dataclass(frozen=True)
class ReviewProblem:
    """One problem (or warning) of a patient's review.

    Attributes
    ----------
    code : str
        One of :data:`PROBLEM_CODES` (or :data:`WARNING_CODES`).
    message : str
        Names the read (or adjudication) and the field, and says what is wrong.
    read_id : str or None
        The read (or the adjudication id) the problem is in; None for the patient as a whole.
    path : str or None
        JSON path of the field in that file, e.g. ``audit[2].prev``.
    """

    code: str
    message: str
    read_id: str | None = None
    path: str | None = None

    def as_json(self) -> dict[str, Any]:
        """``{"code", "message", "read_id", "path"}``."""
        return {
            "code": self.code,
            "message": self.message,
            "read_id": self.read_id,
            "path": self.path,
        }


def problem(
    code: str, text: str, *, read_id: str | None, path: str | None = None, subject: str = "read"
) -> ReviewProblem:
    """A problem whose message starts with the read (or adjudication) and the field."""
    parts = [f"{subject} {read_id}" if read_id else "", path or "", text]
    return ReviewProblem(code, ": ".join(part for part in parts if part), read_id, path)
