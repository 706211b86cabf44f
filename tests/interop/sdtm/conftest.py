"""Fixtures of the SDTM export tests; the builders live in sdtm_builders.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sdtm_builders import generated_study, p017  # noqa: E402


@pytest.fixture
def worked_patient():
    """P-017 of sdtm.md §10: ([R1 read, R2 read], [adjudication selecting R1])."""
    return p017()


@pytest.fixture(scope="session")
def study():
    """A generated study: investigator and central reads, adjudications, every status."""
    return generated_study()
