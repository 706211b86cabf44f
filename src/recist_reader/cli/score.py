"""``recist-reader score``: score patient records, print tables or JSON, write responses."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
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
    add_option_argument(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="print no tables")
    parser.set_defaults(run=run)


def add_option_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--set KEY=VALUE`` option (repeatable) shared by the scoring sub-commands."""
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scoring option for every record, e.g. --set sd_min_days=56 (repeatable)",
    )


def option_overrides(settings: list[str]) -> dict[str, Any] | None:
    """The ``--set KEY=VALUE`` options as overrides; None (after one stderr line per problem)
    when any is malformed or unknown."""
    overrides, problems = _parse_settings(settings)
    for line in problems:
        print(line, file=sys.stderr)
    return None if problems else overrides


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


# Folders of more records than this are scored by a process per core.
PARALLEL_MIN_RECORDS = 200


@dataclass
class _Outcome:
    """What scoring one record file gave: its response (as a dict and as the text of its
    response file, and its table), or its problems."""

    file: Path
    response: dict[str, Any] | None
    problems: list[str]
    text: str | None = None
    table: str | None = None


def _score_file(file: Path, overrides: dict[str, Any], out: bool, table: bool) -> _Outcome:
    from recist_reader.cli.tables import format_response_table
    from recist_reader.core.scoring import score_parsed_record
    from recist_reader.io.record_json import dumps_readable, read_record

    try:
        response = score_parsed_record(read_record(file), overrides, option_prefix="--set ")
    except RecordError as error:
        return _Outcome(file, None, [p.describe(str(file)) for p in error.problems])
    return _Outcome(
        file,
        response,
        [],
        dumps_readable(response) if out else None,
        format_response_table(response) if table else None,
    )


def _score_files(args: tuple[list[Path], dict[str, Any], bool, bool]) -> list[_Outcome]:
    files, overrides, out, table = args
    return [_score_file(file, overrides, out, table) for file in files]


def _write_response(out: Path, outcome: _Outcome) -> None:
    from recist_reader.io.record_json import RESPONSE_SUFFIX, dumps_readable, write_text_atomic

    assert outcome.response is not None
    path = out / f"{_safe_name(outcome.response['patient_id'])}{RESPONSE_SUFFIX}"
    write_text_atomic(path, outcome.text or dumps_readable(outcome.response), durable=False)


def _outcomes(
    files: list[Path], overrides: dict[str, Any], out: bool, table: bool
) -> Iterator[_Outcome]:
    """Score every file, in order; large folders in a process per core. The caller writes
    the response files as outcomes arrive: one writer is faster than several creating
    files in one folder at once."""
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if len(files) < PARALLEL_MIN_RECORDS or not workers or workers < 2:
        yield from _score_files((files, overrides, out, table))
        return
    import multiprocessing

    size = max(50, len(files) // (workers * 8))
    chunks = [(files[i : i + size], overrides, out, table) for i in range(0, len(files), size)]
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with context.Pool(workers) as pool:
        for chunk in pool.imap(_score_files, chunks):
            yield from chunk


def run(args: argparse.Namespace) -> int:
    """Score every record under ``args.paths``; return the exit code."""
    from recist_reader.io.record_json import record_files

    overrides = option_overrides(args.settings)
    if overrides is None:
        return 2

    files: list[Path] = []
    failed = False
    for path in args.paths:
        found = record_files(path)
        if not found:
            print(f"{path}: no record files (*.json) in this folder", file=sys.stderr)
            failed = True
        files.extend(found)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)

    table = not args.json and not args.quiet
    responses: list[dict[str, Any]] = []
    first_scored: dict[str, _Outcome] = {}
    for outcome in _outcomes(files, overrides, args.out is not None, table):
        if outcome.response is None:
            failed = True
            for line in outcome.problems:
                print(line, file=sys.stderr)
            continue
        responses.append(outcome.response)
        patient_id = outcome.response["patient_id"]
        if args.out is not None and patient_id in first_scored:
            failed = True
            print(
                RecordProblem(
                    "patient_id",
                    f"patient {patient_id!r} was already scored from "
                    f"{first_scored[patient_id].file}; its response file was not overwritten",
                ).describe(str(outcome.file)),
                file=sys.stderr,
            )
            continue
        first_scored.setdefault(patient_id, outcome)
        if args.out is not None:
            _write_response(args.out, outcome)
        if outcome.table is not None:
            print(outcome.table)

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
