"""Check pixel data sizes against the files, then decode frames into one preallocated array.

Uncompressed little-endian frames are read straight from the file at their offset, and
single-frame RLE Lossless frames are decoded with pylibjpeg-rle's decoder, both without
pydicom; other transfer syntaxes (and any RLE frame the direct decoder refuses) go through
pydicom's decoders, imported only then. Each frame is rescaled (RescaleSlope/Intercept:
Hounsfield units for CT) as it is written into its slot.
"""

from __future__ import annotations

import mmap
import os
import struct
import sys
import warnings
from collections.abc import Callable, MutableMapping, Sequence
from types import ModuleType
from typing import NamedTuple

import numpy as np

from recist_reader.io.dicom.errors import PixelDataError
from recist_reader.io.dicom.fastheader import NATIVE_SYNTAXES, RLE_LOSSLESS, read_at
from recist_reader.io.dicom.headers import FrameHeader, PixelLayout

#: Never allocate more than this fraction of physical memory for one volume.
_MEMORY_FRACTION = 0.5
_FALLBACK_MEMORY_BYTES = 8 * 1024**3
#: Compressed data larger than this when decoded must not claim more than the ratio below
#: (lossless JPEG-LS of a blank image reaches a few thousand to one; headers claiming more
#: are corrupt and would make the loader allocate gigabytes).
_PLAUSIBLE_DECODED_BYTES = 256 * 1024**2
_MAX_COMPRESSION_RATIO = 2000
#: Fewer uncompressed files than this per thread are read by one thread.
_MIN_FILES_PER_THREAD = 8
_MAX_READER_THREADS = 2


#: A file's bytes held in memory (``bytes``, or an anonymous ``mmap`` that frees its
#: memory as soon as it is dropped).
Buffer = bytes | bytearray | memoryview | mmap.mmap


class _Sources(NamedTuple):
    """Where :func:`decode_frames` reads from, and what it has finished."""

    blobs: MutableMapping[str, Buffer]
    done: set[str]


