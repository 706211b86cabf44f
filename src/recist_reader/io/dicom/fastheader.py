"""A lean walker over the top-level elements of a little-endian DICOM file.

pydicom's ``dcmread`` spends most of a series load building elements nobody reads. For the
common case (a Part 10 file, little-endian transfer syntax, single-frame image) this walker
collects the short top-level elements as pydicom ``RawDataElement`` objects, skipping long
values and sequences by their lengths, and stops at the pixel data. Anything unusual
(no preamble, big endian, deflate, enhanced multi-frame, DICOMDIR, out-of-order tags, a
length past the end of the file) returns None, and the caller uses ``dcmread`` instead, so
this never decides that a file is bad.
"""

from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass

from pydicom.datadict import tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.tag import BaseTag
from pydicom.uid import UID

_LONG_VRS = frozenset(
    {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"UC", b"UN", b"UR", b"UT", b"SV", b"UV"}
)
_PIXEL_TAGS = {
    0x7FE00010: "PixelData",
    0x7FE00008: "FloatPixelData",
    0x7FE00009: "DoubleFloatPixelData",
}
#: Top-level elements that need pydicom's full parser (nested geometry or an index).
_FALLBACK_TAGS = frozenset({0x52009229, 0x52009230, 0x00041220})
_ITEM, _ITEM_END, _SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_UNDEFINED = 0xFFFFFFFF
_KEEP_BYTES = 1024  # values longer than this are not needed by the loader
#: The top-level elements the loader reads (headers.py); others are skipped unparsed.
WANTED_TAGS = frozenset(
    tag_for_keyword(keyword)
    for keyword in (
        "SpecificCharacterSet",
        "ImageType",
        "SOPClassUID",
        "SOPInstanceUID",
        "StudyDate",
        "Modality",
        "SeriesDescription",
        "PatientID",
        "SliceThickness",
        "EchoNumbers",
        "SpacingBetweenSlices",
        "GantryDetectorTilt",
        "StudyInstanceUID",
        "SeriesInstanceUID",
        "SeriesNumber",
        "AcquisitionNumber",
        "InstanceNumber",
        "ImagePositionPatient",
        "ImageOrientationPatient",
        "FrameOfReferenceUID",
        "TemporalPositionIdentifier",
        "SamplesPerPixel",
        "PhotometricInterpretation",
        "NumberOfFrames",
        "Rows",
        "Columns",
        "PixelSpacing",
        "BitsAllocated",
        "BitsStored",
        "PixelRepresentation",
        "WindowCenter",
        "WindowWidth",
        "RescaleIntercept",
        "RescaleSlope",
        "WindowCenterWidthExplanation",
    )
)
_MAX_DEPTH = 12
_IMPLICIT_LE = "1.2.840.10008.1.2"
_REFUSED_SYNTAXES = frozenset(
    {"1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.8.1"}
)


class _Fallback(Exception):
    """Internal: let pydicom read this file."""


@dataclass(frozen=True)
class FastHeader:
    """The result of a successful walk."""

    dataset: Dataset
    pixel_keyword: str
    value_offset: int
    value_length: int | None


def read_fast_header(path: str) -> FastHeader | None:
    """Walk ``path``'s header; None when the file needs pydicom's full parser."""
    try:
        size = os.path.getsize(path)
        if size < 140:
            return None
        with open(path, "rb") as fp, mmap.mmap(fp.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            return _walk(mm, size)
    except (_Fallback, OSError, ValueError, struct.error, IndexError):
        return None


def _element_header(
    mm: mmap.mmap, pos: int, size: int, implicit: bool
) -> tuple[int, bytes | None, int, int]:
    """(tag, VR, value length, value position) of the element at ``pos``."""
    if pos + 8 > size:
        raise _Fallback
    group, element = struct.unpack_from("<HH", mm, pos)
    tag = (group << 16) | element
    if implicit or group == 0xFFFE:
        (length,) = struct.unpack_from("<L", mm, pos + 4)
        return tag, None, length, pos + 8
    vr = mm[pos + 4 : pos + 6]
    if vr in _LONG_VRS:
        if pos + 12 > size:
            raise _Fallback
        (length,) = struct.unpack_from("<L", mm, pos + 8)
        return tag, vr, length, pos + 12
    if not (65 <= vr[0] <= 90 and 65 <= vr[1] <= 90):
        raise _Fallback  # not a VR: corrupt, or not what we think
    (length,) = struct.unpack_from("<H", mm, pos + 6)
    return tag, vr, length, pos + 8


def _skip_sequence(mm: mmap.mmap, pos: int, size: int, implicit: bool, depth: int) -> int:
    """Skip an undefined-length value starting at ``pos``; return the position after it."""
    if depth > _MAX_DEPTH:
        raise _Fallback
    while True:
        tag, _, length, pos = _element_header(mm, pos, size, True)
        if tag == _SEQUENCE_END:
            return pos
        if tag != _ITEM:
            raise _Fallback
        if length != _UNDEFINED:
            pos += length
            continue
        while True:  # an undefined-length item: its elements, then an item delimiter
            tag, vr, length, value_pos = _element_header(mm, pos, size, implicit)
            if tag == _ITEM_END:
                pos = value_pos
                break
            if length == _UNDEFINED:
                pos = _skip_sequence(mm, value_pos, size, implicit or vr == b"UN", depth + 1)
            else:
                pos = value_pos + length
            if pos > size:
                raise _Fallback


def _walk(mm: mmap.mmap, size: int) -> FastHeader:
    if mm[128:132] != b"DICM":
        raise _Fallback
    meta: dict = {}
    pos = 132
    while struct.unpack_from("<H", mm, pos)[0] == 0x0002:  # file meta: explicit VR LE
        tag, vr, length, value_pos = _element_header(mm, pos, size, False)
        if length == _UNDEFINED or value_pos + length > size:
            raise _Fallback
        meta[BaseTag(tag)] = RawDataElement(
            BaseTag(tag),
            vr.decode() if vr else None,
            length,
            mm[value_pos : value_pos + length],
            value_pos,
            False,
            True,
        )
        pos = value_pos + length
    syntax_element = meta.get(0x00020010)
    if syntax_element is None:
        raise _Fallback
    syntax = syntax_element.value.decode("ascii", "replace").strip("\x00 ")
    if syntax in _REFUSED_SYNTAXES or not UID(syntax).is_transfer_syntax:
        raise _Fallback
    implicit = syntax == _IMPLICIT_LE
    elements: dict = {}
    previous = -1
    while True:
        if pos >= size:
            raise _Fallback  # no pixel data: pydicom says what the object is
        tag, vr, length, value_pos = _element_header(mm, pos, size, implicit)
        if tag in _PIXEL_TAGS:
            dataset = Dataset(elements)
            dataset.file_meta = FileMetaDataset(meta)
            dataset.set_original_encoding(implicit, True)
            return FastHeader(
                dataset, _PIXEL_TAGS[tag], value_pos, None if length == _UNDEFINED else length
            )
        if tag in _FALLBACK_TAGS or tag <= previous:
            raise _Fallback
        previous = tag
        if length == _UNDEFINED:
            pos = _skip_sequence(mm, value_pos, size, implicit or vr == b"UN", 0)
            continue
        end = value_pos + length
        if end > size:
            raise _Fallback
        if tag in WANTED_TAGS and length <= _KEEP_BYTES and vr != b"SQ":
            elements[BaseTag(tag)] = RawDataElement(
                BaseTag(tag),
                vr.decode() if vr else None,
                length,
                mm[value_pos:end],
                value_pos,
                implicit,
                True,
            )
        pos = end
