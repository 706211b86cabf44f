"""``sdtm_tables`` and ``export_sdtm``: reads and adjudications in, TU/TR/RS out (design.md §10).

The export validates every record, scores every read under RECIST 1.1, asks the review which
read each BICR patient accepted, maps each read to rows, numbers them, checks the tables
(sdtm.md §9) and only then writes: on any problem it raises :class:`SdtmExportError` and writes
nothing.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recist_reader.interop.sdtm.acceptance import mark_accepted_reads
from recist_reader.interop.sdtm.inputs import read_inputs
from recist_reader.interop.sdtm.mapping import read_tables
from recist_reader.interop.sdtm.options import split_options, tuple_of_names
from recist_reader.interop.sdtm.problems import Problems, SdtmExportError, SdtmProblem
from recist_reader.interop.sdtm.reads import ADJUDICATOR_ORDER, check_patients, parse_read
from recist_reader.interop.sdtm.terminology import ADJUDICATOR_ID, YES
from recist_reader.interop.sdtm.validate import check_links, check_metadata, check_rows
from recist_reader.interop.sdtm.variables import DOMAINS, RELREC, Domain, Variable
from recist_reader.interop.sdtm.writers import (
    FORMATS,
    write_csv,
    write_dataset_json,
    write_xpt,
)

Row = dict[str, Any]
DATA_DOMAINS = ("TU", "TR", "RS")


@dataclass
class Table:
    """One dataset ready to write: its domain, the columns it holds, its rows (with ``_where``)."""

    domain: Domain
    columns: list[Variable]
    rows: list[Row]

    def plain_rows(self) -> list[Row]:
        """The rows as ``{variable: value}`` in column order (null = None)."""
        names = [c.name for c in self.columns]
        return [{name: row.get(name) for name in names} for row in self.rows]

    @functools.cached_property
    def data(self) -> dict[str, list[Any]]:
        """The table by column: each column's values, row by row (extracted once)."""
        return {c.name: [row.get(c.name) for row in self.rows] for c in self.columns}


@dataclass
class SdtmExport:
    """The validated tables of an export and its warnings."""

    tables: dict[str, Table]
    warnings: list[SdtmProblem]

    @property
    def study_ids(self) -> list[str]:
        """The STUDYIDs the export holds."""
        return sorted({row["STUDYID"] for row in self.tables["TU"].rows})


def build_sdtm(
    records: Sequence[Mapping[str, Any]],
    adjudications: Iterable[Mapping[str, Any]] = (),
    *,
    sources: Sequence[str] | None = None,
    **options: Any,
) -> SdtmExport:
    """Map, number and check the tables of an export (see :func:`sdtm_tables`)."""
    export_options, scoring, review_options = split_options(options)
    adjudications = list(adjudications)
    if sources is None:
        sources = [f"records[{index}]" for index in range(len(records))]
    elif len(sources) != len(records):
        raise ValueError("sources: give one name per record")
    _check_scoring_options(scoring)
    problems = Problems()
    parsed = [
        parse_read(data, source, export_options, scoring, problems)
        for data, source in zip(records, sources)
    ]
    reads = [read for read in parsed if read is not None]
    check_patients(reads, problems)
    problems.raise_if_any()
    mark_accepted_reads(
        reads,
        records,
        adjudications,
        scoring=scoring,
        review_options=review_options,
        problems=problems,
    )
    rows: dict[str, list[Row]] = {code: [] for code in DATA_DOMAINS}
    for read in reads:
        for code, read_rows in read_tables(read, export_options, problems).items():
            rows[code].extend(read_rows)
    if export_options.adjudicator_rows:
        rows["RS"] = _with_adjudicator_rows(rows["RS"])
    problems.raise_if_any()

    tables = {code: _table(DOMAINS[code], rows[code]) for code in DATA_DOMAINS}
    for table in tables.values():
        check_metadata(table.domain, table.columns, problems)
        check_rows(table.domain, table.columns, table.rows, table.data, export_options, problems)
    check_links(tables["TU"].rows, tables["TR"].rows, problems)
    if export_options.relrec:
        tables["RELREC"] = _relrec(tables)
    problems.raise_if_any()
    return SdtmExport(tables, problems.warnings)


def sdtm_tables(
    records: Sequence[Mapping[str, Any]],
    adjudications: Iterable[Mapping[str, Any]] = (),
    **options: Any,
) -> dict[str, list[Row]]:
    """The TU, TR and RS rows the export writes (and RELREC with ``relrec=True``); pure.

    Parameters
    ----------
    records : sequence of dict
        Patient records (design.md §1), with or without a ``read`` block (§9.2).
    adjudications : iterable of dict
        Adjudication records (design.md §9.4).
    **options
        Export options (:class:`~recist_reader.interop.sdtm.options.SdtmOptions`: ``study_id``,
        ``vendor``, ``usubjid_template``, ``bestresp``, ...), scoring options (design.md §1,
        §7.4) and review options (central-review.md §5); ``sources`` names the records in
        problem lines (default ``records[i]``).

    Returns
    -------
    dict
        ``{"TU": [row, ...], "TR": [...], "RS": [...]}``; each row maps every column of its file
        to its value (None = null), in file order.

    Raises
    ------
    SdtmExportError
        Naming every record, field and fix that stops the export.
    """
    export = build_sdtm(records, adjudications, **options)
    return {code: table.plain_rows() for code, table in export.tables.items()}


