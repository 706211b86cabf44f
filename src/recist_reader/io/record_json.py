"""Patient record and response JSON files: reading with clear errors, atomic writing."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from recist_reader.core.record import PatientRecord
from recist_reader.core.validation import parse_record_json
from recist_reader.errors import RecordError, RecordProblem

RESPONSE_SUFFIX = ".response.json"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Files are written as open() would write them: read-write for all, less the umask.
_FILE_MODE = 0o666 & ~_umask()


def read_record_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a record file, without a UTF-8 byte-order mark.

    Raises
    ------
    RecordError
        Naming the file when it is missing, unreadable or empty.
    """
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise RecordError(
            [RecordProblem("", "file not found", "file_not_found")], source=source
        ) from None
    except IsADirectoryError:
        raise RecordError(
            [RecordProblem("", "is a folder, not a record file", "unreadable_file")], source=source
        ) from None
    except OSError as error:
        raise RecordError(
            [RecordProblem("", f"cannot read the file: {error.strerror}", "unreadable_file")],
            source=source,
        ) from None
    if not raw.strip():
        raise RecordError(
            [
                RecordProblem(
                    "", "the file is empty: a patient record is a JSON object", "empty_file"
                )
            ],
            source=source,
        )
    return raw.removeprefix(b"\xef\xbb\xbf")


def not_json_problem(raw: bytes, detail: str) -> RecordProblem:
    """The problem for bytes that are not JSON, saying why (encoding, or where parsing failed)."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return RecordProblem(
            "", f"not UTF-8 text (byte {error.start}): save the record as UTF-8 JSON", "not_json"
        )
    return RecordProblem("", f"not valid JSON: {detail}", "not_json")


def read_record_file(path: str | os.PathLike[str]) -> Any:
    """The JSON document in ``path``.

    Raises
    ------
    RecordError
        Naming the file when it is missing, unreadable, empty or not JSON.
    """
    raw = read_record_bytes(path)
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        detail = (
            f"{error.msg} at line {error.lineno} column {error.colno}"
            if isinstance(error, json.JSONDecodeError)
            else str(error)
        )
        raise RecordError([not_json_problem(raw, detail)], source=str(path)) from None


def read_record(path: str | os.PathLike[str]) -> PatientRecord:
    """Read and validate the record file ``path`` (JSON parsed and validated in one pass).

    Raises
    ------
    RecordError
        With every problem, each naming the file and the JSON path of the field.
    """
    raw = read_record_bytes(path)
    try:
        return parse_record_json(raw)
    except RecordError as error:
        problems = [
            not_json_problem(raw, p.message.removeprefix("Invalid JSON: "))
            if p.code == "json_invalid"
            else p
            for p in error.problems
        ]
        raise RecordError(problems, source=str(path)) from None


def dumps_readable(
    document: Mapping[str, Any], *, expand: tuple[str, ...] = ("visits", "lesions")
) -> str:
    """JSON with one line per top-level key and per item of the ``expand`` lists.

    As readable as ``indent=2`` for a response or a record, and several times faster: every
    line is written by the C encoder (``indent`` forces the pure-Python one).
    """
    lines = []
    for key, value in document.items():
        name = json.dumps(key)
        if key in expand and isinstance(value, list) and value:
            items = ",\n".join(f"    {json.dumps(item, ensure_ascii=False)}" for item in value)
            lines.append(f"  {name}: [\n{items}\n  ]")
        else:
            lines.append(f"  {name}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def write_json_atomic(
    path: str | os.PathLike[str], document: Mapping[str, Any], *, durable: bool = True
) -> Path:
    """Write ``document`` as JSON (one line per key and per visit) to ``path`` atomically;
    see :func:`write_text_atomic`."""
    return write_text_atomic(path, dumps_readable(document), durable=durable)


def write_text_atomic(path: str | os.PathLike[str], text: str, *, durable: bool = True) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename, so a crash never
    leaves a half-written file.

    Parameters
    ----------
    durable : bool
        Flush the data to disk (fsync) before the rename: for records the user saved. Outputs
        that can be regenerated (responses) may skip it.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.chmod(temporary, _FILE_MODE)  # mkstemp makes it owner-only; a record is shared
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def record_files(path: str | os.PathLike[str]) -> list[Path]:
    """Record files named by ``path``: the file itself, or the ``*.json`` files of a folder
    (response files ``*.response.json`` and hidden files excluded), sorted by name."""
    folder = Path(path)
    if not folder.is_dir():
        return [folder]
    return sorted(
        item
        for item in folder.iterdir()
        if item.suffix.lower() == ".json"
        and not item.name.endswith(RESPONSE_SUFFIX)
        and not item.name.startswith(".")
        and item.is_file()
    )
