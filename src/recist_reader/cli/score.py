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
        help="score patient records by RECIST 1.1, mRECIST or iRECIST",
        description=(
            "Score patient records (JSON, design.md §1, §7) under their primary criteria, or "
            "under those --criteria names. PATH is a record file or a folder of them. Exit 0 "
            "when every record scored, 2 when any was invalid (one line per problem on stderr: "
            "file, criteria, JSON path, what is wrong)."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="record file or folder of records")
    add_criteria_argument(parser)
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the response JSON (one object for a single record, else a list); with "
        "several criteria, one object per record holding a response per criteria",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        help="write <patient_id>.response.json (the record's primary criteria) and "
        "<patient_id>.<criteria>.response.json (any other) per record into DIR",
    )
    add_option_argument(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="print no tables")
    parser.set_defaults(run=run)


def add_criteria_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--criteria NAME[,NAME...]`` option shared by the scoring sub-commands."""
    from recist_reader.core.criteria import SUPPORTED_CRITERIA

    parser.add_argument(
        "--criteria",
        metavar="NAME[,NAME...]",
        help="score every record under these criteria, comma-separated "
        f"({', '.join(SUPPORTED_CRITERIA)}); default: each record's primary criteria",
    )


def criteria_argument(text: str | None) -> tuple[bool, tuple[str, ...] | None]:
    """Whether ``--criteria`` is usable, and the names it gives (None without it).

    An unsupported or repeated name is not (a line on stderr names the supported ones).
    """
    if text is None:
        return True, None
    from recist_reader.core.scoring import criteria_names

    try:
        return True, criteria_names([name.strip() for name in text.split(",")])
    except RecordError as error:
        print(f"--criteria {text}: {error.problems[0].message}", file=sys.stderr)
        return False, None


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
class _Scored:
    """One record scored under one criteria: its response (as a dict, as the text of its
    response file, and its table), or its problems."""

    criteria: str
    response: dict[str, Any] | None
    problems: list[str]
    text: str | None = None
    table: str | None = None


@dataclass
class _Outcome:
    """What scoring one record file gave: a result per criteria, or the file's problems."""

    file: Path
    patient_id: str | None
    primary: str | None
    scored: list[_Scored]
    problems: list[str]

    @property
    def valid(self) -> bool:
        """Read, and scored under every requested criteria."""
        return not self.problems and all(item.response is not None for item in self.scored)

    def document(self) -> dict[str, Any]:
        """The JSON of a valid record: its response, or the combined object (design.md §7.2)
        when several criteria were named."""
        from recist_reader.core.record import SCHEMA_VERSION

        if len(self.scored) == 1:
            assert self.scored[0].response is not None
            return self.scored[0].response
        return {
            "schema_version": SCHEMA_VERSION,
            "patient_id": self.patient_id,
            "responses": {item.criteria: item.response for item in self.scored},
        }


def _score_file(
    file: Path,
    overrides: dict[str, Any],
    names: tuple[str, ...] | None,
    out: bool,
    table: bool,
) -> _Outcome:
    from recist_reader.cli.tables import format_response_table
    from recist_reader.core.scoring import score_parsed_record
    from recist_reader.io.record_json import dumps_readable, read_record

    try:
        record = read_record(file)
    except RecordError as error:
        return _Outcome(file, None, None, [], [p.describe(str(file)) for p in error.problems])
    scored = []
    for name in names or (record.criteria,):
        try:
            response = score_parsed_record(
                record,
                overrides,
                option_prefix="--set ",
                criteria=name,
                name_criteria=names is not None and len(names) > 1,
            )
        except RecordError as error:
            scored.append(_Scored(name, None, [p.describe(str(file)) for p in error.problems]))
            continue
        scored.append(
            _Scored(
                name,
                response,
                [],
                dumps_readable(response) if out else None,
                format_response_table(response) if table else None,
            )
        )
    return _Outcome(file, record.patient_id, record.criteria, scored, [])


def _score_files(
    args: tuple[list[Path], dict[str, Any], tuple[str, ...] | None, bool, bool],
) -> list[_Outcome]:
    files, overrides, names, out, table = args
    return [_score_file(file, overrides, names, out, table) for file in files]


def response_file_name(patient_id: str, criteria: str, primary: str) -> str:
    """``<patient_id>.response.json`` for the record's primary criteria, else
    ``<patient_id>.<criteria>.response.json`` (design.md §7.3)."""
    from recist_reader.io.record_json import RESPONSE_SUFFIX

    stem = _safe_name(patient_id)
    return (
        f"{stem}{RESPONSE_SUFFIX}" if criteria == primary else f"{stem}.{criteria}{RESPONSE_SUFFIX}"
    )


def _write_responses(out: Path, outcome: _Outcome) -> None:
    from recist_reader.io.record_json import dumps_readable, write_text_atomic

    assert outcome.patient_id is not None and outcome.primary is not None
    for item in outcome.scored:
        if item.response is None:
            continue
        path = out / response_file_name(outcome.patient_id, item.criteria, outcome.primary)
        write_text_atomic(path, item.text or dumps_readable(item.response), durable=False)


def _outcomes(
    files: list[Path],
    overrides: dict[str, Any],
    names: tuple[str, ...] | None,
    out: bool,
    table: bool,
) -> Iterator[_Outcome]:
    """Score every file, in order; large folders in a process per core. The caller writes
    the response files as outcomes arrive: one writer is faster than several creating
    files in one folder at once."""
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if len(files) < PARALLEL_MIN_RECORDS or not workers or workers < 2:
        yield from _score_files((files, overrides, names, out, table))
        return
    import multiprocessing

    size = max(50, len(files) // (workers * 8))
    chunks = [
        (files[i : i + size], overrides, names, out, table) for i in range(0, len(files), size)
    ]
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with context.Pool(workers) as pool:
        for chunk in pool.imap(_score_files, chunks):
            yield from chunk


def run(args: argparse.Namespace) -> int:
    """Score every record under ``args.paths``; return the exit code."""
    from recist_reader.io.record_json import record_files

    usable, names = criteria_argument(args.criteria)
    overrides = option_overrides(args.settings)
    if not usable or overrides is None:
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
    documents: list[dict[str, Any]] = []
    first_scored: dict[str, _Outcome] = {}
    for outcome in _outcomes(files, overrides, names, args.out is not None, table):
        for line in outcome.problems + [p for item in outcome.scored for p in item.problems]:
            failed = True
            print(line, file=sys.stderr)
        if outcome.patient_id is None or not any(i.response is not None for i in outcome.scored):
            continue
        patient_id = outcome.patient_id
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
        if outcome.valid:
            documents.append(outcome.document())
        if args.out is not None:
            _write_responses(args.out, outcome)
        for item in outcome.scored:
            if item.table is not None:
                print(item.table)

    if args.json and (documents or len(files) != 1):
        # One file: its document, or nothing when it was invalid. Several: a list.
        document: Any = documents[0] if len(files) == 1 else documents
        json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    return 2 if failed else 0


def _safe_name(patient_id: str) -> str:
    """A file name for a patient id: path separators and control characters replaced."""
    cleaned = "".join("_" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in patient_id).strip(
        ". "
    )
    return cleaned or "patient"
