"""Small synthetic DICOM objects written with pydicom into tmp_path (never committed)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    CTImageStorage,
    EnhancedCTImageStorage,
    ExplicitVRLittleEndian,
    generate_uid,
)

AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


def _base(sop_class: str, series_uid: str, modality: str = "CT") -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PatientID = "P001"
    ds.PatientName = "Test^Phantom"
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.1"
    ds.StudyDate = "20240110"
    ds.StudyTime = "101010"
    ds.StudyID = "1"
    ds.AccessionNumber = ""
    ds.SeriesInstanceUID = series_uid
    ds.SeriesNumber = 3
    ds.SeriesDescription = "synthetic"
    ds.Modality = modality
    ds.FrameOfReferenceUID = "1.2.826.0.1.3680043.8.498.2"
    return ds


def _pixels(ds: Dataset, frames: np.ndarray) -> None:
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = frames.shape[-2:]
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 1
    ds.PixelData = np.ascontiguousarray(frames, dtype="<i2").tobytes()


def write_ct_series(
    folder: Path,
    *,
    positions: list[tuple[float, float, float]] | None = None,
    n: int = 4,
    step_mm: float = 2.5,
    orientation: tuple[float, ...] = AXIAL,
    pixel_spacing: tuple[float, float] = (0.5, 0.75),
    shape: tuple[int, int] = (6, 8),
    series_uid: str | None = None,
    intercept: float = -1024.0,
) -> list[Path]:
    """Single-frame CT slices; slice ``k`` holds stored value ``1100 + 10 * k + column``."""
    folder.mkdir(parents=True, exist_ok=True)
    series_uid = series_uid or generate_uid()
    if positions is None:
        normal = np.cross(orientation[:3], orientation[3:])
        origin = np.array([-20.0, -30.0, 40.0])
        positions = [tuple(float(v) for v in origin + k * step_mm * normal) for k in range(n)]
    paths = []
    for k, position in enumerate(positions):
        ds = _base(CTImageStorage, series_uid)
        ds.InstanceNumber = len(positions) - k  # deliberately unrelated to the order
        ds.ImagePositionPatient = [f"{v:.6f}" for v in position]
        ds.ImageOrientationPatient = [f"{v:.8f}" for v in orientation]
        ds.PixelSpacing = [f"{v}" for v in pixel_spacing]
        ds.SliceThickness = f"{step_mm}"
        ds.RescaleSlope = "1"
        ds.RescaleIntercept = f"{intercept:g}"
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        image = 1100 + 10 * k + np.tile(np.arange(shape[1]), (shape[0], 1))
        _pixels(ds, image)
        path = folder / f"slice_{(k * 7) % len(positions):03d}_{k}.dcm"  # names not in order
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def write_enhanced_ct(
    path: Path,
    *,
    n: int = 5,
    step_mm: float = 1.25,
    orientation: tuple[float, ...] = (0.0, 1.0, 0.0, 0.0, 0.0, -1.0),
    pixel_spacing: tuple[float, float] = (0.8, 0.6),
    shape: tuple[int, int] = (6, 7),
    frame_order: list[int] | None = None,
) -> dict:
    """An Enhanced CT object; the frame stored at file index ``i`` holds ``1000 + 10*k``
    where ``k`` = frame_order[i] is its position index along the normal."""
    frame_order = frame_order if frame_order is not None else [3, 0, 4, 1, 2][:n]
    ds = _base(EnhancedCTImageStorage, generate_uid())
    ds.InstanceNumber = 1
    ds.NumberOfFrames = n
    ds.ImageType = ["ORIGINAL", "PRIMARY", "VOLUME", "NONE"]
    normal = np.cross(orientation[:3], orientation[3:])
    origin = np.array([10.0, -50.0, 80.0])
    shared = Dataset()
    measures = Dataset()
    measures.PixelSpacing = [str(v) for v in pixel_spacing]
    measures.SliceThickness = str(step_mm)
    plane = Dataset()
    plane.ImageOrientationPatient = [str(v) for v in orientation]
    rescale = Dataset()
    rescale.RescaleSlope = "1"
    rescale.RescaleIntercept = "-1024"
    rescale.RescaleType = "HU"
    shared.PixelMeasuresSequence = Sequence([measures])
    shared.PlaneOrientationSequence = Sequence([plane])
    shared.PixelValueTransformationSequence = Sequence([rescale])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    per_frame = []
    frames = np.zeros((n, *shape), dtype=np.int16)
    for i, k in enumerate(frame_order):
        item = Dataset()
        position = Dataset()
        position.ImagePositionPatient = [f"{v:.6f}" for v in origin + k * step_mm * normal]
        item.PlanePositionSequence = Sequence([position])
        content = Dataset()
        content.StackID = "1"
        content.InStackPositionNumber = k + 1
        item.FrameContentSequence = Sequence([content])
        per_frame.append(item)
        frames[i] = 1000 + 10 * k
    ds.PerFrameFunctionalGroupsSequence = Sequence(per_frame)
    _pixels(ds, frames)
    ds.save_as(path, enforce_file_format=True)
    return {
        "origin": origin,
        "normal": normal,
        "orientation": orientation,
        "pixel_spacing": pixel_spacing,
        "step_mm": step_mm,
        "n": n,
        "shape": shape,
    }


@pytest.fixture
def dicom_factory() -> SimpleNamespace:
    """Writers of small synthetic DICOM objects: ``write_ct_series``, ``write_enhanced_ct``."""
    return SimpleNamespace(write_ct_series=write_ct_series, write_enhanced_ct=write_enhanced_ct)


def assert_same_volume(mine, reference) -> None:
    """Two loaded volumes are identical: voxels (and their type) and every other field."""
    mine_array = np.asarray(mine.array)
    assert mine_array.dtype == reference.array.dtype
    np.testing.assert_array_equal(mine_array, reference.array)
    for field in dataclasses.fields(reference):
        if field.name == "array":
            continue
        value, expected = getattr(mine, field.name), getattr(reference, field.name)
        if isinstance(expected, np.ndarray):
            np.testing.assert_array_equal(value, expected, err_msg=field.name)
        else:
            assert value == expected, field.name


def assert_same_remote_volume(remote, folder_volume) -> None:
    """A volume loaded over DICOMweb is the folder's volume, field for field, except that its
    source files are the WADO-RS URLs of the same instances, in the same order."""
    assert len(remote.source_files) == len(folder_volume.source_files)
    for url, sop in zip(remote.source_files, folder_volume.sop_instance_uids, strict=True):
        assert url.startswith("http://") and url.endswith(
            f"/series/{folder_volume.series_uid}/instances/{sop}"
        ), url
    assert_same_volume(
        dataclasses.replace(remote, source_files=folder_volume.source_files), folder_volume
    )


@pytest.fixture(scope="session")
def phantom_patient(tmp_path_factory):
    """The phantom patient's three visits (60-slice signed CTs, one study each)."""
    from recist_reader.reading.phantom_patient import make_phantom_patient

    return make_phantom_patient(tmp_path_factory.mktemp("phantom") / "patient", seed=0)


