"""``recist-reader import-sr``: read DICOM SR documents (TID 1500) back into a patient record."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    """Register the ``import-sr`` sub-command."""
    parser = subcommands.add_parser(
        "import-sr",
        help="read DICOM SR measurement reports back into a patient record",
        description=(
            "Read TID 1500 SR documents (files, or folders searched recursively) of one patient "
            "into the patient record --out. Rulers of other tools' measurements (OHIF's own) "
            "are listed on stderr and left out of the record. Exit 0 when the record was "
            "written, 2 when the SRs cannot be read (one line naming the file and why)."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="SR file or folder")
    parser.add_argument("--out", metavar="RECORD", type=Path, required=True, help="record to write")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Import the SRs and write the record; return the exit code."""
    from recist_reader.core.validation import parse_record
    from recist_reader.errors import RecordError
    from recist_reader.interop.sr import SRImportError, read_sr
    from recist_reader.io.record_json import write_json_atomic

    try:
        imported = read_sr(args.paths)
    except SRImportError as error:
        print(f"import-sr: {error}", file=sys.stderr)
        return 2
    for note in imported.notes:
        print(f"note: {note}", file=sys.stderr)
    if imported.foreign_rulers:
        print(
            f"{len(imported.foreign_rulers)} ruler(s) of other tools, not in the record "
            "(attach them to lesions in the reading plugin):",
            file=sys.stderr,
        )
        for ruler in imported.foreign_rulers:
            print(f"  {ruler.describe()}", file=sys.stderr)
    write_json_atomic(args.out, imported.record)
    print(args.out)
    try:
        parse_record(imported.record)
    except RecordError as error:
        print(f"note: {args.out} needs these fixes before it can be scored:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem.describe(str(args.out))}", file=sys.stderr)
    return 0
