"""A lean, pydicom-free walker over the top-level elements of a little-endian DICOM file.

pydicom's ``dcmread`` (and importing pydicom at all) costs most of a series load. For the
common case (a Part 10 file, little-endian transfer syntax, single-frame image) this walker
collects the short top-level elements the loader reads as raw bytes, skipping other values
and sequences by their lengths, and stops at the pixel data. Anything unusual (no preamble,
big endian, deflate, an unknown transfer syntax, enhanced multi-frame, DICOMDIR, out-of-order
tags, a wanted element that is long or of undefined length, a length past the end of the
file) returns None, and the caller uses ``dcmread`` instead, so this never decides that a
file is bad.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

#: Data element tags by keyword (DICOM PS3.6) of every element the loader reads.
TAGS: dict[str, int] = {
    "SpecificCharacterSet": 0x00080005,
    "ImageType": 0x00080008,
    "SOPClassUID": 0x00080016,
    "SOPInstanceUID": 0x00080018,
    "StudyDate": 0x00080020,
    "Modality": 0x00080060,
    "SeriesDescription": 0x0008103E,
    "PatientID": 0x00100020,
    "SliceThickness": 0x00180050,
    "EchoNumbers": 0x00180086,
    "SpacingBetweenSlices": 0x00180088,
    "GantryDetectorTilt": 0x00181120,
    "StudyInstanceUID": 0x0020000D,
    "SeriesInstanceUID": 0x0020000E,
    "SeriesNumber": 0x00200011,
    "AcquisitionNumber": 0x00200012,
    "InstanceNumber": 0x00200013,
    "ImagePositionPatient": 0x00200032,
    "ImageOrientationPatient": 0x00200037,
    "FrameOfReferenceUID": 0x00200052,
    "TemporalPositionIdentifier": 0x00200100,
    "SamplesPerPixel": 0x00280002,
    "PhotometricInterpretation": 0x00280004,
    "NumberOfFrames": 0x00280008,
    "Rows": 0x00280010,
    "Columns": 0x00280011,
    "PixelSpacing": 0x00280030,
    "BitsAllocated": 0x00280100,
    "BitsStored": 0x00280101,
    "PixelRepresentation": 0x00280103,
    "WindowCenter": 0x00281050,
    "WindowWidth": 0x00281051,
    "RescaleIntercept": 0x00281052,
    "RescaleSlope": 0x00281053,
    "WindowCenterWidthExplanation": 0x00281055,
}
#: The top-level elements the loader reads (headers.py); others are skipped unparsed.
WANTED_TAGS = frozenset(TAGS.values())
TRANSFER_SYNTAX_TAG = 0x00020010
MEDIA_STORAGE_SOP_CLASS_TAG = 0x00020002

IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2"
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
RLE_LOSSLESS = "1.2.840.10008.1.2.5"
#: Transfer syntaxes whose pixel data is not encapsulated.
NATIVE_SYNTAXES = frozenset({IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN})
#: Little-endian transfer syntaxes (the dataset explicit VR, the pixel data encapsulated)
#: whose headers this walker reads: RLE, JPEG, JPEG-LS, JPEG 2000 and HTJ2K.
_ENCAPSULATED_SYNTAXES = frozenset(
    {
        "1.2.840.10008.1.2.1.98",
        RLE_LOSSLESS,
        *(f"1.2.840.10008.1.2.4.{n}" for n in range(50, 67)),
        "1.2.840.10008.1.2.4.70",
        "1.2.840.10008.1.2.4.80",
        "1.2.840.10008.1.2.4.81",
        "1.2.840.10008.1.2.4.90",
        "1.2.840.10008.1.2.4.91",
        "1.2.840.10008.1.2.4.92",
        "1.2.840.10008.1.2.4.93",
        "1.2.840.10008.1.2.4.201",
        "1.2.840.10008.1.2.4.202",
        "1.2.840.10008.1.2.4.203",
    }
)
#: Every transfer syntax the walker accepts.
WALKED_SYNTAXES = NATIVE_SYNTAXES | _ENCAPSULATED_SYNTAXES

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
_KEEP_BYTES = 1024  # a wanted value longer than this is odd: pydicom reads the file
_MAX_DEPTH = 12
#: Bytes read first; most headers end (and the pixel data starts) within them.
_HEAD_BYTES = 16384
#: A header longer than this (huge private values) is left to pydicom.
_MAX_HEAD_BYTES = 16 * 1024**2
_UNPACK_TAG_LENGTH = struct.Struct("<HHL").unpack_from
_UNPACK_TAG_VR_LENGTH = struct.Struct("<HH2sH").unpack_from
_UNPACK_LENGTH = struct.Struct("<L").unpack_from
_UNPACK_GROUP = struct.Struct("<H").unpack_from
#: The VRs of DICOM PS3.5 6.2.
_VRS = frozenset(
    b"AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL "
    b"UN UR US UT UV".split()
)
#: Two upper-case letters: what a VR looks like (unknown VRs have 2-byte lengths).
_VR_LIKE = frozenset(bytes((a, b)) for a in range(65, 91) for b in range(65, 91))


class _Fallback(Exception):
    """Internal: let pydicom read this file."""


class _NeedMore(Exception):
    """Internal: the walk went past the bytes read so far."""


class RawElement(NamedTuple):
    """One element's VR (None when implicit) and undecoded value bytes."""

    vr: str | None
    value: bytes


