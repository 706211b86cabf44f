"""The arterial phase of the phantom (viable and necrotic HCC parts, fluid) and the HCC phantom
patient read under RECIST 1.1 and mRECIST."""

from __future__ import annotations

import json

import numpy as np
import pytest

from recist_reader import load_series, score_record
from recist_reader import phantom as ph
from recist_reader.phantom.hcc_patient import (
    HCC_EXPECTED,
    hcc_designed_sizes_mm,
    write_hcc_patient,
)

GRID = ph.Grid.centred((9, 128, 128), (2.5, 0.8, 0.8))


def hcc_lesion(**changes):
    fields = dict(
        lesion_id="T1",
        centre_mm=(0.0, 0.0, float(GRID.slice_position_mm(4)[2])),
        shape=ph.Ellipsoid((40.0, 30.0, 20.0)),
        contrast_hu=-40.0,
        arterial_hu=80.0,
        viable=ph.Ellipsoid((20.0, 16.0, 12.0)),
        viable_offset_mm=(8.0, 0.0, 0.0),
    )
    fields.update(changes)
    return ph.Lesion(**fields)


def hu_at(volume, point_mm):
    k, r, c = np.rint(GRID.lps_to_index(np.asarray(point_mm))).astype(int)
    return float(volume[k, r, c])


def test_the_viable_part_enhances_only_in_the_arterial_phase():
    lesion = hcc_lesion()
    body = ph.body_phantom(lesions=[lesion])
    arterial = ph.render_phantom(body, GRID, phase="arterial")
    venous = ph.render_phantom(body, GRID)
    z = lesion.centre_mm[2]
    viable_point, necrotic_point = (8.0, 0.0, z), (-12.0, 0.0, z)
    assert hu_at(arterial, viable_point) == pytest.approx(40.0 + 80.0)
    assert hu_at(arterial, necrotic_point) == pytest.approx(40.0 - 40.0)
    assert hu_at(venous, viable_point) == hu_at(venous, necrotic_point) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="phase"):
        ph.render_phantom(body, GRID, phase="delayed")


def test_a_lesion_without_a_viable_part_enhances_whole_and_fluid_replaces_tissue():
    z = float(GRID.slice_position_mm(4)[2])
    whole = ph.Lesion("T2", (0.0, 0.0, z), ph.Sphere(20.0), contrast_hu=-30.0, arterial_hu=60.0)
    fluid = ph.Lesion("NT1", (30.0, 0.0, z), ph.Sphere(12.0), fill_hu=5.0)
    body = ph.body_phantom(liver=True, lesions=[whole, fluid])
    arterial = ph.render_phantom(body, GRID, phase="arterial")
    assert hu_at(arterial, (0.0, 0.0, z)) == pytest.approx(40.0 + 60.0)
    assert hu_at(arterial, (30.0, 0.0, z)) == pytest.approx(5.0)
    assert hu_at(ph.render_phantom(body, GRID), (30.0, 0.0, z)) == pytest.approx(5.0)


def test_the_liver_and_the_aorta_change_between_phases():
    body = ph.body_phantom(body_semi_axes_mm=(50.0, 40.0), liver=True, vessel=True)
    arterial = ph.render_phantom(body, GRID, phase="arterial", supersample=1)
    venous = ph.render_phantom(body, GRID, supersample=1)
    z = float(GRID.slice_position_mm(4)[2])
    liver, aorta = (-20.0, -4.0, z), (5.0, 18.0, z)
    assert (hu_at(arterial, liver), hu_at(venous, liver)) == (45.0, 60.0)
    assert (hu_at(arterial, aorta), hu_at(venous, aorta)) == (320.0, 180.0)


def test_viable_truth_and_necrosis_growing():
    lesion = hcc_lesion()
    truth = ph.viable_truth(lesion, GRID)
    assert truth.long_axis_mm == pytest.approx(20.0)
    assert truth.long_axis_endpoints_mm[0][0] == pytest.approx(8.0 - 10.0)
    smaller = lesion.with_viable_scaled(0.5)
    assert ph.viable_truth(smaller, GRID).long_axis_mm == pytest.approx(10.0)
    assert ph.lesion_truth(smaller, GRID).long_axis_mm == pytest.approx(40.0)
    assert ph.viable_truth(lesion.with_viable_scaled(0), GRID) is None
    scaled = lesion.scaled(0.5)
    assert ph.viable_truth(scaled, GRID).long_axis_mm == pytest.approx(10.0)
    assert scaled.viable_offset_mm == (4.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="arterial_hu"):
        hcc_lesion(arterial_hu=None)


@pytest.fixture(scope="module")
def hcc_patient(tmp_path_factory):
    return write_hcc_patient(tmp_path_factory.mktemp("hcc"), seed=3)


