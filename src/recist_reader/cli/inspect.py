"""``recist-reader inspect``: the DICOM series under a path, or of a study on a DICOMweb server."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    """Register the ``inspect`` sub-command."""
    parser = subcommands.add_parser(
        "inspect",
        help="list the DICOM series under a file, folder, DICOMDIR or DICOMweb study",
        description=(
            "List each DICOM image series under PATH with its UID, modality, description, "
            "number of slices, shape, spacing, affine (slice,row,column -> LPS mm) and "
            "geometry warnings. PATH may also be a DICOMweb URL (http://host:port/dicom-web) "
            "with --study: the study's series are listed from the server's metadata, without "
            "retrieving pixels. Credentials come from RECIST_DICOMWEB_TOKEN (bearer), or "
            "--user / RECIST_DICOMWEB_USER with RECIST_DICOMWEB_PASSWORD (basic). Exit 0 when "
            "at least one series can be loaded, 2 otherwise."
        ),
    )
    parser.add_argument(
        "path", help="a DICOM file, a folder tree, a DICOMDIR or a DICOMweb base URL"
    )
    parser.add_argument(
        "--study", metavar="UID", help="the StudyInstanceUID to list (with a DICOMweb URL)"
    )
    parser.add_argument(
        "--user",
        metavar="NAME",
        help="DICOMweb basic authentication user; the password is read from "
        "RECIST_DICOMWEB_PASSWORD, or asked for",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(run=run)


def _print_table(path: str, records: list[dict[str, Any]], notes: list[str]) -> None:
    print(f"{path}: {len(records)} series")
    for record in records:
        print()
        print(f"series      {record['series_key']}")
        print(f"modality    {record['modality'] or '?'}")
        print(f"description {record['description'] or '-'}")
        print(f"slices      {record['slices']} acquired")
        if record["error"]:
            print(f"error       {record['error']}")
            continue
        shape = " x ".join(str(v) for v in record["shape"])
        spacing = " x ".join(f"{v:g}" for v in record["spacing_mm"])
        print(f"shape       {shape} (slices x rows x columns)")
        print(f"spacing     {spacing} mm (slice, row, column)")
        print("affine      (slice, row, column, 1) -> LPS mm")
        for row in record["affine"]:
            print("            " + " ".join(f"{v:11.4f}" for v in row))
        for warning in record["warnings"]:
            print(f"warning     {warning}")
    if notes:
        print()
        print(f"{len(notes)} file(s) skipped:")
        for note in notes:
            print(f"  {note}")


def run(args: argparse.Namespace) -> int:
    """Print the series under ``args.path``; return the exit code."""
    from recist_reader.errors import SeriesError
    from recist_reader.io.dicom import list_series
    from recist_reader.io.dicom.listing import series_record
    from recist_reader.io.dicom.loader import is_dicomweb_url

    remote = is_dicomweb_url(args.path)
    if not remote and (args.study or args.user):
        print("recist-reader inspect: --study and --user need a DICOMweb URL", file=sys.stderr)
        return 2
    if remote and not args.study and "/studies/" not in args.path:
        print(
            "recist-reader inspect: a DICOMweb URL needs --study UID",
            file=sys.stderr,
        )
        return 2
    if args.user:
        use_basic_credentials(args.user)
    try:
        listing = list_series(args.path, study_uid=args.study)
    except SeriesError as exc:
        message = " ".join(str(exc).split())
        print(f"recist-reader inspect: {message}", file=sys.stderr)
        return 2
    records = [series_record(info) for info in listing.series]
    shown = _redacted(args.path) if remote else str(args.path)
    if args.json:
        document: dict[str, Any] = {"path": shown, "series": records, "skipped": listing.notes}
        if remote:
            document["study_uid"] = args.study
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_table(shown, records, listing.notes)
    if all(record["error"] for record in records):
        for record in records:
            print(f"recist-reader inspect: {record['error']}", file=sys.stderr)
        return 2
    return 0


def _redacted(url: str) -> str:
    from recist_reader.io.dicomweb.urls import redact

    return redact(url)


def use_basic_credentials(user: str) -> None:
    """Basic authentication for this process: the user, and the password from
    ``RECIST_DICOMWEB_PASSWORD`` or asked for on the terminal (never an argument)."""
    import getpass
    import os

    from recist_reader.io.dicomweb.connection import PASSWORD_ENV, TOKEN_ENV, USER_ENV

    os.environ.pop(TOKEN_ENV, None)
    os.environ[USER_ENV] = user
    if PASSWORD_ENV not in os.environ and sys.stdin.isatty():
        os.environ[PASSWORD_ENV] = getpass.getpass(f"DICOMweb password for {user}: ")
