"""The read in progress: edits, live scoring, checks, autosave and atomic saving."""

from __future__ import annotations

import json
import math

import pytest

from recist_reader import RecordError, score_record
from recist_reader.reading import (
    ReadingError,
    ReadingSession,
    Ruler,
    SaveBlockedError,
    autosave_path,
    pending_autosave,
)


def line(length_mm, *, series="1.2.3", z=0.0, angle_deg=0.0, origin=(10.0, 20.0)):
    dx = length_mm * math.cos(math.radians(angle_deg))
    dy = length_mm * math.sin(math.radians(angle_deg))
    start = (origin[0], origin[1], z)
    return Ruler(series, (start, (origin[0] + dx, origin[1] + dy, z)))


def clock():
    return "2026-11-25T12:00:00+00:00"


@pytest.fixture
def session():
    s = ReadingSession.new("HCC-101", "2024-01-10", reader="Dr Rad")
    s._clock = clock
    return s


def read_patient(session):
    t1 = session.add_lesion("target", "liver")
    n1 = session.add_lesion("target", "lymph node", nodal=True)
    nt1 = session.add_lesion("non-target", "peritoneum")
    session.set_ruler("BL", t1, line(42.0))
    session.set_ruler("BL", n1, line(18.0, angle_deg=90), axis="short")
    session.set_ruler("BL", n1, line(25.0), axis="long")
    w8 = session.add_visit("2024-03-06")
    session.set_ruler(w8, t1, line(30.0))
    session.set_status(w8, n1, "too_small")
    session.set_status(w8, nt1, "present")
    return t1, n1, nt1, w8


def test_a_read_scores_like_the_design_example(session):
    t1, n1, nt1, w8 = read_patient(session)
    assert (t1, n1, nt1, w8) == ("T1", "T2", "NT1", "W8")
    record = session.record
    assert session.measurement("BL", t1) == {
        "lesion_id": "T1",
        "ruler": {"series_uid": "1.2.3", "points_lps_mm": [[10.0, 20.0, 0.0], [52.0, 20.0, 0.0]]},
        "long_axis_mm": 42.0,
        "diameter_mm": 42.0,
        "reader": "Dr Rad",
        "measured_at": "2026-11-25T12:00:00+00:00",
        "method": "manual",
    }
    node = session.measurement("BL", n1)
    assert (node["diameter_mm"], node["short_axis_mm"], node["long_axis_mm"]) == (18.0, 18.0, 25.0)
    live = session.score()
    assert live.problems == []
    visit = live.response["visits"][0]
    assert (visit["sum_mm"], visit["target"], visit["overall"]) == (35.0, "PR", "PR")
    assert live.response == score_record(record, validate_baseline=False)


def test_rulers_on_anisotropic_oblique_lines_measure_in_mm(session):
    t1 = session.add_lesion("target", "liver")
    ruler = Ruler("s", ((0.0, 0.0, 0.0), (3.0, 4.0, 12.0)))
    assert session.set_ruler("BL", t1, ruler)["diameter_mm"] == 13.0


def test_node_axes_not_perpendicular_is_a_warning(session):
    n1 = session.add_lesion("target", "lymph node", nodal=True)
    session.set_ruler("BL", n1, line(18.0, angle_deg=84), axis="short")
    session.set_ruler("BL", n1, line(25.0), axis="long")
    codes = [c.code for c in session.checks()]
    assert "rulers_not_perpendicular" in codes
    session.set_ruler("BL", n1, line(18.0, angle_deg=86), axis="short")
    assert "rulers_not_perpendicular" not in [c.code for c in session.checks()]


def test_baseline_checks_name_the_lesion_and_block_saving(session, tmp_path):
    n1 = session.add_lesion("target", "lymph node", nodal=True)
    session.set_ruler("BL", n1, line(14.9), axis="short")
    checks = session.checks()
    assert [(c.lesion_id, c.code, c.blocking) for c in checks] == [
        ("T1", "target_not_measurable", True)
    ]
    path = tmp_path / "p.json"
    path.write_text("previous content")
    with pytest.raises(SaveBlockedError, match="not measurable"):
        session.save(path)
    assert path.read_text() == "previous content"
    session.set_ruler("BL", n1, line(15.0), axis="short")
    session.save(path)
    assert json.loads(path.read_text())["lesions"][0]["lesion_id"] == "T1"


def test_too_many_targets_per_organ_is_shown_beside_the_third(session):
    for _ in range(3):
        lesion = session.add_lesion("target", "liver")
        session.set_ruler("BL", lesion, line(20.0))
    checks = [c for c in session.checks() if c.blocking]
    assert [(c.lesion_id, c.code) for c in checks] == [("T3", "too_many_targets_per_organ")]


