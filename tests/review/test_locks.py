"""CRV11–CRV12: paradigm, lock order, locked timepoints and unlocking (worked example E6)."""

from __future__ import annotations

import pytest
from review_builders import codes, day, e1_records, locked_read, only, scripted_read, stamp

from recist_reader import review_reads


def lock(visit_id, at):
    return {"action": "lock", "visit_id": visit_id, "at": at}


EDIT_W8 = {
    "action": "modify", "visit_id": "W8", "field": "measurements[T1].diameter_mm",
    "old": 31.0, "new": 30.0, "reason": "caliper on the wrong slice", "at": day(114),
}  # fmt: skip


def e6_read(*middle, tail=True):
    """R2 of E1: BL locked day 2, W8 on day 59, then ``middle`` while reading W16 (day 114),
    then W16 and W24 locked."""
    _, record = e1_records()
    entries = [lock("BL", day(2)), lock("W8", day(59)), *middle]
    if tail:
        entries += [lock("W16", day(115)), lock("W24", day(170))]
    return scripted_read(record, entries)


def review_e6(read, **options):
    r1, _ = e1_records()
    return only(review_reads([locked_read(r1, slot="R1", reader_id="rad-11"), read], **options))


def test_e6_editing_a_locked_timepoint_is_invalid_by_default():
    patient = review_e6(e6_read(EDIT_W8))
    assert patient["status"] == "invalid"
    assert codes(patient) == ["locked_timepoint_modified"]
    (found,) = patient["problems"]
    assert found["read_id"] == "P-017-R2" and found["path"] == "audit[3]"
    assert "measurements[T1].diameter_mm" in found["message"] and "W8" in found["message"]


def test_e6_forbid_policy_ignores_an_unlock():
    unlock = {
        "action": "unlock",
        "visit_id": "W8",
        "at": day(113),
        "by": "qc-2",
        "reason": "reader query QRY-12",
    }
    read = e6_read(unlock, EDIT_W8, lock("W8", day(114, 11)))
    assert codes(review_e6(read)) == ["locked_timepoint_modified"]


def test_e6_unlock_with_a_reason_then_relock_is_valid_with_reason_policy():
    unlock = {
        "action": "unlock",
        "visit_id": "W8",
        "at": day(113),
        "by": "qc-2",
        "reason": "reader query QRY-12",
    }
    read = e6_read(unlock, EDIT_W8, lock("W8", day(114, 11)))
    patient = review_e6(read, unlock_policy="with_reason")
    assert patient["problems"] == []
    assert patient["status"] in ("concordant", "awaiting_adjudication")


def test_with_reason_policy_needs_the_unlock_before_the_change():
    unlock = {
        "action": "unlock",
        "visit_id": "W8",
        "at": day(114, 11),
        "by": "qc-2",
        "reason": "QRY-12",
    }
    read = e6_read(EDIT_W8, unlock, lock("W8", day(114, 12)))
    assert codes(review_e6(read, unlock_policy="with_reason")) == ["locked_timepoint_modified"]


def test_with_reason_policy_an_unlock_without_reason_does_not_unlock():
    unlock = {"action": "unlock", "visit_id": "W8", "at": day(113), "by": "qc-2"}
    read = e6_read(unlock, EDIT_W8, lock("W8", day(114, 11)))
    patient = review_e6(read, unlock_policy="with_reason")
    assert codes(patient) == ["missing_change_reason", "locked_timepoint_modified"]


def test_with_reason_policy_an_unlocked_visit_must_be_locked_again():
    unlock = {
        "action": "unlock",
        "visit_id": "W8",
        "at": day(113),
        "by": "qc-2",
        "reason": "QRY-12",
    }
    patient = review_e6(e6_read(unlock, EDIT_W8), unlock_policy="with_reason")
    assert codes(patient) == ["visit_not_locked"]
    assert patient["problems"][0]["path"] == "visits[1].locked_at"


def test_an_unlock_of_another_visit_does_not_open_w8():
    unlock = {
        "action": "unlock",
        "visit_id": "BL",
        "at": day(113),
        "by": "qc-2",
        "reason": "QRY-12",
    }
    read = e6_read(unlock, EDIT_W8, lock("BL", day(114, 11)))
    assert codes(review_e6(read, unlock_policy="with_reason")) == ["locked_timepoint_modified"]


def test_a_change_before_the_lock_is_normal():
    edit = {**EDIT_W8, "at": day(58)}
    _, record = e1_records()
    read = scripted_read(
        record,
        [
            lock("BL", day(2)),
            edit,
            lock("W8", day(59)),
            lock("W16", day(115)),
            lock("W24", day(170)),
        ],
    )
    assert review_e6(read)["problems"] == []


def test_a_change_of_the_lesion_list_after_the_baseline_lock():
    edit = {"action": "modify", "visit_id": None, "field": "lesions[T2].organ", "old": "node",
            "new": "lymph node", "reason": "typo", "at": day(60)}  # fmt: skip
    assert codes(review_e6(e6_read(edit))) == ["locked_timepoint_modified"]