def memory_budget_bytes() -> int:
    """Half of physical memory (8 GiB if it cannot be determined)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return _FALLBACK_MEMORY_BYTES
    return int(total * _MEMORY_FRACTION)


def check_layout(layout: PixelLayout) -> None:
    """Check that the header's image size is plausible and matches the file.

    Runs before any allocation, so a bogus header cannot make the loader allocate gigabytes.

    Raises
    ------
    PixelDataError
        Unsupported bit depth, empty or absurd size, or pixel data shorter than the header
        says (a truncated file).
    """
    path = layout.path
    if layout.pixel_keyword is None:
        raise PixelDataError(f"{path}: the file has no pixel data; it is not an image")
    if layout.rows <= 0 or layout.columns <= 0 or layout.frames <= 0:
        raise PixelDataError(
            f"{path}: header gives an empty image (Rows {layout.rows}, Columns "
            f"{layout.columns}, NumberOfFrames {layout.frames}); the header is corrupt"
        )
    float_data = layout.pixel_keyword != "PixelData"
    allowed_bits = (32, 64) if float_data else (8, 16, 32)
    if layout.bits_allocated not in allowed_bits:
        raise PixelDataError(
            f"{path}: BitsAllocated {layout.bits_allocated} is not supported for "
            f"{layout.pixel_keyword} (expected one of {allowed_bits}); the header is corrupt"
        )
    if not 1 <= layout.bits_stored <= layout.bits_allocated:
        raise PixelDataError(
            f"{path}: BitsStored {layout.bits_stored} does not fit BitsAllocated "
            f"{layout.bits_allocated}; the header is corrupt"
        )
    expected = layout.frame_bytes * layout.frames
    budget = memory_budget_bytes()
    if expected > budget:
        raise PixelDataError(
            f"{path}: header claims {layout.rows}x{layout.columns} pixels x {layout.frames} "
            f"frames x {layout.bits_allocated} bits = {expected / 1024**3:.1f} GiB, more than "
            "this machine can hold; the header is corrupt"
        )
    if layout.value_offset is None:
        return  # deflated: sizes are checked after decoding
    available = layout.file_size - layout.value_offset
    if layout.value_length is None:  # encapsulated: walk the item headers
        if expected > _PLAUSIBLE_DECODED_BYTES and expected > _MAX_COMPRESSION_RATIO * available:
            raise PixelDataError(
                f"{path}: header claims {layout.rows}x{layout.columns} pixels x "
                f"{layout.frames} frames ({expected / 1024**2:.0f} MiB) from "
                f"{max(available, 0)} bytes of compressed data, an impossible compression "
                "ratio; the header is corrupt"
            )
        _check_fragments(layout)
        return
    if layout.value_length > available:
        raise PixelDataError(
            f"{path}: pixel data is truncated: the header says {layout.value_length} bytes "
            f"but the file holds {max(available, 0)}; re-export the file"
        )
    if layout.is_encapsulated:
        return
    if layout.value_length < expected:
        raise PixelDataError(
            f"{path}: pixel data is {layout.value_length} bytes but Rows x Columns x frames x "
            f"bytes = {layout.rows}x{layout.columns}x{layout.frames}x"
            f"{layout.bits_allocated // 8} = {expected} bytes; the file is corrupt"
        )


_ITEM = 0xE000FFFE  # (FFFE,E000) read as one little-endian uint32
_SEQUENCE_DELIMITER = 0xE0DDFFFE


def _check_fragments(layout: PixelLayout) -> None:
    """Encapsulated pixel data: every item fits in the file and a delimiter ends them.

    A truncated compressed file can otherwise decode "successfully" to garbage.
    """
    path = layout.path
    items = 0
    try:
        with open(path, "rb") as fp:
            position = layout.value_offset
            fp.seek(position)  # type: ignore[arg-type]
            while True:
                head = fp.read(8)
                if len(head) < 8:
                    raise PixelDataError(
                        f"{path}: compressed pixel data is truncated after {items} item(s) "
                        "(no sequence delimiter); re-export the file"
                    )
                tag, length = struct.unpack("<LL", head)
                if tag == _SEQUENCE_DELIMITER:
                    break
                if tag != _ITEM:
                    raise PixelDataError(
                        f"{path}: compressed pixel data is corrupt (item {items + 1} has tag "
                        f"{tag:08X}); re-export the file"
                    )
                position += 8 + length  # type: ignore[operator]
                if position > layout.file_size:
                    raise PixelDataError(
                        f"{path}: compressed pixel data is truncated: item {items + 1} ends "
                        f"{position - layout.file_size} bytes past the end of the file; "
                        "re-export the file"
                    )
                fp.seek(position)
                items += 1
    except OSError as exc:
        raise PixelDataError(f"{path}: cannot read pixel data ({exc.strerror})") from None
    if items < 1 + layout.frames:
        raise PixelDataError(
            f"{path}: compressed pixel data has {items} item(s) (offset table and fragments) "
            f"for {layout.frames} frame(s); the file is corrupt, re-export it"
        )


def _stored_dtype(layout: PixelLayout) -> np.dtype:
    if layout.pixel_keyword == "FloatPixelData":
        return np.dtype("<f4")
    if layout.pixel_keyword == "DoubleFloatPixelData":
        return np.dtype("<f8")
    kind = "i" if layout.signed else "u"
    return np.dtype(f"<{kind}{layout.bits_allocated // 8}")


def _stored_range(layout: PixelLayout) -> tuple[int, int]:
    bits = layout.bits_stored
    if layout.signed:
        return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return 0, 2**bits - 1


def output_dtype(frames: Sequence[FrameHeader]) -> np.dtype:
    """The smallest dtype that holds every value the headers allow, rescaled, exactly.

    Stored dtype without rescale; int16/int32 for integer rescale (CT HU); float32 else.
    """
    layouts = [f.layout for f in frames]
    if any(layout.pixel_keyword != "PixelData" for layout in layouts):
        return np.dtype(np.float32)
    identity = all(f.rescale_slope == 1 and f.rescale_intercept == 0 for f in frames)
    if identity and len({_stored_dtype(layout) for layout in layouts}) == 1:
        return _stored_dtype(layouts[0]).newbyteorder("=")
    if not all(_integer_rescale(f) for f in frames):
        return np.dtype(np.float32)
    low = high = 0
    for frame in frames:
        lo, hi = _rescaled_range(frame, *_stored_range(frame.layout))
        low, high = min(low, lo), max(high, hi)
    for candidate in (np.int16, np.int32):
        info = np.iinfo(candidate)
        if info.min <= low and high <= info.max:
            return np.dtype(candidate)
    return np.dtype(np.float64)


def narrowest_dtype(frames: Sequence[FrameHeader]) -> np.dtype:
    """The type to decode into first: int16 whenever the actual values may fit it.

    A signed 16-bit CT with RescaleIntercept -1024 may hold values from -33792 to 31743,
    which needs int32 (:func:`output_dtype`), but its actual values nearly always fit
    int16 (as dcm2niix keeps them). Decoding into int16 checks every frame's values and
    raises :class:`ValuesOutOfRange` when one does not fit; the caller then decodes into
    :func:`output_dtype` instead.
    """
    wide = output_dtype(frames)
    if wide.kind != "i" or wide.itemsize <= 2:
        return wide
    if all(
        f.layout.pixel_keyword == "PixelData"
        and f.layout.bits_allocated <= 16
        and _integer_rescale(f)
        for f in frames
    ):
        return np.dtype(np.int16)
    return wide


class ValuesOutOfRange(Exception):
    """A frame's rescaled values do not fit the integer type decoded into (internal).

    Raised only when the type is narrower than :func:`output_dtype`; decode into that.
    """


def _integer_rescale(frame: FrameHeader) -> bool:
    return float(frame.rescale_slope).is_integer() and float(frame.rescale_intercept).is_integer()


def _rescaled_range(frame: FrameHeader, low: int, high: int) -> tuple[float, float]:
    """The rescaled values of stored ``low`` and ``high``, in ascending order."""
    ends = (
        low * frame.rescale_slope + frame.rescale_intercept,
        high * frame.rescale_slope + frame.rescale_intercept,
    )
    return min(ends), max(ends)


def _check_values_fit(values: np.ndarray, frame: FrameHeader, out_dtype: np.dtype) -> None:
    """Raise :class:`ValuesOutOfRange` when the rescaled ``values`` do not fit ``out_dtype``.

    Looks at the values only when the header allows values that do not fit.
    """
    if out_dtype.kind not in "iu" or not values.size:
        return
    info = np.iinfo(out_dtype)
    low, high = _rescaled_range(frame, *_stored_range(frame.layout))
    if info.min <= low and high <= info.max:
        return
    low, high = _rescaled_range(frame, int(values.min()), int(values.max()))
    if low < info.min or high > info.max:
        raise ValuesOutOfRange(
            f"{frame.label}: rescaled values {low:g} to {high:g} do not fit {out_dtype}"
        )


def _sign_extend(raw: np.ndarray, layout: PixelLayout) -> np.ndarray:
    shift = layout.bits_allocated - layout.bits_stored
    if shift and layout.signed and raw.dtype.kind == "i":
        raw <<= shift
        raw >>= shift
    return raw


def _clear_unused_bits(values: np.ndarray, layout: PixelLayout) -> None:
    """Ignore the bits above BitsStored in place (PS3.5 8.1.1), as pydicom does.

    Signed values are sign-extended from bit BitsStored - 1; unsigned ones are masked,
    also when they sit in a signed container of the same size.
    """
    shift = layout.bits_allocated - layout.bits_stored
    if not shift or values.dtype.kind not in "iu":
        return
    if layout.signed:
        values <<= shift
        values >>= shift
    else:
        values &= values.dtype.type((1 << layout.bits_stored) - 1)


def _write(out_slot: np.ndarray, raw: np.ndarray, frame: FrameHeader) -> None:
    _check_values_fit(raw, frame, out_slot.dtype)
    slope, intercept = frame.rescale_slope, frame.rescale_intercept
    if slope == 1 and intercept == 0:
        out_slot[...] = raw
    elif out_slot.dtype.kind in "iu":
        # Computed in the output type, which holds every rescaled value (`output_dtype`, or
        # checked above): no int64 temporaries, one pass per operation. A product that
        # wraps around is still exact once the intercept brings it back into range.
        kind = out_slot.dtype
        if slope == 1:
            np.add(raw, int(intercept), out=out_slot, dtype=kind, casting="unsafe")
        else:
            np.multiply(raw, int(slope), out=out_slot, dtype=kind, casting="unsafe")
            out_slot += kind.type(int(intercept))
    else:
        out_slot[...] = raw * np.float64(slope) + np.float64(intercept)


def decode_frames(
    frames: Sequence[FrameHeader],
    out: np.ndarray,
    blobs: MutableMapping[str, Buffer] | None = None,
    done: set[str] | None = None,
) -> None:
    """Decode ``frames[i]`` into ``out[i]``, rescaled.

    ``blobs`` holds the whole files of some paths in memory (instances retrieved from a
    server): their uncompressed frames are copied from there instead of read from disk,
    and each is removed from ``blobs`` once its frames are decoded (so that the memory it
    held can go while the volume fills). ``done`` collects the paths whose frames are all
    decoded; the paths already in it are skipped (the rest of a decode that stopped with
    :class:`ValuesOutOfRange`, into a wider array).

    Uncompressed files are read by two threads (file reads and numpy release the GIL);
    compressed ones are decoded one after another (the decoders hold the GIL, and a second
    thread only makes them wait for each other), and so are files held in memory (their
    copies hold the GIL, and unmapping memory while another thread runs makes each unmap
    interrupt the other core: twice the time, measured). When several files fail, the
    error is that of the first in slice order, as if they had been read one by one.

    Raises
    ------
    PixelDataError
        A frame cannot be read or decoded, or decodes to the wrong size.
    ValuesOutOfRange
        ``out`` is narrower than :func:`output_dtype` and a frame's values do not fit it.
    """
    done = set() if done is None else done
    by_path: dict[str, list[tuple[int, FrameHeader]]] = {}
    for slot, frame in enumerate(frames):
        if frame.path not in done:
            by_path.setdefault(frame.path, []).append((slot, frame))
    files = list(by_path.items())
    blobs = {} if blobs is None else blobs
    native = [
        i
        for i, (path, entries) in enumerate(files)
        if is_native(entries[0][1].layout) and path not in blobs
    ]
    failures: dict[int, BaseException] = {}
    threads = reader_threads() if len(native) >= _MIN_FILES_PER_THREAD * 2 else 1
    if threads > 1:
        shares = [native[k::threads] for k in range(threads)]
        _decode_in_threads(shares, files, out, failures, _Sources(blobs, done))
        threaded = set(native)
        serial = [i for i in range(len(files)) if i not in threaded]
    else:
        serial = list(range(len(files)))
    _decode_files(serial, files, out, failures, _Sources(blobs, done))
    if failures:
        raise failures[min(failures)]


def reader_threads() -> int:
    """Threads that read uncompressed files: one per core, at most two."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, _MAX_READER_THREADS))


