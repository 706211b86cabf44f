"""Read one DICOM file's header (never its pixels) into plain per-frame records.

Single-frame images give one :class:`FrameHeader`; enhanced multi-frame CT/MR objects give
one per frame, with geometry taken from the per-frame and shared functional groups
(DICOM PS3.3 C.7.6.16).

Files the lean walker (``fastheader``) reads are converted here without pydicom, with the
same results as through ``dcmread``; pydicom is imported only for the other files.
"""

from __future__ import annotations

import math
import os
import struct
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from recist_reader.io.dicom.fastheader import (
    EXPLICIT_VR_LITTLE_ENDIAN,
    IMPLICIT_VR_LITTLE_ENDIAN,
    NATIVE_SYNTAXES,
    TAGS,
    WALKED_SYNTAXES,
    FastHeader,
    read_fast_header,
    read_fast_header_of_bytes,
)

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

_EXPLICIT_VR_BIG_ENDIAN = "1.2.840.10008.1.2.2"
_DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1.99"

#: The (group, element) of the three pixel data elements.
_PIXEL_TAGS = {
    (0x7FE0, 0x0010): "PixelData",
    (0x7FE0, 0x0008): "FloatPixelData",
    (0x7FE0, 0x0009): "DoubleFloatPixelData",
}
_UNDEFINED_LENGTH = 0xFFFFFFFF
#: The VR and reserved bytes of an explicit VR pixel data element header.
_EXPLICIT_PIXEL_VRS = frozenset({b"OB\x00\x00", b"OW\x00\x00", b"OF\x00\x00", b"OD\x00\x00"})
#: Objects with pixel data that are not images to measure on.
NON_VOLUME_MODALITIES = frozenset({"RTDOSE", "RTSTRUCT", "RTPLAN", "SEG", "REG", "KO", "PR", "SR"})
_SECONDARY_CAPTURE_PREFIX = "1.2.840.10008.5.1.4.1.1.7"
_DICOMDIR_SOP_CLASS = "1.2.840.10008.1.3.10"
#: Projection and photo modalities: images without a slice geometry.
PROJECTION_MODALITIES = frozenset(
    {"CR", "DX", "MG", "XA", "RF", "US", "IO", "PX", "ES", "XC", "GM", "SM", "OP", "DOC"}
)


@dataclass(frozen=True)
class PixelLayout:
    """Where and how a file stores its pixels.

    Attributes
    ----------
    path : str
        The file.
    transfer_syntax_uid : str
        Transfer syntax of the dataset.
    rows, columns, frames : int
        Image size and number of frames declared by the header.
    bits_allocated, bits_stored : int
        Bits per stored value and bits used.
    signed : bool
        PixelRepresentation == 1.
    samples_per_pixel : int
        1 for grey-scale.
    pixel_keyword : str or None
        ``PixelData``, ``FloatPixelData``, ``DoubleFloatPixelData`` or None when absent.
    value_offset : int or None
        Byte offset of the pixel element's value in the file (None if unknown).
    value_length : int or None
        Declared value length in bytes; None for encapsulated (undefined length) data.
    file_size : int
        Size of the file in bytes.
    little_endian : bool
        Byte order of the dataset.
    plain_pixel_module : bool
        Rows, Columns, SamplesPerPixel, BitsAllocated, BitsStored and PixelRepresentation
        (0 or 1) are each one US value, PhotometricInterpretation is MONOCHROME1/2 and
        NumberOfFrames is absent or 1: pydicom decodes such pixel data without objection,
        so the loader's own decoders may decode it instead.
    """

    path: str
    transfer_syntax_uid: str
    rows: int
    columns: int
    frames: int
    bits_allocated: int
    bits_stored: int
    signed: bool
    samples_per_pixel: int
    photometric: str
    pixel_keyword: str | None
    value_offset: int | None
    value_length: int | None
    file_size: int
    little_endian: bool
    plain_pixel_module: bool = False

    @property
    def is_encapsulated(self) -> bool:
        """True for compressed (encapsulated) pixel data."""
        return is_encapsulated_syntax(self.transfer_syntax_uid)

    @property
    def frame_bytes(self) -> int:
        """Bytes of one uncompressed frame."""
        return self.rows * self.columns * self.samples_per_pixel * max(self.bits_allocated, 8) // 8