@dataclass(frozen=True)
class FastHeader:
    """The result of a successful walk.

    Attributes
    ----------
    values : dict of int to bytes
        The undecoded values of the wanted top-level elements present, by tag.
    vrs : dict of int to bytes or None
        Their VRs as written (None when implicit).
    meta : dict of int to RawElement
        The file meta elements (group 0002), by tag.
    transfer_syntax_uid : str
        From the file meta (one of ``WALKED_SYNTAXES``).
    implicit : bool
        Implicit VR dataset.
    pixel_keyword : str
        ``PixelData``, ``FloatPixelData`` or ``DoubleFloatPixelData``.
    value_offset : int
        Byte offset of the pixel element's value in the file.
    value_length : int or None
        Its declared length; None for encapsulated (undefined length) data.
    file_size : int
        Size of the file in bytes.
    """

    values: dict[int, bytes]
    vrs: dict[int, bytes | None]
    meta: dict[int, RawElement]
    transfer_syntax_uid: str
    implicit: bool
    pixel_keyword: str
    value_offset: int
    value_length: int | None
    file_size: int


def read_at(fd: int, count: int, offset: int) -> bytes:
    """Up to ``count`` bytes of an open file at ``offset`` (``os.pread`` where it exists)."""
    if hasattr(os, "pread"):
        return os.pread(fd, count, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # Windows
    return os.read(fd, count)


def read_fast_header(path: str) -> FastHeader | None:
    """Walk ``path``'s header; None when the file needs pydicom's full parser."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        return _walk_head(lambda count: read_at(fd, count, 0), os.fstat(fd).st_size)
    except OSError:
        return None
    finally:
        os.close(fd)


def read_fast_header_of_bytes(data: Any) -> FastHeader | None:
    """Walk the header of a whole Part 10 file held in memory (any bytes-like object);
    None when it needs pydicom's full parser."""
    view = memoryview(data)
    try:
        return _walk_head(lambda count: bytes(view[:count]), len(view))
    finally:
        view.release()


def _walk_head(read_head: Callable[[int], bytes], size: int) -> FastHeader | None:
    """Walk the first bytes of a file of ``size`` bytes, reading more while needed."""
    if size < 140:
        return None
    wanted = _HEAD_BYTES
    try:
        while True:
            head = read_head(min(wanted, size))
            if len(head) < min(wanted, size):
                return None  # the file shrank
            try:
                return _walk(head, size)
            except _NeedMore:
                if len(head) >= size or wanted >= _MAX_HEAD_BYTES:
                    return None
                wanted *= 4
    except (_Fallback, _NeedMore, ValueError, struct.error, IndexError):
        return None


def _element_header(
    buf: bytes, pos: int, size: int, implicit: bool
) -> tuple[int, bytes | None, int, int]:
    """(tag, VR, value length, value position) of the element at ``pos``."""
    if pos + 12 > len(buf):
        if pos + 8 > size:
            raise _Fallback
        if len(buf) < size:
            raise _NeedMore
        if pos + 8 > len(buf):
            raise _Fallback
    if implicit:
        group, element, length = _UNPACK_TAG_LENGTH(buf, pos)
        return (group << 16) | element, None, length, pos + 8
    group, element, vr, short_length = _UNPACK_TAG_VR_LENGTH(buf, pos)
    tag = (group << 16) | element
    if group == 0xFFFE:
        return tag, None, _UNPACK_LENGTH(buf, pos + 4)[0], pos + 8
    if vr in _LONG_VRS:
        if pos + 12 > len(buf):
            raise _Fallback
        return tag, vr, _UNPACK_LENGTH(buf, pos + 8)[0], pos + 12
    if vr not in _VR_LIKE:
        raise _Fallback  # not a VR: corrupt, or not what we think
    return tag, vr, short_length, pos + 8


def _skip_sequence(buf: bytes, pos: int, size: int, implicit: bool, depth: int) -> int:
    """Skip an undefined-length value starting at ``pos``; return the position after it."""
    if depth > _MAX_DEPTH:
        raise _Fallback
    while True:
        tag, _, length, pos = _element_header(buf, pos, size, True)
        if tag == _SEQUENCE_END:
            return pos
        if tag != _ITEM:
            raise _Fallback
        if length != _UNDEFINED:
            pos += length
            continue
        while True:  # an undefined-length item: its elements, then an item delimiter
            tag, vr, length, value_pos = _element_header(buf, pos, size, implicit)
            if tag == _ITEM_END:
                pos = value_pos
                break
            if length == _UNDEFINED:
                pos = _skip_sequence(buf, value_pos, size, implicit or vr == b"UN", depth + 1)
            else:
                pos = value_pos + length
            if pos > size:
                raise _Fallback


def _value(buf: bytes, start: int, end: int, size: int) -> bytes:
    if end > size:
        raise _Fallback
    if end > len(buf):
        raise _NeedMore
    return buf[start:end]


def _walk(buf: bytes, size: int) -> FastHeader:
    if buf[128:132] != b"DICM":
        raise _Fallback
    meta: dict[int, RawElement] = {}
    pos = 132
    while True:  # the file meta elements: explicit VR little endian
        if pos + 2 > len(buf):
            raise _NeedMore if len(buf) < size else _Fallback
        if _UNPACK_GROUP(buf, pos)[0] != 0x0002:
            break
        tag, vr, length, value_pos = _element_header(buf, pos, size, False)
        if length == _UNDEFINED:
            raise _Fallback
        end = value_pos + length
        meta[tag] = RawElement(vr.decode() if vr else None, _value(buf, value_pos, end, size))
        pos = end
    syntax_element = meta.get(TRANSFER_SYNTAX_TAG)
    if syntax_element is None:
        raise _Fallback
    syntax = syntax_element.value.decode("latin-1").rstrip("\x00 ")
    if syntax not in WALKED_SYNTAXES:
        raise _Fallback
    implicit = syntax == IMPLICIT_VR_LITTLE_ENDIAN
    if implicit and buf[pos + 4 : pos + 6] in _VRS:
        raise _Fallback  # explicit VR data under an implicit VR syntax: pydicom copes
    values: dict[int, bytes] = {}
    vrs: dict[int, bytes | None] = {}
    previous = -1
    in_buffer = len(buf) - 12
    while True:
        if pos >= size:
            raise _Fallback  # no pixel data: pydicom says what the object is
        if pos <= in_buffer and not implicit:  # the common case, inlined
            group, element, vr, length = _UNPACK_TAG_VR_LENGTH(buf, pos)
            if vr in _LONG_VRS or group == 0xFFFE:
                tag, vr, length, value_pos = _element_header(buf, pos, size, implicit)
            elif vr in _VR_LIKE:
                tag, value_pos = (group << 16) | element, pos + 8
            else:
                raise _Fallback
        else:
            tag, vr, length, value_pos = _element_header(buf, pos, size, implicit)
        if tag in _PIXEL_TAGS:
            return FastHeader(
                values=values,
                vrs=vrs,
                meta=meta,
                transfer_syntax_uid=syntax,
                implicit=implicit,
                pixel_keyword=_PIXEL_TAGS[tag],
                value_offset=value_pos,
                value_length=None if length == _UNDEFINED else length,
                file_size=size,
            )
        if tag in _FALLBACK_TAGS or tag <= previous:
            raise _Fallback
        previous = tag
        wanted = tag in WANTED_TAGS
        if length == _UNDEFINED:
            if wanted:
                raise _Fallback
            pos = _skip_sequence(buf, value_pos, size, implicit or vr == b"UN", 0)
            continue
        end = value_pos + length
        if end > size:
            raise _Fallback
        if wanted:
            if length > _KEEP_BYTES or vr == b"SQ":
                raise _Fallback
            values[tag] = _value(buf, value_pos, end, size)
            vrs[tag] = vr
        pos = end
