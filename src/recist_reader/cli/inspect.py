"""``recist-reader inspect``: the DICOM series found under a path."""

from __future__ import annotations

import argparse


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    """Register the ``inspect`` sub-command."""
    parser = subcommands.add_parser(
        "inspect", help="list the DICOM series under a file, folder or DICOMDIR"
    )
    parser.add_argument("path", help="a DICOM file, a folder tree or a DICOMDIR")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the series under ``args.path``."""
    raise SystemExit("recist-reader inspect: DICOM loading is not available yet (issue 3)")
