"""Writing a rendered phantom as a CT image series (one file per slice) with pydicom."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (
    UID,
    CTImageStorage,
    ExplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGLSLossless,
    RLELossless,
    generate_uid,
)

from .geometry import Grid

__all__ = [
    "COMPRESSIONS",
    "PatientInfo",
    "StudyInfo",
    "WrittenSeries",
    "available_compressions",
    "quantize_hu",
    "write_ct_series",
]

#: Compression names accepted by `write_ct_series` and their transfer syntaxes.
COMPRESSIONS: dict[str, UID] = {
    "none": ExplicitVRLittleEndian,
    "rle": RLELossless,
    "jpeg2000": JPEG2000Lossless,
    "jpegls": JPEGLSLossless,
}


def available_compressions() -> list[str]:
    """The compression names that the installed pydicom plugins can encode."""
    from pydicom.pixels.encoders.base import get_encoder

    names = ["none"]
    for name, uid in COMPRESSIONS.items():
        if name != "none":
            encoder = get_encoder(uid)
            if encoder is not None and encoder.is_available:
                names.append(name)
    return names


@dataclass(frozen=True)
class PatientInfo:
    """Who the series belongs to (Patient module)."""

    patient_id: str = "PHANTOM001"
    patient_name: str = "PHANTOM^SYNTHETIC"
    birth_date: dt.date | None = None
    sex: str = "O"


@dataclass(frozen=True)
class StudyInfo:
    """One visit (General Study module); series written with the same `StudyInfo` share
    StudyInstanceUID and FrameOfReferenceUID."""

    study_date: dt.date = dt.date(2024, 1, 10)
    study_time: dt.time = dt.time(9, 0, 0)
    study_description: str = "CT PHANTOM"
    study_id: str = "1"
    accession_number: str = ""
    study_uid: str = field(default_factory=generate_uid)
    frame_of_reference_uid: str = field(default_factory=generate_uid)


@dataclass(frozen=True)
class WrittenSeries:
    """What `write_ct_series` wrote.

    ``paths`` are in slice order (slice 0 first), whatever the file names.
    """

    directory: Path
    paths: tuple[Path, ...]
    grid: Grid
    series_uid: str
    study_uid: str
    frame_of_reference_uid: str
    sop_instance_uids: tuple[str, ...]
    transfer_syntax_uid: str
    patient_id: str
    study_date: dt.date
    description: str
    rescale_slope: float
    rescale_intercept: float
    bits_stored: int = 16
    signed: bool = True

    @property
    def affine(self) -> np.ndarray:
        """4x4 ``(slice, row, column, 1)`` -> LPS mm, as a loader must find it."""
        return self.grid.affine


def quantize_hu(
    hu: np.ndarray,
    *,
    rescale_slope: float = 1.0,
    rescale_intercept: float = -1024.0,
    bits_stored: int = 16,
    signed: bool = True,
) -> np.ndarray:
    """Stored values for ``hu``: a reader gets back ``stored * slope + intercept``.

    Values are rounded, then clipped to what ``bits_stored`` (signed or not) can hold.
    Returns int16 when signed, uint16 otherwise.
    """
    if not 1 <= bits_stored <= 16:
        raise ValueError(f"bits_stored must be 1..16, got {bits_stored}")
    low, high = (
        (-(2 ** (bits_stored - 1)), 2 ** (bits_stored - 1) - 1)
        if signed
        else (
            0,
            2**bits_stored - 1,
        )
    )
    stored = np.rint((np.asarray(hu, np.float64) - rescale_intercept) / rescale_slope)
    return np.clip(stored, low, high).astype(np.int16 if signed else np.uint16)


def _ds_number(value: float) -> str:
    """A DS string (<= 16 characters) that round-trips ``value`` as closely as DS allows."""
    for digits in range(16, 0, -1):
        text = f"{value:.{digits}g}"
        if len(text) <= 16:
            return text
    raise ValueError(value)


def _format_date(date: dt.date) -> str:
    return date.strftime("%Y%m%d")


def write_ct_series(
    directory: str | Path,
    hu: np.ndarray,
    grid: Grid,
    *,
    patient: PatientInfo | None = None,
    study: StudyInfo | None = None,
    series_description: str = "PHANTOM AXIAL",
    series_number: int = 1,
    series_uid: str | None = None,
    compression: str = "none",
    rescale_slope: float = 1.0,
    rescale_intercept: float = -1024.0,
    window_center_hu: float = 40.0,
    window_width_hu: float = 400.0,
    slice_thickness_mm: float | None = None,
    bits_stored: int = 16,
    signed: bool = True,
    file_order_seed: int | None = None,
) -> WrittenSeries:
    """Write ``hu`` as a CT Image Storage series, one file per slice.

    Parameters
    ----------
    directory : path
        Created if missing; files are named ``IM00000.dcm``, ``IM00001.dcm``, ...
    hu : ndarray, shape ``grid.shape``
        Hounsfield units (e.g. from `render_phantom`); stored as int16 through the rescale.
    grid : Grid
        Geometry: ImagePositionPatient, ImageOrientationPatient, PixelSpacing.
    patient, study : PatientInfo, StudyInfo, optional
        Identity; a new study (new UIDs) when omitted.
    series_description, series_number, series_uid
        Series identity; ``series_uid`` is generated when omitted.
    compression : {'none', 'rle', 'jpeg2000', 'jpegls'}
        Lossless transfer syntax; see `available_compressions`.
    rescale_slope, rescale_intercept : float
        RescaleSlope/RescaleIntercept (HU = stored * slope + intercept).
    window_center_hu, window_width_hu : float
        WindowCenter/WindowWidth.
    slice_thickness_mm : float, optional
        SliceThickness; defaults to the slice spacing.
    bits_stored, signed : int, bool
        Pixel layout (16 bits allocated): signed 16-bit by default (GE-like); 12 bits
        unsigned is the Siemens-like layout (HU -1024..3071 with the default intercept).
        Values outside the range are clipped, see `quantize_hu`.
    file_order_seed : int, optional
        Shuffle which file name and InstanceNumber each slice gets, to check that readers
        sort by position.

    Returns
    -------
    WrittenSeries
    """
    hu = np.asarray(hu)
    if hu.shape != grid.shape:
        raise ValueError(f"hu has shape {hu.shape}, grid {grid.shape}")
    if compression not in COMPRESSIONS:
        raise ValueError(f"compression must be one of {sorted(COMPRESSIONS)}, got {compression!r}")
    syntax = COMPRESSIONS[compression]
    encoder = None
    if compression != "none":
        from pydicom.pixels.encoders.base import get_encoder

        encoder = get_encoder(syntax)
        if encoder is None or not encoder.is_available:
            raise ValueError(
                f"cannot encode {compression!r}: install one of the pydicom plugins for "
                f"{syntax.name}; available here: {available_compressions()}"
            )
    patient = patient or PatientInfo()
    study = study or StudyInfo()
    # The geometry a reader will find: every number as the DS string written.
    grid = Grid(
        grid.shape,
        tuple(float(_ds_number(v)) for v in grid.spacing_mm),
        tuple(float(_ds_number(v)) for v in grid.orientation),
        tuple(float(_ds_number(v)) for v in grid.origin_mm),
    )
    series_uid = series_uid or generate_uid()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    n_slices, rows, cols = grid.shape
    now = dt.datetime.now()

    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SOPClassUID = CTImageStorage
    ds.StudyDate = _format_date(study.study_date)
    ds.SeriesDate = ds.StudyDate
    ds.ContentDate = ds.StudyDate
    ds.AcquisitionDate = ds.StudyDate
    ds.StudyTime = study.study_time.strftime("%H%M%S")
    ds.SeriesTime = ds.StudyTime
    ds.ContentTime = ds.StudyTime
    ds.AccessionNumber = study.accession_number
    ds.Modality = "CT"
    ds.Manufacturer = "recist-reader phantom"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = study.study_description
    ds.SeriesDescription = series_description
    ds.PatientName = patient.patient_name
    ds.PatientID = patient.patient_id
    ds.PatientBirthDate = _format_date(patient.birth_date) if patient.birth_date else ""
    ds.PatientSex = patient.sex
    ds.SliceThickness = _ds_number(slice_thickness_mm or grid.spacing_mm[0])
    ds.KVP = "120"
    ds.PatientPosition = "HFS"
    ds.StudyInstanceUID = study.study_uid
    ds.SeriesInstanceUID = series_uid
    ds.StudyID = study.study_id
    ds.SeriesNumber = series_number
    ds.AcquisitionNumber = 1
    ds.FrameOfReferenceUID = study.frame_of_reference_uid
    ds.PositionReferenceIndicator = ""
    ds.ImageOrientationPatient = [_ds_number(v) for v in grid.orientation]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = rows
    ds.Columns = cols
    ds.PixelSpacing = [_ds_number(grid.spacing_mm[1]), _ds_number(grid.spacing_mm[2])]
    ds.BitsAllocated = 16
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = int(signed)
    ds.WindowCenter = _ds_number(window_center_hu)
    ds.WindowWidth = _ds_number(window_width_hu)
    ds.RescaleIntercept = _ds_number(rescale_intercept)
    ds.RescaleSlope = _ds_number(rescale_slope)
    ds.RescaleType = "HU"
    ds.InstanceCreationDate = now.strftime("%Y%m%d")
    ds.InstanceCreationTime = now.strftime("%H%M%S")

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.TransferSyntaxUID = syntax

    order = np.arange(n_slices)
    if file_order_seed is not None:
        order = np.random.default_rng(file_order_seed).permutation(n_slices)
    encode_kwargs = dict(
        rows=rows,
        columns=cols,
        samples_per_pixel=1,
        bits_allocated=16,
        bits_stored=bits_stored,
        pixel_representation=int(signed),
        photometric_interpretation="MONOCHROME2",
        number_of_frames=1,
    )
    plugin = ""
    if encoder is not None and "pylibjpeg" in encoder.available_plugins:
        plugin = "pylibjpeg"  # much faster than pydicom's pure-Python RLE

    paths: list[Path] = []
    uids: list[str] = []
    normal = grid.normal
    for k in range(n_slices):
        sop_uid = generate_uid()
        position = grid.slice_position_mm(k)
        ds.SOPInstanceUID = sop_uid
        ds.InstanceNumber = int(order[k]) + 1
        ds.ImagePositionPatient = [_ds_number(v) for v in position]
        ds.SliceLocation = _ds_number(float(position @ normal))
        stored = quantize_hu(
            hu[k],
            rescale_slope=rescale_slope,
            rescale_intercept=rescale_intercept,
            bits_stored=bits_stored,
            signed=signed,
        )
        if encoder is None:
            ds.PixelData = stored.astype(stored.dtype.newbyteorder("<"), copy=False).tobytes()
            ds["PixelData"].VR = "OW"
        else:
            frame = encoder.encode(stored, encoding_plugin=plugin, **encode_kwargs)
            ds.PixelData = encapsulate([frame])
            ds["PixelData"].VR = "OB"
            ds["PixelData"].is_undefined_length = True
        meta.MediaStorageSOPInstanceUID = sop_uid
        ds.file_meta = meta
        path = directory / f"IM{int(order[k]):05d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
        uids.append(sop_uid)

    return WrittenSeries(
        directory=directory,
        paths=tuple(paths),
        grid=grid,
        series_uid=series_uid,
        study_uid=study.study_uid,
        frame_of_reference_uid=study.frame_of_reference_uid,
        sop_instance_uids=tuple(uids),
        transfer_syntax_uid=str(syntax),
        patient_id=patient.patient_id,
        study_date=study.study_date,
        description=series_description,
        rescale_slope=float(rescale_slope),
        rescale_intercept=float(rescale_intercept),
        bits_stored=bits_stored,
        signed=signed,
    )
