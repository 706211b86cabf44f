"""`Registration.to_json` / `from_json`, and the record's optional ``registration`` field
(design.md §11 and §1)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recist_reader import Registration, RegistrationError, score_record
from recist_reader.core.record_builder import RecordBuilder


def registration(**changes) -> Registration:
    matrix = np.eye(4)
    matrix[:3, :3] = [[0.998, -0.052, 0.0], [0.052, 0.998, 0.0], [0.0, 0.0, 1.01]]
    matrix[:3, 3] = [4.5, -7.25, -36.0]
    values = dict(
        matrix=matrix,
        method="affine",
        plausible=True,
        seconds=3.25,
        baseline_series_uid="1.2.3",
        follow_up_series_uid="1.2.4",
        checks={"body_dice": 0.98},
        software="SimpleITK 2.5.7",
    )
    return Registration(**(values | changes))


def test_json_round_trip_keeps_every_field():
    reg = registration()
    stored = json.loads(json.dumps(reg.to_json()))
    again = Registration.from_json(stored)
    np.testing.assert_array_equal(again.matrix, reg.matrix)
    assert again.to_json() == reg.to_json()
    assert stored["to_follow_up_lps"][3] == [0.0, 0.0, 0.0, 1.0]
    assert stored["baseline_series_uid"] == "1.2.3"


def test_mapping_is_the_matrix():
    reg = registration()
    point = np.array([10.0, 20.0, 30.0])
    np.testing.assert_allclose(
        reg.to_follow_up(point), reg.matrix[:3, :3] @ point + reg.matrix[:3, 3]
    )
    np.testing.assert_allclose(reg.to_follow_up(np.zeros((0, 3))), np.zeros((0, 3)))
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        reg.to_follow_up(np.zeros((2, 2)))


well_conditioned = st.tuples(
    st.lists(st.floats(-0.2, 0.2), min_size=9, max_size=9),
    st.lists(st.floats(-300, 300), min_size=3, max_size=3),
)


@given(well_conditioned, st.lists(st.floats(-400, 400), min_size=3, max_size=3))
@settings(max_examples=50, deadline=None)
def test_to_baseline_inverts_to_follow_up(params, point):
    perturbation, translation = params
    matrix = np.eye(4)
    matrix[:3, :3] += np.reshape(perturbation, (3, 3))
    matrix[:3, 3] = translation
    reg = registration(matrix=matrix)
    np.testing.assert_allclose(reg.to_baseline(reg.to_follow_up(point)), point, atol=1e-6)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda o: o.pop("method"), "registration.method is missing"),
        (lambda o: o.update(method="bspline"), "method must be one of"),
        (lambda o: o.update(to_follow_up_lps=[[1, 0, 0], [0, 1, 0], [0, 0, 1]]), "4 x 4"),
        (lambda o: o["to_follow_up_lps"][3].__setitem__(0, 1.0), "last row"),
        (lambda o: o.update(to_follow_up_lps=np.zeros((4, 4)).tolist()), "last row"),
        (lambda o: o.update(to_follow_up_lps=[[0.0] * 4] * 3 + [[0, 0, 0, 1.0]]), "not invertible"),
        (lambda o: o["to_follow_up_lps"][0].__setitem__(0, "x"), "4 x 4 array of numbers"),
        (lambda o: o["to_follow_up_lps"][0].__setitem__(0, float("nan")), "finite"),
        (lambda o: o.update(plausible="yes"), "plausible must be true or false"),
        (lambda o: o.update(seconds=-1), "seconds"),
        (lambda o: o.update(checks={"x": "high"}), "checks"),
        (lambda o: o.update(colour="red"), "unknown field"),
        (lambda o: o.update(reason=3), "reason must be a string"),
    ],
)
def test_from_json_names_what_is_wrong(change, message):
    obj = copy.deepcopy(registration().to_json())
    change(obj)
    with pytest.raises(RegistrationError, match=message):
        Registration.from_json(obj)


def test_from_json_needs_an_object():
    with pytest.raises(RegistrationError, match="JSON object"):
        Registration.from_json([1, 2])


def test_record_keeps_a_registration_and_scoring_ignores_it():
    builder = RecordBuilder("P1")
    builder.target("T1", organ="liver", baseline_mm=42.0)
    builder.visit(day=56, T1=30.0)
    record = builder.to_dict()
    with_registration = copy.deepcopy(record)
    with_registration["visits"][1]["registration"] = registration().to_json()
    assert score_record(with_registration) == score_record(record)


def test_record_rejects_a_malformed_registration():
    builder = RecordBuilder("P1")
    builder.target("T1", organ="liver", baseline_mm=42.0)
    builder.visit(day=56, T1=30.0)
    record = builder.to_dict()
    bad = registration().to_json()
    bad["to_follow_up_lps"] = bad["to_follow_up_lps"][:3]
    record["visits"][1]["registration"] = bad
    with pytest.raises(ValueError, match="registration"):
        score_record(record)
