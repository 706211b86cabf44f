"""The lean header walker gives exactly what pydicom's dcmread gives, or steps aside."""

from __future__ import annotations

import pydicom
import pytest

from recist_reader.io.dicom.fastheader import read_fast_header
from recist_reader.io.dicom.headers import read_file_header


def _shared_files(shared_dicom_dir):
    return sorted(shared_dicom_dir.rglob("*.dcm"))


@pytest.mark.shared_data
def test_fast_and_pydicom_headers_agree_on_every_shared_file(shared_dicom_dir):
    files = _shared_files(shared_dicom_dir)
    assert len(files) > 100
    stepped_aside = []
    for path in files:
        if read_fast_header(str(path)) is None:
            stepped_aside.append(path)
        assert read_file_header(str(path), fast=True) == read_file_header(str(path), fast=False)
    # only the big-endian image and objects without pixel data (RT structure sets) need pydicom
    for path in stepped_aside:
        dataset = pydicom.dcmread(path, stop_before_pixels=True)
        big_endian = dataset.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRBigEndian
        assert big_endian or dataset.Modality == "RTSTRUCT", path


def test_fast_and_pydicom_headers_agree_on_synthetic_files(tmp_path, dicom_factory):
    paths = dicom_factory.write_ct_series(tmp_path, n=2)
    dicom_factory.write_enhanced_ct(tmp_path / "enhanced.dcm")
    for path in [*paths, tmp_path / "enhanced.dcm"]:
        assert read_file_header(str(path), fast=True) == read_file_header(str(path), fast=False)
    assert read_fast_header(str(paths[0])) is not None
    assert read_fast_header(str(tmp_path / "enhanced.dcm")) is None  # functional groups


def test_walker_steps_aside_for_truncated_or_odd_files(tmp_path, dicom_factory):
    (path,) = dicom_factory.write_ct_series(tmp_path, n=1)
    data = path.read_bytes()
    for cut in (0, 100, 140, 400, len(data) // 2):
        target = tmp_path / f"cut{cut}.dcm"
        target.write_bytes(data[:cut])
        walked = read_fast_header(str(target))
        assert walked is None or walked.value_offset <= cut
