"""The pydicom-free fast path gives exactly what the pydicom path gives, or steps aside.

The fast path is the lean header walker (``fastheader``), the direct reads of uncompressed
pixels and the direct RLE decoder; the pydicom path is ``dcmread`` for every header and
pydicom's ``iter_pixels`` for every frame. Both must give bit-identical arrays, the same
geometry, warnings and notes, and the same errors.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.encaps import encapsulate
from pydicom.uid import UID, ExplicitVRLittleEndian, ImplicitVRLittleEndian, RLELossless

from recist_reader import phantom as ph
from recist_reader.errors import SeriesError
from recist_reader.io.dicom import PixelDataError, fastheader, headers, load_series, pixels
from recist_reader.io.dicom.fastheader import TAGS, WALKED_SYNTAXES, read_fast_header
from recist_reader.io.dicom.headers import is_encapsulated_syntax

from .conftest import assert_same_volume


def _pydicom_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(headers, "read_fast_header", lambda path: None)
    monkeypatch.setattr(pixels, "_decode_rle", lambda *args: False)
    monkeypatch.setattr(pixels, "NATIVE_SYNTAXES", frozenset())


def _load(path: Path, **kwargs):
    try:
        return load_series(path, **kwargs)
    except SeriesError as exc:
        return exc


def _assert_same(fast, slow) -> None:
    if isinstance(slow, Exception):
        assert type(fast) is type(slow), fast
        assert str(fast) == str(slow)
        return
    assert not isinstance(fast, Exception), fast
    assert_same_volume(fast, slow)


def _compare_paths(monkeypatch: pytest.MonkeyPatch, path: Path, **kwargs):
    """Load ``path`` by the fast path, then by the pydicom path; assert they agree."""
    fast = _load(path, **kwargs)
    with monkeypatch.context() as patched:
        _pydicom_only(patched)
        slow = _load(path, **kwargs)
    _assert_same(fast, slow)
    return fast


def _phantom_series(
    folder: Path,
    *,
    compression: str = "none",
    bits_stored: int = 16,
    signed: bool = True,
    shape: tuple[int, int, int] = (4, 12, 10),
    seed: int = 0,
    **kwargs,
) -> Path:
    grid = ph.Grid.centred(shape, (2.0, 0.8, 0.7))
    rng = np.random.default_rng(seed)
    hu = rng.integers(-1024, 2000, size=shape).astype(np.float32)
    ph.write_ct_series(
        folder, hu, grid, compression=compression, bits_stored=bits_stored, signed=signed, **kwargs
    )
    return folder


def _rewrite(folder: Path, change) -> None:
    """Apply ``change(ds)`` to every file; it may return save_as keyword arguments."""
    for path in sorted(folder.iterdir()):
        ds = pydicom.dcmread(path)
        options = change(ds) or {}
        ds.save_as(path, **options)


def _pydicom_pixels(path: Path) -> np.ndarray:
    ds = pydicom.dcmread(path)
    return ds.pixel_array


# --- the building blocks agree with pydicom -------------------------------------------------


def test_tags_are_the_dictionary_tags():
    from pydicom.datadict import tag_for_keyword

    for keyword, tag in TAGS.items():
        assert tag_for_keyword(keyword) == tag, keyword


def test_walked_and_encapsulated_syntaxes_agree_with_pydicom():
    from pydicom._uid_dict import UID_dictionary

    for uid in WALKED_SYNTAXES:
        assert UID(uid).is_transfer_syntax and UID(uid).is_little_endian, uid
        assert not UID(uid).is_deflated, uid
    syntaxes = [uid for uid, entry in UID_dictionary.items() if entry[1] == "Transfer Syntax"]
    for uid in syntaxes:
        assert is_encapsulated_syntax(uid) == UID(uid).is_encapsulated, uid


def test_loading_common_series_does_not_import_pydicom(tmp_path):
    plain = _phantom_series(tmp_path / "plain", bits_stored=12, signed=False)
    rle = _phantom_series(tmp_path / "rle", compression="rle")
    code = (
        "import sys\n"
        "from recist_reader.io.dicom import load_series\n"
        f"load_series({str(plain)!r}); load_series({str(rle)!r})\n"
        "assert 'pydicom' not in sys.modules, 'pydicom was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_rle_decoder_loads_without_its_package_which_still_imports_after(tmp_path):
    """The fast path loads pylibjpeg-rle's extension alone (its package's __init__ spends
    0.1 s on importlib.metadata); pydicom's RLE plugin, imported later, still works."""
    folder = _phantom_series(tmp_path, compression="rle")
    code = (
        "import sys\n"
        "import numpy as np\n"
        "from recist_reader.io.dicom import load_series, pixels\n"
        f"fast = load_series({str(folder)!r})\n"
        "assert 'rle' not in sys.modules, 'the rle package was imported'\n"
        "pixels._decode_rle = lambda *args: False\n"
        f"slow = load_series({str(folder)!r})\n"
        "assert 'rle' in sys.modules and 'pydicom' in sys.modules\n"
        "assert np.array_equal(fast.array, slow.array)\n"
        "import rle\n"
        "assert rle.rle.decode_frame is rle.utils.decode_frame\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- shared real data ------------------------------------------------------------------------


@pytest.mark.shared_data
def test_fast_and_pydicom_paths_agree_on_the_shared_series(shared_dicom_dir, monkeypatch):
    folders = sorted(p.parent for p in shared_dicom_dir.rglob("*.dcm"))
    loaded = 0
    for folder in dict.fromkeys(folders):
        volume = _compare_paths(monkeypatch, folder)
        loaded += not isinstance(volume, Exception)
    assert loaded >= 3


@pytest.mark.shared_data
@pytest.mark.parametrize("name", [f"{n}.dcm" for n in range(1, 10)])
def test_fast_and_pydicom_paths_agree_on_every_transfer_syntax(shared_dicom_dir, monkeypatch, name):
    volume = _compare_paths(monkeypatch, shared_dicom_dir / "transfer_syntaxes" / name)
    assert not isinstance(volume, Exception)


# --- phantoms --------------------------------------------------------------------------------


@pytest.mark.parametrize("compression", ["none", "rle"])
@pytest.mark.parametrize(("bits_stored", "signed"), [(12, False), (16, True), (16, False)])
def test_fast_and_pydicom_paths_agree_on_phantoms(
    tmp_path, monkeypatch, compression, bits_stored, signed
):
    folder = _phantom_series(
        tmp_path, compression=compression, bits_stored=bits_stored, signed=signed
    )
    volume = _compare_paths(monkeypatch, folder)
    assert volume.array.shape == (4, 12, 10)
    for path in folder.iterdir():
        assert read_fast_header(str(path)) is not None


@pytest.mark.parametrize("compression", ["none", "rle"])
def test_fast_and_pydicom_paths_agree_with_a_slope_and_a_fractional_intercept(
    tmp_path, monkeypatch, compression
):
    folder = _phantom_series(
        tmp_path, compression=compression, rescale_slope=0.5, rescale_intercept=-1000.5
    )
    volume = _compare_paths(monkeypatch, folder)
    assert volume.array.dtype == np.float32


def test_fast_and_pydicom_paths_agree_on_implicit_vr(tmp_path, monkeypatch):
    folder = _phantom_series(tmp_path, bits_stored=12, signed=False)

    def to_implicit(ds):
        ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
        return {"implicit_vr": True, "little_endian": True}

    _rewrite(folder, to_implicit)
    for path in folder.iterdir():
        walked = read_fast_header(str(path))
        assert walked is not None and walked.implicit
    _compare_paths(monkeypatch, folder)


@pytest.mark.parametrize("compression", ["none", "rle"])
@pytest.mark.parametrize("signed", [False, True])
def test_unused_high_bits_are_ignored_as_pydicom_ignores_them(
    tmp_path, monkeypatch, compression, signed
):
    """Bits above BitsStored (overlays, garbage) are cleared or sign-extended."""
    folder = _phantom_series(tmp_path, bits_stored=12, signed=signed)
    rng = np.random.default_rng(3)

    def garbage(ds):
        stored = ds.pixel_array.view(np.uint16)
        noisy = stored | (rng.integers(0, 16, stored.shape, dtype=np.uint16) << 12)
        ds.PixelData = noisy.astype("<u2").tobytes()
        if compression == "rle":
            ds.compress(RLELossless, encoding_plugin="pydicom")

    _rewrite(folder, garbage)
    volume = _compare_paths(monkeypatch, folder)
    for index, path in enumerate(volume.source_files):
        expected = _pydicom_pixels(Path(path)).astype(np.int32) - 1024
        np.testing.assert_array_equal(volume.array[index], expected)


@pytest.mark.parametrize("compression", ["none", "rle"])
def test_odd_sized_8_bit_images_agree(tmp_path, monkeypatch, compression):
    """5 x 7 pixels of 8 bits: odd pixel data, padded to an even length."""
    folder = _phantom_series(tmp_path, shape=(3, 5, 7))
    rng = np.random.default_rng(5)

    def to_8_bit(ds):
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
        ds.PixelData = rng.integers(0, 256, (5, 7), dtype=np.uint8).tobytes()
        if compression == "rle":
            ds.compress(RLELossless, encoding_plugin="pydicom")
        else:
            ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian

    _rewrite(folder, to_8_bit)
    volume = _compare_paths(monkeypatch, folder)
    assert volume.array.shape == (3, 5, 7)
    for index, path in enumerate(volume.source_files):
        expected = _pydicom_pixels(Path(path)).astype(np.int32) - 1024
        np.testing.assert_array_equal(volume.array[index], expected)


def test_rle_frames_split_in_fragments_agree(tmp_path, monkeypatch):
    folder = _phantom_series(tmp_path, compression="rle", shape=(3, 16, 16))

    def fragmented(ds):
        frame = pydicom.encaps.get_frame(ds.PixelData, 0, number_of_frames=1)
        ds.PixelData = encapsulate([frame], fragments_per_frame=3)

    _rewrite(folder, fragmented)
    _compare_paths(monkeypatch, folder)


@pytest.mark.parametrize(
    "text",
    ["CT THORAX", "Thorax \\ Abdomen", "Thorax avec contraste: \u00e9t\u00e9", "  padded  "],
)
@pytest.mark.parametrize("charset", ["ISO_IR 100", "ISO_IR 192", None])
def test_descriptions_read_as_pydicom_reads_them(tmp_path, monkeypatch, text, charset):
    folder = _phantom_series(tmp_path, shape=(2, 4, 4))

    def describe(ds):
        if charset is None:
            del ds.SpecificCharacterSet
        else:
            ds.SpecificCharacterSet = charset
        ds.SeriesDescription = text
        ds.PatientID = text.strip()[:16]

    _rewrite(folder, describe)
    _compare_paths(monkeypatch, folder)


# --- errors ----------------------------------------------------------------------------------


def test_short_uncompressed_pixel_data_names_the_file_in_both_paths(tmp_path, monkeypatch):
    folder = _phantom_series(tmp_path)
    victim = sorted(folder.iterdir())[1]

    def shorten(ds):
        if Path(ds.filename) == victim:
            ds.PixelData = ds.PixelData[:-40]

    _rewrite(folder, shorten)
    error = _compare_paths(monkeypatch, folder)
    assert isinstance(error, PixelDataError)
    assert str(victim) in str(error) and "bytes" in str(error)


def test_truncated_rle_file_names_the_file_in_both_paths(tmp_path, monkeypatch):
    folder = _phantom_series(tmp_path, compression="rle")
    victim = sorted(folder.iterdir())[2]
    victim.write_bytes(victim.read_bytes()[:-30])
    error = _compare_paths(monkeypatch, folder)
    assert isinstance(error, PixelDataError)
    assert str(victim) in str(error)


@pytest.mark.parametrize("damage", ["segments", "runs"])
def test_corrupt_rle_frames_give_what_the_pydicom_path_gives(tmp_path, monkeypatch, damage):
    """pylibjpeg-rle accepts a wrong segment count; pydicom's own decoder takes over
    when pylibjpeg-rle refuses runs past the end of a segment: the fast path must too."""
    folder = _phantom_series(tmp_path, compression="rle", shape=(3, 16, 16))
    victim = sorted(folder.iterdir())[0]

    def corrupt(ds):
        if Path(ds.filename) != victim:
            return
        frame = bytearray(pydicom.encaps.get_frame(ds.PixelData, 0, number_of_frames=1))
        if damage == "segments":
            frame[0] = 1  # one segment for 16-bit grey-scale (which needs two)
        else:
            frame[64:] = bytes([0x7F]) * (len(frame) - 64)  # literal runs past the end
        ds.PixelData = encapsulate([bytes(frame)])

    _rewrite(folder, corrupt)
    _compare_paths(monkeypatch, folder)


def test_rle_frames_shorter_than_the_header_says_name_the_file_in_both_paths(tmp_path, monkeypatch):
    folder = _phantom_series(tmp_path, compression="rle", shape=(3, 16, 16))

    def taller(ds):
        ds.Rows = 20

    _rewrite(folder, taller)
    error = _compare_paths(monkeypatch, folder)
    assert isinstance(error, PixelDataError)
    assert str(folder) in str(error) and "RLE Lossless" in str(error)


def test_threaded_reads_report_the_first_failing_file_in_slice_order(tmp_path, monkeypatch):
    """Uncompressed files are read by two threads; the error is still the first one."""
    folder = _phantom_series(tmp_path, shape=(24, 6, 6))
    ordered = load_series(folder).source_files
    failing = {ordered[5], ordered[6], ordered[17]}
    read_native = pixels._read_native

    def flaky(path, *args):
        if path in failing:
            raise PixelDataError(f"{path}: cannot read pixel data (simulated)")
        read_native(path, *args)

    monkeypatch.setattr(pixels, "_read_native", flaky)
    for _ in range(5):
        with pytest.raises(PixelDataError) as caught:
            load_series(folder)
        assert str(caught.value).startswith(f"{ordered[5]}:")


def test_headers_longer_than_the_first_read_are_walked_up_to_a_limit(tmp_path, monkeypatch):
    """A 100 kB private value before the pixel data: read in larger steps, up to a cap."""
    folder = _phantom_series(tmp_path, shape=(3, 8, 8))

    def long_private_value(ds):
        ds.add_new(0x00091010, "OB", bytes(100_000))

    _rewrite(folder, long_private_value)
    path = str(sorted(folder.iterdir())[0])
    walked = read_fast_header(path)
    assert walked is not None and walked.value_offset > 100_000
    _compare_paths(monkeypatch, folder)
    monkeypatch.setattr(fastheader, "_MAX_HEAD_BYTES", 65536)
    assert read_fast_header(path) is None


def test_odd_length_header_values_agree(tmp_path, monkeypatch):
    """Non-conformant odd value lengths (a description, a private value) walk the same."""
    folder = _phantom_series(tmp_path, shape=(3, 8, 8))

    def mark(ds):
        ds.SeriesDescription = "ABCD"
        ds.add_new(0x00091010, "LO", "WXYZ")

    _rewrite(folder, mark)
    for path in folder.iterdir():
        data = path.read_bytes()
        for old, new in (
            (b"LO\x04\x00ABCD", b"LO\x03\x00ABC"),
            (b"LO\x04\x00WXYZ", b"LO\x01\x00W"),
        ):
            assert data.count(old) == 1
            data = data.replace(old, new)
        path.write_bytes(data)
    assert read_fast_header(str(path)) is not None
    volume = _compare_paths(monkeypatch, folder)
    assert volume.description == "ABC"


@pytest.mark.parametrize("compression", ["none", "rle"])
def test_reads_without_pread_as_on_windows(tmp_path, monkeypatch, compression):
    folder = _phantom_series(tmp_path, compression=compression, shape=(20, 6, 5))
    expected = load_series(folder)
    monkeypatch.delattr(os, "pread")
    monkeypatch.delattr(os, "preadv")
    for path in folder.iterdir():
        assert read_fast_header(str(path)) is not None
    _assert_same(load_series(folder), expected)


def test_explicit_vr_data_under_an_implicit_vr_syntax_is_left_to_pydicom(tmp_path):
    """The walker steps aside; the header path finds the explicit pixel element header."""
    folder = _phantom_series(tmp_path, shape=(3, 6, 6))
    expected = load_series(folder)
    explicit, implicit = b"1.2.840.10008.1.2.1\x00", b"1.2.840.10008.1.2\x00\x00\x00"
    for path in folder.iterdir():  # the meta's TransferSyntaxUID only: the data stay explicit
        data = path.read_bytes()
        assert data.count(explicit) == 1
        path.write_bytes(data.replace(explicit, implicit))
    assert read_fast_header(str(sorted(folder.iterdir())[0])) is None
    volume = load_series(folder)
    np.testing.assert_array_equal(volume.array, expected.array)
    np.testing.assert_array_equal(volume.affine, expected.affine)
