"""``recist-reader export-sr``: write a record's read as DICOM SR, one per visit and reader."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    """Register the ``export-sr`` sub-command."""
    parser = subcommands.add_parser(
        "export-sr",
        help="write a record's read as DICOM SR (TID 1500), one per visit and reader",
        description=(
            "Write RECORD as DICOM Comprehensive SR documents (TID 1500 Imaging Measurement "
            "Reports), one per visit and reader, each in its visit's study, into --out as "
            "<patient_id>_<visit_id>.SR.dcm; OHIF v3 and 3D Slicer open them. Exit 0 when "
            "written, 2 when the record or a ruler cannot be exported (one line per problem), "
            "3 when the files were written but storing them to --stow failed."
        ),
    )
    parser.add_argument("record", metavar="RECORD", type=Path, help="the patient record (JSON)")
    parser.add_argument(
        "--series-folder",
        metavar="DIR",
        help="where the visits' images are (searched recursively); default: the --stow server",
    )
    parser.add_argument("--out", metavar="DIR", type=Path, required=True, help="folder for the SRs")
    parser.add_argument(
        "--stow", metavar="URL", help="then store the SRs to this DICOMweb server (STOW-RS)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Export, write and optionally store the SRs; return the exit code."""
    from recist_reader.errors import RecordError
    from recist_reader.interop.sr import (
        SRExportError,
        SRExportWarning,
        export_sr_files,
    )

    source = args.series_folder or args.stow
    if source is None:
        print(
            "export-sr: give --series-folder DIR (the visits' images) or --stow URL "
            "(a DICOMweb server holding them)",
            file=sys.stderr,
        )
        return 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SRExportWarning)
        try:
            paths = export_sr_files(args.record, source, args.out)
        except RecordError as error:
            for problem in error.problems:
                print(problem.describe(str(args.record)), file=sys.stderr)
            return 2
        except SRExportError as error:
            for problem in error.problems:
                print(f"{args.record}: {problem}", file=sys.stderr)
            return 2
    for warning in caught:
        if issubclass(warning.category, SRExportWarning):
            print(f"warning: {args.record}: {warning.message}", file=sys.stderr)
    for path in paths:
        print(path)
    if args.stow:
        return _store(paths, args.stow)
    return 0


def _store(paths: list[Path], url: str) -> int:
    """STOW-RS the files written; 3 (the files stay written) when storing fails."""
    try:
        from recist_reader import store_sr  # the DICOMweb layer (design.md §8.9)
    except (ImportError, AttributeError):
        print(
            f"export-sr: --stow {url}: storing to a DICOMweb server is not available in this "
            "installation; the SRs are written, store them with your PACS tools",
            file=sys.stderr,
        )
        return 3
    try:
        store_sr([str(p) for p in paths], url)
    except ValueError as error:
        print(f"export-sr: --stow {url}: {error}", file=sys.stderr)
        return 3
    print(f"stored {len(paths)} SR(s) to {url}")
    return 0
