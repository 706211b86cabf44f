"""Which read is accepted (--ACPTFL): decided by ``review_reads``, the code of ``review``.

sdtm.md §3 and design.md §10: ``Y`` on every row of the read of record of a resolved BICR
patient (concordant → the charter's ``concordant_source``; adjudicated → the adjudicator's
selection, CRV10); none on the other read, on investigator reads, and on every row of an
unresolved patient, each of which gets a warning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from recist_reader.interop.sdtm.problems import Problems
from recist_reader.interop.sdtm.reads import Read


def mark_accepted_reads(
    reads: Sequence[Read],
    records: Sequence[Mapping[str, Any]],
    adjudications: Sequence[Mapping[str, Any]],
    *,
    scoring: Mapping[str, Any],
    review_options: Mapping[str, Any],
    problems: Problems,
) -> None:
    """Set ``read.accepted`` on the read of record of every resolved BICR patient; warn for
    every unresolved one.

    Raises
    ------
    ValueError
        For a review option ``review_reads`` does not know.
    """
    central = [read for read in reads if read.slot is not None]
    if not central:
        return
    from recist_reader.review import review_reads

    result = review_reads(
        list(records), list(adjudications), scoring=dict(scoring) or None, **review_options
    )
    central_patients = {read.record.patient_id for read in central}
    accepted: set[tuple[str, str]] = set()
    for patient in result["patients"]:
        patient_id = patient["patient_id"]
        outcome = patient.get("central")
        if outcome is not None:
            accepted.add((patient_id, outcome["read_id"]))
        elif patient_id in central_patients:
            reasons = "; ".join(p["message"] for p in patient.get("problems", ())[:3])
            source = next(r.source for r in central if r.record.patient_id == patient_id)
            problems.warn(
                source,
                "",
                f"patient {patient_id!r} is {patient['status']}"
                + (f" ({reasons})" if reasons else "")
                + ": no read is accepted; its TU/TR/RS rows are written without --ACPTFL",
            )
    for read in central:
        read.accepted = (read.record.patient_id, read.read_id) in accepted