@pytest.fixture(scope="module")
def phantom_on_orthanc(orthanc, phantom_patient):
    """The phantom patient, its three visits stored in the session's Orthanc."""
    for folder in phantom_patient.series_folders.values():
        orthanc.upload_folder(folder)
    return phantom_patient


def make_sr(study_uid: str, *, patient_id: str = "P-SR", series_uid: str | None = None) -> Dataset:
    """A minimal Comprehensive SR (no pixel data) in ``study_uid``: an instance to store,
    and a series without images."""
    ds = _base("1.2.840.10008.5.1.4.1.1.88.33", series_uid or generate_uid(), modality="SR")
    ds.PatientID, ds.PatientName, ds.StudyInstanceUID = patient_id, "SR^TEST", study_uid
    ds.SeriesNumber, ds.InstanceNumber, ds.SeriesDescription = 901, 1, "RECIST 1.1 read BL"
    ds.ValueType, ds.CompletionFlag, ds.VerificationFlag = "CONTAINER", "COMPLETE", "UNVERIFIED"
    return ds


def run_cli(*args) -> subprocess.CompletedProcess:
    """``recist-reader ARGS...`` in a child process (stdout and stderr captured as text)."""
    return subprocess.run(
        [sys.executable, "-m", "recist_reader.cli", *map(str, args)],
        capture_output=True,
        text=True,
    )
