"""The checks the tables pass before anything is written (sdtm.md §9, items 2–5).

Each failed check is a problem naming the record and the field it comes from; values that are
legal but unwise in a submission (non-ASCII text) are warnings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from recist_reader.interop.sdtm.location import ANATOMICAL_LOCATION_SET
from recist_reader.interop.sdtm.options import SdtmOptions
from recist_reader.interop.sdtm.problems import Problems
from recist_reader.interop.sdtm.terminology import (
    EVALUATORS,
    LATERALITIES,
    MEDICAL_EVALUATORS,
    METHODS,
    NOT_DONE,
    RS_CATEGORY,
    RS_RESULTS_BY_TEST,
    RS_TESTS,
    TOO_SMALL_TO_MEASURE,
    TR_TESTS,
    TR_UNITS,
    TU_RESULTS,
    TU_TESTS,
    TUMOR_STATES,
    YES,
)
from recist_reader.interop.sdtm.variables import Domain, Variable

NAME = re.compile(r"^[A-Z][A-Z0-9]{0,7}$")
#: ISO 8601 extended date or date-time (YYYY, YYYY-MM, YYYY-MM-DD, then optional time).
ISO_8601 = re.compile(
    r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])"
    r"(T([01]\d|2[0-3])(:[0-5]\d(:[0-5]\d(\.\d+)?)?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?)?)?)?$"
)
MAX_CHAR_BYTES = 200
MAX_LABEL = 40

Row = dict[str, Any]


def check_metadata(domain: Domain, columns: Sequence[Variable], problems: Problems) -> None:
    """Names, labels and types of the columns a file will hold (§9 item 2, 3)."""
    where = f"{domain.code} metadata"
    if not NAME.match(domain.code) or len(domain.label) > MAX_LABEL or not domain.label.isascii():
        problems.add(where, domain.code, f"invalid member name or dataset label {domain.label!r}")
    seen: set[str] = set()
    for column in columns:
        if not NAME.match(column.name) or column.name in seen:
            problems.add(
                where,
                column.name,
                "variable name must be unique, ≤ 8 upper-case letters and digits, letter first",
            )
        seen.add(column.name)
        if len(column.label) > MAX_LABEL or not column.label.isascii():
            problems.add(
                where, column.name, f"label {column.label!r} is over 40 characters or not ASCII"
            )
    missing = [v.name for v in domain.variables if v.always and v.name not in seen]
    if missing:
        problems.add(where, ", ".join(missing), "required variables missing")


def check_rows(
    domain: Domain,
    columns: Sequence[Variable],
    rows: Sequence[Row],
    data: Mapping[str, Sequence[Any]],
    options: SdtmOptions,
    problems: Problems,
) -> None:
    """Every row: required values, types, lengths, dates, terms (§9 items 2–4); --SEQ unique
    per subject (item 3). Values are checked once per distinct value of a column."""
    code = domain.code
    for column in columns:
        values = data[column.name]
        distinct = set(values)
        if None in distinct:
            distinct.discard(None)
            if column.core == "Req":
                source, path = rows[values.index(None)]["_where"]
                problems.add(source, path, f"{column.name} is required and has no value")
        for value in distinct:
            message, refuse = _value_problem(column, value)
            if message is None:
                continue
            source, path = rows[values.index(value)]["_where"]
            (problems.add if refuse else problems.warn)(source, path, message)
    dtc = f"{code}DTC"
    for value in set(data.get(dtc, ())) - {None}:
        if not ISO_8601.match(value):
            source, path = next(r["_where"] for r in rows if r.get(dtc) == value)
            problems.add(source, path, f"{dtc} {value!r} is not an ISO 8601 date")
    seq = f"{code}SEQ"
    sequences: set[tuple[Any, Any]] = set()
    term_check = _TERM_CHECKS.get(code)
    for row in rows:
        key = (row.get("USUBJID"), row.get(seq))
        if key in sequences or row.get("DOMAIN") != code:
            source, path = row["_where"]
            problems.add(
                source,
                path,
                f"{seq} {key[1]} is not unique for {key[0]}, or DOMAIN "
                f"{row.get('DOMAIN')!r} is not {code!r}",
            )
        sequences.add(key)
        if term_check is not None:
            for message in term_check(row, options):
                source, path = row["_where"]
                problems.add(source, path, message)


def _value_problem(column: Variable, value: Any) -> tuple[str | None, bool]:
    """What is wrong with one non-null value of a column, and whether it refuses the export
    (else it is a warning)."""
    if column.type == "Num":
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            return f"{column.name} = {value!r} is not a number", True
        return None, False
    if not isinstance(value, str) or value == "":
        return f"{column.name} = {value!r} is not text", True
    size = len(value.encode("utf-8"))
    if size > MAX_CHAR_BYTES:
        return (
            f"{column.name} would be {size} bytes ({value[:40]!r}…); SAS v5 transport holds at "
            "most 200: shorten the text it comes from",
            True,
        )
    if not value.isascii():
        return (
            f"{column.name} = {value!r} is not ASCII; submission datasets should hold ASCII "
            "text only",
            False,
        )
    return None, False


def check_links(tu_rows: Sequence[Row], tr_rows: Sequence[Row], problems: Problems) -> None:
    """TULNKID unique per subject and evaluator; every TR link id has its TU row; lesion-level
    TR rows always have a link id (§9 item 5)."""
    identified: set[tuple[Any, ...]] = set()
    for row in tu_rows:
        key = (row["USUBJID"], row["TUEVAL"], row.get("TUEVALID"), row["TULNKID"])
        if key in identified:
            source, path = row["_where"]
            problems.add(
                source,
                path,
                f"TULNKID {row['TULNKID']!r} is not unique for {row['USUBJID']} and its evaluator",
            )
        identified.add(key)
    for row in tr_rows:
        link = row.get("TRLNKID")
        source, path = row["_where"]
        if link is None:
            if row["TRTESTCD"] not in _DERIVED_TESTS:
                problems.add(source, path, f"{row['TRTESTCD']} row without TRLNKID")
            continue
        if (row["USUBJID"], row["TREVAL"], row.get("TREVALID"), link) not in identified:
            problems.add(source, path, f"TRLNKID {link!r} has no TU row for {row['USUBJID']}")


_DERIVED_TESTS = frozenset({"SUMDIAM", "SUMNLNLD", "PCBSD", "PCNSD", "ACNSD"})


def _common_terms(row: Row, code: str) -> list[str]:
    messages = []
    if row.get(f"{code}EVAL") not in EVALUATORS:
        messages.append(f"{code}EVAL {row.get(f'{code}EVAL')!r} is not a C78735 term")
    evaluator_id = row.get(f"{code}EVALID")
    if evaluator_id is not None and evaluator_id not in MEDICAL_EVALUATORS:
        messages.append(f"{code}EVALID {evaluator_id!r} is not a C96777 term")
    for flag in (f"{code}ACPTFL", f"{code}LOBXFL"):
        if row.get(flag) not in (None, YES):
            messages.append(f"{flag} must be Y or null")
    return messages


def _tu_terms(row: Row, options: SdtmOptions) -> list[str]:
    messages = _common_terms(row, "TU")
    if TU_TESTS.get(row["TUTESTCD"]) != row["TUTEST"]:
        messages.append(f"TUTESTCD/TUTEST {row['TUTESTCD']}/{row['TUTEST']} is no C96784 pair")
    if row["TUORRES"] not in TU_RESULTS.values() or row["TUSTRESC"] != row["TUORRES"]:
        messages.append(f"TUORRES/TUSTRESC {row['TUORRES']}/{row['TUSTRESC']} not in C123650")
    if not options.allow_free_text_location and row["TULOC"] not in ANATOMICAL_LOCATION_SET:
        messages.append(f"TULOC {row['TULOC']!r} is not a C74456 term")
    if row.get("TULAT") not in (None, *LATERALITIES):
        messages.append(f"TULAT {row['TULAT']!r} is not a C99073 term")
    if row["TUMETHOD"] not in METHODS:
        messages.append(f"TUMETHOD {row['TUMETHOD']!r} is not a C85492 term")
    return messages


def _tr_terms(row: Row, options: SdtmOptions) -> list[str]:
    messages = _common_terms(row, "TR")
    testcd = row["TRTESTCD"]
    if TR_TESTS.get(testcd) != row["TRTEST"]:
        messages.append(f"TRTESTCD/TRTEST {testcd}/{row['TRTEST']} is no C96779 pair")
    result = row.get("TRORRES")
    if result is None:
        if row.get("TRSTAT") != NOT_DONE:
            messages.append("a row without a result needs TRSTAT NOT DONE")
    elif row.get("TRSTAT") is not None:
        messages.append("TRSTAT NOT DONE on a row with a result")
    elif testcd == "TUMSTATE":
        if result not in TUMOR_STATES or row.get("TRSTRESC") != result:
            messages.append(f"TUMSTATE result {result!r} is not a C124309 term")
    else:
        unit = TR_UNITS[testcd]
        if row.get("TRORRESU") != unit or row.get("TRSTRESU") != unit:
            messages.append(f"{testcd} units must be {unit!r}")
        if row.get("TRSTRESN") is None or (
            result != TOO_SMALL_TO_MEASURE and result != row.get("TRSTRESC")
        ):
            messages.append(f"{testcd} result {result!r} is not numeric as written")
    if row.get("TRMETHOD") not in (None, *METHODS):
        messages.append(f"TRMETHOD {row['TRMETHOD']!r} is not a C85492 term")
    return messages


def _rs_terms(row: Row, options: SdtmOptions) -> list[str]:
    messages = _common_terms(row, "RS")
    testcd = row["RSTESTCD"]
    if RS_TESTS.get(testcd) != row["RSTEST"]:
        messages.append(f"RSTESTCD/RSTEST {testcd}/{row['RSTEST']} is no C96782 pair")
    if row["RSCAT"] != RS_CATEGORY:
        messages.append(f"RSCAT {row['RSCAT']!r} is not {RS_CATEGORY!r}")
    if row["RSSTRESC"] not in RS_RESULTS_BY_TEST.get(testcd, ()) or (
        row["RSORRES"] != row["RSSTRESC"]
    ):
        messages.append(f"{testcd} result {row['RSSTRESC']!r} is not valid for the test (C96785)")
    return messages


_TERM_CHECKS = {"TU": _tu_terms, "TR": _tr_terms, "RS": _rs_terms}