def test_in_progress_record_saves_and_reopens(session, tmp_path):
    session.add_lesion("target", "liver")  # no ruler yet
    path = session.save(tmp_path / "p.json")
    assert [c.code for c in session.checks()] == ["baseline_target_not_measured"]
    reopened = ReadingSession.open(path)
    assert reopened.record == session.record
    assert reopened.score().response is None


def test_save_reopen_is_identical_and_drops_the_autosave(session, tmp_path):
    read_patient(session)
    path = tmp_path / "records" / "HCC-101.json"
    session.path = path
    sidecar = session.autosave()
    assert sidecar == autosave_path(path) and sidecar.name == ".HCC-101.json.autosave"
    assert pending_autosave(path) == sidecar  # the file does not exist yet
    session.save()
    assert not sidecar.exists() and not session.dirty
    reopened = ReadingSession.open(path)
    assert reopened.record == session.record
    assert reopened.ruler("W8", "T1") == line(30.0)
    assert pending_autosave(path) is None


def test_autosave_offers_changes_after_a_crash(session, tmp_path):
    read_patient(session)
    path = session.save(tmp_path / "p.json")
    session.set_status("W8", "NT1", "unequivocal_progression")
    session.autosave()
    recovered = pending_autosave(path)
    assert recovered is not None
    restored = ReadingSession.open(recovered)
    assert restored.measurement("W8", "NT1")["status"] == "unequivocal_progression"
    assert json.loads(path.read_text())["visits"][1]["measurements"][2]["status"] == "present"


def test_unsaved_session_autosaves_in_the_state_folder(session, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert session.autosave() == tmp_path / "recist-reader" / "autosave" / "HCC-101.json.autosave"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "the file is empty"), (b"{", "not valid JSON"), (b'{"patient_id": 1}', "patient_id")],
)
def test_corrupt_record_is_refused_and_left_alone(tmp_path, content, message):
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(RecordError, match=message) as error:
        ReadingSession.open(path)
    assert str(error.value).startswith(str(path))
    assert path.read_bytes() == content


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.add_visit("2024-01-09"), "after the baseline date"),
        (lambda s: s.add_visit("2024-01-10"), "after the baseline date"),
        (lambda s: s.add_visit("2024-W10-3"), "is not a date YYYY-MM-DD"),
        (lambda s: (s.add_visit("2024-03-06"), s.add_visit("2024-03-06")), "already on 2024-03-06"),
        (
            lambda s: s.set_status("BL", s.add_lesion("target", "liver"), "present"),
            "not a target status",
        ),
        (
            lambda s: s.set_ruler("BL", s.add_lesion("non-target", "bone"), line(3)),
            "takes a status",
        ),
        (lambda s: s.add_new_lesion("BL", "lung"), "cannot be recorded at baseline"),
        (lambda s: s.remove_visit("BL"), "cannot be removed"),
        (lambda s: s.set_status("BL", "T9", "absent"), "no lesion 'T9'"),
        (lambda s: s.add_lesion("target", "  "), "organ"),
    ],
)
def test_wrong_edits_are_refused(session, edit, message):
    with pytest.raises(ReadingError, match=message):
        edit(session)


def test_new_lesions_and_visit_dates(session):
    session.add_lesion("non-target", "bone")
    w6 = session.add_visit("2024-02-21")
    w12 = session.add_visit("2024-04-03")
    session.add_new_lesion(
        w6, "lung, right upper lobe", equivocal=True, point_lps_mm=(1, 2, 3), series_uid="s"
    )
    session.add_new_lesion(w12, "Lung, right upper lobe")
    session.set_status(w6, "NT1", "present")
    session.set_status(w12, "NT1", "present")
    response = session.score().response
    assert response["progression"] == {
        "date": "2024-02-21",
        "visit_id": "W12",
        "dated_visit_id": "W6",
    }
    assert session.visit(w6)["new_lesions"][0]["point_lps_mm"] == [1.0, 2.0, 3.0]
    session.set_visit_date(w12, "2024-04-10")
    assert session.visit(w12)["date"] == "2024-04-10"
    with pytest.raises(ReadingError):
        session.set_visit_date(w12, "2024-02-21")
    session.set_baseline_date("2024-01-08")
    assert session.record["baseline_date"] == session.visit("BL")["date"] == "2024-01-08"


def test_listeners_hear_every_change(session):
    heard = []
    session.listeners.append(lambda: heard.append(1))
    session.add_lesion("target", "liver")
    session.set_ruler("BL", "T1", line(20))
    assert len(heard) == 2 and session.dirty


def test_export_response(session, tmp_path):
    read_patient(session)
    path = session.export_response(tmp_path / "out.response.json")
    assert json.loads(path.read_text()) == score_record(session.record)
