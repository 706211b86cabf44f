"""Fixtures of the central-review tests; the builders live in review_builders.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from review_builders import e1_reads  # noqa: E402


@pytest.fixture
def e1():
    """Patient P-017 of central-review.md E1: (R1 read, R2 read)."""
    return e1_reads()
