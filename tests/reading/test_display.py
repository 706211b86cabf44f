"""What the reading panels show, decided without Qt (reading/display.py)."""

from __future__ import annotations

import numpy as np

from recist_reader.reading import ReadingSession, Ruler
from recist_reader.reading.display import (
    baseline_reference_text,
    lesion_rows,
    new_lesion_entries,
    notes_text,
    response_rows,
    ruler_label,
    summary_text,
    visit_entries,
)


def ruler(length_mm: float, *, z: float = -60.0) -> Ruler:
    return Ruler("1.2.3", ((10.0, 20.0, z), (10.0 + length_mm, 20.0, z)))


def read() -> ReadingSession:
    session = ReadingSession.new("HCC-101", "2024-01-10", reader="Dr Rad")
    t1 = session.add_lesion("target", "liver")
    n1 = session.add_lesion("target", "lymph node", nodal=True)
    session.add_lesion("non-target", "peritoneum")
    session.set_ruler("BL", t1, ruler(42.0))
    session.set_ruler("BL", n1, ruler(12.0), axis="short")  # under 15 mm: blocks saving
    w8 = session.add_visit("2024-03-06")
    session.set_ruler(w8, t1, ruler(28.0))
    session.set_ruler(w8, n1, ruler(20.0), axis="long")  # the short axis not yet drawn
    session.add_new_lesion(w8, "liver segment 6", equivocal=True)
    return session


def test_lesion_rows_show_each_lesion_at_this_visit_and_baseline_with_its_checks():
    session = read()
    rows, tooltips = lesion_rows(session, session.score().checks, "W8")
    assert rows == [
        ("T1", "target", "liver", "28.0 mm", "42.0 mm", ""),
        ("T2", "target (node)", "lymph node", "axis missing", "12.0 mm SA", "blocks saving"),
        ("NT1", "non-target", "peritoneum", "—", "present", ""),
    ]
    assert tooltips[0] == "" and tooltips[1].startswith("Blocks saving: ")
    assert lesion_rows(session, [], None)[0][0][3] == ""  # no visit chosen


def test_visit_and_new_lesion_entries():
    session = read()
    assert visit_entries(session, {"BL"}) == [
        ("BL · 2024-01-10 · baseline", "BL"),
        ("W8 · 2024-03-06 · (no images)", "W8"),
    ]
    assert new_lesion_entries(session, "W8") == [("liver segment 6 (equivocal)", 0)]
    assert new_lesion_entries(session, None) == []


def test_baseline_reference_names_the_size_and_the_slice():
    session = read()
    axial = np.eye(4)[[2, 1, 0, 3]]  # world (S, P, L) -> LPS: world axis 0 is the slice
    assert baseline_reference_text(session, "T1", axial) == (
        "T1 liver · baseline 42.0 mm on slice -60.0 mm"
    )
    assert baseline_reference_text(session, "T1", None) == "T1 liver · baseline 42.0 mm"
    assert baseline_reference_text(session, "NT1", axial) == "NT1 peritoneum"


def test_response_rows_summary_and_notes_of_a_scored_read():
    session = ReadingSession.new("HCC-102", "2024-01-10")
    t1 = session.add_lesion("target", "liver")
    session.set_ruler("BL", t1, ruler(71.0))
    w8 = session.add_visit("2024-03-06")
    session.set_ruler(w8, t1, ruler(49.7))  # exactly -30 %: PR
    response = session.score().response
    assert response_rows(response) == [
        ("W8", "2024-03-06", "49.7", "-30.0 %", "-30.0 %", "PR", "NA", "no", "PR")
    ]
    assert summary_text(response).splitlines()[0] == "Baseline sum 71.0 mm"
    assert notes_text(response).startswith("W8: ")
    assert response_rows(None) == [] and notes_text(None) == summary_text(None) == ""


def test_ruler_labels_name_the_axis_of_a_node():
    assert ruler_label({"lesion_id": "T1", "organ": "liver"}, "long", 42.25) == "T1 liver 42.2 mm"
    node = {"lesion_id": "T2", "organ": "lymph node", "nodal": True}
    assert ruler_label(node, "short", 18.0) == "T2 lymph node SA 18.0 mm"
    assert ruler_label(node, "long", 25.0) == "T2 lymph node LA 25.0 mm"
