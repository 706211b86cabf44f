"""Response criteria sets by their ``criteria`` name in the record."""

from __future__ import annotations

from recist_reader.core.criteria.base import Criteria
from recist_reader.core.criteria.recist11 import Recist11

CRITERIA: dict[str, type[Criteria]] = {Recist11.name: Recist11}

__all__ = ["CRITERIA", "Criteria", "Recist11"]
