"""Review options (central-review.md §5) and the reader's actions on a read (design.md §9.3)."""

from __future__ import annotations

import copy

import pytest
from review_builders import codes, e1_records, locked_read, only, stamp

from recist_reader import review_reads
from recist_reader.review import (
    AuditChainError,
    ReadActionError,
    ReviewOptionError,
    ReviewOptions,
    append_audit_entry,
    change_allowed,
    complete_read,
    lock_timepoint,
    record_change,
    start_read,
    unlock_timepoint,
    verify_audit_chain,
)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"trigger": ["bor"]}, "trigger: unknown review option"),
        ({"triggers": ["bor", "dor"]}, "unknown trigger"),
        ({"bor_type": "best"}, "bor_type: must be one of"),
        ({"pd_date_tolerance_days": -1}, "≥ 0"),
        ({"pd_date_tolerance_days": 1.5}, "whole number"),
        ({"require_rationale": "yes"}, "true or false"),
        ({"alpha": 1}, "strictly between"),
        ({"alpha": True}, "strictly between"),
        ({"pd_date_windows_days": [0, -3]}, "whole numbers"),
        ({"concordant_source": "R3"}, "concordant_source"),
        ({"paradigm": "consensus"}, "paradigm"),
        ({"unlock_policy": "always"}, "unlock_policy"),
        ({"unrequired_adjudication": "maybe"}, "unrequired_adjudication"),
    ],
)
def test_bad_options_raise_value_error(options, match):
    with pytest.raises(ReviewOptionError, match=match):
        review_reads([], **options)
    assert issubclass(ReviewOptionError, ValueError)


def test_list_options_take_comma_separated_text():
    options = ReviewOptions.from_mapping(
        {"triggers": "pd_date,bor", "pd_date_windows_days": "56,0,28"}
    )
    assert options.triggers == ("bor", "pd_date")
    assert options.pd_date_windows_days == (0, 28, 56)
    assert ReviewOptions.from_mapping({"triggers": "timepoint"}).triggers == ("timepoint",)
    assert ReviewOptions.from_mapping({"pd_date_windows_days": 7}).pd_date_windows_days == (7,)


def new_read():
    record, _ = e1_records()
    return start_read(
        record, read_id="P-017-R1", reader_id="rad-11", slot="R1", at="2024-01-12T09:00:00Z"
    )


def test_a_session_builds_a_valid_read():
    read = new_read()
    assert read["read"] == {
        "read_id": "P-017-R1", "role": "central_reader", "slot": "R1", "reader_id": "rad-11",
        "status": "in_progress", "paradigm": "sequential_locked", "blinded": True,
    }  # fmt: skip
    read = lock_timepoint(read, "BL", by="rad-11", at="2024-01-12T10:00:00Z")
    read = record_change(
        read, visit_id="W8", field="measurements[T1].diameter_mm", old=29.0, new=28.0,
        by="rad-11", at="2024-03-08T14:29:03Z", reason="ruler end moved to the capsule",
    )  # fmt: skip
    for visit in read["visits"][1:]:
        read = lock_timepoint(read, visit["visit_id"], by="rad-11", at=stamp(visit["date"], 3))
    read = complete_read(read)
    verify_audit_chain(read)
    _, r2 = e1_records()
    patient = only(review_reads([read, locked_read(r2, slot="R2", reader_id="rad-12")]))
    assert patient["problems"] == []
    assert [e["action"] for e in read["audit"]] == [
        "create",
        "lock",
        "modify",
        "lock",
        "lock",
        "lock",
    ]
    assert read["visits"][0]["locked_at"] == "2024-01-12T10:00:00Z"


def test_actions_never_change_their_input():
    read = new_read()
    before = copy.deepcopy(read)
    lock_timepoint(read, "BL", by="rad-11", at="2024-01-12T10:00:00Z")
    assert read == before


def test_locking_out_of_order_is_refused():
    with pytest.raises(ReadActionError, match="BL .* is not locked yet"):
        lock_timepoint(new_read(), "W8", by="rad-11", at="2024-03-08T10:00:00Z")


def test_a_locked_timepoint_refuses_changes_until_unlocked_with_a_reason():
    read = lock_timepoint(new_read(), "BL", by="rad-11", at="2024-01-12T10:00:00Z")
    assert not change_allowed(read, "BL") and change_allowed(read, "W8")
    assert not change_allowed(read, None)  # the lesion list belongs to the baseline
    change = dict(
        visit_id="BL", field="measurements[T1].diameter_mm", old=42.0, new=41.0, by="rad-11"
    )
    with pytest.raises(ReadActionError, match="locked"):
        record_change(read, at="2024-01-13T10:00:00Z", reason="typo", **change)
    with pytest.raises(ReadActionError, match="forbids"):
        unlock_timepoint(
            read, "BL", by="qc-1", at="2024-01-13T10:00:00Z", reason="Q-1", unlock_policy="forbid"
        )
    with pytest.raises(ReadActionError, match="reason"):
        unlock_timepoint(
            read,
            "BL",
            by="qc-1",
            at="2024-01-13T10:00:00Z",
            reason=" ",
            unlock_policy="with_reason",
        )
    read = unlock_timepoint(
        read, "BL", by="qc-1", at="2024-01-13T10:00:00Z", reason="Q-1", unlock_policy="with_reason"
    )
    assert "locked_at" not in read["visits"][0]
    with pytest.raises(ReadActionError, match="reason"):
        record_change(read, at="2024-01-13T10:05:00Z", **change)
    read = record_change(read, at="2024-01-13T10:05:00Z", reason="typo", **change)
    read = lock_timepoint(read, "BL", by="rad-11", at="2024-01-13T10:06:00Z")
    assert read["visits"][0]["locked_at"] == "2024-01-13T10:06:00Z"
    verify_audit_chain(read)


