"""All nine transfer syntaxes of the same MR slice decode to identical pixels."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest

from recist_reader import load_series

pytestmark = pytest.mark.shared_data

EXPECTED_SYNTAXES = {
    "1.dcm": "1.2.840.10008.1.2.1",  # explicit VR little endian
    "2.dcm": "1.2.840.10008.1.2",  # implicit VR little endian
    "3.dcm": "1.2.840.10008.1.2.2",  # explicit VR big endian
    "4.dcm": "1.2.840.10008.1.2.5",  # RLE lossless
    "5.dcm": "1.2.840.10008.1.2.4.70",  # JPEG lossless SV1
    "6.dcm": "1.2.840.10008.1.2.4.70",
    "7.dcm": "1.2.840.10008.1.2.4.80",  # JPEG-LS lossless
    "8.dcm": "1.2.840.10008.1.2.4.80",
    "9.dcm": "1.2.840.10008.1.2.4.90",  # JPEG 2000 lossless
}


@pytest.fixture(scope="module")
def reference(shared_dicom_dir):
    volume = load_series(shared_dicom_dir / "transfer_syntaxes" / "1.dcm")
    assert volume.array.shape == (1, 384, 384)
    assert volume.array.max() > 1000  # real MR signal, not an empty image
    return volume


@pytest.mark.parametrize("name", sorted(EXPECTED_SYNTAXES))
def test_each_transfer_syntax_decodes_to_identical_pixels(shared_dicom_dir, reference, name):
    path = shared_dicom_dir / "transfer_syntaxes" / name
    syntax = pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID
    assert syntax == EXPECTED_SYNTAXES[name]
    volume = load_series(path)
    assert volume.array.dtype == reference.array.dtype
    np.testing.assert_array_equal(volume.array, reference.array)
    np.testing.assert_array_equal(volume.affine, reference.affine)


def test_uncompressed_reference_matches_plain_pydicom(shared_dicom_dir, reference):
    plain = pydicom.dcmread(shared_dicom_dir / "transfer_syntaxes" / "1.dcm").pixel_array
    np.testing.assert_array_equal(reference.array[0], plain)


def test_a_folder_of_the_same_slice_nine_times_is_refused(shared_dicom_dir):
    from recist_reader.io.dicom import GeometryError

    with pytest.raises(GeometryError, match="9 slices share positions"):
        load_series(shared_dicom_dir / "transfer_syntaxes")
