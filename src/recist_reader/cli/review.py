"""``recist-reader review``: blinded independent central review of read records (design.md §9.5)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_INPUT = 2
EXIT_PENDING = 3


def add_settings_argument(parser: argparse.ArgumentParser) -> None:
    """``--set KEY=VALUE``: review options (central-review.md §5) and scoring options."""
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a review option (triggers=bor,pd_date; bor_type=confirmed; paradigm=global; "
        "pd_date_windows_days=[0,56]; ...) or a scoring option applied to both reads "
        "(sd_min_days=56); repeatable",
    )


def split_settings(settings: list[str]) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """``--set`` values as (review options, scoring options, problems), each validated."""
    from recist_reader.core.options import OPTION_NAMES as SCORING_NAMES
    from recist_reader.core.options import parse_option_value, validate_option_overrides
    from recist_reader.errors import RecordError
    from recist_reader.review.options import OPTION_NAMES as REVIEW_NAMES
    from recist_reader.review.options import ReviewOptionError, ReviewOptions

    review: dict[str, Any] = {}
    scoring: dict[str, Any] = {}
    problems: list[str] = []
    for setting in settings:
        key, separator, text = setting.partition("=")
        key = key.strip()
        if not separator or not key:
            problems.append(f"--set {setting}: expected KEY=VALUE, e.g. --set triggers=bor,pd_date")
        elif key in REVIEW_NAMES:
            review[key] = parse_option_value(text.strip())
        elif key in SCORING_NAMES:
            scoring[key] = parse_option_value(text.strip())
        else:
            problems.append(
                f"--set {key}: unknown option; review options: {', '.join(REVIEW_NAMES)}; "
                f"scoring options: {', '.join(SCORING_NAMES)}"
            )
    try:
        ReviewOptions.from_mapping(review, prefix="--set ")
    except ReviewOptionError as error:
        problems += error.problems
    try:
        validate_option_overrides(scoring, path_prefix="--set ")
    except RecordError as error:
        problems += [p.describe() for p in error.problems]
    return review, scoring, problems


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    """Register the ``review`` sub-command."""
    parser = subcommands.add_parser(
        "review",
        help="blinded independent central review: pair reads, find discordance, apply adjudications",
        description=(
            "Review the reads of a blinded independent central review (design.md §9.5, "
            "central-review.md CRV1-CRV20): each patient's status (concordant, adjudicated, "
            "awaiting_adjudication, awaiting_reads, invalid), the triggers with both readers' "
            "values, the central read of record, and the agreement statistics (adjudication rate "
            "with exact CI, Cohen's kappa on BOR, PD-date and timepoint agreement, reader AAR and "
            "RDI, investigator vs central EDR/LDR as defined following Amit et al. 2011 - "
            "definitions recalled [M], not checked against the paper). Exit 0 when it ran, 2 on "
            "unreadable or invalid input files (one line per problem on stderr), 3 with --strict "
            "while any patient is not concordant or adjudicated."
        ),
    )
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="read records and adjudication records (files or folders)",
    )
    parser.add_argument("--json", action="store_true", help="print the review JSON")
    parser.add_argument("--out", metavar="FILE", type=Path, help="write the review JSON to FILE")
    add_settings_argument(parser)
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 3 while any patient is not concordant or adjudicated",
    )
    parser.add_argument(
        "--full", action="store_true", help="add each central read's whole response"
    )
    parser.set_defaults(run=run)


def report_inputs(inputs: Any) -> bool:
    """Print the input problems and skipped files on stderr; True when any file was invalid."""
    for folder in inputs.empty_folders:
        print(f"{folder}: no record files (*.json) in this folder", file=sys.stderr)
    for source in inputs.skipped:
        print(f"{source}: skipped: no read block, not part of the review", file=sys.stderr)
    for line in inputs.errors:
        print(line, file=sys.stderr)
    return bool(inputs.errors or inputs.empty_folders)


def record_errors(result: dict[str, Any], review: Any) -> list[str]:
    """One line per ``record_error`` (a read the engine rejects is an invalid input file)."""
    files = {read.read_id or read.label: read.source for p in review.patients for read in p.reads}
    return [
        f"{files.get(problem['read_id']) or problem['read_id']}: {problem['path'] or ''}: "
        f"{problem['message'].split(': ', 2)[-1]}".replace(": : ", ": ")
        for patient in result["patients"]
        for problem in patient["problems"]
        if problem["code"] == "record_error"
    ]


def run(args: argparse.Namespace) -> int:
    """Review the reads under ``args.paths``; return the exit code."""
    from recist_reader.io.record_json import write_text_atomic
    from recist_reader.review.files import load_review_inputs
    from recist_reader.review.text import format_review

    options, scoring, problems = split_settings(args.settings)
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        return EXIT_INPUT
    inputs = load_review_inputs(args.paths)
    failed = report_inputs(inputs)
    review = inputs.review(scoring=scoring, **options)
    result = review.as_json(full=args.full)
    errors = record_errors(result, review)
    for line in errors:
        print(line, file=sys.stderr)
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    if args.out is not None:
        write_text_atomic(args.out, text)
    if args.json:
        sys.stdout.write(text)
    else:
        print(format_review(result))
        if args.out is not None:
            print(f"\nReview written to {args.out}")
    if failed or errors:
        return EXIT_INPUT
    settled = ("concordant", "adjudicated")
    if args.strict and any(p["status"] not in settled for p in result["patients"]):
        return EXIT_PENDING
    return 0
