"""Split a streamed ``multipart/related`` answer (RFC 2046) into one file per part.

A WADO-RS series answer is one part per instance; each part's body is written to its own
file as the bytes arrive, so neither the series nor an instance is held in memory whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from email.message import Message
from typing import BinaryIO


class MultipartError(ValueError):
    """The answer is not a complete multipart message (truncated or malformed)."""


def boundary_of(content_type: str) -> bytes:
    """The ``boundary`` parameter of a multipart Content-Type.

    Raises
    ------
    MultipartError
        Not multipart, or no boundary.
    """
    message = Message()
    message["content-type"] = content_type
    boundary = message.get_param("boundary")
    if not content_type.lower().startswith("multipart/") or not isinstance(boundary, str):
        raise MultipartError(f"Content-Type {content_type[:120]!r} is not multipart")
    return boundary.encode("latin-1")


def split_parts(
    content_type: str,
    chunks: Iterable[bytes],
    open_part: Callable[[int], BinaryIO],
    part_done: Callable[[int], None] | None = None,
) -> int:
    """Write each part's body to ``open_part(index)``; the number of parts.

    Parameters
    ----------
    content_type : str
        The answer's Content-Type, with its boundary.
    chunks : iterable of bytes
        The answer's body as it arrives.
    open_part : callable
        Gives the binary file a part's body goes to (index 0, 1, ...); closed here.
    part_done : callable, optional
        Called with a part's index once its file is complete and closed.

    Raises
    ------
    MultipartError
        The answer ends before its closing boundary, or a part has no header end. The
        parts already reported to ``part_done`` are complete; the file of the part being
        written is closed incomplete.
    """
    delimiter = b"\r\n--" + boundary_of(content_type)
    keep = len(delimiter) + 2
    buffer = b"\r\n"  # so that a body starting with the first boundary matches `delimiter`
    state = "preamble"
    count = 0
    part: BinaryIO | None = None
    try:
        for chunk in _with_end(chunks):
            if chunk is None:  # the end of the answer
                break
            buffer += chunk
            while True:
                if state in ("preamble", "body"):
                    at = buffer.find(delimiter)
                    if at < 0:
                        if state == "body" and len(buffer) > keep:
                            done = len(buffer) - keep  # the rest may start a delimiter
                            part.write(memoryview(buffer)[:done])  # type: ignore[union-attr]
                            buffer = buffer[done:]
                        elif state == "preamble":
                            buffer = buffer[-keep:]
                        break
                    if state == "body":
                        part.write(memoryview(buffer)[:at])  # type: ignore[union-attr]
                        part.close()  # type: ignore[union-attr]
                        part = None
                        if part_done is not None:
                            part_done(count)
                        count += 1
                    buffer = buffer[at + len(delimiter) :]
                    state = "after-boundary"
                if state == "after-boundary":
                    if len(buffer) < 2:
                        break
                    if buffer.startswith(b"--"):
                        return count
                    line_end = buffer.find(b"\r\n")
                    if line_end < 0:
                        break
                    buffer = buffer[line_end + 2 :]  # transport padding, then CRLF
                    state = "headers"
                if state == "headers":
                    if buffer.startswith(b"\r\n"):
                        header_end = 2
                    else:
                        found = buffer.find(b"\r\n\r\n")
                        if found < 0:
                            if len(buffer) > 64 * 1024:
                                raise MultipartError(f"part {count + 1} has no end of headers")
                            break
                        header_end = found + 4
                    buffer = buffer[header_end:]
                    part = open_part(count)
                    state = "body"
    finally:
        if part is not None:
            part.close()
    raise MultipartError(
        f"the answer ended before its closing boundary, after {count} complete part(s)"
    )


def _with_end(chunks: Iterable[bytes]) -> Iterable[bytes | None]:
    yield from (chunk for chunk in chunks if chunk)
    yield None