def export_sdtm(
    records: Sequence[Mapping[str, Any]],
    adjudications: Iterable[Mapping[str, Any]],
    out_dir: str | os.PathLike[str],
    *,
    formats: str | Iterable[str] = ("xpt", "csv"),
    **options: Any,
) -> dict[str, Any]:
    """Write ``tu``, ``tr``, ``rs`` (and ``relrec``) into ``out_dir`` in each format.

    Parameters
    ----------
    formats : str or iterable of str
        Any of ``xpt`` (SAS XPORT v5), ``csv``, ``json`` (Dataset-JSON v1.1); ``"xpt,csv"``
        is accepted too.
    **options
        As :func:`sdtm_tables`.

    Returns
    -------
    dict
        ``{"files": [path, ...], "rows": {"TU": n, "TR": n, "RS": n}, "warnings": [line, ...]}``.

    Raises
    ------
    SdtmExportError
        Nothing is written then.
    """
    chosen = tuple_of_names(formats)
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise ValueError(f"formats: {', '.join(unknown) or 'none'}; choose from xpt, csv, json")
    export = build_sdtm(records, adjudications, **options)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    study_ids = export.study_ids
    files: list[str] = []
    for code, table in export.tables.items():
        stem = out / code.lower()
        for kind in FORMATS:
            if kind not in chosen:
                continue
            path = stem.with_suffix(f".{kind}")
            if kind == "xpt":
                write_xpt(path, table.domain, table.columns, table.data)
            elif kind == "csv":
                write_csv(path, table.columns, table.data)
            else:
                write_dataset_json(
                    path,
                    table.domain,
                    table.columns,
                    table.data,
                    study_id=study_ids[0] if len(study_ids) == 1 else None,
                )
            files.append(str(path))
    return {
        "files": files,
        "rows": {code: len(export.tables[code].rows) for code in DATA_DOMAINS},
        "warnings": [warning.describe() for warning in export.warnings],
    }


def export_sdtm_files(
    paths: Iterable[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    formats: str | Iterable[str] = ("xpt", "csv"),
    **options: Any,
) -> dict[str, Any]:
    """:func:`export_sdtm` of the reads and adjudication records in files and folders.

    The summary also counts the ``reads`` and ``adjudications`` read. Raises
    :class:`SdtmExportError` naming every unreadable file, as for invalid records.
    """
    inputs = read_inputs(paths)
    if inputs.problems:
        raise SdtmExportError(inputs.problems)
    summary = export_sdtm(
        inputs.records,
        inputs.adjudications,
        out_dir,
        formats=formats,
        sources=inputs.sources,
        **options,
    )
    summary["reads"] = len(inputs.records)
    summary["adjudications"] = len(inputs.adjudications)
    return summary


def _check_scoring_options(scoring: Mapping[str, Any]) -> None:
    """Refuse invalid scoring options once, not once per record."""
    from recist_reader.core.options import validate_option_overrides
    from recist_reader.errors import RecordError

    try:
        validate_option_overrides(scoring, path_prefix="options")
    except RecordError as error:
        raise SdtmExportError(
            [SdtmProblem("", problem.path, problem.message) for problem in error.problems]
        ) from None


def _table(domain: Domain, rows: list[Row]) -> Table:
    """Rows sorted by subject and --SEQ order, numbered; the columns they need."""
    rows.sort(key=lambda row: (row["USUBJID"], row["_order"]))
    seq = f"{domain.code}SEQ"
    subject = None
    number = 0
    for row in rows:
        if row["USUBJID"] != subject:
            subject, number = row["USUBJID"], 0
        number += 1
        row[seq] = number
    keys: set[str] = set().union(*rows) if rows else set()
    columns = [
        variable
        for variable in domain.variables
        if variable.always
        or (variable.name in keys and any(row.get(variable.name) is not None for row in rows))
    ]
    return Table(domain, columns, rows)


def _with_adjudicator_rows(rs_rows: list[Row]) -> list[Row]:
    """``--adjudicator-rows``: the accepted read's RS rows once more as ADJUDICATOR 1 with
    RSACPTFL = Y; the readers' RS rows then carry no RSACPTFL (sdtm.md §6)."""
    added: list[Row] = []
    for row in rs_rows:
        if row.get("RSACPTFL") != YES:
            continue
        row["RSACPTFL"] = None
        copy = dict(row)
        visitnum, _, rank, index = row["_order"]
        copy.update(
            RSEVALID=ADJUDICATOR_ID,
            RSACPTFL=YES,
            _order=(visitnum, ADJUDICATOR_ORDER, rank, index),
        )
        added.append(copy)
    return rs_rows + added


def _relrec(tables: dict[str, Table]) -> Table:
    """Dataset-level RELREC: TU.TULNKID ONE ↔ TR.TRLNKID MANY; TR.TRLNKGRP MANY ↔
    RS.RSLNKGRP ONE (one row per study)."""
    rows: list[Row] = []
    for study_id in sorted({row["STUDYID"] for row in tables["TU"].rows}):
        for rdomain, idvar, reltype, relid in (
            ("TU", "TULNKID", "ONE", "TUTR"),
            ("TR", "TRLNKID", "MANY", "TUTR"),
            ("TR", "TRLNKGRP", "MANY", "TRRS"),
            ("RS", "RSLNKGRP", "ONE", "TRRS"),
        ):
            rows.append(
                {
                    "STUDYID": study_id,
                    "RDOMAIN": rdomain,
                    "USUBJID": None,
                    "IDVAR": idvar,
                    "IDVARVAL": None,
                    "RELTYPE": reltype,
                    "RELID": relid,
                    "_where": ("RELREC", relid),
                }
            )
    return Table(RELREC, list(RELREC.variables), rows)


__all__ = [
    "SdtmExport",
    "SdtmExportError",
    "build_sdtm",
    "export_sdtm",
    "export_sdtm_files",
    "sdtm_tables",
]
