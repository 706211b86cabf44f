"""Canonical JSON and the SHA-256 references of the audit chain and the read hash (design.md §9.3–§9.4).

``canonical(x)`` is the one serialisation every hash is taken over; a reference is
``"sha256:"`` followed by 64 lowercase hexadecimal digits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

SHA256_PREFIX = "sha256:"


def canonical(value: Any) -> bytes:
    """The canonical JSON of ``value``: sorted keys, no spaces, UTF-8 (design.md §9.3)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def sha256_reference(data: bytes) -> str:
    """``"sha256:<64 hex digits>"`` of ``data``."""
    return SHA256_PREFIX + hashlib.sha256(data).hexdigest()


def first_entry_prev(read_id: str) -> str:
    """The ``prev`` of a read's first audit entry: the hash of its ``read_id`` as UTF-8."""
    return sha256_reference(read_id.encode("utf-8"))


def entry_hash(entry: Mapping[str, Any]) -> str:
    """The ``prev`` the entry after ``entry`` carries: the hash of ``entry`` whole, its own
    ``prev`` included."""
    return sha256_reference(canonical(entry))


def read_hash(record: Mapping[str, Any]) -> str:
    """The content hash of a read: its canonical JSON without the top-level ``audit`` (§9.4).

    Parameters
    ----------
    record : Mapping
        The read record as loaded from JSON.

    Returns
    -------
    str
        ``"sha256:…"``; an adjudication's ``read_hashes`` hold it, so that a later change to the
        read makes the adjudication stale (CRV8).

    Examples
    --------
    >>> read_hash({"patient_id": "P1", "audit": []}) == read_hash({"patient_id": "P1"})
    True
    """
    if not isinstance(record, Mapping):
        raise TypeError(f"a read is a JSON object, got {type(record).__name__}")
    return sha256_reference(canonical({k: v for k, v in record.items() if k != "audit"}))
