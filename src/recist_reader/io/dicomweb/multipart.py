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

    The boundary alone ends a part (RFC 2046): a part's ``Content-Length`` header, which a
    proxy may leave stale when it changes the body, is not trusted.

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
    splitter = _Splitter(b"\r\n--" + boundary_of(content_type), open_part, part_done)
    try:
        for chunk in chunks:
            if chunk and splitter.feed(chunk):
                return splitter.count
    finally:
        splitter.close()
    raise MultipartError(
        f"the answer ended before its closing boundary, after {splitter.count} complete part(s)"
    )


class _Splitter:
    """The state of :func:`split_parts` between chunks.

    The bytes not yet written are held in one ``bytearray``, consumed from the front by
    offset (so each byte is copied once on its way to a file, as the answer arrives).
    """

    def __init__(
        self,
        delimiter: bytes,
        open_part: Callable[[int], BinaryIO],
        part_done: Callable[[int], None] | None,
    ) -> None:
        self.delimiter = delimiter
        self.keep = len(delimiter) + 2  # a body's last bytes may start a delimiter
        self.open_part = open_part
        self.part_done = part_done
        # CRLF first, so that a body starting with the first boundary matches `delimiter`.
        self.buffer = bytearray(b"\r\n")
        self.state = "preamble"
        self.count = 0
        self.part: BinaryIO | None = None

    def feed(self, chunk: bytes) -> bool:
        """Take the next bytes of the answer; True once the closing boundary is read."""
        self.buffer += chunk
        start = self._parse()
        if start is None:
            return True
        del self.buffer[:start]
        return False

    def close(self) -> None:
        """Close the file of a part left incomplete."""
        if self.part is not None:
            self.part.close()
            self.part = None

    def _parse(self) -> int | None:
        """Consume what ``buffer`` holds; the offset of the bytes left for the next chunk,
        or None at the closing boundary."""
        buffer, start = self.buffer, 0
        while True:
            if self.state in ("preamble", "body"):
                at = buffer.find(self.delimiter, start)
                if at < 0:
                    if self.state == "preamble":
                        return max(start, len(buffer) - self.keep)
                    done = max(start, len(buffer) - self.keep)
                    with memoryview(buffer) as view:
                        self.part.write(view[start:done])  # type: ignore[union-attr]
                    return done
                if self.state == "body":
                    with memoryview(buffer) as view:
                        self.part.write(view[start:at])  # type: ignore[union-attr]
                    self.part.close()  # type: ignore[union-attr]
                    self.part = None
                    if self.part_done is not None:
                        self.part_done(self.count)
                    self.count += 1
                start = at + len(self.delimiter)
                self.state = "after-boundary"
            if self.state == "after-boundary":
                if len(buffer) - start < 2:
                    return start
                if buffer.startswith(b"--", start):
                    return None
                line_end = buffer.find(b"\r\n", start)
                if line_end < 0:
                    return start
                start = line_end + 2  # transport padding, then CRLF
                self.state = "headers"
            if self.state == "headers":
                if buffer.startswith(b"\r\n", start):
                    header_end = start + 2
                else:
                    found = buffer.find(b"\r\n\r\n", start)
                    if found < 0:
                        if len(buffer) - start > 64 * 1024:
                            raise MultipartError(f"part {self.count + 1} has no end of headers")
                        return start
                    header_end = found + 4
                start = header_end
                self.part = self.open_part(self.count)
                self.state = "body"
