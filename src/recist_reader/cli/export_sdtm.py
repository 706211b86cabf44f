"""``recist-reader export-sdtm``: reads and adjudications to CDISC SDTM TU, TR, RS (design.md §10)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_WRITTEN, EXIT_INVALID, EXIT_STRICT = 0, 2, 3


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    """Register the ``export-sdtm`` sub-command."""
    parser = subcommands.add_parser(
        "export-sdtm",
        help="export reads as CDISC SDTM TU, TR and RS (SAS XPORT v5, CSV)",
        description=(
            "Write tu, tr and rs (SDTMIG 3.4) from patient records (investigator reads and "
            "blinded central reads) and adjudication records under PATH. Every read is "
            "exported under RECIST 1.1; --ACPTFL marks the read of record of each BICR patient "
            "as `recist-reader review` decides it. The tables are checked before anything is "
            "written. Exit 0 when written; 2 on invalid input (one line per problem: file, "
            "JSON path, fix; nothing written); 3 with --strict when there were warnings (e.g. "
            "a BICR patient without an accepted read; the files are written)."
        ),
    )
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="record or adjudication file, or a folder of them"
    )
    parser.add_argument("--out", metavar="DIR", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--format",
        default="xpt,csv",
        metavar="FORMATS",
        help="comma-separated: xpt (SAS XPORT v5), csv, json (Dataset-JSON v1.1); default xpt,csv",
    )
    parser.add_argument("--study-id", metavar="ID", help="STUDYID for records without study_id")
    parser.add_argument("--vendor", metavar="NAME", help="core lab name, written as --NAM")
    parser.add_argument(
        "--usubjid-template",
        metavar="T",
        default="{study_id}-{patient_id}",
        help="USUBJID for records without usubjid (default {study_id}-{patient_id})",
    )
    parser.add_argument(
        "--nodal-testcd",
        choices=("LPERP", "DIAMETER"),
        default="LPERP",
        help="test code of a nodal target's short axis (default LPERP)",
    )
    parser.add_argument(
        "--secondary-axis",
        action="store_true",
        help="add the other axis (long_axis_mm of a node as LDIAM, short_axis_mm as LPERP)",
    )
    parser.add_argument(
        "--tr-derived",
        default="SUMDIAM",
        metavar="TESTS",
        help="derived TR tests: any of SUMDIAM,SUMNLNLD,PCBSD,PCNSD,ACNSD (default SUMDIAM)",
    )
    parser.add_argument(
        "--new-lesion-result",
        choices=("PRESENT", "UNEQUIVOCAL"),
        default="PRESENT",
        help="TR result of an unequivocal new lesion (default PRESENT)",
    )
    parser.add_argument(
        "--bestresp", action="store_true", help="add each read's confirmed BOR (BESTRESP)"
    )
    parser.add_argument(
        "--newlind", action="store_true", help="add the New Lesion Indicator at every visit"
    )
    parser.add_argument(
        "--adjudicator-rows",
        action="store_true",
        help="repeat the accepted read's RS rows as ADJUDICATOR 1 (RSACPTFL only there)",
    )
    parser.add_argument("--relrec", action="store_true", help="also write RELREC")
    parser.add_argument(
        "--allow-free-text-location",
        action="store_true",
        help="write an organ without a CDISC term as upper-case free text (warning) "
        "instead of refusing",
    )
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="scoring option (e.g. sd_min_days=56) or charter review option (e.g. "
        "triggers=bor,pd_date; concordant_source=R2), repeatable",
    )
    parser.add_argument("--strict", action="store_true", help="exit 3 when there is any warning")
    parser.add_argument("-q", "--quiet", action="store_true", help="print no summary")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Export the reads under ``args.paths``; return the exit code."""
    from recist_reader.cli.review import split_settings
    from recist_reader.interop.sdtm import SdtmExportError, export_sdtm_files

    review_options, scoring, problems = split_settings(args.settings)
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        return EXIT_INVALID
    options = {
        "study_id": args.study_id,
        "vendor": args.vendor,
        "usubjid_template": args.usubjid_template,
        "nodal_testcd": args.nodal_testcd,
        "secondary_axis": args.secondary_axis,
        "tr_derived": args.tr_derived,
        "new_lesion_result": args.new_lesion_result,
        "bestresp": args.bestresp,
        "newlind": args.newlind,
        "adjudicator_rows": args.adjudicator_rows,
        "relrec": args.relrec,
        "allow_free_text_location": args.allow_free_text_location,
        **review_options,
        **scoring,
    }
    try:
        summary = export_sdtm_files(args.paths, args.out, formats=args.format, **options)
    except SdtmExportError as error:
        for problem in error.problems:
            print(problem.describe(), file=sys.stderr)
        return EXIT_INVALID
    except ValueError as error:
        print(f"export-sdtm: {error}", file=sys.stderr)
        return EXIT_INVALID
    for warning in summary["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    if not args.quiet:
        rows = summary["rows"]
        print(
            f"Wrote TU {rows['TU']}, TR {rows['TR']}, RS {rows['RS']} rows "
            f"({summary['reads']} reads, {summary['adjudications']} adjudications) to {args.out}:"
        )
        for file in summary["files"]:
            print(f"  {file}")
    return EXIT_STRICT if args.strict and summary["warnings"] else EXIT_WRITTEN
