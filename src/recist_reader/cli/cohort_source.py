"""``recist-reader cohort --source central|R1|R2``: endpoints from the central review (§9.7)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

EXIT_INPUT = 2
EXIT_PENDING = 3
SOURCE_CHOICES = ("investigator", "central", "R1", "R2")


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """``--source`` and ``--strict`` of the ``cohort`` sub-command."""
    parser.add_argument(
        "--source",
        choices=SOURCE_CHOICES,
        default="investigator",
        help="whose reads: investigator (default: records without a read block and "
        "investigator reads), central (each patient's central read of record after the "
        "review; --set also takes review options), R1 or R2 (sensitivity analyses)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="with --source central|R1|R2: exit 3 while any patient is pending",
    )


def investigator_paths(paths: list[str]) -> list[Any]:
    """The paths of the single-reader cohort, central reads and adjudications left out
    (one stderr line saying how many)."""
    from recist_reader.review.files import investigator_paths as split

    kept, left_out = split(paths)
    if left_out:
        print(
            f"left out {len(left_out)} central-review file(s) (central reads, adjudications): "
            "use --source central, R1 or R2 for them",
            file=sys.stderr,
        )
    return kept


def run_source(args: argparse.Namespace, format_summary: Callable[[dict[str, Any]], str]) -> int:
    """The cohort on ``args.source`` (central, R1 or R2); return the exit code."""
    from recist_reader.cli.review import split_settings
    from recist_reader.cohort import cohort_curves, summarize_cohort
    from recist_reader.review.cohort_source import cohort_from_review, source_summary

    if getattr(args, "criteria", None):
        print(
            f"--criteria is not accepted with --source {args.source}: the central reads are "
            "scored under their own criteria (design.md §9.7)",
            file=sys.stderr,
        )
        return EXIT_INPUT
    options, scoring, problems = split_settings(args.settings)
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        return EXIT_INPUT
    result = cohort_from_review(args.paths, source=args.source, scoring=scoring, **options)
    cohort = result.cohort
    for folder in cohort.empty_folders:
        print(f"{folder}: no record files (*.json) in this folder", file=sys.stderr)
    for item in cohort.invalid:
        for line in item.problems:
            print(line, file=sys.stderr)
    curves = cohort_curves(cohort.patients)
    summary = source_summary(
        result,
        summarize_cohort(
            cohort.patients,
            config=cohort.config,
            invalid=cohort.invalid,
            curves=curves,
            criteria=cohort.criteria,
        ),
    )
    sdtm_refused = False
    if args.out is not None:
        from recist_reader.cli.cohort import export_cohort_sdtm
        from recist_reader.cohort.report import write_report
        from recist_reader.review.report_section import central_review_section

        sdtm = export_cohort_sdtm(args, {**options, **scoring}) if args.sdtm else None
        sdtm_refused = bool(sdtm and sdtm.get("problems"))
        write_report(
            args.out,
            summary,
            cohort.patients,
            curves,
            sections=[central_review_section(result)],
            sdtm=sdtm,
        )
    if args.json:
        json.dump(summary, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(
            f"Source: {args.source} ({len(cohort.patients)} patients with a read, "
            f"{len(result.pending)} pending)"
        )
        print(format_summary(summary))
        for item in result.pending:
            print(f"  pending: {item['patient_id']} ({item['status']})")
        if args.source == "central":
            from recist_reader.review.text import format_agreement, format_investigator_vs_central

            print()
            print(
                "\n".join(format_agreement(summary["agreement"], result.review.options.as_json()))
            )
            print("\n".join(format_investigator_vs_central(summary["investigator_vs_central"])))
        if args.out is not None:
            print(f"\nReport written to {args.out / 'report.html'}")
    if cohort.invalid or cohort.empty_folders or sdtm_refused:
        return EXIT_INPUT
    return EXIT_PENDING if args.strict and result.pending else 0
