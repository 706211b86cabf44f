"""Reading a patient for iRECIST: tracked new lesions, their rulers and statuses at every later
visit, the 5 / 2-per-organ limits, non-target "increased" and each visit's clinical status."""

from __future__ import annotations

import math

import pytest

from recist_reader import score_record
from recist_reader.reading import ReadingError, ReadingSession, Ruler


def line(length_mm, *, angle_deg=0.0, series="1.2.3"):
    dx = length_mm * math.cos(math.radians(angle_deg))
    dy = length_mm * math.sin(math.radians(angle_deg))
    return Ruler(series, ((10.0, 20.0, 0.0), (10.0 + dx, 20.0 + dy, 0.0)))


@pytest.fixture
def session():
    """A liver target of 48 mm and a peritoneal non-target; follow-ups W8 and W12 (§7b)."""
    s = ReadingSession.new("P015", "2024-01-10", criteria="iRECIST", reader="Dr Rad")
    s._clock = lambda: "2026-11-25T12:00:00+00:00"
    s.add_lesion("target", "liver")
    s.add_lesion("non-target", "peritoneum")
    s.set_ruler("BL", "T1", line(48.0))
    for date, size in (("2024-03-06", 44.0), ("2024-04-03", 45.0)):
        visit = s.add_visit(date)
        s.set_ruler(visit, "T1", line(size))
        s.set_status(visit, "NT1", "present")
    return s


def test_the_design_7b_read_made_in_the_session(session):
    session.add_new_lesion("W8", "liver segment 6")
    session.add_new_lesion("W8", "peritoneal nodule, left flank")
    assert session.track_new_lesion("W8", 0, kind="target", organ="liver") == "NL1"
    assert session.track_new_lesion("W8", 1, organ="peritoneum") == "NL2"
    session.set_ruler("W8", "NL1", line(12.0))  # a new-lesion target takes a ruler like a target
    session.set_new_lesion_status("W8", "NL2", "present")
    assert [(t.new_lesion_id, listing) for t, listing in session.tracked_at("W12")] == [
        ("NL1", None),
        ("NL2", None),
    ]  # listed for the reader to assess, not yet assessed
    session.set_ruler("W12", "NL1", line(17.5))
    session.set_new_lesion_status("W12", "NL2", "present")
    session.set_non_target_increased("W12", "NT1", True)
    session.set_clinical_status("W8", clinically_stable=True, treatment_continued=True)
    session.set_clinical_status("W12", clinically_stable=True, treatment_continued=True)

    record = session.record
    w12 = record["visits"][2]
    assert w12["new_lesions"][0] == {
        "new_lesion_id": "NL1",
        "location": "liver segment 6",
        "equivocal": False,
        "kind": "target",
        "organ": "liver",
        "nodal": False,
        "ruler": {"series_uid": "1.2.3", "points_lps_mm": [[10.0, 20.0, 0.0], [27.5, 20.0, 0.0]]},
        "diameter_mm": 17.5,
        "reader": "Dr Rad",
        "measured_at": "2026-11-25T12:00:00+00:00",
    }
    assert {m["lesion_id"]: m.get("increased") for m in w12["measurements"]} == {
        "T1": None,
        "NT1": True,
    }
    assert (w12["clinically_stable"], w12["treatment_continued"]) == (True, True)
    response = score_record(record)
    assert [v["overall"] for v in response["visits"]] == ["iUPD", "iCPD"]
    assert response["visits"][1]["icpd_triggers"] == ["nlt_sum_increase"]
    live = session.score().response  # scored live with validate_baseline off
    assert (live["visits"], live["iupd_episodes"]) == (
        response["visits"],
        response["iupd_episodes"],
    )
    assert [v["overall"] for v in session.score(criteria="RECIST1.1").response["visits"]] == [
        "PD",
        "PD",
    ]


def test_a_tracked_lesion_not_assessed_at_a_later_visit_is_not_evaluated(session):
    session.add_new_lesion("W8", "lung nodule")
    session.track_new_lesion("W8", 0, organ="lung")
    response = session.score().response
    assert [v["overall"] for v in response["visits"]] == ["iUPD", "NE"]
    session.set_new_lesion_status("W12", "NL1", "absent")
    assert session.new_lesion_listing("W12", "NL1")["status"] == "absent"


def test_new_lesion_target_rulers_are_read_back_and_removed(session):
    session.add_new_lesion("W8", "liver segment 2")
    session.track_new_lesion("W8", 0, kind="target", organ="liver")
    session.set_ruler("W8", "NL1", line(14.0))
    assert session.ruler("W8", "NL1").length_mm == pytest.approx(14.0)
    assert session.is_new_lesion_target("NL1") and not session.is_new_lesion_target("T1")
    session.remove_ruler("W8", "NL1")
    assert session.ruler("W8", "NL1") is None
    assert session.new_lesion_listing("W8", "NL1")["status"] == "not_evaluated"


