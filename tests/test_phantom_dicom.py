"""Phantom series on disk: valid DICOM, the geometry we meant, read back by three readers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk
from pydicom.uid import CTImageStorage

from recist_reader import phantom as ph
from recist_reader.io.dicom import load_series

GRIDS = {
    "axial": ph.Grid.centred((12, 48, 40), (2.5, 0.8, 0.7), centre_mm=(-30, 10, 120)),
    "sagittal": ph.Grid.centred((10, 40, 48), (3.0, 0.9, 1.1), orientation="sagittal"),
    "coronal": ph.Grid.centred((10, 40, 48), (2.0, 1.25, 0.75), orientation="coronal"),
    "oblique": ph.Grid.centred((10, 44, 40), (1.7, 0.6, 0.9), rotation_deg=(18, -12, 30)),
}


def _phantom() -> ph.Phantom:
    return ph.body_phantom(
        body_semi_axes_mm=(25, 18),
        liver=True,
        lesions=[ph.Lesion("T1", (-8, 2, 0), ph.Ellipsoid((14, 8, 9), angle_deg=30), 70)],
    )


def _write(tmp_path, name: str, *, compression="none", **kwargs):
    grid = GRIDS[name]
    hu = ph.render_phantom(_phantom(), grid, noise_sd_hu=15, seed=2)
    written = ph.write_ct_series(
        tmp_path / f"{name}-{compression}", hu, grid, compression=compression, **kwargs
    )
    stored = ph.quantize_hu(
        hu,
        rescale_slope=written.rescale_slope,
        rescale_intercept=written.rescale_intercept,
        bits_stored=written.bits_stored,
        signed=written.signed,
    )
    expected = stored * written.rescale_slope + written.rescale_intercept
    return written, expected


@pytest.mark.parametrize("compression", ph.available_compressions())
def test_files_are_valid_ct_images_with_the_written_tags(tmp_path, compression):
    patient = ph.PatientInfo("P042", "DOE^JANE", dt.date(1960, 5, 1), "F")
    study = ph.StudyInfo(dt.date(2024, 3, 6), study_description="CT CAP")
    written, expected = _write(
        tmp_path,
        "oblique",
        compression=compression,
        patient=patient,
        study=study,
        series_description="AXIAL 2.5",
        series_number=3,
        window_center_hu=50,
        window_width_hu=350,
        file_order_seed=5,
    )
    grid = written.grid
    assert len(written.paths) == grid.shape[0] == len(set(written.sop_instance_uids))
    for k, path in enumerate(written.paths):
        ds = pydicom.dcmread(path)  # raises on a malformed file
        assert ds.file_meta.MediaStorageSOPClassUID == ds.SOPClassUID == CTImageStorage
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
        assert ds.SOPInstanceUID == written.sop_instance_uids[k]
        assert ds.file_meta.TransferSyntaxUID == ph.COMPRESSIONS[compression]
        assert ds.SOPInstanceUID.is_valid and ds.SeriesInstanceUID.is_valid
        assert ds.StudyInstanceUID == study.study_uid
        assert ds.FrameOfReferenceUID == study.frame_of_reference_uid
        assert ds.SeriesInstanceUID == written.series_uid
        assert (ds.Modality, ds.PatientID, ds.PatientName) == ("CT", "P042", "DOE^JANE")
        assert (ds.StudyDate, ds.PatientBirthDate, ds.PatientSex) == ("20240306", "19600501", "F")
        assert (ds.SeriesDescription, ds.SeriesNumber) == ("AXIAL 2.5", 3)
        assert (float(ds.WindowCenter), float(ds.WindowWidth)) == (50, 350)
        np.testing.assert_allclose([float(v) for v in ds.PixelSpacing], grid.spacing_mm[1:])
        np.testing.assert_allclose(
            [float(v) for v in ds.ImageOrientationPatient], grid.orientation, atol=1e-12
        )
        np.testing.assert_allclose(
            [float(v) for v in ds.ImagePositionPatient], grid.slice_position_mm(k), atol=1e-9
        )
        assert float(ds.SliceThickness) == grid.spacing_mm[0]
        hu = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
        np.testing.assert_array_equal(hu, expected[k])
    instance_numbers = [
        pydicom.dcmread(p, stop_before_pixels=True).InstanceNumber for p in written.paths
    ]
    assert sorted(instance_numbers) == list(range(1, grid.shape[0] + 1))
    assert instance_numbers != sorted(instance_numbers)  # shuffled: readers must sort by position


def test_written_geometry_is_the_grid_rounded_to_ds_strings(tmp_path):
    grid = GRIDS["oblique"]
    written, _ = _write(tmp_path, "oblique")
    np.testing.assert_allclose(written.affine, grid.affine, atol=1e-12)
    np.testing.assert_allclose(written.affine, written.grid.affine, atol=0)


def test_rescale_slope_and_intercept_are_honoured(tmp_path):
    written, expected = _write(tmp_path, "axial", rescale_slope=0.5, rescale_intercept=-1000.0)
    ds = pydicom.dcmread(written.paths[0])
    assert (float(ds.RescaleSlope), float(ds.RescaleIntercept)) == (0.5, -1000.0)
    np.testing.assert_array_equal(ds.pixel_array * 0.5 - 1000.0, expected[0])
    assert np.any(expected % 1 == 0.5)  # half-HU steps survive


@pytest.mark.parametrize("compression", ["none", "rle"])
def test_unsigned_12_bit_layout_clips_and_reads_back(tmp_path, compression):
    grid = ph.Grid((2, 8, 8), (1, 1, 1))
    hu = np.linspace(-1500, 3500, 128).reshape(grid.shape)
    written = ph.write_ct_series(
        tmp_path, hu, grid, bits_stored=12, signed=False, compression=compression
    )
    ds = pydicom.dcmread(written.paths[1])
    assert (ds.BitsStored, ds.HighBit, ds.PixelRepresentation) == (12, 11, 0)
    np.testing.assert_array_equal(ds.pixel_array - 1024.0, np.clip(np.rint(hu[1]), -1024, 3071))
    volume = load_series(tmp_path)
    assert volume.array.dtype == np.int16  # 12 bits unsigned + intercept fit in int16
    np.testing.assert_array_equal(volume.array, np.clip(np.rint(hu), -1024, 3071))


def test_unknown_or_unavailable_compression_is_refused(tmp_path):
    grid = ph.Grid((1, 4, 4), (1, 1, 1))
    with pytest.raises(ValueError, match="compression"):
        ph.write_ct_series(tmp_path, np.zeros(grid.shape), grid, compression="zip")
    with pytest.raises(ValueError, match="shape"):
        ph.write_ct_series(tmp_path, np.zeros((2, 4, 4)), grid)
    missing = sorted(set(ph.COMPRESSIONS) - set(ph.available_compressions()))
    for name in missing:
        with pytest.raises(ValueError, match="cannot encode"):
            ph.write_ct_series(tmp_path, np.zeros(grid.shape), grid, compression=name)


@pytest.mark.parametrize("name", sorted(GRIDS))
def test_simpleitk_reads_the_same_geometry_and_values(tmp_path, name):
    """An independent reader (ITK/GDCM) agrees on origin, spacing, direction and HU."""
    written, expected = _write(tmp_path, name, compression="rle", file_order_seed=1)
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(written.directory)))
    image = reader.Execute()
    grid = written.grid
    np.testing.assert_allclose(image.GetOrigin(), grid.origin_mm, atol=1e-6)
    np.testing.assert_allclose(image.GetSpacing(), grid.spacing_mm[::-1], atol=1e-6)
    direction = np.array(image.GetDirection()).reshape(3, 3)
    np.testing.assert_allclose(
        direction,
        np.column_stack([grid.row_direction, grid.column_direction, grid.normal]),
        atol=1e-6,
    )
    np.testing.assert_array_equal(sitk.GetArrayFromImage(image), expected)


# ----------------------------------------------------------------------------- load_series


@pytest.mark.parametrize(
    ("compression", "layout"),
    [("none", (16, True)), ("rle", (16, True)), ("none", (12, False)), ("rle", (12, False))],
)
@pytest.mark.parametrize("name", sorted(GRIDS))
def test_load_series_gives_the_known_geometry(tmp_path, name, compression, layout):
    study = ph.StudyInfo(dt.date(2024, 3, 6))
    written, expected = _write(
        tmp_path,
        name,
        compression=compression,
        file_order_seed=4,
        study=study,
        series_description="PHANTOM " + name.upper(),
        window_center_hu=60,
        window_width_hu=160,
        bits_stored=layout[0],
        signed=layout[1],
    )
    volume = load_series(written.directory)
    np.testing.assert_allclose(volume.affine, written.affine, atol=1e-6)
    np.testing.assert_allclose(volume.spacing_mm, written.grid.spacing_mm, atol=1e-6)
    np.testing.assert_array_equal(volume.array, expected)
    assert volume.series_uid == written.series_uid
    assert volume.modality == "CT"
    assert volume.study_uid == study.study_uid
    assert volume.study_date == "2024-03-06"
    assert volume.description == "PHANTOM " + name.upper()
    assert volume.warnings == []
    assert list(volume.window_presets.values())[0] == (60, 160)


# ----------------------------------------------------------------------------- patients


def test_patient_visits_are_new_studies_of_the_same_patient(tmp_path):
    grid = ph.Grid.centred((9, 64, 64), (3.0, 1.0, 1.0))
    baseline = ph.body_phantom(
        body_semi_axes_mm=(30, 28),
        lesions=[
            ph.Lesion("T1", (-10, 0, 0), ph.Ellipsoid((20, 12, 12), angle_deg=20), 60),
            ph.Lesion("N1", (12, 8, 0), ph.LymphNode(24, 16), 30),
        ],
    )
    visits = [
        ph.VisitPlan("BL", dt.date(2024, 1, 10)),
        ph.VisitPlan("W8", dt.date(2024, 3, 6), {"T1": -6.0, "N1": -2.0}),
        ph.VisitPlan(
            "W16",
            dt.date(2024, 5, 1),
            {"T1": 4.0},
            new_lesions=(ph.Lesion("NEW1", (0, -15, 0), ph.Sphere(6), 50),),
        ),
    ]
    out = ph.write_patient(
        tmp_path, baseline, grid, visits, patient=ph.PatientInfo("P7"), noise_sd_hu=5
    )
    assert [v.series.directory.name for v in out] == ["BL", "W8", "W16"]
    headers = [pydicom.dcmread(v.series.paths[0], stop_before_pixels=True) for v in out]
    assert {h.PatientID for h in headers} == {"P7"}
    assert [h.StudyDate for h in headers] == ["20240110", "20240306", "20240501"]
    assert len({h.StudyInstanceUID for h in headers}) == 3
    assert len({h.FrameOfReferenceUID for h in headers}) == 3
    bl, w8, w16 = (v.truths for v in out)
    assert w8["T1"].recist_mm == pytest.approx(bl["T1"].recist_mm - 6)
    assert w8["N1"].recist_mm == pytest.approx(bl["N1"].recist_mm - 2)
    assert w16["T1"].recist_mm == pytest.approx(bl["T1"].recist_mm + 4)
    assert w16["N1"].recist_mm == pytest.approx(bl["N1"].recist_mm)
    assert set(w16) == {"T1", "N1", "NEW1"}
    # The images differ where the lesions changed.
    images = [np.stack([pydicom.dcmread(p).pixel_array for p in v.series.paths]) for v in out]
    assert not np.array_equal(images[0], images[1])


def test_patient_record_of_a_generated_patient_scores(tmp_path):
    from recist_reader import score_record

    grid = ph.Grid.centred((9, 96, 96), (3.0, 0.8, 0.8))
    baseline = ph.body_phantom(
        body_semi_axes_mm=(36, 34),
        liver=True,
        lesions=[
            ph.Lesion("T1", (-10, -6, 0), ph.Ellipsoid((20, 12, 12), angle_deg=20), -50),
            ph.Lesion("N1", (14, 12, 0), ph.LymphNode(24, 16, angle_deg=70), 30),
            ph.Lesion("NT1", (10, -18, 0), ph.Sphere(6), 60),
        ],
    )
    visits = [
        ph.VisitPlan("BL", dt.date(2024, 1, 10)),
        ph.VisitPlan("W8", dt.date(2024, 3, 6), {"T1": -6.0, "N1": -2.0}),
        ph.VisitPlan(
            "W16",
            dt.date(2024, 5, 1),
            {"T1": 4.0, "NT1": -6.0},
            new_lesions=(ph.Lesion("NEW1", (0, 20, 0), ph.Sphere(6), 50),),
        ),
    ]
    written = ph.write_patient(tmp_path, baseline, grid, visits, patient=ph.PatientInfo("P9"))
    record = ph.patient_record(written, targets=["T1", "N1"])
    assert record["patient_id"] == "P9" and record["baseline_date"] == "2024-01-10"
    kinds = {lesion["lesion_id"]: (lesion["kind"], lesion["organ"]) for lesion in record["lesions"]}
    assert kinds == {
        "T1": ("target", "liver"),
        "N1": ("target", "lymph node"),
        "NT1": ("non-target", "soft tissue"),
    }
    bl, w8, w16 = record["visits"]
    diameters = {m["lesion_id"]: m.get("diameter_mm", m.get("status")) for m in bl["measurements"]}
    assert diameters == {"T1": 20.0, "N1": 16.0, "NT1": "present"}
    assert [m.get("diameter_mm") for m in w8["measurements"][:2]] == [14.0, 14.0]
    assert w16["measurements"][2] == {"lesion_id": "NT1", "status": "absent"}
    assert w16["new_lesions"] == [{"location": "soft tissue (NEW1)", "equivocal": False}]
    ruler = np.asarray(bl["measurements"][1]["short_axis_ruler"]["points_lps_mm"])
    assert np.linalg.norm(ruler[1] - ruler[0]) == pytest.approx(16.0)
    assert bl["series"][0]["series_uid"] == written[0].series.series_uid
    response = score_record(record)
    assert [v["overall"] for v in response["visits"]] == ["SD", "PD"]
    assert response["baseline"]["sum_mm"] == pytest.approx(36.0)
