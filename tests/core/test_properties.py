"""Invariants of scoring, checked on generated records (hypothesis)."""

from __future__ import annotations

import json
import random
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recist_reader import score_record
from recist_reader.cli import main
from recist_reader.core.labels import Response
from recist_reader.core.record_builder import RecordBuilder

TARGET_RANK = {"CR": 4, "PR": 3, "SD": 2, "NE": 1, "PD": 0}

diameters = st.decimals(min_value=0, max_value=150, places=1).map(float)
target_value = st.one_of(diameters, st.sampled_from(["too_small", "absent", "not_evaluated", None]))
non_target_status = st.sampled_from(
    ["absent", "present", "unequivocal_progression", "not_evaluated", None]
)


@st.composite
def records(draw):
    n_targets = draw(st.integers(0, 5))
    n_non_targets = draw(st.integers(0 if n_targets else 1, 3))
    builder = RecordBuilder("H", config={"sd_min_days": draw(st.sampled_from([42, 56]))})
    organs = ["liver", "lung", "bone", "adrenal", "spleen"]
    for index in range(n_targets):
        nodal = index < 2 and draw(st.booleans())  # all nodes are one organ: at most 2
        baseline = draw(st.decimals(min_value=15, max_value=120, places=1).map(float))
        builder.target(f"T{index}", organ=organs[index], nodal=nodal, baseline_mm=baseline)
    for index in range(n_non_targets):
        builder.non_target(f"NT{index}", organ="peritoneum", nodal=draw(st.booleans()))
    days = sorted(draw(st.sets(st.integers(1, 700), min_size=0, max_size=8)))
    locations = ["lung", "brain", "liver segment 2"]
    for day in days:
        values = {f"T{i}": draw(target_value) for i in range(n_targets)}
        values |= {f"NT{i}": draw(non_target_status) for i in range(n_non_targets)}
        new_lesions = draw(
            st.lists(
                st.fixed_dictionaries(
                    {"location": st.sampled_from(locations), "equivocal": st.booleans()}
                ),
                max_size=2,
            )
        )
        builder.visit(day=day, new_lesions=new_lesions, **values)
    return builder.to_dict()


common = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@common
@given(records(), st.randoms(use_true_random=False))
def test_visit_order_in_the_file_never_changes_the_result(record, rnd: random.Random):
    shuffled = dict(record, visits=rnd.sample(record["visits"], len(record["visits"])))
    assert score_record(shuffled) == score_record(record)


@common
@given(records(), st.data())
def test_shrinking_a_target_never_worsens_that_visits_target_response(record, data):
    targets = [lesion["lesion_id"] for lesion in record["lesions"] if lesion["kind"] == "target"]
    follow_ups = record["visits"][1:]
    candidates = [
        (v_index, m_index)
        for v_index, visit in enumerate(follow_ups, start=1)
        for m_index, m in enumerate(visit["measurements"])
        if m["lesion_id"] in targets
        and isinstance(m.get("diameter_mm"), float)
        and m["diameter_mm"] > 0
    ]
    if not candidates:
        return
    v_index, m_index = data.draw(st.sampled_from(candidates))
    original = record["visits"][v_index]["measurements"][m_index]["diameter_mm"]
    smaller = data.draw(
        st.decimals(min_value=0, max_value=Decimal(repr(original)), places=1).map(float)
    )
    shrunk = json.loads(json.dumps(record))
    shrunk["visits"][v_index]["measurements"][m_index]["diameter_mm"] = smaller
    # Only this visit's response is compared; the earlier visits (and so the nadir and the
    # CR state it depends on) are unchanged.
    position = sorted(v["date"] for v in record["visits"][1:]).index(
        record["visits"][v_index]["date"]
    )
    before = score_record(record)["visits"][position]["target"]
    after = score_record(shrunk)["visits"][position]["target"]
    assert TARGET_RANK[after] >= TARGET_RANK[before], (before, after)


@common
@given(records(), st.data())
def test_an_unequivocal_new_lesion_always_gives_pd(record, data):
    if len(record["visits"]) < 2:
        return
    v_index = data.draw(st.integers(1, len(record["visits"]) - 1))
    record["visits"][v_index]["new_lesions"].append({"location": "brain", "equivocal": False})
    response = score_record(record)
    visit = next(
        v for v in response["visits"] if v["visit_id"] == record["visits"][v_index]["visit_id"]
    )
    assert visit["overall"] == Response.PD.value and visit["new_lesions"] is True
    assert response["progression"] is not None
    assert response["progression"]["date"] <= visit["date"]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records())
def test_api_cli_and_json_round_trip_agree(tmp_path, capsys, record):
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record))
    capsys.readouterr()
    assert main(["score", str(path), "--json"]) == 0
    through_cli = json.loads(capsys.readouterr().out)
    through_api = score_record(json.loads(json.dumps(record)))
    assert through_cli == through_api == json.loads(json.dumps(through_api))


@common
@given(records())
def test_response_invariants(record):
    response = score_record(record)
    visits = response["visits"]
    assert [v["date"] for v in visits] == sorted(v["date"] for v in visits)
    for visit in visits:
        assert (visit["sum_mm"] is None) or (visit["partial_sum_mm"] is None)
        if visit["target"] == "NA":
            assert visit["sum_mm"] is None and visit["partial_sum_mm"] is None
    progression = response["progression"]
    assert response["pfs"]["event"] is (progression is not None)
    if progression is not None:
        first_pd = next(v for v in visits if v["overall"] == "PD")
        assert progression["visit_id"] == first_pd["visit_id"]
        assert progression["date"] <= first_pd["date"]
    dor = response["duration_of_response"]
    if dor is not None:
        assert dor["days"] >= 0
        assert response["best_overall_response"]["unconfirmed"] in ("CR", "PR")


@common
@given(records(), st.sampled_from(["0", "3.5", "5"]))
def test_one_pass_target_reading_agrees_with_the_per_rule_methods(record, too_small):
    """read_targets: the values of target_values, their exact sum, and disease shown by a
    target exactly when the visit is not in the CR category (R5.1, R5.8)."""
    from recist_reader.core.criteria.recist11 import Recist11
    from recist_reader.core.exact import exact_sum
    from recist_reader.core.options import ScoringOptions
    from recist_reader.core.validation import parse_record

    parsed = parse_record(record)
    criteria = Recist11()
    options = ScoringOptions(too_small_mm=Decimal(too_small))
    lesions = parsed.target_lesions
    for visit in parsed.visits:
        notes: list[str] = []
        values, total, n_missing, disease = criteria.read_targets(parsed, visit, options, notes)
        assert values == criteria.target_values(parsed, visit, options, [])
        assert total == exact_sum(value for value in values if value is not None)
        assert n_missing == values.count(None)
        assert disease == any(map(criteria.shows_disease, lesions, values))
        assert disease is not criteria.is_cr_category(lesions, values)