def test_a_nodal_new_lesion_target_is_measured_by_its_short_axis(session):
    session.add_new_lesion("W8", "node, hepatic hilum")
    session.track_new_lesion("W8", 0, kind="target", organ="lymph node", nodal=True)
    session.set_ruler("W8", "NL1", line(24.0), axis="long")
    session.set_ruler("W8", "NL1", line(16.0, angle_deg=90), axis="short")
    listing = session.new_lesion_listing("W8", "NL1")
    assert listing["diameter_mm"] == 16.0
    assert session.ruler("W8", "NL1", axis="long").length_mm == pytest.approx(24.0)


def test_at_most_five_new_lesion_targets(session):
    for index, organ in enumerate(["liver", "lung", "bone", "brain", "spleen", "kidney"]):
        session.add_new_lesion("W8", f"{organ} lesion")
        if index < 5:
            session.track_new_lesion("W8", index, kind="target", organ=organ)
    with pytest.raises(ReadingError, match=r"at most 5 in a record \(I5.4\); track NL6 as a"):
        session.track_new_lesion("W8", 5, kind="target", organ="kidney")
    assert session.track_new_lesion("W8", 5, organ="kidney") == "NL6"  # as a non-target


def test_at_most_two_new_lesion_targets_per_organ(session):
    for index, organ in enumerate(["left lung", "right lung", "lungs"]):
        session.add_new_lesion("W8", f"{organ} nodule")
        if index < 2:
            session.track_new_lesion("W8", index, kind="target", organ=organ)
    with pytest.raises(ReadingError, match=r"NL1, NL2 are new-lesion targets in organ 'lungs'"):
        session.track_new_lesion("W8", 2, kind="target", organ="lungs")
    for index in range(3):
        session.add_new_lesion("W12", f"node {index}")
    session.track_new_lesion("W12", 0, kind="target", organ="lymph node, hilar", nodal=True)
    session.track_new_lesion("W12", 1, kind="target", organ="lymph node, axillary", nodal=True)
    with pytest.raises(ReadingError, match="in the lymph nodes already"):
        session.track_new_lesion("W12", 2, kind="target", organ="lymph node, pelvic", nodal=True)


def test_kind_and_organ_change_on_every_listing(session):
    session.add_new_lesion("W8", "liver segment 7")
    session.track_new_lesion("W8", 0, organ="liver")
    session.set_new_lesion_status("W12", "NL1", "present")
    session.track_new_lesion("W8", 0, kind="target", organ="liver")
    assert session.new_lesion_listing("W12", "NL1")["kind"] == "target"
    assert "status" not in session.new_lesion_listing("W12", "NL1")  # to be measured


def test_untracking_keeps_the_first_listing_as_a_plain_new_lesion(session):
    session.add_new_lesion("W8", "bone, T10")
    session.track_new_lesion("W8", 0, organ="bone")
    session.set_new_lesion_status("W12", "NL1", "present")
    session.untrack_new_lesion("NL1")
    record = session.record
    assert record["visits"][1]["new_lesions"] == [{"location": "bone, T10", "equivocal": False}]
    assert record["visits"][2]["new_lesions"] == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.set_new_lesion_status("W8", "NL9", "present"), "no tracked new lesion"),
        (lambda s: s.set_non_target_increased("W8", "T1", True), "not a non-target"),
        (lambda s: s.set_clinical_status("BL", clinically_stable=False), "follow-up visits"),
        (lambda s: s.track_new_lesion("W8", 3), "no new lesion 4"),
    ],
)
def test_refused_edits_say_why(session, call, message):
    with pytest.raises(ReadingError, match=message):
        call(session)


def test_increased_needs_a_present_lesion(session):
    session.set_status("W8", "NT1", "absent")
    with pytest.raises(ReadingError, match="set NT1 present or unequivocal progression at W8"):
        session.set_non_target_increased("W8", "NT1", True)
    session.add_new_lesion("W8", "liver")
    session.track_new_lesion("W8", 0, kind="target", organ="liver")
    with pytest.raises(ReadingError, match="its growth is measured by its ruler"):
        session.set_new_lesion_increased("W8", "NL1", True)


def test_clinical_status_unknown_and_symptom_driven(session):
    session.set_clinical_status("W8", clinically_stable=False, symptom_driven=True)
    assert {k: session.visit("W8").get(k) for k in ("clinically_stable", "symptom_driven")} == {
        "clinically_stable": False,
        "symptom_driven": True,
    }
    session.set_clinical_status("W8", clinically_stable=None, symptom_driven=False)
    visit = session.visit("W8")
    assert "clinically_stable" not in visit and "symptom_driven" not in visit