def test_locked_at_without_lock_entries_still_locks():
    """A trail without lock entries: the visits' locked_at are the locks."""
    _, record = e1_records()
    read = scripted_read(record, [EDIT_W8])
    for visit, at in zip(read["visits"], (day(2), day(59), day(115), day(170))):
        visit["locked_at"] = at
    assert codes(review_e6(read)) == ["locked_timepoint_modified"]


def test_e6_under_global_the_same_edit_before_the_read_lock_is_valid():
    _, record = e1_records()
    read = scripted_read(
        record, [EDIT_W8, lock(None, day(170))], paradigm="global", read_locked_at=day(170)
    )
    r1, _ = e1_records()
    r1_read = locked_read(r1, slot="R1", reader_id="rad-11", paradigm="global")
    patient = only(review_reads([r1_read, read], paradigm="global"))
    assert patient["problems"] == []


def test_global_edit_after_the_read_lock_is_invalid():
    _, record = e1_records()
    late = {**EDIT_W8, "at": day(171)}
    read = scripted_read(
        record, [lock(None, day(170)), late], paradigm="global", read_locked_at=day(170)
    )
    r1, _ = e1_records()
    r1_read = locked_read(r1, slot="R1", reader_id="rad-11", paradigm="global")
    patient = only(review_reads([r1_read, read], paradigm="global"))
    assert codes(patient) == ["locked_timepoint_modified"]
    assert "the read" in patient["problems"][0]["message"]


def test_global_read_unlocked_with_reason_and_relocked():
    _, record = e1_records()
    entries = [
        lock(None, day(170)),
        {"action": "unlock", "visit_id": None, "at": day(171), "by": "qc-2", "reason": "QRY-7"},
        {**EDIT_W8, "at": day(172)},
        lock(None, day(173)),
    ]
    read = scripted_read(record, entries, paradigm="global", read_locked_at=day(173))
    r1, _ = e1_records()
    r1_read = locked_read(r1, slot="R1", reader_id="rad-11", paradigm="global")
    assert (
        only(review_reads([r1_read, read], paradigm="global", unlock_policy="with_reason"))[
            "problems"
        ]
        == []
    )
    assert codes(only(review_reads([r1_read, read], paradigm="global"))) == [
        "locked_timepoint_modified"
    ]


def test_complete_global_read_without_its_lock():
    _, record = e1_records()
    read = scripted_read(record, [], paradigm="global")
    r1, _ = e1_records()
    r1_read = locked_read(r1, slot="R1", reader_id="rad-11", paradigm="global")
    patient = only(review_reads([r1_read, read], paradigm="global"))
    assert codes(patient) == ["read_not_locked"]
    assert patient["problems"][0]["path"] == "read.locked_at"


def test_complete_sequential_read_with_an_unlocked_visit():
    _, record = e1_records()
    read = scripted_read(record, [lock("BL", day(2)), lock("W8", day(59)), lock("W16", day(115))])
    patient = review_e6(read)
    assert codes(patient) == ["visit_not_locked"]
    assert "W24" in patient["problems"][0]["message"]


def test_in_progress_read_with_unlocked_visits_awaits():
    _, record = e1_records()
    read = scripted_read(record, [lock("BL", day(2)), lock("W8", day(59))], status="in_progress")
    patient = review_e6(read)
    assert patient["status"] == "awaiting_reads" and patient["problems"] == []


def test_lock_order():
    _, record = e1_records()
    entries = [
        lock("BL", day(2)),
        lock("W16", day(115)),
        lock("W8", day(116)),
        lock("W24", day(170)),
    ]
    patient = review_e6(scripted_read(record, entries))
    assert codes(patient) == ["lock_order"]
    assert "W16" in patient["problems"][0]["message"] and "W8" in patient["problems"][0]["message"]


def test_lock_order_in_progress_later_visit_locked_first():
    _, record = e1_records()
    read = scripted_read(record, [lock("BL", day(2)), lock("W16", day(115))], status="in_progress")
    assert codes(review_e6(read)) == ["lock_order"]


@pytest.mark.parametrize(
    ("declared", "charter"),
    [
        ("global", "sequential_locked"),
        ("sequential_locked", "global"),
        ("consensus", "sequential_locked"),
    ],
)
def test_paradigm_mismatch(declared, charter):
    r1, r2 = e1_records()
    r1_read = locked_read(r1, slot="R1", reader_id="rad-11", paradigm=charter)
    r2_read = locked_read(r2, slot="R2", reader_id="rad-12", paradigm=charter)
    r2_read["read"]["paradigm"] = declared
    patient = only(review_reads([r1_read, r2_read], paradigm=charter))
    assert "paradigm_mismatch" in codes(patient)
    assert patient["status"] == "invalid"


def test_stamp_helper():
    assert stamp("2024-01-10") == "2024-01-12T10:00:00Z"