def test_a_broken_trail_is_never_extended():
    read = lock_timepoint(new_read(), "BL", by="rad-11", at="2024-01-12T10:00:00Z")
    read["audit"][0]["by"] = "rad-99"
    with pytest.raises(AuditChainError, match=r"audit\[1\]\.prev"):
        lock_timepoint(read, "W8", by="rad-11", at="2024-03-08T10:00:00Z")


def test_entries_are_appended_in_time_order():
    read = new_read()
    with pytest.raises(ReadActionError, match="before the last audit entry"):
        append_audit_entry(
            read, {"at": "2024-01-11T10:00:00Z", "by": "rad-11", "action": "lock", "visit_id": "BL"}
        )


def test_completing_needs_every_timepoint_locked():
    with pytest.raises(ReadActionError, match="BL, W8, W16, W24"):
        complete_read(new_read())


def test_a_reader_cannot_switch_slot_inside_a_read():
    with pytest.raises(ReadActionError, match="switch slot"):
        start_read(
            new_read(), read_id="P-017-R2", reader_id="rad-11", slot="R2", at="2024-01-12T09:00:00Z"
        )


@pytest.mark.parametrize("require", [True, False])
def test_missing_change_reason_option(require):
    read = lock_timepoint(new_read(), "BL", by="rad-11", at="2024-01-12T10:00:00Z")
    read = append_audit_entry(read, {
        "at": "2024-03-08T10:00:00Z", "by": "rad-11", "action": "modify", "visit_id": "W8",
        "field": "measurements[T1].diameter_mm", "old": 29.0, "new": 28.0,
    })  # fmt: skip
    for visit in read["visits"][1:]:
        read = lock_timepoint(read, visit["visit_id"], by="rad-11", at=stamp(visit["date"], 3))
    read = complete_read(read)
    _, r2 = e1_records()
    patient = only(
        review_reads(
            [read, locked_read(r2, slot="R2", reader_id="rad-12")], require_change_reason=require
        )
    )
    assert codes(patient) == (["missing_change_reason"] if require else [])


@pytest.mark.parametrize(
    ("entry", "path"),
    [
        ({"action": "edit"}, "audit[1].action"),
        ({"at": "2024-03-08 10:00"}, "audit[1].at"),
        ({"by": ""}, "audit[1].by"),
        ({"visit_id": 8}, "audit[1].visit_id"),
        ({"comment": "x"}, "audit[1]"),
        ({"action": "modify", "field": "x", "new": 1, "reason": "r"}, "audit[1]"),
    ],
)
def test_bad_audit_entry(entry, path):
    read = new_read()
    from recist_reader.review.audit_trail import audit_trail_problems
    from recist_reader.review.canonical import entry_hash

    prev = entry_hash(read["audit"][-1])
    read["audit"].append(
        {
            "at": "2024-03-08T10:00:00Z",
            "by": "rad-11",
            "action": "create",
            "visit_id": "W8",
            **entry,
            "prev": prev,
        }
    )

    problems, _ = audit_trail_problems("P-017-R1", read["audit"], require_change_reason=True)
    found = [p for p in problems if p.code == "bad_audit_entry"]
    assert [p.path for p in found] == [path]
    assert not any(p.code == "audit_chain_broken" for p in problems)


def test_audit_out_of_order():
    read = new_read()
    read = append_audit_entry(
        read, {"at": "2024-03-08T10:00:00Z", "by": "rad-11", "action": "lock", "visit_id": "BL"}
    )
    read["audit"].append({"at": "2024-02-01T10:00:00Z", "by": "rad-11", "action": "lock", "visit_id": "W8",
                          "prev": "sha256:" + "0" * 64})  # fmt: skip
    from recist_reader.review.audit_trail import audit_trail_problems

    problems, _ = audit_trail_problems("P-017-R1", read["audit"], require_change_reason=True)
    assert [(p.code, p.path) for p in problems] == [
        ("audit_out_of_order", "audit[2].at"), ("audit_chain_broken", "audit[2].prev"),
    ]  # fmt: skip


def test_audit_not_a_list():
    from recist_reader.review.audit_trail import audit_trail_problems

    problems, _ = audit_trail_problems("R", {"0": {}}, require_change_reason=True)
    assert [(p.code, p.path) for p in problems] == [("bad_audit_entry", "audit")]
