"""The reader mode's core: blinded opening, audit entries at every save, locks, unlocks;
the adjudicator's case and the review overview."""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path

import pytest
from review_builders import e1_records

from recist_reader.review import (
    AuditChainError,
    ReadActionError,
    ReviewOptions,
    review_documents,
    verify_audit_chain,
)
from recist_reader.review.cases import adjudication_case, overview_rows
from recist_reader.review.changes import record_changes
from recist_reader.review.files import load_review_inputs
from recist_reader.review.reader_session import ChangeReasonRequired, ReaderSession

BICR = Path(__file__).resolve().parents[2] / "sample_data" / "bicr"


class Clock:
    def __init__(self):
        self.minute = 0

    def __call__(self):
        self.minute += 1
        return f"2024-03-08T{10 + self.minute // 60:02d}:{self.minute % 60:02d}:00Z"


def timepoints():
    """The core lab's timepoint record: E1's visits, nothing measured after baseline."""
    record, _ = e1_records()
    for visit in record["visits"][1:]:
        visit["measurements"] = []
    return record


@pytest.fixture
def session(tmp_path):
    return ReaderSession.start(
        timepoints(),
        tmp_path / "P-017-R1.json",
        read_id="P-017-R1",
        slot="R1",
        reader_id="rad-11",
        clock=Clock(),
    )


def measure(record, visit_id, **values):
    record = json.loads(json.dumps(record))
    visit = next(v for v in record["visits"] if v["visit_id"] == visit_id)
    visit["measurements"] = [m for m in visit["measurements"] if m["lesion_id"] not in values]
    visit["measurements"] += [
        {"lesion_id": k, "diameter_mm": v}
        if isinstance(v, float)
        else {"lesion_id": k, "status": v}
        for k, v in values.items()
    ]
    return record


def test_record_changes_field_by_field():
    before = timepoints()
    after = measure(before, "W8", T1=29.0, NT1="present")
    after["lesions"][1]["location_code"] = "PORTA HEPATIS LYMPH NODE"
    changes = record_changes(before, after)
    assert [(c.action, c.visit_id, c.field, c.old, c.new) for c in changes] == [
        ("create", None, "lesions[T2].location_code", None, "PORTA HEPATIS LYMPH NODE"),
        ("create", "W8", "measurements[T1].diameter_mm", None, 29.0),
        ("create", "W8", "measurements[NT1].status", None, "present"),
    ]
    again = measure(after, "W8", T1=28.0)
    assert [(c.action, c.field, c.old, c.new) for c in record_changes(after, again)] == [
        ("modify", "measurements[T1].diameter_mm", 29.0, 28.0)
    ]


def test_who_reads_and_display_state_are_not_values_of_the_read(tmp_path):
    """The reading widget keeps the reader's name, where each series was loaded from, the
    window last used and the follow-up's registration with the record: none is an audited
    change, and none touches a locked timepoint."""
    before = timepoints()
    after = copy.deepcopy(before)
    after["reader"] = "rad-11"
    for visit in after["visits"]:
        visit["series"] = [{"series_uid": "1.2.3", "source": "/data/bl"}]
    before["visits"][1]["series"] = [{"series_uid": "1.2.3"}]
    after["visits"][1]["series"][0].update(window_center=60, window_width=400)
    after["visits"][1]["registration"] = {"method": "affine"}
    changes = [(c.action, c.visit_id, c.field) for c in record_changes(before, after)]
    assert changes == [
        ("create", v["visit_id"], "series") for i, v in enumerate(before["visits"]) if i != 1
    ]
    session = audited(tmp_path, unlock_policy="with_reason")
    session.lock_timepoint("BL")
    session.set_reader("rad-11")  # not refused: the baseline's values did not change
    session.set_registration("W8", {"method": "affine"})
    assert session.reader_session.pending_changes(session.record) == []


def test_a_session_writes_the_trail_at_every_save(session):
    current = measure(session.saved, "BL")
    session.lock_timepoint("BL")
    first = measure(session.saved, "W8", T1=29.0, T2=12.0, NT1="present")
    assert [c.action for c in session.save(first)] == ["create", "create", "create"]
    corrected = measure(first, "W8", T1=28.0)
    with pytest.raises(ChangeReasonRequired, match="W8 measurements\\[T1\\].diameter_mm"):
        session.save(corrected)
    session.save(corrected, reason="ruler end moved to the capsule")
    session.lock_timepoint("W8")
    saved = json.loads(session.path.read_text())
    assert saved == session.saved
    verify_audit_chain(saved)
    assert [(e["action"], e.get("visit_id"), e.get("field")) for e in saved["audit"]] == [
        ("create", None, None),
        ("lock", "BL", None),
        ("create", "W8", "measurements[T1].diameter_mm"),
        ("create", "W8", "measurements[T2].diameter_mm"),
        ("create", "W8", "measurements[NT1].status"),
        ("modify", "W8", "measurements[T1].diameter_mm"),
        ("lock", "W8", None),
    ]
    assert (
        saved["audit"][5]["old"] == 29.0
        and saved["audit"][5]["reason"] == "ruler end moved to the capsule"
    )
    assert session.visit_lock_states() == {"BL": True, "W8": True, "W16": False, "W24": False}
    assert session.title == "R1 — blinded" and session.problems() == []
    assert current  # the baseline was read as the core lab gave it


