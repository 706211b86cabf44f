"""A series from a real Orthanc over DICOMweb is the folder's Volume (design.md §8.9).

The shared CT, the shared MR and the phantom patient's visits are stored in a throwaway
Orthanc byte for byte, then read back with ``load_series``/``list_series`` over QIDO-RS and
WADO-RS, and compared with the same files loaded from their folders: voxels (and type),
affine, spacing, UIDs, dates, warnings and every other field; only the source files are the
instances' URLs.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import recist_reader
from recist_reader.errors import SeriesError
from recist_reader.io.dicom import AmbiguousSeriesError, load_series
from recist_reader.io.dicom.arriving import ArrivingSlices, load_series_progressively

from .conftest import assert_same_remote_volume

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def stored(orthanc, shared_dicom_dir, phantom_patient):
    """Folder of each test series, keyed by name, all stored in the Orthanc."""
    folders = {
        "ct": shared_dicom_dir / "ct_chest_lung_tumour" / "series",
        "mr": shared_dicom_dir / "mr_t1_sagittal" / "series",
        **{f"phantom {visit}": path for visit, path in phantom_patient.series_folders.items()},
    }
    for folder in folders.values():
        orthanc.upload_folder(folder)
    return folders


NAMES = ["ct", "mr", "phantom BL", "phantom W8", "phantom W16"]


@pytest.mark.parametrize("name", NAMES)
def test_load_series_over_dicomweb_is_the_folder_volume(orthanc, stored, name):
    folder_volume = load_series(stored[name])
    remote = load_series(orthanc.dicomweb_url, series_uid=folder_volume.series_uid)
    assert_same_remote_volume(remote, folder_volume)
    assert isinstance(remote.array, np.ndarray)


@pytest.mark.parametrize("name", NAMES)
def test_the_progressive_load_is_the_folder_volume(orthanc, stored, name):
    folder_volume = load_series(stored[name])
    failures = []
    remote = load_series_progressively(
        orthanc.dicomweb_url,
        series_uid=folder_volume.series_uid,
        study_uid=folder_volume.study_uid,
        on_failure=failures.append,
    )
    assert isinstance(remote.array, ArrivingSlices)  # shown before every slice arrived
    middle = len(folder_volume.array) // 2
    np.testing.assert_array_equal(remote.array[middle], folder_volume.array[middle])
    assert_same_remote_volume(remote, folder_volume)
    assert failures == []


def test_the_phantom_ct_stays_int16_over_dicomweb(orthanc, stored):
    folder_volume = load_series(stored["phantom BL"])
    remote = load_series(orthanc.dicomweb_url, series_uid=folder_volume.series_uid)
    assert folder_volume.array.dtype == remote.array.dtype == np.int16


def test_a_study_with_one_image_series_needs_no_series_uid(orthanc, stored):
    folder_volume = load_series(stored["mr"])
    remote = load_series(orthanc.dicomweb_url, study_uid=folder_volume.study_uid)
    assert_same_remote_volume(remote, folder_volume)


def test_a_wado_rs_series_url_names_the_series(orthanc, stored):
    folder_volume = load_series(stored["ct"])
    url = (
        f"{orthanc.dicomweb_url}/studies/{folder_volume.study_uid}"
        f"/series/{folder_volume.series_uid}"
    )
    assert_same_remote_volume(load_series(url), folder_volume)
    with pytest.raises(SeriesError, match="the URL names series"):
        load_series(url, series_uid="1.2.3")


def test_a_study_with_several_series_needs_a_series_uid(orthanc, tmp_path, dicom_factory):
    first = dicom_factory.write_ct_series(tmp_path / "a", n=3)
    second = dicom_factory.write_ct_series(tmp_path / "b", n=4, step_mm=1.0)
    for path in [*first, *second]:
        orthanc.upload_file(path)
    study = "1.2.826.0.1.3680043.8.498.1"  # the factory's study
    with pytest.raises(AmbiguousSeriesError) as raised:
        load_series(orthanc.dicomweb_url, study_uid=study)
    message = str(raised.value)
    assert orthanc.dicomweb_url in message and study in message
    keys = {candidate.key for candidate in raised.value.candidates}
    assert keys == {load_series(tmp_path / "a").series_uid, load_series(tmp_path / "b").series_uid}
    assert_same_remote_volume(
        load_series(orthanc.dicomweb_url, series_uid=load_series(tmp_path / "b").series_uid),
        load_series(tmp_path / "b"),
    )


@pytest.mark.parametrize("name", ["ct", "mr", "phantom W8"])
def test_list_series_over_dicomweb_gives_the_folder_dicts(orthanc, stored, name):
    folder_volume = load_series(stored[name])
    remote = recist_reader.list_series(orthanc.dicomweb_url, study_uid=folder_volume.study_uid)
    assert remote == recist_reader.list_series(stored[name])
    assert remote[0]["series_uid"] == folder_volume.series_uid


def _inspect(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "recist_reader.cli", "inspect", *args],
        capture_output=True,
        text=True,
    )


def test_inspect_url_prints_the_folder_dicts(orthanc, stored):
    folder_volume = load_series(stored["ct"])
    remote = _inspect(orthanc.dicomweb_url, "--study", folder_volume.study_uid, "--json")
    local = _inspect(str(stored["ct"]), "--json")
    assert remote.returncode == local.returncode == 0, remote.stderr
    remote_json, local_json = json.loads(remote.stdout), json.loads(local.stdout)
    assert remote_json["series"] == local_json["series"]
    assert remote_json["path"] == orthanc.dicomweb_url
    assert remote_json["study_uid"] == folder_volume.study_uid
    table = _inspect(orthanc.dicomweb_url, "--study", folder_volume.study_uid)
    assert table.returncode == 0 and folder_volume.series_uid in table.stdout


def test_inspect_url_without_a_study_is_a_usage_error(orthanc):
    result = _inspect(orthanc.dicomweb_url)
    assert result.returncode == 2 and "--study" in result.stderr


def test_series_headers_are_the_instances_without_pixels(orthanc, stored):
    import pydicom

    from recist_reader.io.dicomweb import series_headers

    folder_volume = load_series(stored["mr"])
    headers = series_headers(orthanc.dicomweb_url, folder_volume.series_uid)
    by_uid = {str(ds.SOPInstanceUID): ds for ds in headers}
    assert set(by_uid) == set(folder_volume.sop_instance_uids)
    for path in folder_volume.source_files[:3]:
        original = pydicom.dcmread(path, stop_before_pixels=True)
        header = by_uid[str(original.SOPInstanceUID)]
        assert "PixelData" not in header
        for keyword in ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing"):
            assert [float(v) for v in header[keyword].value] == [
                float(v) for v in original[keyword].value
            ]
        assert header.StudyInstanceUID == original.StudyInstanceUID
        assert header.SOPClassUID == original.SOPClassUID
        assert header.file_meta.MediaStorageSOPInstanceUID == original.SOPInstanceUID


@pytest.mark.parametrize("name", NAMES)
def test_metadata_headers_read_without_pydicom_are_pydicom_s(orthanc, stored, name, monkeypatch):
    """DICOM JSON turned into a file's element values gives the header a pydicom dataset of
    the same JSON gives, field for field (positions, spacings and windows to the bit)."""
    from recist_reader.io.dicomweb import metadata
    from recist_reader.io.dicomweb.connection import Connection

    folder_volume = load_series(stored[name])
    with Connection(orthanc.dicomweb_url) as connection:
        items = connection.series_metadata(folder_volume.study_uid, folder_volume.series_uid)
    assert all(metadata._elements(item, "PixelData") is not None for item in items)
    without = [metadata.header_from_json(item, f"url {index}") for index, item in enumerate(items)]
    monkeypatch.setattr(metadata, "_elements", lambda *args: None)
    with_pydicom = [
        metadata.header_from_json(item, f"url {index}") for index, item in enumerate(items)
    ]
    # One difference, and the file's answer: the pixel module is plain (each value one US),
    # which a pydicom dataset made from JSON cannot tell (its values are decoded already).
    assert all(h.frames[0].layout.plain_pixel_module for h in without)
    assert [_with_plain_pixel_module(h) for h in with_pydicom] == without
    assert len(without) == len(folder_volume.sop_instance_uids)


def _with_plain_pixel_module(header):
    import dataclasses

    frames = [
        dataclasses.replace(f, layout=dataclasses.replace(f.layout, plain_pixel_module=True))
        for f in header.frames
    ]
    return dataclasses.replace(header, frames=frames)