@pytest.mark.parametrize("criteria", ["RECIST1.1", "mRECIST"])
def test_the_hcc_patient_scores_as_designed_under_both_criteria(hcc_patient, criteria):
    response = score_record(hcc_patient.record(), criteria=criteria)
    expected = HCC_EXPECTED[criteria]
    assert {v["visit_id"]: v["overall"] for v in response["visits"]} == expected["overall"]
    assert response["best_overall_response"] == expected["best_overall"]


def test_the_hcc_patient_record_holds_both_rulers_on_their_series(hcc_patient):
    record = hcc_patient.record()
    assert record["criteria"] == "RECIST1.1"
    for visit in record["visits"]:
        uids = hcc_patient.series_uids[visit["visit_id"]]
        assert [s["series_uid"] for s in visit["series"]] == [
            uids["portal_venous"],
            uids["arterial"],
        ]
        sizes = hcc_designed_sizes_mm(visit["visit_id"])
        by_id = {m["lesion_id"]: m for m in visit["measurements"]}
        for lesion_id in ("T1", "T2"):
            measurement = by_id[lesion_id]
            assert measurement["ruler"]["series_uid"] == uids["portal_venous"]
            assert measurement["viable_ruler"]["series_uid"] == uids["arterial"]
            assert measurement["diameter_mm"] == pytest.approx(sizes["recist"][lesion_id], abs=0.05)
            assert measurement["viable_diameter_mm"] == pytest.approx(
                sizes["viable"][lesion_id], abs=0.05
            )
        assert by_id["N1"]["diameter_mm"] == pytest.approx(sizes["recist"]["N1"], abs=0.05)


@pytest.mark.parametrize("visit_id", ["BL", "W16"])
def test_the_enhancing_part_on_the_arterial_images_is_the_viable_diameter(hcc_patient, visit_id):
    """Threshold the arterial images well above the liver: the enhancing voxels along the
    viable ruler span the recorded viable diameter; on the portal-venous images nothing in
    the lesion enhances."""
    record = hcc_patient.record()
    visit = next(v for v in record["visits"] if v["visit_id"] == visit_id)
    measurement = next(m for m in visit["measurements"] if m["lesion_id"] == "T1")
    arterial = load_series(hcc_patient.series_folders[visit_id]["arterial"])
    venous = load_series(hcc_patient.series_folders[visit_id]["portal_venous"])
    a, b = (np.asarray(p) for p in measurement["viable_ruler"]["points_lps_mm"])
    inverse = np.linalg.inv(arterial.affine)
    samples = [a + t * (b - a) for t in np.linspace(-0.3, 1.3, 321)]
    index = [np.rint((inverse @ [*p, 1.0])[:3]).astype(int) for p in samples]
    enhancing = [arterial.array[tuple(i)] > 85 for i in index]  # liver 45, viable 115 HU
    inside = np.flatnonzero(enhancing)
    length = np.linalg.norm(samples[inside[-1]] - samples[inside[0]])
    assert length == pytest.approx(measurement["viable_diameter_mm"], abs=1.5)
    assert not any(venous.array[tuple(i)] > 85 for i in index)


def test_the_hcc_patient_is_reused_when_complete(hcc_patient):
    again = write_hcc_patient(hcc_patient.folder, seed=3)
    assert again == hcc_patient
    assert json.loads((hcc_patient.folder / "hcc_patient.json").read_text())["version"] == 1


def test_read_hcc_scores_and_shows_both_criteria(tmp_path, monkeypatch, capsys):
    from recist_reader.cli import main

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out = tmp_path / "out"
    argv = ["read", "--hcc", "--headless", "--no-screenshot", "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "Patient PHANTOM-HCC-002  (RECIST1.1)" in printed
    assert "Patient PHANTOM-HCC-002  (mRECIST)  baseline BL 2024-01-10, sum 52.0 mm" in printed
    recist = json.loads((out / "PHANTOM-HCC-002.response.json").read_text())
    mrecist = json.loads((out / "PHANTOM-HCC-002.mRECIST.response.json").read_text())
    assert recist["best_overall_response"] == HCC_EXPECTED["RECIST1.1"]["best_overall"]
    assert mrecist["best_overall_response"] == HCC_EXPECTED["mRECIST"]["best_overall"]


def test_criteria_read_in(hcc_patient):
    from recist_reader.core.criteria import criteria_read_in
    from recist_reader.core.validation import parse_record

    record = hcc_patient.record()
    assert criteria_read_in(parse_record(record)) == ("RECIST1.1", "mRECIST")
    for lesion in record["lesions"]:
        lesion.pop("lesion_type"), lesion.pop("mrecist_kind", None)
    for visit in record["visits"]:
        for measurement in visit["measurements"]:
            measurement.pop("viable_diameter_mm", None), measurement.pop("viable_ruler", None)
    assert criteria_read_in(parse_record(record)) == ("RECIST1.1",)
    record["visits"][1]["clinically_stable"] = True
    assert criteria_read_in(parse_record(record)) == ("RECIST1.1", "iRECIST")
