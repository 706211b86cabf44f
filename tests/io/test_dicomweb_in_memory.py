"""Instances retrieved over DICOMweb are decoded from memory, exactly as from their files.

Uncompressed images are kept in anonymous memory while the series arrives and decoded from
there (no temporary file, no second header scan); compressed or unusual instances, and
those beyond the memory allowed, go through a temporary folder. Either way the volume is
the folder's, voxel for voxel and type for type, also when a value beyond int16 makes the
loader widen the array in the middle of a decode. A DICOMweb load imports neither pydicom
nor dicomweb-client (a third of its time).
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recist_reader import phantom as ph
from recist_reader.io.dicom import load_series
from recist_reader.io.dicom.arriving import MIN_FILES_IN_BACKGROUND, ArrivingSlices
from recist_reader.io.dicom.loader import prepare_series
from recist_reader.io.dicomweb import retrieve
from recist_reader.io.dicomweb.arriving import load_series_progressively
from recist_reader.io.dicomweb.retrieve import anonymous_memory

from .conftest import assert_same_remote_volume, assert_same_volume

SLICES = 12


def _signed_ct(
    folder: Path, compression: str = "none", seed: int = 7, slices: int = SLICES
) -> list[Path]:
    """A signed 16-bit CT (intercept -1024) whose values fit int16; its files in order."""
    hu = np.random.default_rng(seed).integers(-1024, 3071, (slices, 12, 10)).astype(float)
    grid = ph.Grid.centred(hu.shape, (2.0, 0.8, 0.7))
    written = ph.write_ct_series(
        folder, hu, grid, signed=True, bits_stored=16, compression=compression
    )
    return sorted(written.directory.iterdir())


def _beyond_int16(path: Path) -> None:
    """Stored -32768 with intercept -1024: -33792 HU, which needs int32."""
    ds = pydicom.dcmread(path)
    stored = ds.pixel_array.copy()
    stored[3, 4] = -32768
    if ds.file_meta.TransferSyntaxUID.is_compressed:
        ds.decompress()
        ds.PixelData = stored.astype("<i2").tobytes()
        ds.compress(pydicom.uid.RLELossless)
    else:
        ds.PixelData = stored.astype("<i2").tobytes()
    ds.save_as(path)


@pytest.fixture
def server(orthanc):
    """The session's Orthanc, emptied after the test (the series uploaded here are not other
    tests' business)."""
    yield orthanc
    orthanc.delete_all()


def _shown_as_it_arrives(server, folder_volume):
    """The folder's series loaded progressively from the server; the failures reported."""
    failures = []
    remote = load_series_progressively(
        server.dicomweb_url,
        series_uid=folder_volume.series_uid,
        study_uid=folder_volume.study_uid,
        on_failure=failures.append,
    )
    assert isinstance(remote.array, ArrivingSlices)  # shown before every slice arrived
    return remote, failures


def _load_from_memory(folder: Path):
    """The folder's series decoded from its files' bytes held in anonymous memory; and
    what is left of those bytes afterwards."""
    prepared = prepare_series(folder)
    blobs = {}
    for path in folder.iterdir():
        data = path.read_bytes()
        blobs[str(path)] = anonymous_memory(len(data))
        blobs[str(path)].write(data)
    volume = dataclasses.replace(prepared, blobs=blobs).load()
    return volume, blobs


