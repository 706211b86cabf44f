"""Blinded independent central review (central-review.md, design.md §9): pure, no Qt.

Two blinded readers (slots R1, R2) read every patient; where their reads disagree on the
charter's adjudication variables an adjudicator selects one; the selected read is the
central read of record. The core never imports this package.

Examples
--------
>>> from recist_reader import review_reads, read_hash
>>> review_reads([])["status_counts"]["concordant"]
0
"""

from recist_reader.review.adjudication import (
    REASON_CODES,
    AdjudicationFileError,
    AdjudicationRecord,
    adjudication_record,
    parse_adjudication,
)
from recist_reader.review.canonical import canonical, read_hash
from recist_reader.review.options import OPTION_NAMES, TRIGGERS, ReviewOptionError, ReviewOptions
from recist_reader.review.reader_actions import (
    AuditChainError,
    ReadActionError,
    append_audit_entry,
    change_allowed,
    complete_read,
    lock_read,
    lock_state,
    lock_timepoint,
    record_change,
    start_read,
    unlock_timepoint,
    verify_audit_chain,
)
from recist_reader.review.review import (
    STATUSES,
    PatientReview,
    Review,
    ReviewInputError,
    review_documents,
    review_reads,
)

__all__ = [
    "OPTION_NAMES",
    "REASON_CODES",
    "STATUSES",
    "TRIGGERS",
    "AdjudicationFileError",
    "AdjudicationRecord",
    "AuditChainError",
    "PatientReview",
    "ReadActionError",
    "Review",
    "ReviewInputError",
    "ReviewOptionError",
    "ReviewOptions",
    "adjudication_record",
    "append_audit_entry",
    "canonical",
    "change_allowed",
    "complete_read",
    "lock_read",
    "lock_state",
    "lock_timepoint",
    "parse_adjudication",
    "read_hash",
    "record_change",
    "review_documents",
    "review_reads",
    "start_read",
    "unlock_timepoint",
    "verify_audit_chain",
]
