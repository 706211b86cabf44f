"""The immunotherapy phantom patients: designed sizes on real DICOM, and the responses their
reads give under iRECIST and RECIST 1.1."""

from __future__ import annotations

import json

import numpy as np
import pydicom
import pytest

from recist_reader import load_series, score_record
from recist_reader.phantom.immunotherapy import SCENARIOS, write_immunotherapy_patient


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def written(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    visits, record = write_immunotherapy_patient(folder, request.param, noise_sd_hu=0.0)
    return SCENARIOS[request.param], folder, visits, record


def test_the_read_scores_as_designed(written):
    scenario, _, _, record = written
    for criteria in ("iRECIST", "RECIST1.1"):
        response = score_record(record, criteria=criteria)
        assert [v["overall"] for v in response["visits"]] == scenario.expected_overall[criteria]
        assert response["best_overall_response"] == scenario.expected_best_overall[criteria]


def test_new_lesion_is_tracked_at_every_visit_from_its_appearance(written):
    _, _, _, record = written
    listed = [[n["new_lesion_id"] for n in v["new_lesions"]] for v in record["visits"]]
    assert listed[:2] == [[], ["NL1"]]
    assert all(ids == ["NL1"] for ids in listed[1:])
    first = record["visits"][1]["new_lesions"][0]
    assert (first["kind"], first["organ"], first["diameter_mm"]) == ("target", "liver", 12.0)
    assert first["ruler"]["series_uid"] == record["visits"][1]["series"][0]["series_uid"]


def test_new_lesion_appears_in_the_images(written):
    _, folder, visits, _ = written
    baseline, week8 = visits[0], visits[1]
    truth = week8.truths["NL1"]
    assert "NL1" not in baseline.truths
    assert truth.long_axis_mm == pytest.approx(12.0, abs=0.05)
    grid = week8.series.grid
    k, row, column = np.rint(grid.lps_to_index(np.array(week8.phantom.lesion("NL1").centre_mm)))
    window = (int(k), slice(int(row) - 3, int(row) + 4), slice(int(column) - 3, int(column) + 4))
    before = load_series(folder / "BL").array[window].astype(float)
    after = load_series(folder / "W8").array[window].astype(float)
    assert after.mean() - before.mean() == pytest.approx(-50.0, abs=2.0)  # the lesion's contrast
    header = pydicom.dcmread(next((folder / "W8").glob("*.dcm")), stop_before_pixels=True)
    assert header.PatientID == written[0].patient_id


def test_read_immunotherapy_runs_the_saved_read_headless(tmp_path, monkeypatch, capsys):
    """``recist-reader read --immunotherapy NAME`` (./run sample): written once to the cache,
    re-measured from its rulers (new-lesion targets' too), scored under both criteria."""
    from recist_reader.cli import main
    from recist_reader.phantom.immunotherapy import make_immunotherapy_patient

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out = tmp_path / "out"
    args = ["read", "--immunotherapy", "confirmed-progression", "--headless", "--no-screenshot"]
    assert main([*args, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "8 rulers applied" in text  # T1, T2 at 3 visits, and NL1 at 2
    response = json.loads((out / "PHANTOM-IO-002.response.json").read_text())
    assert [v["overall"] for v in response["visits"]] == ["iUPD", "iCPD"]
    recist = json.loads((out / "PHANTOM-IO-002.RECIST1.1.response.json").read_text())
    assert [v["overall"] for v in recist["visits"]] == ["PD", "PD"]
    patient = make_immunotherapy_patient("confirmed-progression")
    stamp = patient.record_path.stat().st_mtime_ns
    assert (
        make_immunotherapy_patient("confirmed-progression").record_path.stat().st_mtime_ns == stamp
    )