@pytest.mark.parametrize("compression", ["none", "rle"])
@pytest.mark.parametrize("beyond", [None, 0, SLICES // 2, SLICES - 1])
def test_files_held_in_memory_decode_as_the_files(tmp_path, compression, beyond):
    files = _signed_ct(tmp_path, compression)
    if beyond is not None:
        _beyond_int16(files[beyond])
    from_files = load_series(tmp_path)
    from_memory, left = _load_from_memory(tmp_path)
    assert from_files.array.dtype == (np.int16 if beyond is None else np.int32)
    assert_same_volume(from_memory, from_files)
    assert left == {}  # each file's memory is dropped once its frames are decoded


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(beyond=st.sets(st.integers(0, SLICES - 1), max_size=4), seed=st.integers(0, 99))
def test_widening_in_the_middle_of_a_decode_keeps_every_value(tmp_path_factory, beyond, seed):
    """Slices decoded before the first value beyond int16 move to the int32 array as they
    are; the rest are decoded into it: every voxel is pydicom's, rescaled in int64."""
    folder = tmp_path_factory.mktemp("ct")
    files = _signed_ct(folder, seed=seed)
    for index in beyond:
        _beyond_int16(files[index])
    volume, _ = _load_from_memory(folder)
    by_uid = {}
    for path in files:
        ds = pydicom.dcmread(path)
        by_uid[ds.SOPInstanceUID] = ds.pixel_array.astype(np.int64) - 1024
    expected = np.stack([by_uid[uid] for uid in volume.sop_instance_uids])
    assert volume.array.dtype == (np.int32 if beyond else np.int16)
    np.testing.assert_array_equal(volume.array, expected)
    assert_same_volume(load_series(folder), volume)


class _ScannedFiles:
    """Counts the instances the retrieval had to write to files and scan."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        scan_file = retrieve.scan_file

        def counting(path: str):
            self.count += 1
            return scan_file(path)

        monkeypatch.setattr(retrieve, "scan_file", counting)


@pytest.mark.parametrize(
    ("compression", "beyond", "in_memory"),
    [("none", None, True), ("none", 5, True), ("rle", 5, False)],
)
def test_over_dicomweb_uncompressed_instances_never_touch_the_disk(
    server, tmp_path, monkeypatch, compression, beyond, in_memory
):
    files = _signed_ct(tmp_path / "ct", compression)
    if beyond is not None:
        _beyond_int16(files[beyond])
    server.upload_folder(tmp_path / "ct")
    folder_volume = load_series(tmp_path / "ct")
    scanned = _ScannedFiles(monkeypatch)
    remote = load_series(server.dicomweb_url, series_uid=folder_volume.series_uid)
    assert_same_remote_volume(remote, folder_volume)
    assert scanned.count == (0 if in_memory else SLICES)


def test_beyond_the_memory_allowed_instances_go_through_files(server, tmp_path, monkeypatch):
    _signed_ct(tmp_path / "ct", seed=11)
    server.upload_folder(tmp_path / "ct")
    folder_volume = load_series(tmp_path / "ct")
    one_instance = next((tmp_path / "ct").iterdir()).stat().st_size  # all within a few bytes
    monkeypatch.setattr(retrieve, "memory_budget_bytes", lambda: 4 * int(3.5 * one_instance))
    scanned = _ScannedFiles(monkeypatch)
    remote = load_series(server.dicomweb_url, series_uid=folder_volume.series_uid)
    assert_same_remote_volume(remote, folder_volume)
    assert scanned.count == SLICES - 3  # three held in memory, the rest in files


def test_a_dicomweb_load_imports_neither_pydicom_nor_dicomweb_client(server, tmp_path):
    _signed_ct(tmp_path / "ct", seed=13)
    server.upload_folder(tmp_path / "ct")
    volume = load_series(tmp_path / "ct")
    code = (
        "import sys\n"
        "from recist_reader.io.dicom import load_series\n"
        "volume = load_series(sys.argv[1], series_uid=sys.argv[2], study_uid=sys.argv[3])\n"
        "assert volume.array.shape == tuple(int(n) for n in sys.argv[4].split(','))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pydicom', 'dicomweb_client'}))"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            server.dicomweb_url,
            volume.series_uid,
            volume.study_uid,
            ",".join(map(str, volume.array.shape)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("compression", ["none", "rle"])
def test_a_progressive_load_widens_when_a_slice_does_not_fit(server, tmp_path, compression):
    """A slice beyond int16 arriving after others were shown as int16: the array widens and
    that slice is read again from what was received (nothing is lost in between)."""
    slices = MIN_FILES_IN_BACKGROUND + 4
    files = _signed_ct(tmp_path / "ct", compression, seed=17, slices=slices)
    _beyond_int16(files[0])
    _beyond_int16(files[-1])
    server.upload_folder(tmp_path / "ct")
    folder_volume = load_series(tmp_path / "ct")
    remote, failures = _shown_as_it_arrives(server, folder_volume)
    middle = np.asarray(remote.array[slices // 2])
    assert_same_remote_volume(remote, folder_volume)
    assert folder_volume.array.dtype == remote.array.dtype == np.int32
    np.testing.assert_array_equal(middle, folder_volume.array[slices // 2])
    assert failures == []


@given(
    values=st.lists(
        st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**40), 2**40),
        min_size=1,
        max_size=6,
    )
)
def test_ds_numbers_of_dicom_json_come_back_as_the_same_numbers(values):
    from recist_reader.io.dicomweb.metadata import _encoded

    raw = _encoded({"vr": "DS", "Value": values})
    assert raw is not None
    assert [float(text) for text in raw.decode("ascii").split("\\")] == [float(v) for v in values]


def test_dicom_json_that_needs_pydicom_is_left_to_it():
    from recist_reader.io.dicomweb.metadata import _encoded

    assert _encoded({"vr": "LO", "Value": ["Müller"]}) is None  # not ASCII
    assert _encoded({"vr": "PN", "Value": [{"Alphabetic": "A^B"}]}) is None
    assert _encoded({"vr": "OB", "InlineBinary": "AAAA"}) is None
    assert _encoded({"vr": "US", "Value": [1.5]}) is None
    assert _encoded({"vr": "IS", "Value": [3.0, None]}) == b"3\\"
    assert _encoded({"vr": "US", "Value": [512, 1]}) == b"\x00\x02\x01\x00"


def test_a_progressive_load_beyond_the_memory_allowed_goes_through_files(
    server, tmp_path, monkeypatch
):
    from recist_reader.io.dicomweb import arriving

    slices = MIN_FILES_IN_BACKGROUND + 4
    files = _signed_ct(tmp_path / "ct", seed=19, slices=slices)
    server.upload_folder(tmp_path / "ct")
    folder_volume = load_series(tmp_path / "ct")
    one_instance = files[0].stat().st_size
    monkeypatch.setattr(arriving, "memory_budget_bytes", lambda: 4 * (one_instance // 2))
    written = []
    write_bytes = Path.write_bytes
    monkeypatch.setattr(
        Path, "write_bytes", lambda self, data: written.append(self) or write_bytes(self, data)
    )
    remote, failures = _shown_as_it_arrives(server, folder_volume)
    assert_same_remote_volume(remote, folder_volume)
    assert failures == [] and len(written) == slices  # each waited on disk; none lost
