"""Independent check of the affine: dcm2niix converts the same series to NIfTI (RAS), and the
value at each voxel's physical position must agree, with < 0.01 voxel offset."""

from __future__ import annotations

import gzip
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from recist_reader import load_series

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(
        shutil.which("dcm2niix") is None,
        reason="dcm2niix is not installed (apt-get install dcm2niix)",
    ),
]

_NIFTI_DTYPES = {2: "u1", 4: "i2", 8: "i4", 16: "f4", 64: "f8", 256: "i1", 512: "u2", 768: "u4"}
LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


def read_nifti1(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A minimal NIfTI-1 reader: returns (data[i, j, k] scaled, affine ijk -> RAS mm)."""
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    endian = "<" if struct.unpack("<i", raw[:4])[0] == 348 else ">"
    dim = struct.unpack(f"{endian}8h", raw[40:56])
    datatype = struct.unpack(f"{endian}h", raw[70:72])[0]
    vox_offset = int(struct.unpack(f"{endian}f", raw[108:112])[0])
    slope, inter = struct.unpack(f"{endian}2f", raw[112:120])
    sform_code = struct.unpack(f"{endian}h", raw[254:256])[0]
    assert sform_code > 0, "dcm2niix writes an sform"
    srow = np.array(struct.unpack(f"{endian}12f", raw[280:328]), dtype=float).reshape(3, 4)
    shape = tuple(dim[1 : dim[0] + 1])
    dtype = np.dtype(endian + _NIFTI_DTYPES[datatype])
    count = int(np.prod(shape))
    data = np.frombuffer(raw, dtype=dtype, count=count, offset=vox_offset)
    data = data.reshape(shape, order="F").astype(np.float64)
    if slope not in (0.0, 1.0) or inter != 0.0:
        data = data * (slope if slope != 0 else 1.0) + inter
    affine = np.vstack([srow, [0, 0, 0, 1]])
    return data, affine


def _convert(series_dir: Path, out_dir: Path) -> Path:
    out_dir.mkdir()
    result = subprocess.run(
        ["dcm2niix", "-z", "n", "-b", "n", "-f", "volume", "-o", str(out_dir), str(series_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (nifti,) = sorted(out_dir.glob("*.nii"))
    return nifti


@pytest.mark.parametrize("series", ["ct_chest_lung_tumour/series", "mr_t1_sagittal/series"])
def test_values_agree_with_dcm2niix_at_2000_physical_positions(shared_dicom_dir, tmp_path, series):
    volume = load_series(shared_dicom_dir / series)
    data, nifti_affine = read_nifti1(_convert(shared_dicom_dir / series, tmp_path / "nifti"))
    assert data.size == volume.array.size
    rng = np.random.default_rng(20240110)
    indices = np.column_stack([rng.integers(0, n, size=2000) for n in volume.array.shape]).astype(
        float
    )
    lps = volume.index_to_lps(indices)
    ras = (LPS_TO_RAS[:3, :3] @ lps.T).T
    nifti_index = (np.linalg.inv(nifti_affine) @ np.column_stack([ras, np.ones(len(ras))]).T).T
    nifti_index = nifti_index[:, :3]
    offsets = np.abs(nifti_index - np.rint(nifti_index))
    assert offsets.max() < 0.01, f"voxel offset {offsets.max():.4f}"
    ijk = np.rint(nifti_index).astype(int)
    assert (ijk >= 0).all() and (ijk < np.array(data.shape)[:3]).all()
    theirs = data[ijk[:, 0], ijk[:, 1], ijk[:, 2]]
    ours = volume.array[tuple(indices.astype(int).T)]
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-3)
    assert np.unique(ours).size > 50  # a real image, not a constant


def test_a_wrong_affine_would_be_caught(shared_dicom_dir, tmp_path):
    """The check above can fail: a volume whose slice order is reversed does not match."""
    series = shared_dicom_dir / "mr_t1_sagittal" / "series"
    volume = load_series(series)
    data, nifti_affine = read_nifti1(_convert(series, tmp_path / "nifti"))
    flipped = volume.array[::-1]
    index = np.array([[2.0, 128.0, 128.0], [30.0, 100.0, 140.0]])
    ras = (LPS_TO_RAS[:3, :3] @ volume.index_to_lps(index).T).T
    ijk = np.rint(
        (np.linalg.inv(nifti_affine)[:3, :3] @ ras.T).T + np.linalg.inv(nifti_affine)[:3, 3]
    ).astype(int)
    theirs = data[ijk[:, 0], ijk[:, 1], ijk[:, 2]]
    assert not np.array_equal(flipped[tuple(index.astype(int).T)], theirs)


@pytest.mark.parametrize("name", ["ct_head_gantry_tilt", "mr_t1_sagittal"])
def test_orientation_matches_the_dcm2niix_sidecar(shared_dicom_dir, name):
    import json

    sidecar = json.loads((shared_dicom_dir / name / "dcm2niix_reference.json").read_text())
    volume = load_series(shared_dicom_dir / name / "series")
    row_direction, column_direction = volume.direction[:, 2], volume.direction[:, 1]
    np.testing.assert_allclose(
        np.concatenate([row_direction, column_direction]),
        sidecar["ImageOrientationPatientDICOM"],
        atol=1e-6,
    )
