"""``recist-reader inspect``: the DICOM series found under a path."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    """Register the ``inspect`` sub-command."""
    parser = subcommands.add_parser(
        "inspect",
        help="list the DICOM series under a file, folder or DICOMDIR",
        description=(
            "List each DICOM image series under PATH with its UID, modality, description, "
            "number of slices, shape, spacing, affine (slice,row,column -> LPS mm) and "
            "geometry warnings. Exit 0 when at least one series can be loaded, 2 otherwise."
        ),
    )
    parser.add_argument("path", help="a DICOM file, a folder tree or a DICOMDIR")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(run=run)


def _series_record(info: Any) -> dict[str, Any]:
    summary = info.summary
    return {
        "series_key": summary.key,
        "series_uid": summary.series_uid,
        "modality": summary.modality,
        "description": summary.description,
        "slices": summary.slices,
        "shape": list(info.shape) if info.shape else None,
        "spacing_mm": [float(v) for v in info.spacing_mm] if info.spacing_mm else None,
        "affine": (
            [[float(v) + 0.0 for v in row] for row in info.affine]
            if info.affine is not None
            else None
        ),
        "warnings": list(info.warnings),
        "error": info.error,
    }


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

    try:
        listing = list_series(args.path)
    except SeriesError as exc:
        message = " ".join(str(exc).split())
        print(f"recist-reader inspect: {message}", file=sys.stderr)
        return 2
    records = [_series_record(info) for info in listing.series]
    if args.json:
        json.dump(
            {"path": str(args.path), "series": records, "skipped": listing.notes},
            sys.stdout,
            indent=2,
        )
        sys.stdout.write("\n")
    else:
        _print_table(str(args.path), records, listing.notes)
    if all(record["error"] for record in records):
        for record in records:
            print(f"recist-reader inspect: {record['error']}", file=sys.stderr)
        return 2
    return 0
