"""Bad input gives a SeriesError naming the file and the problem, never a library traceback,
a hang, or a huge allocation for a bogus header."""

from __future__ import annotations

import shutil
import time
import tracemalloc

import pydicom
import pytest

from recist_reader import SeriesError, load_series
from recist_reader.io.dicom import (
    DicomFileError,
    GeometryError,
    NoSeriesFoundError,
    PixelDataError,
)


def _edit(path, **changes):
    ds = pydicom.dcmread(path)
    for keyword, value in changes.items():
        if value is None:
            delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    ds.save_as(path)


def test_missing_path(tmp_path):
    with pytest.raises(NoSeriesFoundError, match="no such file or folder"):
        load_series(tmp_path / "missing")


def test_empty_folder(tmp_path):
    with pytest.raises(NoSeriesFoundError, match=f"{tmp_path}: the folder is empty"):
        load_series(tmp_path)


def test_folder_without_dicom(tmp_path):
    (tmp_path / "a.txt").write_text("text")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 200)
    with pytest.raises(NoSeriesFoundError, match="no CT/MR image series found \\(2 file"):
        load_series(tmp_path)


def test_single_non_dicom_file(tmp_path):
    (tmp_path / "x.dcm").write_bytes(b"hello world" * 50)
    with pytest.raises(NoSeriesFoundError, match="x.dcm: not a DICOM file"):
        load_series(tmp_path / "x.dcm")


@pytest.mark.parametrize(
    "keyword", ["ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing"]
)
def test_missing_geometry_is_named(tmp_path, dicom_factory, keyword):
    paths = dicom_factory.write_ct_series(tmp_path, n=3)
    _edit(paths[1], **{keyword: None})
    with pytest.raises(GeometryError, match=f"{paths[1].name}: has no {keyword}"):
        load_series(tmp_path)


@pytest.mark.parametrize("spacing", [["0", "0.5"], ["-0.5", "0.5"]])
def test_zero_or_negative_pixel_spacing(tmp_path, dicom_factory, spacing):
    paths = dicom_factory.write_ct_series(tmp_path, n=3)
    for path in paths:
        _edit(path, PixelSpacing=spacing)
    with pytest.raises(GeometryError, match="is zero or negative"):
        load_series(tmp_path)


def test_unparseable_position(tmp_path, dicom_factory):
    paths = dicom_factory.write_ct_series(tmp_path, n=3)
    _edit(paths[0], ImagePositionPatient=["1", "2"])
    with pytest.raises(GeometryError, match="unusable ImagePositionPatient"):
        load_series(tmp_path)


def test_corrupt_orientation(tmp_path, dicom_factory):
    dicom_factory.write_ct_series(tmp_path, n=3, orientation=(1, 0, 0, 0.5, 0.5, 0))
    with pytest.raises(GeometryError, match="column direction has length 0.707"):
        load_series(tmp_path)


def test_positions_off_a_line(tmp_path, dicom_factory):
    positions = [(0.0, 0.0, 0.0), (0.0, 0.0, 2.0), (7.0, 0.0, 4.0)]
    dicom_factory.write_ct_series(tmp_path, positions=positions)
    with pytest.raises(GeometryError, match="do not lie on a straight line"):
        load_series(tmp_path)


def test_zero_size_image(tmp_path, dicom_factory):
    paths = dicom_factory.write_ct_series(tmp_path, n=2)
    for path in paths:
        _edit(path, Rows=0)
    with pytest.raises(GeometryError, match="image size 0x8 is empty"):
        load_series(tmp_path)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"Rows": 65535, "Columns": 65535}, "pixel data is 96 bytes but Rows x Columns"),
        ({"NumberOfFrames": 2_000_000_000}, "2000000000 frames"),
        ({"Columns": 1_000}, "pixel data is 96 bytes but Rows x Columns x frames x bytes"),
        ({"BitsAllocated": 12}, "BitsAllocated 12 is not supported"),
        ({"BitsStored": 20}, "BitsStored 20 does not fit"),
    ],
)
def test_absurd_header_sizes_are_refused_before_allocating(
    tmp_path, dicom_factory, changes, message
):
    paths = dicom_factory.write_ct_series(tmp_path, n=1)
    _edit(paths[0], **changes)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(SeriesError, match=message):
            load_series(paths[0])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 1024**2
    assert time.perf_counter() - started < 5