@dataclass(frozen=True)
class FrameHeader:
    """The header values of one image frame (a slice) that the loader needs.

    Geometry values are None when absent; ``problems`` holds values present but unusable.
    """

    path: str
    frame_index: int | None
    layout: PixelLayout
    sop_instance_uid: str
    instance_number: int | None
    position: tuple[float, float, float] | None
    orientation: tuple[float, float, float, float, float, float] | None
    pixel_spacing: tuple[float, float] | None
    slice_thickness: float | None
    spacing_between_slices: float | None
    rescale_slope: float
    rescale_intercept: float
    has_rescale: bool
    windows: tuple[tuple[str, float, float], ...]
    acquisition_key: tuple[Any, ...]
    image_type: tuple[str, ...]
    gantry_tilt_deg: float | None
    problems: tuple[str, ...] = ()
    frame_of_reference_uid: str = ""

    @property
    def label(self) -> str:
        """The file name, with the frame number for multi-frame objects."""
        name = os.path.basename(self.path)
        return name if self.frame_index is None else f"{name} frame {self.frame_index + 1}"


@dataclass
class FileHeader:
    """Series-level attributes of one DICOM file and its frames."""

    path: str
    sop_class_uid: str
    modality: str
    series_uid: str
    study_uid: str
    series_description: str
    series_number: int | None
    study_date: str | None
    patient_id: str
    frame_of_reference_uid: str
    frames: list[FrameHeader] = field(default_factory=list)
    skip_reason: str | None = None


class NotDicomError(Exception):
    """The file is not DICOM at all (internal: becomes a skip note)."""


class UnreadableDicomError(Exception):
    """The file looks like DICOM but its header cannot be parsed (internal)."""


def is_encapsulated_syntax(transfer_syntax_uid: str) -> bool:
    """True when pixel data in this transfer syntax is encapsulated (compressed)."""
    if not transfer_syntax_uid or transfer_syntax_uid in NATIVE_SYNTAXES:
        return False
    if transfer_syntax_uid in WALKED_SYNTAXES:
        return True  # RLE, JPEG family
    from pydicom.uid import UID

    return UID(transfer_syntax_uid).is_encapsulated


def _is_transfer_syntax(uid: str) -> bool:
    if uid in WALKED_SYNTAXES:
        return True
    from pydicom.uid import UID

    return UID(uid).is_transfer_syntax


def _uid_name(uid: str) -> str:
    from pydicom.uid import UID

    return UID(uid).name


def looks_like_dicom(path: str) -> bool:
    """True if the file has the DICM magic or starts like a raw group 0002/0008 dataset."""
    try:
        with open(path, "rb") as fp:
            head = fp.read(132)
    except OSError:
        return False
    if len(head) >= 132 and head[128:132] == b"DICM":
        return True
    return len(head) >= 8 and head[:2] in (b"\x02\x00", b"\x08\x00") and head[2:4] < b"\x20\x00"


