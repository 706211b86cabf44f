"""Bad input to the SR export and import, and the two commands (design.md §8.2, §8.8)."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess

import pydicom
import pytest

from recist_reader.cli import main
from recist_reader.errors import RecordError
from recist_reader.interop.sr import (
    SRExportError,
    SRExportWarning,
    SRImportError,
    export_sr,
    import_sr,
    read_sr,
)


def _record(phantom_read):
    return copy.deepcopy(phantom_read.record)


def test_ruler_off_every_slice_is_an_error_naming_visit_lesion_and_series(phantom_read):
    record = _record(phantom_read)
    ruler = record["visits"][1]["measurements"][1]["ruler"]
    for point in ruler["points_lps_mm"]:
        point[2] += 1.0  # between two slices 2.5 mm apart
    with pytest.raises(SRExportError) as caught:
        export_sr(record, phantom_read.images)
    (problem,) = caught.value.problems
    assert "visit W8" in problem and "lesion T2" in problem
    assert ruler["series_uid"] in problem
    assert "1.00 mm" in problem and "0.05 mm" in problem


def test_a_ruler_just_within_the_tolerance_is_exported(phantom_read):
    record = _record(phantom_read)
    for point in record["visits"][0]["measurements"][0]["ruler"]["points_lps_mm"]:
        point[2] += 0.04
    assert len(export_sr(record, phantom_read.images)) == 3


def test_every_problem_is_reported_at_once(phantom_read):
    record = _record(phantom_read)
    record["visits"][0]["measurements"][0]["ruler"]["points_lps_mm"][0][2] += 0.3
    record["visits"][2]["measurements"][2]["short_axis_ruler"]["points_lps_mm"][1][2] -= 0.3
    with pytest.raises(SRExportError) as caught:
        export_sr(record, phantom_read.images)
    assert len(caught.value.problems) == 2
    assert "visit BL: lesion T1 ruler" in caught.value.problems[0]
    assert "visit W16: lesion N1 short-axis ruler" in caught.value.problems[1]


def test_series_not_found(phantom_read, tmp_path):
    record = _record(phantom_read)
    missing = "1.2.3.4.5.6.7.8.9"
    record["visits"][2]["series"][0]["series_uid"] = missing
    for m in record["visits"][2]["measurements"]:
        for key in ("ruler", "short_axis_ruler"):
            if m.get(key):
                m[key]["series_uid"] = missing
    with pytest.raises(SRExportError) as caught:
        export_sr(record, phantom_read.images)
    (problem,) = caught.value.problems
    assert problem.startswith(f"visit W16: series {missing} not found under ")
    assert "--series-folder" in problem


def test_visit_whose_series_span_two_studies(phantom_read, phantom):
    record = _record(phantom_read)
    record["visits"][1]["series"].append(dict(record["visits"][0]["series"][0]))
    with pytest.raises(SRExportError) as caught:
        export_sr(record, phantom_read.images)
    (problem,) = caught.value.problems
    assert problem.startswith("visit W8: its series belong to 2 studies")


def test_visit_without_any_series(phantom_read):
    record = _record(phantom_read)
    visit = record["visits"][1]
    del visit["series"]
    for m in visit["measurements"]:
        m.pop("ruler", None)
        m.pop("short_axis_ruler", None)
    with pytest.raises(SRExportError, match="visit W8: no series is recorded for it"):
        export_sr(record, phantom_read.images)


def test_invalid_record_is_a_record_error(phantom_read):
    record = _record(phantom_read)
    record["visits"][0]["measurements"][0]["diameter_mm"] = -3
    with pytest.raises(RecordError) as caught:
        export_sr(record, phantom_read.images)
    assert isinstance(caught.value, ValueError)
    assert "visits[0].measurements[0].diameter_mm" in str(caught.value)


def test_visit_date_other_than_study_date_warns(phantom_read):
    record = _record(phantom_read)
    record["visits"][2]["date"] = "2024-05-02"
    with pytest.warns(
        SRExportWarning,
        match="visit W16: its date 2024-05-02 is not its study's StudyDate 20240501",
    ):
        datasets = export_sr(record, phantom_read.images)
    assert import_sr(datasets)["visits"][2]["date"] == "2024-05-01"


def test_unparseable_measured_at(phantom_read):
    record = _record(phantom_read)
    record["visits"][0]["measurements"][1]["measured_at"] = "last Tuesday"
    with pytest.raises(SRExportError, match="visit BL: lesion T2: measured_at 'last Tuesday'"):
        export_sr(record, phantom_read.images)


# --- import errors --------------------------------------------------------------------------


def test_import_refuses_srs_of_several_patients(phantom_read, tmp_path):
    datasets = export_sr(phantom_read.record, phantom_read.images)
    other = copy.deepcopy(datasets[1])
    other.PatientID = "SOMEONE-ELSE"
    with pytest.raises(SRImportError, match="2 patients .*'PHANTOM-HCC-001', 'SOMEONE-ELSE'"):
        import_sr([datasets[0], other])


def test_import_of_a_file_that_is_no_sr(phantom, tmp_path):
    image = next(phantom.series_folders["BL"].glob("*.dcm"))
    with pytest.raises(
        SRImportError, match="not an Enhanced, Comprehensive or Comprehensive 3D SR"
    ):
        import_sr([image])
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(SRImportError, match="notes.txt: not a DICOM file"):
        import_sr([text])
    with pytest.raises(SRImportError, match="no such file or folder"):
        import_sr([tmp_path / "missing.dcm"])
    with pytest.raises(SRImportError, match="no DICOM SR document found"):
        import_sr([phantom.series_folders["BL"]])


def test_import_of_an_sr_that_is_no_measurement_report(phantom_read, tmp_path):
    sr = export_sr(phantom_read.record, phantom_read.images)[0]
    sr.ConceptNameCodeSequence[0].CodeValue = "18748-4"
    sr.ConceptNameCodeSequence[0].CodingSchemeDesignator = "LN"
    sr.ConceptNameCodeSequence[0].CodeMeaning = "Diagnostic imaging report"
    path = tmp_path / "report.dcm"
    sr.save_as(path)
    with pytest.raises(
        SRImportError, match="not an Imaging Measurement Report .*'Diagnostic imaging report'"
    ):
        import_sr([path])
    # In a folder it is skipped with a note, beside the SRs that are measurement reports.
    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(path, folder)
    for number, dataset in enumerate(export_sr(phantom_read.record, phantom_read.images)):
        dataset.save_as(folder / f"{number}.dcm")
    imported = read_sr([folder])
    assert len(imported.record["visits"]) == 3
    assert any("report.dcm" in note and "skipped" in note for note in imported.notes)


# --- OHIF's own SR --------------------------------------------------------------------------


def _ohif_sr(phantom, tmp_path):
    """An SR written by OHIF's own code (@cornerstonejs/adapters) with a Length on the slice of
    the baseline T1 ruler, or a skip when node is not set up."""
    from pathlib import Path

    sr_check = Path(__file__).resolve().parents[3] / "tools" / "sr-check"
    node = shutil.which("node")
    if node is None or not (sr_check / "node_modules" / "@cornerstonejs" / "adapters").is_dir():
        pytest.skip("node or tools/sr-check/node_modules missing: run tools/bootstrap.sh")
    from recist_reader.interop.sr.images import read_series_headers

    record = phantom.record()
    points = record["visits"][0]["measurements"][0]["ruler"]["points_lps_mm"]
    uid = phantom.series_uids["BL"]
    geometry, _ = read_series_headers(phantom.series_folders["BL"], [uid])[uid].slice_holding(
        points
    )
    spec = {
        "images": [str(phantom.series_folders["BL"])],
        "out": str(tmp_path / "ohif" / "ohif-sr.dcm"),
        "measurements": [
            {
                "toolType": "Length",
                "sopInstanceUid": geometry.sop_instance_uid,
                "points": points,
                "label": "liver lesion?",
            }
        ],
    }
    (tmp_path / "ohif").mkdir()
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    subprocess.run(
        [node, str(sr_check / "make-ohif-sr.mjs"), str(tmp_path / "spec.json")],
        check=True,
        cwd=sr_check,
        capture_output=True,
    )
    return Path(spec["out"]), points, uid


def test_ohif_rulers_are_listed_not_put_into_the_record(phantom, tmp_path, capsys):
    path, points, series_uid = _ohif_sr(phantom, tmp_path)
    imported = read_sr([path.parent, phantom.series_folders["BL"]])
    assert imported.record["lesions"] == []
    assert [v["measurements"] for v in imported.record["visits"]] == [[]]
    (ruler,) = imported.foreign_rulers
    assert ruler.label == "liver lesion?"
    assert ruler.series_uid == series_uid
    assert ruler.length_mm == pytest.approx(32.0, abs=0.01)
    for got, want in zip(ruler.points_lps_mm, points):
        assert max(abs(a - b) for a, b in zip(got, want)) <= 0.01
    out = tmp_path / "record.json"
    assert main(["import-sr", str(path), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "1 ruler(s) of other tools, not in the record" in err
    assert "ruler 'liver lesion?' 32.0 mm on series" in err


# --- the commands ---------------------------------------------------------------------------


def test_export_and_import_commands(phantom_read, tmp_path, capsys):
    record_path = tmp_path / "record.json"
    record_path.write_text(json.dumps(phantom_read.record))
    out = tmp_path / "sr"
    assert (
        main(
            [
                "export-sr",
                str(record_path),
                "--series-folder",
                str(phantom_read.images),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    written = capsys.readouterr().out.split()
    assert [p.rsplit("/", 1)[-1] for p in written] == [
        "PHANTOM-HCC-001_BL.SR.dcm",
        "PHANTOM-HCC-001_W8.SR.dcm",
        "PHANTOM-HCC-001_W16.SR.dcm",
    ]
    first = {p.name: pydicom.dcmread(p).SOPInstanceUID for p in out.iterdir()}
    # A re-export references the SR it replaces.
    assert (
        main(
            [
                "export-sr",
                str(record_path),
                "--series-folder",
                str(phantom_read.images),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    again = pydicom.dcmread(out / "PHANTOM-HCC-001_W8.SR.dcm")
    predecessor = (
        again.PredecessorDocumentsSequence[0].ReferencedSeriesSequence[0].ReferencedSOPSequence[0]
    )
    assert predecessor.ReferencedSOPInstanceUID == first["PHANTOM-HCC-001_W8.SR.dcm"]
    assert sorted(p.name for p in out.iterdir()) == sorted(first)
    capsys.readouterr()
    back = tmp_path / "back.json"
    assert main(["import-sr", str(out), "--out", str(back)]) == 0
    imported = json.loads(back.read_text())
    assert [v["visit_id"] for v in imported["visits"]] == ["BL", "W8", "W16"]
    assert capsys.readouterr().err == ""


def test_export_command_problems_exit_2(phantom_read, tmp_path, capsys):
    record = _record(phantom_read)
    record["visits"][0]["measurements"][0]["ruler"]["points_lps_mm"][0][2] += 0.5
    record_path = tmp_path / "record.json"
    record_path.write_text(json.dumps(record))
    out = tmp_path / "sr"
    assert (
        main(
            [
                "export-sr",
                str(record_path),
                "--series-folder",
                str(phantom_read.images),
                "--out",
                str(out),
            ]
        )
        == 2
    )
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{record_path}: visit BL: lesion T1 ruler")
    assert not out.exists()
    record["visits"][0]["measurements"][0]["diameter_mm"] = "big"
    record_path.write_text(json.dumps(record))
    assert (
        main(
            [
                "export-sr",
                str(record_path),
                "--series-folder",
                str(phantom_read.images),
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "visits[0].measurements[0].diameter_mm" in capsys.readouterr().err
    assert main(["export-sr", str(record_path), "--out", str(out)]) == 2
    assert "give --series-folder DIR" in capsys.readouterr().err


def test_export_command_store_failure_exits_3_with_files_written(phantom_read, tmp_path, capsys):
    record_path = tmp_path / "record.json"
    record_path.write_text(json.dumps(phantom_read.record))
    out = tmp_path / "sr"
    code = main(
        [
            "export-sr",
            str(record_path),
            "--series-folder",
            str(phantom_read.images),
            "--out",
            str(out),
            "--stow",
            "http://127.0.0.1:9/dicom-web",
        ]
    )
    assert code == 3
    assert len(list(out.glob("*.SR.dcm"))) == 3
    assert "--stow http://127.0.0.1:9/dicom-web" in capsys.readouterr().err


def test_import_command_errors_exit_2(tmp_path, capsys):
    assert main(["import-sr", str(tmp_path / "nothing"), "--out", str(tmp_path / "r.json")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_a_re_export_supersedes_every_earlier_sr_of_the_visit(rich_read, tmp_path):
    """Readers changed between two exports: the files of the first stay in --out, but the new
    SR of the visit lists them as predecessors and import skips them."""
    from recist_reader.interop.sr import export_sr_files

    out = tmp_path / "sr"
    first = export_sr_files(rich_read.record, rich_read.images, out)
    assert [p.name for p in first if "_W8" in p.name] == [
        "PHANTOM-HCC-001_W8_1.SR.dcm",
        "PHANTOM-HCC-001_W8_2.SR.dcm",
        "PHANTOM-HCC-001_W8_3.SR.dcm",
    ]
    record = copy.deepcopy(rich_read.record)
    for m in record["visits"][1]["measurements"]:
        m["reader"] = "Reader^One"
    second = export_sr_files(record, rich_read.images, out)
    (w8,) = [p for p in second if "_W8" in p.name]
    assert w8.name == "PHANTOM-HCC-001_W8.SR.dcm"
    references = pydicom.dcmread(w8).PredecessorDocumentsSequence[0].ReferencedSeriesSequence[0]
    old = {pydicom.dcmread(p).SOPInstanceUID for p in first if "_W8" in p.name}
    assert {r.ReferencedSOPInstanceUID for r in references.ReferencedSOPSequence} == old
    imported = read_sr([out])
    visit = next(v for v in imported.record["visits"] if v["visit_id"] == "W8")
    assert sorted(m["lesion_id"] for m in visit["measurements"]) == ["N1", "NT1", "T1", "T2"]
    assert {m["reader"] for m in visit["measurements"]} == {"Reader^One"}
    assert sum("replaced by a later SR" in note for note in imported.notes) == 3  # the old W8 files