def test_a_locked_timepoint_does_not_change(session):
    session.lock_timepoint("BL")
    edited = measure(session.saved, "BL", T1=41.0)
    with pytest.raises(
        ReadActionError, match="locked timepoint\\(s\\) BL cannot change: the charter forbids"
    ):
        session.save(edited, reason="typo")
    session.options = ReviewOptions(unlock_policy="with_reason")
    with pytest.raises(ReadActionError, match="request an unlock"):
        session.save(edited, reason="typo")
    session.request_unlock("BL", "QC query QRY-12")
    session.save(edited, reason="typo")
    session.lock_timepoint("BL")
    assert session.problems() == []


def test_the_reader_does_not_change_timepoints(session):
    edited = json.loads(json.dumps(session.saved))
    edited["visits"][1]["date"] = "2024-03-07"
    with pytest.raises(ReadActionError, match="core lab assigns the timepoints"):
        session.save(edited)


def test_a_save_keeps_the_locks_the_editor_did_not_see(session):
    stale = measure(session.saved, "W8", T1=29.0)  # edited before BL was locked
    session.lock_timepoint("BL")
    session.save(stale)
    assert session.saved["visits"][0]["locked_at"] is not None
    assert session.locked("BL")


def test_completing_the_read(session):
    current = session.saved
    for visit_id, values in (
        ("W8", {"T1": 28.0, "T2": 12.0}),
        ("W16", {"T1": 27.0, "T2": 11.0}),
        ("W24", {"T1": 27.0, "T2": 11.0}),
    ):
        current = measure(current, visit_id, NT1="present", **values)
    session.save(current)
    for visit_id in ("BL", "W8", "W16", "W24"):
        session.lock_timepoint(visit_id)
    session.complete_read()
    assert session.complete
    with pytest.raises(ReadActionError, match="complete"):
        session.save(measure(session.saved, "W24", T1=26.0), reason="late")


def test_opening_reads_only_the_readers_own_file(tmp_path):
    """Blinding by construction: the sibling read is unreadable, and opening still works."""
    folder = tmp_path / "bicr"
    shutil.copytree(BICR, folder)
    sibling = folder / "P-017-R2.json"
    sibling.chmod(0)
    try:
        if os.access(sibling, os.R_OK):  # root reads anything: make it unreadable another way
            sibling.unlink()
            sibling.mkdir()
        session = ReaderSession.open(folder / "P-017-R1.json", reader_id="rad-11", slot="R1")
        assert session.read_id == "P-017-R1"
    finally:
        if sibling.is_dir():
            sibling.rmdir()
        else:
            sibling.chmod(0o644)


def test_a_reader_opens_only_their_own_read():
    with pytest.raises(ReadActionError, match="belongs to 'rad-11', not 'rad-12'"):
        ReaderSession.open(BICR / "P-017-R1.json", reader_id="rad-12")
    with pytest.raises(ReadActionError, match="slot R1, not R2"):
        ReaderSession.open(BICR / "P-017-R1.json", reader_id="rad-11", slot="R2")
    with pytest.raises(ReadActionError, match="not a central reader's read"):
        ReaderSession.open(BICR / "P-017-INV.json", reader_id="site-07")


def test_a_broken_trail_stops_the_session(tmp_path):
    read = json.loads((BICR / "P-017-R1.json").read_text())
    read["audit"][2]["reason"] = "edited later"
    path = tmp_path / "P-017-R1.json"
    path.write_text(json.dumps(read))
    with pytest.raises(
        AuditChainError,
        match=r"read P-017-R1: audit\[3\].prev: the audit trail is broken at entry 3",
    ):
        ReaderSession.open(path, reader_id="rad-11")


