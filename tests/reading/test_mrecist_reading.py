"""The mRECIST part of a read in progress: lesion types and roles, viable rulers, enhancement,
cytology, new findings, and the mRECIST checks tied to their lesions (design.md §7a)."""

from __future__ import annotations

import math

import pytest

from recist_reader import score_record
from recist_reader.reading import ReadingError, ReadingSession, Ruler


def line(length_mm, *, series="1.2.3", angle_deg=0.0, origin=(10.0, 20.0)):
    dx = length_mm * math.cos(math.radians(angle_deg))
    dy = length_mm * math.sin(math.radians(angle_deg))
    return Ruler(series, ((origin[0], origin[1], 0.0), (origin[0] + dx, origin[1] + dy, 0.0)))


@pytest.fixture
def session():
    s = ReadingSession.new("HCC-201", "2024-01-10", reader="Dr Rad")
    s._clock = lambda: "2026-12-06T12:00:00+00:00"
    return s


def hcc_read(session):
    t1 = session.add_lesion("target", "liver")
    session.set_lesion_type(t1, "typical_hcc")
    session.set_ruler("BL", t1, line(50.0, series="PV-BL"))
    session.set_ruler("BL", t1, line(40.0, series="ART-BL"), axis="viable")
    nt1 = session.add_lesion("non-target", "portal vein")
    session.set_lesion_type(nt1, "tumor_thrombus")
    session.set_status("BL", nt1, "present")
    w8 = session.add_visit("2024-03-06")
    session.set_ruler(w8, t1, line(48.0, series="PV-W8"))
    session.set_ruler(w8, t1, line(20.0, series="ART-W8"), axis="viable")
    session.set_status(w8, nt1, "present")
    session.set_enhancing(w8, nt1, False)
    return t1, nt1, w8


def test_a_viable_ruler_records_the_viable_diameter_on_its_series(session):
    t1, nt1, w8 = hcc_read(session)
    measurement = session.measurement(w8, t1)
    assert measurement["diameter_mm"] == 48.0
    assert measurement["viable_diameter_mm"] == 20.0
    assert measurement["ruler"]["series_uid"] == "PV-W8"
    assert measurement["viable_ruler"]["series_uid"] == "ART-W8"
    assert session.ruler(w8, t1, axis="viable").series_uid == "ART-W8"
    mrecist = score_record(session.record, criteria="mRECIST")
    recist = score_record(session.record)
    assert (mrecist["visits"][0]["sum_mm"], mrecist["visits"][0]["overall"]) == (20.0, "PR")
    assert mrecist["visits"][0]["non_target"] == "CR"  # the thrombus no longer enhances
    assert recist["visits"][0]["overall"] == "SD"
    session.remove_ruler(w8, t1, axis="viable")
    assert "viable_diameter_mm" not in session.measurement(w8, t1)
    assert session.measurement(w8, t1)["diameter_mm"] == 48.0


def test_no_viable_tumour_left_and_too_small(session):
    t1, _, w8 = hcc_read(session)
    session.set_viable_status(w8, t1, "absent")
    measurement = session.measurement(w8, t1)
    assert measurement["viable_status"] == "absent"
    assert "viable_diameter_mm" not in measurement and "viable_ruler" not in measurement
    assert score_record(session.record, criteria="mRECIST")["visits"][0]["target"] == "CR"
    session.set_viable_status(w8, t1, "too_small")
    assert score_record(session.record, criteria="mRECIST")["visits"][0]["sum_mm"] == 5.0
    session.set_viable_diameter(w8, t1, 12.5)
    assert session.measurement(w8, t1)["viable_diameter_mm"] == 12.5
    with pytest.raises(ReadingError, match="viable status"):
        session.set_viable_status(w8, t1, "present")


def test_only_a_typical_hcc_has_a_viable_diameter(session):
    t1 = session.add_lesion("target", "lung")
    with pytest.raises(ReadingError, match="not a typical HCC"):
        session.set_ruler("BL", t1, line(20.0), axis="viable")


def test_a_recist_non_target_hcc_as_mrecist_target(session):
    t1 = session.add_lesion("target", "lung")
    session.set_ruler("BL", t1, line(30.0))
    nt1 = session.add_lesion("non-target", "liver")
    session.set_lesion_type(nt1, "typical_hcc")
    session.set_mrecist_kind(nt1, "target")
    session.set_ruler("BL", nt1, line(18.0, series="ART"), axis="viable")
    measurement = session.measurement("BL", nt1)
    assert measurement["status"] == "present" and measurement["viable_diameter_mm"] == 18.0
    assert session.mrecist_role(nt1) == "target"
    assert score_record(session.record, criteria="mRECIST")["baseline"]["sum_mm"] == 48.0
    session.set_mrecist_kind(nt1, "non-target")  # its RECIST role: the field is dropped
    assert "mrecist_kind" not in session.lesion(nt1)


def test_checks_tie_mrecist_problems_to_their_lesions(session):
    t1 = session.add_lesion("target", "liver")
    session.set_lesion_type(t1, "typical_hcc")
    session.set_ruler("BL", t1, line(40.0))
    session.set_ruler("BL", t1, line(9.0), axis="viable")
    n1 = session.add_lesion("target", "porta hepatis", nodal=True)
    session.set_lesion_type(n1, "porta_hepatis_node")
    session.set_ruler("BL", n1, line(17.0), axis="short")
    checks = {(c.lesion_id, c.code) for c in session.mrecist_checks()}
    assert checks == {(t1, "target_not_measurable"), (n1, "target_not_measurable")}
    session.set_mrecist_kind(n1, "excluded")
    session.set_ruler("BL", t1, line(12.0), axis="viable")
    assert session.mrecist_checks() == []


def test_set_lesion_type_porta_hepatis_makes_it_nodal(session):
    n1 = session.add_lesion("non-target", "porta hepatis")
    session.set_lesion_type(n1, "porta_hepatis_node")
    assert session.lesion(n1)["nodal"] is True
    session.set_lesion_type(n1, "other")
    assert "lesion_type" not in session.lesion(n1)
    with pytest.raises(ReadingError, match="not a lesion type"):
        session.set_lesion_type(n1, "hcc")


def test_cytology_and_new_finding_pattern(session):
    t1, _, w8 = hcc_read(session)
    e1 = session.add_lesion("non-target", "peritoneum")
    session.set_lesion_type(e1, "effusion")
    session.set_status("BL", e1, "present")
    session.set_status(w8, e1, "unequivocal_progression")
    assert score_record(session.record, criteria="mRECIST")["visits"][0]["non_target"] == (
        "NonCR/NonPD"
    )
    session.set_cytology(w8, e1, "malignant")
    assert score_record(session.record, criteria="mRECIST")["visits"][0]["non_target"] == "PD"
    index = session.add_new_lesion(w8, "liver segment 6")
    session.set_new_lesion_pattern(w8, index, lesion_type="typical_hcc", size_mm=9.0)
    visit = score_record(session.record, criteria="mRECIST")["visits"][0]
    assert (visit["new_lesions"], visit["equivocal_new_lesions"]) == (False, True)
    session.set_new_lesion_pattern(w8, index, size_mm=10.0)
    assert score_record(session.record, criteria="mRECIST")["visits"][0]["new_lesions"] is True
    w16 = session.add_visit("2024-05-01")
    with pytest.raises(ReadingError, match="no assessment"):
        session.set_cytology(w16, e1, "negative")
