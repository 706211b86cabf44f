"""Invariants of the review, by hypothesis: tamper evidence, slot symmetry, κ bounds."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from review_builders import e1_reads, locked_read, target_record

from recist_reader import review_reads
from recist_reader.review.agreement import cohen_kappa
from recist_reader.review.audit_trail import chain_problem

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
JSON_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.text(max_size=8),
                        st.floats(allow_nan=False, allow_infinity=False))  # fmt: skip
R1_READ, _ = e1_reads()


@SETTINGS
@given(
    index=st.integers(0, len(R1_READ["audit"]) - 2),
    key=st.sampled_from(["at", "by", "action", "visit_id", "reason", "old", "extra"]),
    value=JSON_VALUES,
)
def test_any_change_to_an_entry_with_a_successor_breaks_the_chain_there(index, key, value):
    audit = copy.deepcopy(R1_READ["audit"])
    if audit[index].get(key, object()) == value:
        return
    audit[index][key] = value
    found = chain_problem("P-017-R1", audit)
    assert found is not None and found.path == f"audit[{index + 1}].prev"


@SETTINGS
@given(order=st.permutations(range(len(R1_READ["audit"]))))
def test_any_reordering_breaks_the_chain(order):
    audit = [R1_READ["audit"][i] for i in order]
    broken = chain_problem("P-017-R1", audit)
    assert (broken is None) == (list(order) == sorted(order))


DIAMETERS = st.lists(
    st.sampled_from([0.0, 10.0, 25.0, 30.0, 34.0, 36.0, 45.0, 50.0, 61.0, 75.0]),
    min_size=3,
    max_size=3,
)


@SETTINGS
@given(
    first=DIAMETERS,
    second=DIAMETERS,
    new1=st.sampled_from([None, 1, 2, 3]),
    new2=st.sampled_from([None, 1, 2, 3]),
)
def test_swapping_the_slots_keeps_status_and_triggers(first, second, new1, new2):
    def read(diameters, new, slot, reader):
        record = target_record("P1", [50.0, *diameters], new={new: "lung"} if new else None)
        return locked_read(record, slot=slot, reader_id=reader)

    options = {
        "triggers": ["bor", "pd_date", "pd_status", "response_date", "timepoint"],
        "bor_type": "both",
    }
    straight = review_reads(
        [read(first, new1, "R1", "rad-1"), read(second, new2, "R2", "rad-2")], **options
    )
    swapped = review_reads(
        [read(second, new2, "R1", "rad-2"), read(first, new1, "R2", "rad-1")], **options
    )
    a, b = straight["patients"][0], swapped["patients"][0]
    assert a["status"] == b["status"] and a["triggers"] == b["triggers"]
    assert a["problems"] == [] and a["status"] in ("concordant", "awaiting_adjudication")
    assert straight["agreement"]["timepoint"]["kappa"] == swapped["agreement"]["timepoint"]["kappa"]


LABELS = st.sampled_from(["CR", "PR", "SD", "PD", "NE"])


@SETTINGS
@given(pairs=st.lists(st.tuples(LABELS, LABELS), min_size=1, max_size=40))
def test_kappa_is_symmetric_and_at_most_one(pairs):
    result = cohen_kappa(pairs)
    mirrored = cohen_kappa([(b, a) for a, b in pairs])
    assert result["kappa"] == mirrored["kappa"]
    assert 0 <= result["p_o"] <= 1 and 0 <= result["p_e"] <= 1
    if result["kappa"] is not None:
        assert -1 <= result["kappa"] <= 1
        if all(a == b for a, b in pairs):
            assert result["kappa"] == 1.0