def test_overview_and_adjudication_case(tmp_path):
    folder = tmp_path / "bicr"
    shutil.copytree(BICR, folder)
    review = load_review_inputs([folder]).review()
    rows = {row.patient_id: row for row in overview_rows(review)}
    assert {k: (r.status, r.action) for k, r in rows.items()} == {
        "P-001": ("concordant", "outcome"),
        "P-009": ("awaiting_adjudication", "adjudicate"),
        "P-017": ("adjudicated", "outcome"),
    }
    assert rows["P-009"].detail == "bor (confirmed): R1 PR, R2 SD"
    with pytest.raises(ReadActionError, match="P-017 is adjudicated"):
        adjudication_case(review, "P-017")
    case = adjudication_case(review, "P-009")
    assert [(r.visit_id, r.r1_overall, r.r2_overall, r.discordant) for r in case.rows] == [
        ("W8", "PR", "PR", False),
        ("W16", "PR", "SD", True),
        ("W24", "PR", "SD", True),
    ]
    assert case.triggers == ["bor (confirmed): R1 PR, R2 SD"]
    with pytest.raises(ReadActionError, match="adjudicator"):
        case.decide(selected_read="R2", rationale="x", reason_codes=[], adjudicator_id="rad-12",
                    adjudicated_at="2024-07-03T11:20:31Z", folder=folder)  # fmt: skip
    path = case.decide(selected_read="R2", rationale="R1 measured on the arterial phase", reason_codes=["MEASUREMENT"],
                       adjudicator_id="rad-19", adjudicated_at="2024-07-03T11:20:31Z", folder=folder)  # fmt: skip
    assert path.name == "adjudication-P-009.json"
    after = load_review_inputs([folder]).review()
    assert next(p for p in after.patients if p.patient_id == "P-009").status == "adjudicated"


def test_overview_of_invalid_and_awaiting(tmp_path):
    inputs = load_review_inputs([BICR])
    reads = [doc for doc, _ in inputs.reads if doc["read"]["read_id"] != "P-001-R2"]
    broken = json.loads((BICR / "P-009-R1.json").read_text())
    broken["audit"][0]["by"] = "rad-99"
    reads = [broken if doc["read"]["read_id"] == "P-009-R1" else doc for doc in reads]
    rows = {row.patient_id: row for row in overview_rows(review_documents(reads))}
    assert rows["P-001"].action == "reads" and rows["P-001"].detail == "R1 complete, R2 missing"
    assert rows["P-009"].action == "problems" and rows["P-009"].detail.startswith(
        "audit_chain_broken: read P-009-R1"
    )


def audited(tmp_path, **options):
    from recist_reader.review.audited_session import AuditedReadingSession

    reader = ReaderSession.start(
        timepoints(), tmp_path / "P-017-R1.json", read_id="P-017-R1", slot="R1",
        reader_id="rad-11", clock=Clock(), options=ReviewOptions(**options),
    )  # fmt: skip
    return AuditedReadingSession(reader)


def test_the_editing_session_undoes_edits_of_a_locked_timepoint(tmp_path):
    from recist_reader.review.audited_session import LockedTimepointError

    session = audited(tmp_path)
    session.set_status("W8", "NT1", "present")
    session.lock_timepoint("BL")  # saves W8's NT1 first
    assert not session.dirty and session.locked("BL")
    before = session.record
    heard = []
    session.listeners.append(lambda: heard.append(True))
    with pytest.raises(LockedTimepointError, match="BL is locked: the charter forbids unlocking"):
        session.set_status("BL", "NT1", "absent")
    assert session.record == before and heard  # undone, and the views were told
    with pytest.raises(LockedTimepointError):
        session.update_lesion("T1", organ="liver segment 8")  # the lesion list is the baseline's
    session.set_status("W8", "T1", "too_small")  # W8 is open
    assert session.dirty


def test_the_editing_session_saves_through_the_trail(tmp_path):
    session = audited(tmp_path, unlock_policy="with_reason")
    session.set_status("W8", "NT1", "present")
    session.save()
    session.set_status("W8", "NT1", "absent")
    with pytest.raises(Exception, match="not saved: give a reason"):
        session.save()
    session.ask_reason = lambda changes: f"{len(changes)} value(s) corrected on review"
    session.save()
    with pytest.raises(Exception, match="own file only"):
        session.save(tmp_path / "elsewhere.json")
    session.lock_timepoint("BL")
    session.lock_timepoint("W8")
    session.request_unlock("W8", "QRY-3")
    session.set_status("W8", "NT1", "present")
    session.lock_timepoint("W8")  # saves the change (reason asked) and locks again
    saved = json.loads(session.path.read_text())
    assert [e["action"] for e in saved["audit"]] == [
        "create", "create", "modify", "lock", "lock", "unlock", "modify", "lock",
    ]  # fmt: skip
    assert saved["audit"][2]["reason"] == "1 value(s) corrected on review"
    assert session.reader_session.problems() == []
    assert saved["visits"][1]["locked_at"] == saved["audit"][-1]["at"]
