"""Fuzzing: truncated and bit-flipped copies of the shared files load or raise SeriesError,
never another exception. Inputs that once found a bug are kept as regression tests, built
here from the shared file and the offsets (no DICOM file is committed)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recist_reader import SeriesError, Volume, load_series
from recist_reader.io.dicom import DicomFileError, PixelDataError
from recist_reader.io.dicom.headers import read_file_header

pytestmark = pytest.mark.shared_data

SOURCES = {
    "ct": "ct_chest_lung_tumour/series/1-01.dcm",
    "tilt": "ct_head_gantry_tilt/series/01.dcm",
    "implicit": "transfer_syntaxes/2.dcm",
    "big_endian": "transfer_syntaxes/3.dcm",
    "rle": "transfer_syntaxes/4.dcm",
    "jpeg": "transfer_syntaxes/5.dcm",
    "jpeg_ls": "transfer_syntaxes/7.dcm",
    "j2k": "transfer_syntaxes/9.dcm",
}


def _pixel_offset(path: Path) -> int:
    return read_file_header(str(path)).frames[0].layout.value_offset


def _mutate(data: bytes, flips: list[tuple[int, int]], cut: int | None) -> bytes:
    mutated = bytearray(data if cut is None else data[:cut])
    for offset, mask in flips:
        if offset < len(mutated):
            mutated[offset] ^= mask
    return bytes(mutated)


def _load_or_series_error(data: bytes, folder: Path) -> Volume | SeriesError:
    target = folder / "fuzzed.dcm"
    target.write_bytes(data)
    try:
        return load_series(target)
    except SeriesError as exc:
        assert str(target) in str(exc) or "fuzzed.dcm" in str(exc)
        return exc


# Each found a bug: (source, flips as (offset, xor mask), offsets relative to the pixel
# data value when ``from_pixels``), the error now raised, and what it says.
REGRESSIONS = [
    # Rust panic (a BaseException, not an Exception) inside pylibjpeg-rle escaped.
    ("rle", [(136, 0x80)], True, PixelDataError, "cannot be decoded"),
    ("rle", [(126, 0x01)], True, PixelDataError, "cannot be decoded"),
    # A corrupted TransferSyntaxUID made pydicom raise "UID is not a transfer syntax".
    ("ct", [(289, 0x80)], False, DicomFileError, "unknown TransferSyntaxUID"),
]


@pytest.mark.parametrize(("source", "flips", "from_pixels", "error", "message"), REGRESSIONS)
def test_regressions_found_by_fuzzing(
    shared_dicom_dir, tmp_path, source, flips, from_pixels, error, message
):
    path = shared_dicom_dir / SOURCES[source]
    base = _pixel_offset(path) if from_pixels else 0
    data = _mutate(path.read_bytes(), [(base + o, m) for o, m in flips], None)
    result = _load_or_series_error(data, tmp_path)
    assert isinstance(result, error), result
    assert message in str(result)


@pytest.fixture(scope="module")
def originals(shared_dicom_dir) -> dict[str, tuple[bytes, int]]:
    return {
        name: ((shared_dicom_dir / rel).read_bytes(), _pixel_offset(shared_dicom_dir / rel))
        for name, rel in SOURCES.items()
    }


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    source=st.sampled_from(sorted(SOURCES)),
    flips=st.lists(
        st.tuples(st.floats(0, 1, allow_nan=False), st.sampled_from([0x01, 0x80, 0xFF, 0x5A])),
        min_size=0,
        max_size=6,
    ),
    cut=st.one_of(st.none(), st.floats(0, 1, allow_nan=False)),
    in_header=st.booleans(),
)
def test_fuzzed_files_load_or_raise_series_error(originals, source, flips, cut, in_header):
    data, pixel_offset = originals[source]
    # most flips land in the header (where parsing can go wrong), the rest anywhere
    span = pixel_offset + 64 if in_header else len(data)
    offsets = [(int(f * (span - 1)), mask) for f, mask in flips]
    mutated = _mutate(data, offsets, None if cut is None else int(cut * len(data)))
    with tempfile.TemporaryDirectory() as folder:
        result = _load_or_series_error(mutated, Path(folder))
    assert isinstance(result, Volume | SeriesError)


@pytest.fixture(scope="module")
def small_mr_series(shared_dicom_dir, tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("mr_subset")
    sources = sorted((shared_dicom_dir / "mr_t1_sagittal" / "series").glob("*.dcm"))[:4]
    return [Path(shutil.copy(source, folder / source.name)) for source in sources]


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    which=st.integers(0, 3),
    flips=st.lists(
        st.tuples(st.floats(0, 1, allow_nan=False), st.sampled_from([0x01, 0xFF])),
        min_size=1,
        max_size=4,
    ),
)
def test_one_fuzzed_slice_in_a_series(small_mr_series, which, flips):
    originals = [p.read_bytes() for p in small_mr_series]
    target = small_mr_series[which]
    header_end = _pixel_offset(target) + 16
    target.write_bytes(
        _mutate(originals[which], [(int(f * header_end), m) for f, m in flips], None)
    )
    try:
        result: Volume | SeriesError = load_series(target.parent)
    except SeriesError as exc:
        result = exc
    finally:
        target.write_bytes(originals[which])
    assert isinstance(result, Volume | SeriesError)
