"""Field types of the record model: exact millimetres and ISO dates, strict about JSON types."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from recist_reader.core.exact import to_decimal

MAX_DIAMETER_MM = Decimal(1000)
MIN_POSITIVE_DIAMETER_MM = Decimal("1e-100")


def _millimetres(value: Any) -> Decimal:
    if type(value) is float and 0 <= value <= 1000 and (value == 0 or value >= 1e-100):
        return Decimal(repr(value))  # the common case, checked in one comparison chain
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(f"must be a number of millimetres, got {type(value).__name__} {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"must be a finite number, got {value!r}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"must be a finite number, got {value!r}")
    exact = to_decimal(value)
    if exact < 0:
        raise PydanticCustomError(
            "negative_length",
            "must be ≥ 0 mm, got {value} (use 0 for a lesion that disappeared)",
            {"value": value},
        )
    if exact > MAX_DIAMETER_MM:
        raise ValueError(f"{value!r} mm is longer than 1 m: give the value in millimetres")
    if 0 < exact < MIN_POSITIVE_DIAMETER_MM:
        raise ValueError(
            f"{value!r} mm is not a plausible length (use 0 for a lesion that disappeared)"
        )
    return exact


def _iso_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"must be a date string YYYY-MM-DD, got {type(value).__name__} {value!r}")
    if len(value) != 10:
        raise ValueError(f"must be a date YYYY-MM-DD, got {value!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"is not a valid calendar date YYYY-MM-DD: {value!r}") from None


NonNegativeMillimetres = Annotated[
    Decimal,
    BeforeValidator(_millimetres),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1000}),
]
"""A length in mm ≥ 0, kept at the exact decimal value it is written with."""

IsoDate = Annotated[
    dt.date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}),
]
"""A calendar date written ``YYYY-MM-DD``."""
