"""Field types of the record model: exact millimetres and ISO dates, strict about JSON types."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from recist_reader.core.exact import to_decimal

MAX_DIAMETER_MM = Decimal(1000)
MIN_POSITIVE_DIAMETER_MM = Decimal("1e-100")


# The exact values of the positive float diameters seen so far. A trial repeats few distinct
# values (mostly one decimal, 0–1000 mm), and ``Decimal(repr(value))`` is the costly part of
# reading a diameter. Zero stays out: -0.0 == 0.0, but they are written differently.
_EXACT_MM_BY_FLOAT: dict[float, Decimal] = {}
_EXACT_MM_CACHE_SIZE = 1 << 14  # every 0.1 mm step up to 1 m; under 3 MB


def _millimetres(value: Any) -> Decimal:
    if type(value) is float:  # the common case first: a JSON number with a fraction
        exact = _EXACT_MM_BY_FLOAT.get(value)
        if exact is not None:
            return exact
        if 1e-100 <= value <= 1000:
            exact = Decimal(repr(value))
            if len(_EXACT_MM_BY_FLOAT) >= _EXACT_MM_CACHE_SIZE:
                _EXACT_MM_BY_FLOAT.clear()
            _EXACT_MM_BY_FLOAT[value] = exact
            return exact
        if value == 0:
            return Decimal(repr(value))
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(f"must be a number of millimetres, got {type(value).__name__} {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"must be a finite number, got {value!r}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"must be a finite number, got {value!r}")
    exact = to_decimal(value)
    if exact < 0:
        raise PydanticCustomError(
            "negative_diameter",
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


#: ``YYYY-MM-DD`` in ASCII digits. ``date.fromisoformat`` also takes ``2024-W01-1`` and
#: ``20240101``, which are not the format, so the shape is matched first.
_is_yyyy_mm_dd = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").fullmatch


def iso_date(value: Any) -> dt.date:
    """A calendar date from ``YYYY-MM-DD`` text (or a `datetime.date`); ValueError otherwise."""
    if type(value) is str and _is_yyyy_mm_dd(value):  # the common case first
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"is not a valid calendar date YYYY-MM-DD: {value!r}") from None
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"must be a date string YYYY-MM-DD, got {type(value).__name__} {value!r}")
    raise ValueError(f"must be a date YYYY-MM-DD, got {value!r}")


NonNegativeMillimetres = Annotated[
    Decimal,
    PlainValidator(_millimetres),
    # A JSON number again, as written (float(Decimal("48.7")) prints 48.7), so that a dumped
    # record validates: the strict model refuses a diameter given as a string.
    PlainSerializer(float, return_type=float, when_used="json"),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1000}),
]
"""A length in mm ≥ 0, kept at the exact decimal value it is written with."""


def _positive_millimetres(value: Any) -> Decimal:
    exact = _millimetres(value)
    if not exact:
        raise ValueError("must be > 0 mm")
    return exact


PositiveMillimetres = Annotated[
    Decimal,
    PlainValidator(_positive_millimetres),
    PlainSerializer(float, return_type=float, when_used="json"),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": 1000}),
]
"""A length in mm > 0, kept at the exact decimal value it is written with."""

IsoDate = Annotated[
    dt.date,
    BeforeValidator(iso_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}),
]
"""A calendar date written ``YYYY-MM-DD``."""


#: ``YYYY-MM-DDThh:mm[:ss[.fff]]`` with a ``Z`` or ``±hh:mm`` offset (ISO 8601 / RFC 3339).
_is_date_time = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})"
).fullmatch


def iso_date_time(value: Any) -> str:
    """ISO 8601 date and time text with its UTC offset, kept as written; ValueError otherwise.

    The text is kept (not a `datetime`): audit entries are hashed as written (design.md §9.3).
    """
    if not isinstance(value, str):
        raise ValueError(
            f"must be an ISO 8601 date-time string, got {type(value).__name__} {value!r}"
        )
    if not _is_date_time(value):
        raise ValueError(
            f"must be an ISO 8601 date and time with its offset, e.g. 2024-03-08T14:02:11Z; "
            f"got {value!r}"
        )
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"is not a valid date and time: {value!r}") from None
    return value


IsoDateTime = Annotated[
    str,
    PlainValidator(iso_date_time),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$",
        }
    ),
]
"""A date and time with its UTC offset, ``2024-03-08T14:02:11Z``, kept as written."""


def finite_number(value: Any) -> int | float:
    """A JSON number (int or finite float), kept as given; ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number, got {type(value).__name__} {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"must be a finite number, got {value!r}")
    return value


FiniteNumber = Annotated[
    int | float, PlainValidator(finite_number), WithJsonSchema({"type": "number"})
]
"""A finite JSON number, an int staying an int (``VISITNUM`` 2, 3.1)."""
