"""Export then import gives the record back: every field design.md §8.8 says the SR carries."""

from __future__ import annotations

import pytest

from recist_reader import export_sr, import_sr
from recist_reader.core.validation import parse_record
from recist_reader.interop.sr import read_sr
from recist_reader.interop.sr.tracking import derived_lesion_tracking_uid

POINT_TOLERANCE_MM = 0.01


def _points_close(expected, actual, where):
    assert actual is not None, f"{where}: missing"
    assert len(actual) == len(expected), where
    for p, q in zip(expected, actual):
        assert max(abs(a - b) for a, b in zip(p, q)) <= POINT_TOLERANCE_MM, f"{where}: {p} != {q}"


def _ruler_series(visit):
    uids = [s["series_uid"] for s in visit.get("series") or []]
    for m in visit["measurements"]:
        for key in ("ruler", "short_axis_ruler"):
            if m.get(key):
                uids.append(m[key]["series_uid"])
    return list(dict.fromkeys(uids))


def assert_carried(original, imported):
    """``imported`` holds every field of ``original`` the SR carries (design.md §8.8)."""
    assert imported["patient_id"] == original["patient_id"]
    assert imported["criteria"] == original["criteria"]
    assert imported["baseline_date"] == original["baseline_date"]
    lesions = {lesion["lesion_id"]: lesion for lesion in imported["lesions"]}
    measured = {m["lesion_id"] for v in original["visits"] for m in v["measurements"]}
    for lesion in original["lesions"]:
        if lesion["lesion_id"] not in measured:
            continue
        got = lesions.pop(lesion["lesion_id"])
        assert got["kind"] == lesion["kind"]
        assert got["organ"] == lesion["organ"]
        assert got["nodal"] == lesion.get("nodal", False)
        assert got["tracking_uid"] == lesion.get("tracking_uid") or derived_lesion_tracking_uid(
            original["patient_id"], lesion["lesion_id"]
        )
        assert set(got) <= {"lesion_id", "kind", "organ", "nodal", "tracking_uid"}
    assert not lesions, f"lesions not in the record: {sorted(lesions)}"

    exported = [v for v in original["visits"] if v["measurements"] or v["new_lesions"]]
    visits = {v["visit_id"]: v for v in imported["visits"]}
    assert sorted(visits) == sorted(v["visit_id"] for v in exported)
    studies = {
        s["series_uid"]: s.get("study_uid")
        for v in original["visits"]
        for s in v.get("series") or []
    }
    for visit in exported:
        got = visits[visit["visit_id"]]
        where = f"visit {visit['visit_id']}"
        assert got["date"] == visit["date"], where
        assert [s["series_uid"] for s in got["series"]] == _ruler_series(visit), where
        for series in got["series"]:
            if studies.get(series["series_uid"]):
                assert series["study_uid"] == studies[series["series_uid"]], where
        by_lesion = {m["lesion_id"]: m for m in got["measurements"]}
        assert len(by_lesion) == len(visit["measurements"]), where
        for m in visit["measurements"]:
            _assert_measurement(m, by_lesion[m["lesion_id"]], f"{where} {m['lesion_id']}")
        assert len(got["new_lesions"]) == len(visit["new_lesions"]), where
        for k, (entry, back) in enumerate(zip(visit["new_lesions"], got["new_lesions"]), start=1):
            here = f"{where} N{k}"
            assert back["location"] == entry["location"], here
            assert back["equivocal"] == entry.get("equivocal", False), here
            assert back.get("first_seen_visit_id") == entry.get("first_seen_visit_id"), here
            if entry.get("point_lps_mm") is not None:
                _points_close([entry["point_lps_mm"]], [back["point_lps_mm"]], here)
                assert back["series_uid"] == entry["series_uid"], here
            else:
                assert "point_lps_mm" not in back, here


def _assert_measurement(m, got, where):
    assert got.get("diameter_mm") == m.get("diameter_mm"), where
    assert got.get("status") == m.get("status"), where
    for key in ("ruler", "short_axis_ruler"):
        if m.get(key):
            assert got[key]["series_uid"] == m[key]["series_uid"], f"{where} {key}"
            _points_close(m[key]["points_lps_mm"], got[key]["points_lps_mm"], f"{where} {key}")
        else:
            assert key not in got, f"{where} {key}"
    if m.get("ruler") and m.get("short_axis_ruler"):
        for key in ("long_axis_mm", "short_axis_mm"):
            if m.get(key) is not None:
                assert got[key] == m[key], f"{where} {key}"
    else:
        assert "long_axis_mm" not in got and "short_axis_mm" not in got, where
    assert got.get("reader") == m.get("reader"), where
    has_geometry = bool(m.get("ruler") or m.get("short_axis_ruler"))
    expected_method = m.get("method") or ("manual" if has_geometry else None)
    assert got.get("method") == expected_method, where
    assert got.get("measured_at") == m.get("measured_at"), where


@pytest.mark.parametrize("read_name", ["phantom_read", "rich_read"])
def test_phantom_reads_round_trip(read_name, request):
    read = request.getfixturevalue(read_name)
    datasets = export_sr(read.record, read.images)
    imported = import_sr(datasets)
    assert_carried(read.record, imported)
    parse_record(imported)  # a valid record


def test_round_trip_through_files(rich_read):
    documents, paths = rich_read.export()
    assert [p.name for p in paths] == [
        "PHANTOM-HCC-001_BL.SR.dcm",
        "PHANTOM-HCC-001_W8_1.SR.dcm",
        "PHANTOM-HCC-001_W8_2.SR.dcm",
        "PHANTOM-HCC-001_W8_3.SR.dcm",
        "PHANTOM-HCC-001_W16.SR.dcm",
    ]
    # W8: one SR per reader in the order of their names, measurements without reader last.
    assert [d.reader for d in documents] == ["Reader^One", "Reader^One", "Reader^Two", None, None]
    imported = read_sr([rich_read.out])
    assert_carried(rich_read.record, imported.record)
    assert imported.foreign_rulers == [] and imported.notes == []


def test_every_sample_record_round_trips(sample_record_reads):
    assert len(sample_record_reads) >= 7
    for read in sample_record_reads:
        imported = import_sr(export_sr(read.record, read.images))
        assert_carried(read.record, imported)
        parse_record(imported)


@pytest.mark.shared_data
def test_real_ct_read_round_trips(real_ct_read):
    imported = import_sr(export_sr(real_ct_read.record, real_ct_read.images))
    assert_carried(real_ct_read.record, imported)


def test_tracking_uids_are_stable_across_visits_and_exports(rich_read):
    first = import_sr(export_sr(rich_read.record, rich_read.images))
    second = import_sr(export_sr(rich_read.record, rich_read.images))
    uids = {lesion["lesion_id"]: lesion["tracking_uid"] for lesion in first["lesions"]}
    assert uids == {lesion["lesion_id"]: lesion["tracking_uid"] for lesion in second["lesions"]}
    assert len(set(uids.values())) == len(uids)
    assert uids["T1"] == "1.2.826.0.1.3680043.10.1234.1"
    assert uids["T2"] == derived_lesion_tracking_uid("PHANTOM-HCC-001", "T2")
