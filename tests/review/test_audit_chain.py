"""CRV13 tamper evidence: the §9.3 example's hashes, and every kind of rewrite detected (E9)."""

from __future__ import annotations

import copy
import hashlib

import pytest
from review_builders import codes, only

from recist_reader import read_hash, review_reads
from recist_reader.review import canonical
from recist_reader.review.audit_trail import chain_problem

#: The four audit entries of design.md §9.3, as printed there.
DESIGN_AUDIT = [
    {"at": "2024-03-08T13:58:20Z", "by": "rad-11", "action": "create", "visit_id": "BL",
     "prev": "sha256:90fa99c3bf5e174bd5764776699117dfeae6be635543d4674ef883e69b9fd891"},
    {"at": "2024-03-08T14:02:11Z", "by": "rad-11", "action": "lock", "visit_id": "BL",
     "prev": "sha256:8be0b36e23c2e4b304e58e69652708add27555340a49c52ece2bcdbbe245d0db"},
    {"at": "2024-03-08T14:29:03Z", "by": "rad-11", "action": "modify", "visit_id": "W8",
     "field": "measurements[T1].diameter_mm", "old": 29.0, "new": 28.0,
     "reason": "ruler end moved to the capsule",
     "prev": "sha256:febcf55288ec5bb913679398574021140dfb1034e9d7323cf93618c47217598c"},
    {"at": "2024-03-08T14:31:40Z", "by": "rad-11", "action": "lock", "visit_id": "W8",
     "prev": "sha256:2d4f7281e5a9bef862cc7a25826c27c22fb34771147732e680ee26d1a225cb8f"},
]  # fmt: skip


def test_design_example_hashes_reproduce_exactly():
    assert DESIGN_AUDIT[0]["prev"] == "sha256:" + hashlib.sha256(b"P-017-R1").hexdigest()
    for previous, entry in zip(DESIGN_AUDIT, DESIGN_AUDIT[1:]):
        assert entry["prev"] == "sha256:" + hashlib.sha256(canonical(previous)).hexdigest()
    assert chain_problem("P-017-R1", DESIGN_AUDIT) is None


def test_canonical_json_is_sorted_compact_utf8():
    assert (
        canonical({"b": 1, "a": "é", "c": [1.0, None]}) == '{"a":"é","b":1,"c":[1.0,null]}'.encode()
    )


def test_e9_rewritten_reason_of_the_first_entry():
    audit = copy.deepcopy(DESIGN_AUDIT)
    audit[0]["reason"] = "created"  # someone adds a reason later
    found = chain_problem("P-017-R1", audit)
    assert found.code == "audit_chain_broken"
    assert found.read_id == "P-017-R1" and found.path == "audit[1].prev"
    assert "P-017-R1" in found.message and "entry 1" in found.message


def tamper(read, how):
    read = copy.deepcopy(read)
    audit = read["audit"]
    if how == "edited value":
        audit[1]["at"] = audit[1]["at"].replace("10:00", "10:01")
    elif how == "edited lock visit":
        audit[2]["visit_id"] = "W16"
    elif how == "removed entry":
        del audit[2]
    elif how == "removed first entry":
        del audit[0]
    elif how == "reordered entries":
        audit[1], audit[2] = audit[2], audit[1]
    elif how == "inserted entry":
        audit.insert(
            2, {**audit[2], "action": "modify", "field": "x", "old": 1, "new": 2, "reason": "r"}
        )
    elif how == "missing prev":
        del audit[3]["prev"]
    elif how == "renamed read":
        read["read"]["read_id"] = "P-017-R9"
    return read


@pytest.mark.parametrize(
    ("how", "first_bad"),
    [
        ("edited value", 2),
        ("edited lock visit", 3),
        ("removed entry", 2),
        ("removed first entry", 0),
        ("reordered entries", 1),
        ("inserted entry", 3),
        ("missing prev", 3),
        ("renamed read", 0),
    ],
)
def test_tampering_with_a_saved_read_is_caught(e1, how, first_bad):
    r1, r2 = e1
    assert only(review_reads([r1, r2]))["status"] == "awaiting_adjudication"
    patient = only(review_reads([tamper(r1, how), r2]))
    assert patient["status"] == "invalid"
    broken = [p for p in patient["problems"] if p["code"] == "audit_chain_broken"]
    assert len(broken) == 1
    read_id = "P-017-R9" if how == "renamed read" else "P-017-R1"
    assert broken[0]["read_id"] == read_id
    assert broken[0]["path"] == f"audit[{first_bad}].prev"
    assert broken[0]["message"].startswith(f"read {read_id}: audit[{first_bad}].prev: ")
    assert patient["central"] is None and patient["triggers"] == []


def test_reordered_entries_are_also_out_of_order(e1):
    r1, r2 = e1
    patient = only(review_reads([tamper(r1, "reordered entries"), r2]))
    assert sorted(codes(patient)) == ["audit_chain_broken", "audit_out_of_order"]


def test_read_hash_ignores_the_trail_but_not_the_values(e1):
    r1, _ = e1
    with_more_trail = copy.deepcopy(r1)
    with_more_trail["audit"].append({"anything": 1})
    assert read_hash(with_more_trail) == read_hash(r1)
    changed = copy.deepcopy(r1)
    changed["visits"][1]["measurements"][0]["diameter_mm"] = 28.5
    assert read_hash(changed) != read_hash(r1)
    assert read_hash(r1).startswith("sha256:") and len(read_hash(r1)) == 71
    without = {k: v for k, v in r1.items() if k != "audit"}
    assert read_hash(r1) == "sha256:" + hashlib.sha256(canonical(without)).hexdigest()