def test_truncated_pixel_data_in_a_series(tmp_path, dicom_factory):
    paths = dicom_factory.write_ct_series(tmp_path, n=3)
    data = paths[2].read_bytes()
    paths[2].write_bytes(data[:-10])
    with pytest.raises(PixelDataError, match=f"{paths[2].name}: pixel data is truncated"):
        load_series(tmp_path)


def test_truncated_header_in_a_folder_is_skipped_with_a_note(tmp_path, dicom_factory):
    paths = dicom_factory.write_ct_series(tmp_path, n=4)
    paths[3].write_bytes(paths[3].read_bytes()[:300])
    volume = load_series(tmp_path)
    assert volume.array.shape == (3, 6, 8)
    assert any(paths[3].name in note and "truncated" in note for note in volume.notes)


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("cut", "error", "message"),
    [
        (132, DicomFileError, "no SOPClassUID and no pixel data"),
        (1000, DicomFileError, "header cannot be read"),
        (2990, DicomFileError, "CT Image Storage object but has no pixel data"),
        (3010, PixelDataError, "pixel data is truncated: the header says 524288 bytes"),
        (527295, PixelDataError, "but the file holds 524287"),
    ],
)
def test_truncated_real_ct_file(tmp_path, shared_dicom_dir, cut, error, message):
    source = shared_dicom_dir / "ct_chest_lung_tumour" / "series" / "1-01.dcm"
    target = tmp_path / "cut.dcm"
    target.write_bytes(source.read_bytes()[:cut])
    with pytest.raises(error, match=message) as err:
        load_series(target)
    assert str(target) in str(err.value)


def _corrupted(shared_dicom_dir, tmp_path, name, mode):
    from recist_reader.io.dicom.headers import read_file_header

    source = shared_dicom_dir / "transfer_syntaxes" / name
    offset = read_file_header(str(source)).frames[0].layout.value_offset
    data = bytearray(source.read_bytes())
    start = offset + 64  # keep the offset table and first item tag
    if mode == "scrambled":
        data[start:-16] = bytes(b ^ 0x5A for b in data[start:-16])
    else:  # truncated halfway through the compressed stream
        data = data[: start + (len(data) - start) // 2]
    target = tmp_path / name
    target.write_bytes(bytes(data))
    return target


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["4.dcm", "5.dcm", "6.dcm", "7.dcm", "8.dcm", "9.dcm"])
@pytest.mark.parametrize("mode", ["scrambled", "truncated"])
def test_corrupt_compressed_pixel_data(tmp_path, shared_dicom_dir, name, mode):
    target = _corrupted(shared_dicom_dir, tmp_path, name, mode)
    with pytest.raises(PixelDataError, match=f"{name}: .*pixel data") as err:
        load_series(target)
    if mode == "truncated":
        assert "compressed pixel data is truncated" in str(err.value)
    else:
        assert "cannot be decoded" in str(err.value)
        assert str(err.value).endswith("the file is corrupt; re-export it")


@pytest.mark.shared_data
def test_compressed_file_claiming_gigabytes_is_refused(tmp_path, shared_dicom_dir):
    target = tmp_path / "huge.dcm"
    shutil.copy(shared_dicom_dir / "transfer_syntaxes" / "7.dcm", target)
    _edit(target, Rows=60000, Columns=60000)
    tracemalloc.start()
    try:
        with pytest.raises(PixelDataError, match="an impossible compression ratio"):
            load_series(target)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 1024**2


def test_mixed_frame_of_reference_is_refused(tmp_path, dicom_factory):
    paths = dicom_factory.write_ct_series(tmp_path, n=3)
    _edit(paths[2], FrameOfReferenceUID="1.2.3.999")
    with pytest.raises(GeometryError, match="mixed frame of reference"):
        load_series(tmp_path)
