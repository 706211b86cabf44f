"""The phantom patient: scores to its promised responses, rulers of true size, deterministic."""

from __future__ import annotations

import json

import numpy as np
import pytest

from recist_reader import load_series, score_record
from recist_reader.reading.geometry import Ruler
from recist_reader.reading.phantom_patient import (
    PhantomPatientError,
    default_cache_folder,
    designed_sizes_mm,
    make_phantom_patient,
)


@pytest.fixture(scope="module")
def patient(tmp_path_factory):
    return make_phantom_patient(tmp_path_factory.mktemp("phantom") / "patient", seed=0)


def test_scores_to_the_expected_responses(patient):
    response = score_record(patient.record())
    overall = {visit["visit_id"]: visit["overall"] for visit in response["visits"]}
    assert overall == patient.expected_overall == {"W8": "PR", "W16": "PR"}
    assert response["best_overall_response"] == patient.expected_best_overall
    assert response["progression"] is None


def test_every_ruler_measures_the_true_size_within_one_pixel(patient):
    record = patient.record()
    nodal = {lesion["lesion_id"]: lesion["nodal"] for lesion in record["lesions"]}
    checked = 0
    for visit in record["visits"]:
        volume = load_series(patient.series_folders[visit["visit_id"]])
        pixel_mm = max(volume.spacing_mm[1:])
        truth = designed_sizes_mm(visit["visit_id"])
        for measurement in visit["measurements"]:
            lesion_id = measurement["lesion_id"]
            if lesion_id not in truth:
                assert measurement["status"] == "present"  # the non-target
                continue
            key = "short_axis_ruler" if nodal[lesion_id] else "ruler"
            ruler = Ruler.from_json(measurement[key])
            assert ruler.series_uid == volume.series_uid == patient.series_uids[visit["visit_id"]]
            assert abs(ruler.length_mm - truth[lesion_id]) <= pixel_mm, (
                visit["visit_id"],
                lesion_id,
            )
            assert measurement["diameter_mm"] == pytest.approx(truth[lesion_id], abs=pixel_mm)
            ends = volume.lps_to_index(np.asarray(ruler.points_lps_mm))
            assert np.all(ends >= 0) and np.all(ends <= np.asarray(volume.shape) - 1)
            assert ends[0, 0] == pytest.approx(ends[1, 0])  # on one slice
            # The ruler crosses the lesion: its midpoint is darker (liver) or brighter (node)
            # than the tissue just outside its ends.
            middle = np.rint(ends.mean(axis=0)).astype(int)
            away = (ends[0] - ends[1]) / np.linalg.norm(ends[0] - ends[1])
            outside = np.rint(ends[0] + 5 * away).astype(int)  # 5 pixels beyond one end
            assert volume.array[tuple(middle)] != pytest.approx(
                volume.array[tuple(outside)], abs=15
            )
            checked += 1
    assert checked == 9


def test_regenerating_is_deterministic(patient, tmp_path):
    again = make_phantom_patient(tmp_path / "again", seed=0)
    assert again.record_path.read_bytes() == patient.record_path.read_bytes()
    assert again.series_uids == patient.series_uids
    for visit_id in patient.visit_ids:
        first = load_series(patient.series_folders[visit_id]).array
        second = load_series(again.series_folders[visit_id]).array
        np.testing.assert_array_equal(first, second)
    other = make_phantom_patient(tmp_path / "other", seed=1)
    assert other.series_uids["BL"] != patient.series_uids["BL"]


def test_a_complete_copy_is_reused_and_an_incomplete_one_rewritten(patient):
    stamp = patient.record_path.stat().st_mtime_ns
    assert make_phantom_patient(patient.folder, seed=0) == patient
    assert patient.record_path.stat().st_mtime_ns == stamp
    victim = sorted(patient.series_folders["W8"].iterdir())[5]
    victim.unlink()
    repaired = make_phantom_patient(patient.folder, seed=0)
    assert victim.is_file()
    assert repaired.record() == patient.record()


def test_a_folder_with_other_files_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(PhantomPatientError, match="holds other files"):
        make_phantom_patient(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_default_folder_is_the_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_folder(3) == tmp_path / "recist-reader" / "phantom-patient-v1" / "seed-3"
    made = make_phantom_patient(seed=3)
    assert made.folder == default_cache_folder(3)
    assert json.loads(made.record_path.read_text())["patient_id"] == "PHANTOM-HCC-001"


def test_two_processes_generating_at_once_both_get_a_complete_patient(tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "shared"
    code = (
        "import sys\n"
        "from recist_reader.reading.phantom_patient import make_phantom_patient\n"
        "print(make_phantom_patient(sys.argv[1]).record_path)\n"
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(folder)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0].strip() for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert outputs == [str(folder / "record.json")] * 2
    made = make_phantom_patient(folder)
    assert score_record(made.record())["best_overall_response"]["confirmed"] == "PR"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared"]  # no staging folder left
