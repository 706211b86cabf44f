"""``recist-reader score``: score patient records, print tables or JSON, write responses."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from recist_reader.errors import RecordError, RecordProblem


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    """Register the ``score`` sub-command."""
    parser = subcommands.add_parser(
        "score",
        help="score RECIST patient records",
        description=(
            "Score patient records (JSON, design.md §1) by RECIST 1.1. PATH is a record file or "
            "a folder of them. Exit 0 when every record scored, 2 when any was invalid (one line "
            "per problem on stderr: file, JSON path, what is wrong)."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="record file or folder of records")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the response JSON (one object for a single record, else a list)",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        help="write <patient_id>.response.json per record into DIR",
    )
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scoring option, e.g. --set sd_min_days=56 (repeatable)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print no tables")
    parser.set_defaults(run=run)


def _parse_settings(settings: list[str]) -> tuple[dict[str, Any], list[str]]:
    from recist_reader.core.options import parse_option_value, validate_option_overrides

    overrides: dict[str, Any] = {}
    problems: list[str] = []
    for setting in settings:
        key, separator, value = setting.partition("=")
        if not separator or not key.strip():
            problems.append(f"--set {setting}: expected KEY=VALUE, e.g. --set sd_min_days=56")
            continue
        overrides[key.strip()] = parse_option_value(value.strip())
    if not problems:
        try:
            validate_option_overrides(overrides, path_prefix="--set ")
        except RecordError as error:
            problems.extend(p.describe() for p in error.problems)
    return overrides, problems


def run(args: argparse.Namespace) -> int:
    """Score every record under ``args.paths``; return the exit code."""
    from recist_reader.cli.tables import format_response_table
    from recist_reader.core.scoring import score_parsed_record
    from recist_reader.io.record_json import (
        RESPONSE_SUFFIX,
        read_record,
        record_files,
        write_json_atomic,
    )

    overrides, setting_problems = _parse_settings(args.settings)
    if setting_problems:
        for line in setting_problems:
            print(line, file=sys.stderr)
        return 2

    files: list[Path] = []
    failed = False
    for path in args.paths:
        found = record_files(path)
        if not found:
            print(f"{path}: no record files (*.json) in this folder", file=sys.stderr)
            failed = True
        files.extend(found)

    responses: list[dict[str, Any]] = []
    written: dict[str, Path] = {}
    for file in files:
        try:
            record = read_record(file)
            response = score_parsed_record(record, overrides, option_prefix="--set ")
        except RecordError as error:
            failed = True
            for problem in error.problems:
                print(problem.describe(str(file)), file=sys.stderr)
            continue
        responses.append(response)
        if args.out is not None:
            patient_id = response["patient_id"]
            if patient_id in written:
                failed = True
                print(
                    RecordProblem(
                        "patient_id",
                        f"patient {patient_id!r} was already scored from {written[patient_id]}; "
                        "its response file was not overwritten",
                    ).describe(str(file)),
                    file=sys.stderr,
                )
                continue
            written[patient_id] = file
            write_json_atomic(
                args.out / f"{_safe_name(patient_id)}{RESPONSE_SUFFIX}", response, durable=False
            )
        if not args.json and not args.quiet:
            print(format_response_table(response))

    if args.json and (responses or len(files) != 1):
        # One file: its response object, or nothing when it was invalid. Several: a list.
        document: Any = responses[0] if len(files) == 1 else responses
        json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    return 2 if failed else 0


def _safe_name(patient_id: str) -> str:
    """A file name for a patient id: path separators and control characters replaced."""
    cleaned = "".join("_" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in patient_id).strip(
        ". "
    )
    return cleaned or "patient"
