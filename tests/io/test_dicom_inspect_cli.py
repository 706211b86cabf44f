"""``recist-reader inspect`` in-process: table, JSON, and exit 2 with one stderr line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from recist_reader.cli import main


@pytest.mark.shared_data
def test_inspect_json_gives_exact_geometry(shared_dicom_dir, capsys):
    assert main(["inspect", str(shared_dicom_dir / "mr_t1_sagittal"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (series,) = out["series"]
    assert series["modality"] == "MR"
    assert series["description"] == "t1_fl2d_sag"
    assert series["slices"] == 35
    assert series["shape"] == [35, 256, 256]
    np.testing.assert_allclose(series["spacing_mm"], [4.8, 1.015625, 1.015625], atol=1e-6)
    np.testing.assert_allclose(
        series["affine"],
        [
            [-4.8, 0, 0, 81.599998474121],
            [0, 0, 1.015625, -130],
            [0, -1.015625, 0, 130],
            [0, 0, 0, 1],
        ],
        atol=1e-6,
    )
    assert series["warnings"] == [] and series["error"] is None
    assert any(note.endswith("SOURCE.md: skipped: not a DICOM file") for note in out["skipped"])


@pytest.mark.shared_data
def test_inspect_table_shows_tilt_and_uneven_spacing(shared_dicom_dir, capsys):
    assert main(["inspect", str(shared_dicom_dir / "ct_head_gantry_tilt" / "series")]) == 0
    out = capsys.readouterr().out
    assert "modality    CT" in out
    assert "slices      28 acquired" in out
    assert "shape       37 x 512 x 512" in out
    assert "warning     gantry tilt 18.50°" in out
    assert "warning     uneven slice spacing" in out


@pytest.mark.shared_data
def test_inspect_lists_every_series_and_marks_the_unloadable(shared_dicom_dir, capsys):
    assert main(["inspect", str(shared_dicom_dir / "malformed"), "--json"]) == 0
    series = json.loads(capsys.readouterr().out)["series"]
    assert len(series) == 7
    assert sum(1 for s in series if s["error"]) == 1


@pytest.mark.shared_data
def test_inspect_exits_2_when_no_series_loads(shared_dicom_dir, capsys):
    assert main(["inspect", str(shared_dicom_dir / "malformed" / "notavolume")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "duplicate positions" in err[0]


def test_inspect_exits_2_with_one_line_for_a_missing_path(tmp_path, capsys):
    assert main(["inspect", str(tmp_path / "nowhere"), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.strip().splitlines()
    expected = f"{tmp_path / 'nowhere'}: no such file or folder; check the path"
    assert line == f"recist-reader inspect: {expected}"


def test_inspect_exits_2_for_a_folder_without_dicom(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("not an image")
    assert main(["inspect", str(tmp_path)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "no CT/MR image series found" in line and "notes.txt: skipped: not a DICOM file" in line


def test_inspect_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["inspect", "--help"])
    assert exit_info.value.code == 0
    assert "LPS" in capsys.readouterr().out


def test_inspect_reads_a_dicomdir(tmp_path, dicom_factory, capsys):
    from pydicom.fileset import FileSet

    fileset = FileSet()
    for path in dicom_factory.write_ct_series(tmp_path / "src", n=3, step_mm=2.0):
        fileset.add(path)
    fileset.write(tmp_path / "media")
    assert main(["inspect", str(tmp_path / "media" / "DICOMDIR"), "--json"]) == 0
    (series,) = json.loads(capsys.readouterr().out)["series"]
    assert series["shape"] == [3, 6, 8]
    assert series["spacing_mm"] == [2.0, 0.5, 0.75]