def is_native(layout: PixelLayout) -> bool:
    """Uncompressed little-endian pixel data at a known offset: read without decoding."""
    return layout.transfer_syntax_uid in NATIVE_SYNTAXES and layout.value_offset is not None


def _decode_files(
    indices: list[int],
    files: list[tuple[str, list[tuple[int, FrameHeader]]]],
    out: np.ndarray,
    failures: dict[int, BaseException],
    sources: _Sources,
) -> None:
    """Decode ``files[i]`` for ``i`` in ``indices`` (ascending); stop at the first failure,
    or at a file after one that failed elsewhere."""
    for index in indices:
        if failures and index > min(failures):
            return
        path, entries = files[index]
        try:
            decode_file(path, entries, out, sources.blobs.get(path))
            sources.blobs.pop(path, None)
            sources.done.add(path)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # re-raised by decode_frames, in the caller's thread
            failures[index] = exc
            return


def _decode_in_threads(
    shares: list[list[int]],
    files: list[tuple[str, list[tuple[int, FrameHeader]]]],
    out: np.ndarray,
    failures: dict[int, BaseException],
    sources: _Sources,
) -> None:
    import threading

    workers = [
        threading.Thread(
            target=_decode_files, args=(share, files, out, failures, sources), daemon=True
        )
        for share in shares
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def decode_file(
    path: str,
    entries: list[tuple[int, FrameHeader]],
    out: np.ndarray,
    blob: Buffer | None = None,
) -> None:
    """Decode the frames of one file into ``out[slot]`` for each ``(slot, frame)``, rescaled.

    ``blob``: the whole file, held in memory (uncompressed frames are copied from it).

    Raises
    ------
    PixelDataError
        A frame cannot be read or decoded.
    """
    layout = entries[0][1].layout
    if is_native(layout) and blob is not None:
        _copy_native(path, layout, entries, out, blob)
    elif is_native(layout):
        _read_native(path, layout, entries, out)
    elif not _decode_rle(path, layout, entries, out):
        _decode_with_pydicom(path, layout, entries, out)


def _reads_directly(layout: PixelLayout, out_dtype: np.dtype) -> bool:
    """True when stored bytes can go straight into the output array (same bits)."""
    stored = _stored_dtype(layout)
    if not np.little_endian or out_dtype.kind not in "iu" or stored.kind not in "iu":
        return False
    if out_dtype.itemsize != stored.itemsize:
        return False
    # unsigned values below the top bit read the same as signed ones
    return out_dtype.kind == stored.kind or (
        stored.kind == "u" and layout.bits_stored < layout.bits_allocated
    )


def _in_place_offset(frame: FrameHeader, out_dtype: np.dtype) -> int | None:
    """The integer intercept to add in place, or None when the rescale needs the slow path."""
    if frame.rescale_slope != 1 or not float(frame.rescale_intercept).is_integer():
        return None
    intercept = int(frame.rescale_intercept)
    info = np.iinfo(out_dtype)
    return intercept if info.min <= intercept <= info.max else None


def _read_into(fd: int, target: np.ndarray, offset: int) -> int:
    """Read ``target.nbytes`` bytes at ``offset`` into ``target``; the count read."""
    view = memoryview(target).cast("B")
    if not hasattr(os, "preadv"):  # Windows
        os.lseek(fd, offset, os.SEEK_SET)
        with open(fd, "rb", buffering=0, closefd=False) as file:
            return file.readinto(view) or 0
    done = 0
    while done < len(view):
        count = os.preadv(fd, [view[done:]], offset + done)
        if count == 0:
            break
        done += count
    return done


def _read_native(
    path: str, layout: PixelLayout, entries: list[tuple[int, FrameHeader]], out: np.ndarray
) -> None:
    """Uncompressed little-endian frames of a file: read at their offsets (see
    :func:`_place_native`)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            _place_native(path, layout, entries, out, lambda target, at: _read_into(fd, target, at))
        finally:
            os.close(fd)
    except OSError as exc:
        raise PixelDataError(f"{path}: cannot read pixel data ({exc.strerror})") from None


def _copy_native(
    path: str,
    layout: PixelLayout,
    entries: list[tuple[int, FrameHeader]],
    out: np.ndarray,
    blob: Buffer,
) -> None:
    """Uncompressed little-endian frames of a file held in memory (see
    :func:`_place_native`)."""
    source = memoryview(blob)

    def copy_into(target: np.ndarray, at: int) -> int:
        view = memoryview(target).cast("B")
        count = max(0, min(len(view), len(source) - at))
        view[:count] = source[at : at + count]
        return count

    _place_native(path, layout, entries, out, copy_into)


def _place_native(
    path: str,
    layout: PixelLayout,
    entries: list[tuple[int, FrameHeader]],
    out: np.ndarray,
    read_into: Callable[[np.ndarray, int], int],
) -> None:
    """Uncompressed little-endian frames: ``read_into(target, offset)`` fills ``target``
    from the file's bytes at ``offset`` (the count of bytes it had); into ``out`` itself
    when possible.

    The unused high bits are cleared as pydicom clears them, so the values are those of
    pydicom's ``pixel_array``.
    """
    direct = _reads_directly(layout, out.dtype)
    raw = None
    for slot, frame in entries:
        index = frame.frame_index or 0
        position = layout.value_offset + index * layout.frame_bytes  # type: ignore[operator]
        offset = _in_place_offset(frame, out.dtype) if direct else None
        if offset is not None:  # straight into the output array, then fix in place
            target = out[slot]
            if read_into(target, position) != layout.frame_bytes:
                raise PixelDataError(f"{path}: pixel data is truncated; re-export it")
            _clear_unused_bits(target, layout)
            _check_values_fit(target, frame, out.dtype)
            if offset:
                target += out.dtype.type(offset)
            continue
        if raw is None:
            raw = np.empty((layout.rows, layout.columns), dtype=_stored_dtype(layout))
        if read_into(raw, position) != layout.frame_bytes:
            raise PixelDataError(f"{path}: pixel data is truncated; re-export it")
        _clear_unused_bits(raw, layout)
        _write(out[slot], raw, frame)


def _rle_frame(path: str, layout: PixelLayout) -> bytes | None:
    """The encoded frame of a single-frame RLE file, as pydicom would take it, or None.

    None unless the basic offset table is empty or ``[0]`` and the items end with a
    sequence delimiter inside the file; the fragments are joined. Each fragment is read
    on its own, so a one-fragment frame is never copied.
    """
    position = layout.value_offset
    if position is None:
        return None
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        tag, length = _item_header(fd, position)
        if tag != _ITEM or length not in (0, 4):
            return None
        if length and read_at(fd, 4, position + 8) != bytes(4):
            return None
        position += 8 + length
        fragments = []
        while True:
            tag, length = _item_header(fd, position)
            if tag == _SEQUENCE_DELIMITER:
                if not fragments:
                    return None
                return fragments[0] if len(fragments) == 1 else b"".join(fragments)
            if tag != _ITEM or position + 8 + length > layout.file_size:
                return None
            fragment = read_at(fd, length, position + 8)
            if len(fragment) != length:
                return None
            fragments.append(fragment)
            position += 8 + length
    finally:
        os.close(fd)


def _item_header(fd: int, position: int) -> tuple[int, int]:
    """(tag, length) of the item header at ``position``; (0, 0) past the end of the file."""
    head = read_at(fd, 8, position)
    return struct.unpack("<LL", head) if len(head) == 8 else (0, 0)


def _rle_decoder() -> Callable[[bytes, int, int, str], bytearray]:
    """pylibjpeg-rle's ``decode_frame``, loaded without running the ``rle`` package.

    The package's ``__init__`` looks its own version up with importlib.metadata, which
    scans the installed distributions: about 0.1 s, as long as decoding 100 slices.
    """
    global _rle_decode_frame
    if _rle_decode_frame is None:
        module = sys.modules.get("rle.rle")
        if module is None:
            try:
                module = _load_rle_extension()
            except Exception:
                from rle import rle as module  # the ordinary way
        _rle_decode_frame = module.decode_frame
    return _rle_decode_frame


_rle_decode_frame: Callable[[bytes, int, int, str], bytearray] | None = None


def _load_rle_extension() -> ModuleType:
    """The ``rle.rle`` extension module, loaded on its own."""
    import importlib.machinery
    import importlib.util

    package = importlib.util.find_spec("rle")  # finds the package without running it
    if package is None or not package.submodule_search_locations:
        raise ImportError("pylibjpeg-rle is not installed")
    finder = importlib.machinery.FileFinder(
        package.submodule_search_locations[0],
        (importlib.machinery.ExtensionFileLoader, importlib.machinery.EXTENSION_SUFFIXES),
    )
    spec = finder.find_spec("rle.rle")
    if spec is None or spec.loader is None:
        raise ImportError("pylibjpeg-rle has no rle.rle extension module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if sys.modules.get("rle.rle") is module:
        # Loading registered it without its package: unregister it, so that importing
        # the package later (pydicom's plugin does) imports it as usual, which hands back
        # this same module (single-phase extension modules are initialised once).
        del sys.modules["rle.rle"]
    return module


def _decode_rle(
    path: str, layout: PixelLayout, entries: list[tuple[int, FrameHeader]], out: np.ndarray
) -> bool:
    """Decode a single-frame RLE Lossless file without pydicom; False to leave it to pydicom.

    Gives what pydicom gives: the same decoder (pylibjpeg-rle), and pydicom's correction of
    the unused high bits. Anything the decoder refuses goes to pydicom, whose error (or
    other decoder) then has the last word.
    """
    if (
        layout.transfer_syntax_uid != RLE_LOSSLESS
        or not layout.plain_pixel_module
        or layout.frames != 1
        or len(entries) != 1
        or layout.pixel_keyword != "PixelData"
        or layout.samples_per_pixel != 1
        or layout.bits_allocated not in (8, 16, 32)
    ):
        return False
    try:
        decode_frame = _rle_decoder()
        encoded = _rle_frame(path, layout)
        if encoded is None:
            return False
        pixels = layout.rows * layout.columns
        decoded = decode_frame(encoded, pixels, layout.bits_allocated, "<")
        if len(decoded) != layout.frame_bytes:
            return False
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # no decoder, an unreadable file, a corrupt frame (even a Rust
        return False  # panic, a BaseException): pydicom's decoders decide
    slot, frame = entries[0]
    raw = np.frombuffer(decoded, dtype=_stored_dtype(layout)).reshape(layout.rows, layout.columns)
    if not raw.flags.writeable:
        raw = raw.copy()
    _clear_unused_bits(raw, layout)
    _write(out[slot], raw, frame)
    return True


def _decode_with_pydicom(
    path: str, layout: PixelLayout, entries: list[tuple[int, FrameHeader]], out: np.ndarray
) -> None:
    from pydicom.pixels import get_decoder, iter_pixels
    from pydicom.uid import UID

    indices = [frame.frame_index or 0 for _, frame in entries]
    order = np.argsort(indices, kind="stable")
    entries = [entries[i] for i in order]
    wanted = sorted(indices)
    name = UID(layout.transfer_syntax_uid).name if layout.transfer_syntax_uid else "unknown"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            decoded = iter_pixels(path, indices=wanted if layout.frames > 1 else None, raw=True)
            for (slot, frame), array in zip(entries, decoded, strict=True):
                if array.shape != (layout.rows, layout.columns):
                    raise PixelDataError(
                        f"{path}: pixel data decodes to shape {array.shape}, but the header "
                        f"says {layout.rows}x{layout.columns}; the file is corrupt"
                    )
                if array.dtype.kind in "iu" and array.dtype.itemsize * 8 > layout.bits_stored:
                    array = _sign_extend(array.copy(), layout) if layout.signed else array
                _write(out[slot], array, frame)
    except PixelDataError:
        raise
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # plugins raise many kinds, even Rust panics (BaseException)
        try:
            available = get_decoder(layout.transfer_syntax_uid).is_available
        except Exception:
            available = False
        fix = (
            "the file is corrupt; re-export it"
            if available
            else "no installed decoder handles it; install pylibjpeg-libjpeg, "
            "pylibjpeg-openjpeg and pylibjpeg-rle (or GDCM)"
        )
        text = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
        raise PixelDataError(
            f"{path}: pixel data ({name}) cannot be decoded ({type(exc).__name__}: {text}); {fix}"
        ) from None
