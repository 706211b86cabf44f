"""Writing review documents without ever replacing one (design.md §9.6)."""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def default_adjudication_path(folder: str | os.PathLike[str], patient_id: str) -> Path:
    """``adjudication-<patient_id>.json`` in ``folder``, or ``-2``, ``-3``… when taken: a
    second decision is a new file, never a replacement."""
    safe = re.sub(r'[/\\:*?"<>|\x00-\x1f]', "_", patient_id).strip(". ") or "patient"
    folder = Path(folder)
    path = folder / f"adjudication-{safe}.json"
    number = 2
    while path.exists():
        path = folder / f"adjudication-{safe}-{number}.json"
        number += 1
    return path


def write_new_json(path: str | os.PathLike[str], document: Mapping[str, Any]) -> Path:
    """Write ``document`` as JSON to ``path``, which must not exist.

    The text goes to a temporary file (flushed to disk) that is then hard-linked to ``path``:
    the link fails if ``path`` appeared meanwhile, so no file is ever replaced.

    Raises
    ------
    FileExistsError
        ``path`` exists.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise FileExistsError(str(target))
    temporary = target.parent / f".{target.name}.{secrets.token_hex(8)}.tmp"
    # Created as open() creates files (0o666 less the umask): a record is shared.
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.link(temporary, target)
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: exclusive creation instead
            with open(target, "x", encoding="utf-8") as stream:
                stream.write(Path(temporary).read_text(encoding="utf-8"))
                stream.flush()
                os.fsync(stream.fileno())
    finally:
        Path(temporary).unlink(missing_ok=True)
    return target
