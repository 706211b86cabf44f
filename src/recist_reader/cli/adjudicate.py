"""``recist-reader adjudicate``: write the adjudicator's decision for one patient (design.md §9.6)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

EXIT_REFUSED = 2


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    """Register the ``adjudicate`` sub-command."""
    from recist_reader.cli.review import add_settings_argument
    from recist_reader.review.adjudication import REASON_CODES

    parser = subcommands.add_parser(
        "adjudicate",
        help="write an adjudication record: select R1 or R2 as the central read of a patient",
        description=(
            "Select one whole read (R1 or R2) as the central read of record of a discordant "
            "patient and write the signed adjudication record (design.md §9.4), with the current "
            "hashes of both reads. Refused (exit 2, with the reason) unless the patient is "
            "awaiting_adjudication, or concordant with --force. Never overwrites a file."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="the reads (files or folders)")
    parser.add_argument("--patient", required=True, metavar="ID", help="the patient_id")
    parser.add_argument("--select", required=True, choices=("R1", "R2"), help="the read selected")
    parser.add_argument(
        "--rationale", default="", metavar="TEXT", help="why this read (required by default)"
    )
    parser.add_argument(
        "--reason", action="append", default=[], choices=REASON_CODES, metavar="CODE",
        help=f"reason code (repeatable): {', '.join(REASON_CODES)}",
    )  # fmt: skip
    parser.add_argument(
        "--by", required=True, metavar="ID", help="the adjudicator's pseudonymous id"
    )
    parser.add_argument(
        "--out", type=Path, metavar="FILE",
        help="where to write (default adjudication-<patient_id>.json in the folder of the reads)",
    )  # fmt: skip
    parser.add_argument(
        "--force",
        action="store_true",
        help="adjudicate a concordant patient (an unrequired adjudication, CRV9)",
    )
    add_settings_argument(parser)
    parser.set_defaults(run=run)


def _refuse(message: str) -> int:
    print(f"adjudicate: refused: {message}", file=sys.stderr)
    return EXIT_REFUSED


def run(args: argparse.Namespace) -> int:
    """Write the adjudication record; return the exit code."""
    from recist_reader.cli.review import report_inputs, split_settings
    from recist_reader.review.adjudication import (
        Adjudication,
        adjudication_problems,
        adjudication_record,
        parse_adjudication,
    )
    from recist_reader.review.files import load_review_inputs
    from recist_reader.review.writing import default_adjudication_path, write_new_json

    options, scoring, problems = split_settings(args.settings)
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        return EXIT_REFUSED
    inputs = load_review_inputs(args.paths)
    report_inputs(inputs)
    review = inputs.review(scoring=scoring, **options)
    patient = next((p for p in review.patients if p.patient_id == args.patient), None)
    if patient is None or not patient.reads:
        return _refuse(f"no read of patient {args.patient!r} under {', '.join(args.paths)}")
    allowed = {"awaiting_adjudication"} | ({"concordant"} if args.force else set())
    if patient.status not in allowed:
        hint = (
            " (use --force for an unrequired adjudication)"
            if patient.status == "concordant"
            else ""
        )
        reasons = "; ".join(p.message for p in patient.problems)
        return _refuse(
            f"patient {args.patient} is {patient.status}{hint}"
            + (f": {reasons}" if reasons else "")
        )
    at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    document = adjudication_record(
        patient_id=args.patient,
        reads={slot: read.data for slot, read in patient.slots.items()},
        selected_read=args.select,
        adjudicator_id=args.by,
        adjudicated_at=at,
        rationale=args.rationale,
        reason_codes=args.reason,
        triggers_seen=sorted(patient.discordance),
    )
    # The decision must hold under the charter (CRV8) before it is written.
    found = adjudication_problems(
        Adjudication(parse_adjudication(document), document), patient.slots, review.options
    )
    if found:
        return _refuse("; ".join(p.message for p in found))
    folder = Path(args.paths[0])
    folder = folder if folder.is_dir() else folder.parent
    target = args.out or default_adjudication_path(folder, args.patient)
    try:
        write_new_json(target, document)
    except FileExistsError:
        return _refuse(f"{target} exists: an adjudication file is never overwritten")
    others = [a.source for a in patient.adjudications]
    print(f"Adjudication written to {target}: {args.patient} → {args.select}")
    if others:
        print(
            f"warning: {args.patient} now has {len(others) + 1} adjudications "
            f"({', '.join(str(o) for o in others)}): duplicate_adjudication until all but one "
            "are withdrawn by a QC action",
            file=sys.stderr,
        )
    return 0
