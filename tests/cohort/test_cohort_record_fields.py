"""The optional record fields ``death_date`` and ``last_known_alive_date``: validated, and
ignored by per-patient scoring."""

from __future__ import annotations

import pytest

from recist_reader import score_record
from recist_reader.core.record_builder import RecordBuilder
from recist_reader.core.validation import parse_record
from recist_reader.errors import RecordError


def record(**fields):
    builder = RecordBuilder("P1", baseline_date="2024-01-10")
    builder.target("T1", organ="liver", baseline_mm=50.0)
    builder.visit(day=42, T1=30.0).visit(day=84, T1=29.0)
    return {**builder.to_dict(), **fields}


def test_fields_are_optional_and_do_not_change_the_response():
    plain = score_record(record())
    with_dates = score_record(record(death_date="2024-09-01", last_known_alive_date="2024-08-01"))
    assert with_dates == plain
    parsed = parse_record(record(death_date="2024-09-01"))
    assert parsed.death_date.isoformat() == "2024-09-01"
    assert parsed.last_known_alive_date is None


@pytest.mark.parametrize(
    ("fields", "path", "code"),
    [
        ({"death_date": "2024-01-09"}, "death_date", "death_before_baseline"),
        (
            {"last_known_alive_date": "2023-12-31"},
            "last_known_alive_date",
            "alive_date_before_baseline",
        ),
        (
            {"death_date": "2024-05-01", "last_known_alive_date": "2024-05-02"},
            "last_known_alive_date",
            "alive_after_death",
        ),
        ({"death_date": "2024-03-01"}, "visits[2].date", "visit_after_death"),
        (
            {"last_known_alive_date": "2024-03-01"},
            "last_known_alive_date",
            "alive_date_before_visit",
        ),
        ({"death_date": "2024-02-30"}, "death_date", "value_error"),
        ({"death_date": 20240301}, "death_date", "value_error"),
    ],
)
def test_inconsistent_dates_are_errors_naming_the_field(fields, path, code):
    with pytest.raises(RecordError) as caught:
        parse_record(record(**fields))
    assert (path, code) in [(p.path, p.code) for p in caught.value.problems]


def test_death_on_the_last_visit_day_is_valid():
    parse_record(record(death_date="2024-04-03", last_known_alive_date="2024-04-03"))