def read_file_header(path: str, *, fast: bool = True) -> FileHeader:
    """Read the header of ``path`` (stopping before the pixel data).

    Parameters
    ----------
    path : str
        The file.
    fast : bool
        Try the lean element walker first (see ``fastheader``), then pydicom's
        ``dcmread``; False uses ``dcmread`` only.

    Raises
    ------
    NotDicomError
        The file is not DICOM.
    UnreadableDicomError
        The file starts like DICOM but the header is truncated or corrupt.
    """
    walked = read_fast_header(path) if fast else None
    if walked is None and not looks_like_dicom(path):
        raise NotDicomError("not a DICOM file")
    header = None if walked is None else walked_header(path, walked)
    if header is not None:
        return header
    import pydicom

    try:
        file_size = os.path.getsize(path)
        with open(path, "rb") as fp, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(fp, stop_before_pixels=True, force=True)
            pixel_keyword, value_offset, value_length = _pixel_element_position(fp, ds)
    except (NotDicomError, UnreadableDicomError, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # pydicom raises many kinds on corrupt input
        raise UnreadableDicomError(f"header cannot be read ({_describe(exc)})") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _file_header(path, ds, pixel_keyword, value_offset, value_length, file_size)
    except UnreadableDicomError:
        raise
    except Exception as exc:
        raise UnreadableDicomError(f"header values cannot be read ({_describe(exc)})") from None


def read_bytes_header(path: str, data: Any) -> FileHeader | None:
    """The header of a whole Part 10 file held in memory (any bytes-like ``data``), as
    :func:`read_file_header` reads it from a file at ``path``; None when the file needs
    pydicom's parser (write it to ``path`` and read that instead)."""
    walked = read_fast_header_of_bytes(data)
    return None if walked is None else walked_header(path, walked)


def walked_header(path: str, walked: FastHeader, *, in_file: bool = True) -> FileHeader | None:
    """The header of a walked file (``fastheader``); None on anything odd (pydicom has the
    last word).

    ``in_file`` False: the elements come from elsewhere (a server's metadata), and the
    pixel data has no offsets, as for :func:`dataset_header`.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _file_header(
                path,
                walked,
                walked.pixel_keyword,
                walked.value_offset if in_file else None,
                walked.value_length if in_file else None,
                walked.file_size if in_file else 0,
            )
    except Exception:
        return None


def elements_header(path: str, elements: FastHeader) -> FileHeader | None:
    """The header of an object known by its elements' values as a file would hold them
    (e.g. a DICOMweb server's metadata converted), without pixel offsets; None when its
    values need pydicom (then use :func:`dataset_header`)."""
    return walked_header(path, elements, in_file=False)


def dataset_header(path: str, ds: Dataset, pixel_keyword: str | None) -> FileHeader:
    """The header of a dataset that is not (yet) a file, e.g. a DICOMweb server's metadata.

    The same values, checks and skip reasons as :func:`read_file_header`; the pixel layout
    has no offsets (``value_offset`` None), so only the decoded frames tell its sizes.

    Parameters
    ----------
    path : str
        What names the object in messages (a WADO-RS instance URL).
    ds : pydicom.Dataset
        Its attributes, without pixel data; ``file_meta.TransferSyntaxUID`` when known.
    pixel_keyword : str or None
        ``PixelData``, ``FloatPixelData``, ``DoubleFloatPixelData`` or None when it has none.

    Raises
    ------
    UnreadableDicomError
        Values that cannot be read.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _file_header(path, ds, pixel_keyword, None, None, 0)
    except UnreadableDicomError:
        raise
    except Exception as exc:
        raise UnreadableDicomError(f"header values cannot be read ({_describe(exc)})") from None


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


def _pixel_element_position(fp: Any, ds: Dataset) -> tuple[str | None, int | None, int | None]:
    """Parse the pixel data element header that ``dcmread(stop_before_pixels=True)`` left."""
    tsyntax = ds.file_meta.get("TransferSyntaxUID") if hasattr(ds, "file_meta") else None
    if tsyntax is not None and tsyntax == _DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN:
        return "PixelData", None, None  # offsets are in the inflated stream
    implicit, little = ds.original_encoding
    if implicit is None:
        return None, None, None
    start = fp.tell()
    head = fp.read(12)
    if len(head) < 8:
        return None, None, None
    endian = "<" if little else ">"
    group, element = struct.unpack(f"{endian}HH", head[:4])
    keyword = _PIXEL_TAGS.get((group, element))
    if keyword is None:
        return None, None, None
    if implicit and head[4:8] in _EXPLICIT_PIXEL_VRS:
        implicit = False  # explicit VR data under an implicit VR syntax (pydicom copes)
    if implicit:
        (length,) = struct.unpack(f"{endian}L", head[4:8])
        offset = start + 8
    else:
        if len(head) < 12:
            raise UnreadableDicomError("pixel data element header is truncated")
        (length,) = struct.unpack(f"{endian}L", head[8:12])
        offset = start + 12
    return keyword, offset, (None if length == _UNDEFINED_LENGTH else length)


def _int(value: Any, default: int | None = None) -> int | None:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _floats(value: Any, count: int) -> tuple[float, ...]:
    """``count`` finite floats from a DS/FD value, else ValueError."""
    items = _values(value)
    if len(items) != count:
        raise ValueError(f"has {len(items)} values, expected {count}")
    numbers = tuple(float(v) for v in items)
    if not all(math.isfinite(v) for v in numbers):
        raise ValueError("is not finite")
    return numbers


_US_KEYWORDS = frozenset(
    {"Rows", "Columns", "BitsAllocated", "BitsStored", "PixelRepresentation", "SamplesPerPixel"}
)
_TAGS: dict[str, int] = dict(TAGS)
#: Character sets in which ASCII text decodes as ASCII (pydicom's default is latin-1).
_ASCII_COMPATIBLE_CHARSETS = frozenset({"", "ISO_IR 6", "ISO_IR 100", "ISO_IR 192"})
_ASCII_TEXT_BYTES = frozenset(range(0x80)) - {0x1B, 0x5C}  # no escape, no backslash


def _tag(keyword: str) -> int:
    tag = _TAGS.get(keyword)
    if tag is None:
        from pydicom.datadict import tag_for_keyword

        tag = _TAGS.setdefault(keyword, tag_for_keyword(keyword))  # type: ignore[arg-type]
    return tag


def _value(ds: Dataset | FastHeader, keyword: str) -> Any:
    """An element's value without pydicom's (slow) conversion of raw elements.

    Text values come back as ``str`` (a list of ``str`` when multi-valued), US values as
    ``int``; elements pydicom has already converted come back as converted.
    """
    tag = _TAGS.get(keyword) or _tag(keyword)
    little_endian = True
    if type(ds) is FastHeader:
        raw = ds.values.get(tag)
        if raw is None:
            return None
    else:
        from pydicom.dataelem import RawDataElement

        element = ds.get_item(tag)
        if element is None:
            return None
        if not isinstance(element, RawDataElement):
            return element.value
        raw = element.value
        little_endian = element.is_little_endian
    if raw is None:
        return None
    if keyword in _US_KEYWORDS:
        if len(raw) < 2:
            return None
        return struct.unpack("<H" if little_endian else ">H", raw[:2])[0]
    text = raw.decode("latin-1").strip("\x00 ")
    if "\\" in text:
        return [item.strip("\x00 ") for item in text.split("\\")]
    return text


def _values(value: Any) -> list[Any]:
    """The items of a multi-valued element (a single value gives a one-item list)."""
    if isinstance(value, str):
        return value.split("\\")
    if isinstance(value, bytes):
        return [value]
    try:
        return list(value)
    except TypeError:
        return [value]


def _optional_float(ds: Dataset | FastHeader, keyword: str) -> float | None:
    value = _value(ds, keyword)
    if value is None or value == "":
        return None
    try:
        number = float(value[0] if isinstance(value, list | tuple) else value)
    except (TypeError, ValueError, IndexError):
        return None
    return number if math.isfinite(number) else None


def _text(ds: Dataset | FastHeader, keyword: str) -> str:
    value = _value(ds, keyword)
    if isinstance(value, list):
        return "\\".join(str(v) for v in value)
    return "" if value is None else str(value).strip()


def _decoded_text(ds: Dataset | FastHeader, keyword: str) -> str:
    """Text in the dataset's character set (for names and descriptions)."""
    if isinstance(ds, FastHeader):
        text = _ascii_text(ds, keyword)
        if text is not None:
            return text
        ds = _as_dataset(ds)
    value = ds.get(keyword)
    return "" if value is None else str(value).strip()


def _ascii_text(walked: FastHeader, keyword: str) -> str | None:
    """A single-valued LO text as pydicom decodes it, or None when pydicom must decode it."""
    tag = _tag(keyword)
    value = walked.values.get(tag)
    if value is None:
        return ""
    if walked.vrs[tag] not in (None, b"LO") or not _ASCII_TEXT_BYTES.issuperset(value):
        return None
    charset = walked.values.get(_tag("SpecificCharacterSet"))
    if charset is not None:
        if charset.decode("latin-1").strip("\x00 ") not in _ASCII_COMPATIBLE_CHARSETS:
            return None
    return value.decode("ascii").rstrip("\x00 ").strip()


def _as_dataset(walked: FastHeader) -> Dataset:
    """The walked elements as a pydicom dataset (for text in other character sets)."""
    from pydicom.dataelem import RawDataElement
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.tag import BaseTag

    def raw(tag: int, vr: str | None, value: bytes, implicit: bool) -> RawDataElement:
        return RawDataElement(BaseTag(tag), vr, len(value), value, 0, implicit, True)

    elements = {}
    for tag, value in walked.values.items():
        vr = walked.vrs[tag]
        elements[BaseTag(tag)] = raw(tag, vr.decode() if vr else None, value, walked.implicit)
    ds = Dataset(elements)
    ds.file_meta = FileMetaDataset(
        {BaseTag(tag): raw(tag, *element, False) for tag, element in walked.meta.items()}
    )
    ds.set_original_encoding(walked.implicit, True)
    return ds


def _windows(ds: Dataset | FastHeader) -> tuple[tuple[str, float, float], ...]:
    centers, widths = _value(ds, "WindowCenter"), _value(ds, "WindowWidth")
    if centers is None or widths is None or centers == "" or widths == "":
        return ()
    centers, widths = _values(centers), _values(widths)
    names = _values(_value(ds, "WindowCenterWidthExplanation") or [])
    result = []
    for i, (center, width) in enumerate(zip(centers, widths, strict=False)):
        try:
            c, w = float(center), float(width)
        except (TypeError, ValueError):
            continue
        if math.isfinite(c) and math.isfinite(w) and w > 0:
            name = str(names[i]).strip() if i < len(names) and str(names[i]).strip() else ""
            result.append((name, c, w))
    return tuple(result)


def _study_date(value: str) -> str | None:
    value = value.strip()
    if len(value) == 8 and value.isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value or None


def _transfer_syntax(ds: Dataset | FastHeader) -> str:
    if isinstance(ds, FastHeader):
        return ds.transfer_syntax_uid
    return str(ds.file_meta.get("TransferSyntaxUID", "")) if hasattr(ds, "file_meta") else ""


def _encoding(ds: Dataset | FastHeader) -> tuple[bool | None, bool | None]:
    """(implicit VR, little endian) of the dataset."""
    if isinstance(ds, FastHeader):
        return ds.implicit, True
    return ds.original_encoding


def _first_item(ds: Dataset | None, keyword: str) -> Dataset | None:
    if ds is None:
        return None
    seq = ds.get(keyword)
    if not seq:
        return None
    try:
        return seq[0]
    except (IndexError, TypeError):
        return None


def _file_header(
    path: str,
    ds: Dataset | FastHeader,
    pixel_keyword: str | None,
    value_offset: int | None,
    value_length: int | None,
    file_size: int,
) -> FileHeader:
    sop_class = _value(ds, "SOPClassUID")
    if not sop_class:
        if isinstance(ds, FastHeader):
            raise ValueError("no SOPClassUID: pydicom reads the file meta")
        sop_class = ds.file_meta.get("MediaStorageSOPClassUID", "")
    sop_class = str(sop_class)
    header = FileHeader(
        path=path,
        sop_class_uid=sop_class,
        modality=_text(ds, "Modality").upper(),
        series_uid=_text(ds, "SeriesInstanceUID"),
        study_uid=_text(ds, "StudyInstanceUID"),
        series_description=_decoded_text(ds, "SeriesDescription"),
        series_number=_int(_value(ds, "SeriesNumber")),
        study_date=_study_date(_text(ds, "StudyDate")),
        patient_id=_decoded_text(ds, "PatientID"),
        frame_of_reference_uid=_text(ds, "FrameOfReferenceUID"),
    )
    walked = isinstance(ds, FastHeader)  # the walker leaves DICOMDIRs and enhanced objects
    if sop_class == _DICOMDIR_SOP_CLASS or (not walked and "DirectoryRecordSequence" in ds):
        header.skip_reason = "a DICOMDIR index (its images are read from the folder)"
        return header
    if not sop_class and pixel_keyword is None:
        raise UnreadableDicomError("has no SOPClassUID and no pixel data (the file is truncated)")
    if pixel_keyword is None:
        name = _uid_name(sop_class) if sop_class else "unknown SOP class"
        if name.endswith("Image Storage"):
            raise UnreadableDicomError(
                f"is a {name} object but has no pixel data (the file is truncated)"
            )
        header.skip_reason = f"no pixel data ({name}: not an image)"
        return header
    if sop_class.startswith(_SECONDARY_CAPTURE_PREFIX):
        header.skip_reason = "a secondary capture (screenshot), not an acquired image"
        return header
    image_type = tuple(str(v).upper() for v in _values(_value(ds, "ImageType") or []))
    if "LOCALIZER" in image_type or "SCOUT" in image_type:
        header.skip_reason = "a localizer/scout image, not part of a volume"
        return header
    samples = _int(_value(ds, "SamplesPerPixel"), 1) or 1
    if samples != 1:
        header.skip_reason = f"a colour image ({samples} samples per pixel), not CT/MR grey-scale"
        return header
    if header.modality in NON_VOLUME_MODALITIES:
        header.skip_reason = f"a {header.modality} object (dose, segmentation, ...), not an image"
        return header
    if header.modality in PROJECTION_MODALITIES:
        header.skip_reason = (
            f"a {header.modality} projection/photo image, not a cross-sectional slice"
        )
        return header

    implicit, little = _encoding(ds)
    tsyntax = _transfer_syntax(ds)
    if not tsyntax:
        tsyntax = (
            IMPLICIT_VR_LITTLE_ENDIAN
            if implicit
            else EXPLICIT_VR_LITTLE_ENDIAN
            if little
            else _EXPLICIT_VR_BIG_ENDIAN
        )
    if not _is_transfer_syntax(tsyntax):
        raise UnreadableDicomError(
            f"has an unknown TransferSyntaxUID {str(tsyntax)[:64]!r} (the header is corrupt)"
        )
    n_frames = _int(_value(ds, "NumberOfFrames"), 1)
    bits_allocated = _int(_value(ds, "BitsAllocated"), 0) or 0
    photometric = _text(ds, "PhotometricInterpretation").upper()
    layout = PixelLayout(
        path=path,
        transfer_syntax_uid=str(tsyntax),
        rows=_int(_value(ds, "Rows"), 0) or 0,
        columns=_int(_value(ds, "Columns"), 0) or 0,
        frames=n_frames if n_frames is not None else 1,
        bits_allocated=bits_allocated,
        bits_stored=_int(_value(ds, "BitsStored"), 0) or bits_allocated,
        signed=_int(_value(ds, "PixelRepresentation"), 0) == 1,
        samples_per_pixel=samples,
        photometric=photometric,
        pixel_keyword=pixel_keyword,
        value_offset=value_offset,
        value_length=value_length,
        file_size=file_size,
        little_endian=bool(little),
        plain_pixel_module=bool(little) and _is_plain_pixel_module(ds),
    )
    if not walked and "PerFrameFunctionalGroupsSequence" in ds:
        header.frames = _enhanced_frames(path, ds, layout)
    else:
        header.frames = [_frame(path, None, layout, ds, ds, ds, ds, ds, ds)]
        if layout.frames > 1:
            header.frames = [
                _with_problem(
                    header.frames[0],
                    f"is a multi-frame image ({layout.frames} frames) without per-frame "
                    "functional groups, so its frames have no positions",
                )
            ]
    return header


_PLAIN_US_KEYWORDS = (
    "Rows",
    "Columns",
    "SamplesPerPixel",
    "BitsAllocated",
    "BitsStored",
    "PixelRepresentation",
)


def _raw_bytes(ds: Dataset | FastHeader, keyword: str) -> bytes | None:
    """The undecoded value of an element (None when absent or already decoded)."""
    if isinstance(ds, FastHeader):
        return ds.values.get(_tag(keyword))
    from pydicom.dataelem import RawDataElement

    raw = ds.get_item(_tag(keyword))
    return raw.value if isinstance(raw, RawDataElement) else None


def _is_plain_pixel_module(ds: Dataset | FastHeader) -> bool:
    """See ``PixelLayout.plain_pixel_module``."""
    if _text(ds, "PhotometricInterpretation") not in ("MONOCHROME1", "MONOCHROME2"):
        return False
    if any(len(_raw_bytes(ds, keyword) or b"") != 2 for keyword in _PLAIN_US_KEYWORDS):
        return False
    if _value(ds, "PixelRepresentation") not in (0, 1):
        return False
    frames = _raw_bytes(ds, "NumberOfFrames")
    return frames is None or frames.strip(b"\x00 ") == b"1"


def _with_problem(frame: FrameHeader, problem: str) -> FrameHeader:
    from dataclasses import replace

    return replace(frame, problems=(*frame.problems, problem))


def _enhanced_frames(path: str, ds: Dataset, layout: PixelLayout) -> list[FrameHeader]:
    shared = _first_item(ds, "SharedFunctionalGroupsSequence")
    per_frame = ds.PerFrameFunctionalGroupsSequence
    frames = []
    if len(per_frame) != layout.frames:
        frame = _frame(path, 0, layout, ds, None, None, None, None, None)
        return [
            _with_problem(
                frame,
                f"has {len(per_frame)} per-frame functional group items but NumberOfFrames "
                f"is {layout.frames}",
            )
        ]
    for index, item in enumerate(per_frame):

        def group(keyword: str, item: Dataset = item) -> Dataset | None:
            return _first_item(item, keyword) or _first_item(shared, keyword)

        frames.append(
            _frame(
                path,
                index,
                layout,
                ds,
                group("PlanePositionSequence"),
                group("PlaneOrientationSequence"),
                group("PixelMeasuresSequence"),
                group("PixelValueTransformationSequence"),
                group("FrameVOILUTSequence"),
                frame_content=group("FrameContentSequence"),
            )
        )
    return frames


def _frame(
    path: str,
    frame_index: int | None,
    layout: PixelLayout,
    ds: Dataset | FastHeader,
    position_ds: Dataset | FastHeader | None,
    orientation_ds: Dataset | FastHeader | None,
    measures_ds: Dataset | FastHeader | None,
    rescale_ds: Dataset | FastHeader | None,
    window_ds: Dataset | FastHeader | None,
    *,
    frame_content: Dataset | None = None,
) -> FrameHeader:
    problems: list[str] = []

    def geometry(
        source: Dataset | FastHeader | None, keyword: str, count: int
    ) -> tuple[float, ...] | None:
        value = None if source is None else _value(source, keyword)
        if value is None or value == "":
            return None
        try:
            return _floats(value, count)
        except (TypeError, ValueError) as exc:
            problems.append(f"has an unusable {keyword} {str(value)[:60]!r} ({exc})")
            return None

    position = geometry(position_ds, "ImagePositionPatient", 3)
    orientation = geometry(orientation_ds, "ImageOrientationPatient", 6)
    spacing = geometry(measures_ds, "PixelSpacing", 2)
    slope = _optional_float(rescale_ds, "RescaleSlope") if rescale_ds is not None else None
    intercept = _optional_float(rescale_ds, "RescaleIntercept") if rescale_ds is not None else None
    if slope == 0:
        problems.append("has RescaleSlope 0")
    acquisition_key: tuple[Any, ...] = (
        _int(_value(ds, "AcquisitionNumber")),
        _text(ds, "EchoNumbers"),
        _int(_value(ds, "TemporalPositionIdentifier")),
    )
    if frame_content is not None:
        acquisition_key = (
            *acquisition_key,
            _text(frame_content, "StackID"),
            _int(_value(frame_content, "TemporalPositionIndex")),
        )
    image_type = _values(_value(ds, "ImageType") or [])
    slice_thickness = None
    if measures_ds is not None:
        slice_thickness = _optional_float(measures_ds, "SliceThickness")
    if slice_thickness is None:
        slice_thickness = _optional_float(ds, "SliceThickness")
    return FrameHeader(
        path=path,
        frame_index=frame_index,
        layout=layout,
        sop_instance_uid=_text(ds, "SOPInstanceUID"),
        instance_number=_int(_value(ds, "InstanceNumber")),
        position=position,  # type: ignore[arg-type]
        orientation=orientation,  # type: ignore[arg-type]
        pixel_spacing=spacing,  # type: ignore[arg-type]
        slice_thickness=slice_thickness,
        spacing_between_slices=(
            None if measures_ds is None else _optional_float(measures_ds, "SpacingBetweenSlices")
        ),
        rescale_slope=1.0 if slope is None or slope == 0 else slope,
        rescale_intercept=0.0 if intercept is None else intercept,
        has_rescale=slope is not None or intercept is not None,
        windows=_windows(window_ds) if window_ds is not None else (),
        acquisition_key=acquisition_key,
        image_type=tuple(str(v).upper() for v in image_type),
        gantry_tilt_deg=_optional_float(ds, "GantryDetectorTilt"),
        frame_of_reference_uid=_text(ds, "FrameOfReferenceUID"),
        problems=tuple(problems),
    )
