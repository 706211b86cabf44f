"""Any record, however broken, gets a response or a RecordError: never another exception.

Generated records (``test_properties.records``) are mutated at random places: values
replaced by JSON values of every kind, keys removed or added, options set to anything.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recist_reader import RecordError, score_record
from recist_reader.cli import main

from .test_properties import records

json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**30), 10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([0, -0.0, 1e-320, 5e-101, 999.99, 1000.0, 1000.01, 4.9, 10, 15]),
        st.text(max_size=12),
        st.sampled_from(["2024-02-30", "2024-W10-3", "20240110", "T0", "NT0", "present"]),
    ),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
option_values = st.dictionaries(
    st.sampled_from(
        [
            "confirm_min_days",
            "sd_min_days",
            "too_small_mm",
            "max_ne_between_confirmations",
            "continuing_pr",
            "validate_baseline",
            "pct_decimals",
            "cr_precedence_over_arithmetic_pd",
            "no_such_option",
        ]
    ),
    json_values,
    max_size=2,
)


def _places(value: Any, path: tuple = ()) -> list[tuple]:
    """Every path to a value inside ``value`` (dict keys and list indices)."""
    places = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            places += _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            places += _places(item, (*path, index))
    return places


#: Fields set to one value across a visit or the whole record: coherent edge cases (every
#: target 0 mm at baseline, every lesion nodal, ...) that single changes rarely reach.
SWEPT_FIELDS = {
    "diameter_mm": st.sampled_from([0, 0.0, 1e-100, 3, 4.9, 5, 9.9, 10, 1000, None]),
    "status": st.sampled_from(["absent", "too_small", "present", "not_evaluated", None]),
    "nodal": st.booleans(),
    "equivocal": st.booleans(),
    "kind": st.sampled_from(["target", "non-target"]),
    "method": st.sampled_from(["CT", "MRI", "caliper", "CXR"]),
    "slice_thickness_mm": st.sampled_from([0.5, 5, 7.5, 50]),
    "date": st.sampled_from(["2024-01-01", "2023-12-31", "2024-02-29"]),
}


def _sweep(value: Any, key: str, new: Any) -> None:
    if isinstance(value, dict):
        if key in value:
            value[key] = new
        for item in value.values():
            _sweep(item, key, new)
    elif isinstance(value, list):
        for item in value:
            _sweep(item, key, new)


def _mutate(record: dict, data: st.DataObject) -> dict:
    record = copy.deepcopy(record)
    for _ in range(data.draw(st.integers(0, 2))):
        key = data.draw(st.sampled_from(sorted(SWEPT_FIELDS)))
        scope = data.draw(st.sampled_from([record, *record.get("visits", [])]))
        _sweep(scope, key, data.draw(SWEPT_FIELDS[key]))
    for _ in range(data.draw(st.integers(0, 3))):
        places = [p for p in _places(record) if p]
        if not places:
            break
        path = data.draw(st.sampled_from(places))
        parent = record
        for key in path[:-1]:
            parent = parent[key]
        action = data.draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "replace":
            parent[path[-1]] = data.draw(json_values)
        elif action == "remove":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[data.draw(st.text(max_size=8))] = data.draw(json_values)
        else:
            parent.append(data.draw(json_values))
    return record


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records(), st.data(), option_values, st.booleans())
def test_a_mutated_record_is_scored_or_refused_with_a_record_error(record, data, options, lax):
    mutated = _mutate(record, data)
    if lax:
        options = {**options, "validate_baseline": False}
    try:
        response = score_record(mutated, **options)
    except RecordError as error:
        assert error.problems and all(problem.message for problem in error.problems)
        return
    json.dumps(response, allow_nan=False)  # the response is valid JSON


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(records(), st.data())
def test_the_command_line_never_shows_a_traceback_for_a_broken_record(
    tmp_path_factory, capsys, record, data
):
    path = tmp_path_factory.mktemp("broken") / "record.json"
    path.write_text(json.dumps(_mutate(record, data)), encoding="utf-8")
    status = main(["score", str(path)])
    captured = capsys.readouterr()
    assert status in (0, 1, 2), captured.err
    assert "Traceback" not in captured.err
    if status:
        assert str(path) in captured.err
