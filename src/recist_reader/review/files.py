"""Review inputs from files: reads, adjudication records, and what is not part of a review."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from recist_reader.errors import RecordError
from recist_reader.review.adjudication import (
    AdjudicationFileError,
    is_adjudication,
    parse_adjudication,
)


@dataclass
class ReviewInputs:
    """The documents found under the paths given to ``review`` (or ``cohort --source``).

    Attributes
    ----------
    reads, adjudications : list of (dict, str)
        Each document with its file.
    skipped : list of str
        Record files without a ``read`` block: not part of review (CRV1).
    plain : list of (dict, str)
        Those records (a site's single-reader records), with their files.
    errors : list of str
        One line per problem of a file that cannot enter the review (unreadable, not JSON,
        not an object, no patient_id, a malformed adjudication): ``file: path: message``.
    empty_folders : list of str
    """

    reads: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    adjudications: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    plain: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    empty_folders: list[str] = field(default_factory=list)

    def review(self, *, scoring: dict[str, Any] | None = None, **options: Any):
        """:func:`~recist_reader.review.review.review_documents` over these documents."""
        from recist_reader.review.review import review_documents

        return review_documents(
            [doc for doc, _ in self.reads],
            [doc for doc, _ in self.adjudications],
            scoring=scoring,
            sources=[source for _, source in self.reads],
            adjudication_sources=[source for _, source in self.adjudications],
            **options,
        )


def load_review_inputs(paths: Iterable[str | os.PathLike[str]]) -> ReviewInputs:
    """Read every ``*.json`` file under ``paths`` (files or folders) and sort it out."""
    from recist_reader.io.record_json import read_record_file, record_files

    inputs = ReviewInputs()
    for path in paths:
        files = record_files(path)
        if not files:
            inputs.empty_folders.append(str(path))
        for file in files:
            source = str(file)
            try:
                document = read_record_file(file)
            except RecordError as error:
                inputs.errors += [p.describe(source) for p in error.problems]
                continue
            if is_adjudication(document):
                try:
                    parse_adjudication(document, source=source)
                except AdjudicationFileError as error:
                    inputs.errors += [f"{source}: {line}" for line in error.problems]
                    continue
                inputs.adjudications.append((document, source))
            elif not isinstance(document, dict):
                inputs.errors.append(f"{source}: a read record is a JSON object")
            elif document.get("read") is None:
                inputs.skipped.append(source)
                inputs.plain.append((document, source))
            elif not isinstance(document.get("patient_id"), str) or not document["patient_id"]:
                inputs.errors.append(f"{source}: patient_id: required, the patient's id as text")
            else:
                inputs.reads.append((document, source))
    return inputs


def is_central_review_file(raw: bytes) -> bool:
    """Whether a record file's bytes are an adjudication record or a central reader's read
    (not part of the single-reader cohort; §9.7). Plain records are told apart without
    parsing them."""
    import json

    if b'"read"' not in raw and b'"adjudication"' not in raw:
        return False
    try:
        document = json.loads(raw)
    except ValueError:
        return False
    if is_adjudication(document):
        return True
    block = document.get("read") if isinstance(document, dict) else None
    return isinstance(block, dict) and block.get("role") != "investigator"


def investigator_paths(
    paths: Iterable[str | os.PathLike[str]],
) -> tuple[list[str | os.PathLike[str]], list[str]]:
    """The paths of the single-reader cohort (``--source investigator``): folders expanded to
    their record files when they hold central reads or adjudications, which are left out.

    Returns
    -------
    paths : list
        To give to :func:`recist_reader.cohort.score_cohort` (unchanged when nothing is left out).
    left_out : list of str
        The files left out.
    """
    from recist_reader.io.record_json import read_record_bytes, record_files

    kept: list[str | os.PathLike[str]] = []
    left_out: list[str] = []
    for path in paths:
        files = record_files(path)
        central = []
        for file in files:
            try:
                raw = read_record_bytes(file)
            except RecordError:
                continue  # scoring reports it
            if is_central_review_file(raw):
                central.append(file)
        if not central:
            kept.append(path)
            continue
        left_out += [str(file) for file in central]
        kept += [file for file in files if file not in central]
    return kept, left_out
