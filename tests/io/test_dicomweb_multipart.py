"""The multipart splitter: every part's bytes, whatever the chunking; truncation is an error."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recist_reader.io.dicomweb.multipart import MultipartError, boundary_of, split_parts

CONTENT_TYPE = 'multipart/related; type="application/dicom"; boundary="b0undary"'


def _message(
    parts: list[bytes],
    *,
    preamble: bytes = b"",
    epilogue: bytes = b"",
    lengths: list[int | None] | None = None,
) -> bytes:
    """A multipart answer; ``lengths`` gives each part a Content-Length header (None: none)."""
    lengths = lengths or [None] * len(parts)
    body = b"".join(
        b"--b0undary\r\nContent-Type: application/dicom\r\n"
        + (b"" if length is None else b"Content-Length: %d\r\n" % length)
        + b"\r\n"
        + part
        + b"\r\n"
        for part, length in zip(parts, lengths, strict=True)
    )
    return preamble + body + b"--b0undary--\r\n" + epilogue


def _split(message: bytes, chunk: int) -> tuple[int, list[bytes], list[int]]:
    files: dict[int, io.BytesIO] = {}
    done: list[int] = []

    class Part(io.BytesIO):
        def close(self) -> None:
            files[self.index] = self.getvalue()  # type: ignore[assignment]
            super().close()

    def open_part(index: int) -> Part:
        part = Part()
        part.index = index  # type: ignore[attr-defined]
        return part

    chunks = [message[i : i + chunk] for i in range(0, len(message), chunk)]
    count = split_parts(CONTENT_TYPE, chunks, open_part, done.append)
    return count, [files[i] for i in range(count)], done  # type: ignore[misc]


# Bodies never contain the delimiter (CRLF--b0undary), as RFC 2046 requires of a sender.
bodies = st.lists(
    st.binary(max_size=3000).filter(lambda body: b"\r\n--b0undary" not in b"\r\n" + body),
    max_size=6,
)


@given(parts=bodies, chunk=st.integers(1, 4096), preamble=st.sampled_from([b"", b"junk\r\n"]))
def test_every_part_comes_back_whatever_the_chunk_size(parts, chunk, preamble):
    count, found, done = _split(_message(parts, preamble=preamble, epilogue=b"tail"), chunk)
    assert count == len(parts) and found == parts and done == list(range(len(parts)))


@given(parts=bodies, chunk=st.integers(1, 4096), data=st.data())
def test_parts_with_a_content_length_come_back_whatever_the_chunk_size(parts, chunk, data):
    lengths = [data.draw(st.sampled_from([len(part), None])) for part in parts]
    count, found, done = _split(_message(parts, lengths=lengths), chunk)
    assert count == len(parts) and found == parts and done == list(range(len(parts)))


@given(
    parts=bodies.filter(lambda parts: len(parts) > 0),
    chunk=st.integers(1, 4096),
    wrong_by=st.sampled_from([-1000, -1, 1, 500]),
)
def test_the_boundary_not_a_stale_content_length_ends_a_part(parts, chunk, wrong_by):
    # RFC 2046: the boundary ends a part; a proxy may cut a body and leave its length.
    lengths = [max(0, len(part) + wrong_by) for part in parts]
    count, found, done = _split(_message(parts, lengths=lengths), chunk)
    assert count == len(parts) and found == parts


@pytest.mark.parametrize("chunk", [1, 5, 64, 1 << 20])
def test_exact_parts_of_a_wado_answer_as_orthanc_sends_it(chunk):
    parts = [bytes([index]) * (500 + index) + b"\r\n--b0und" for index in range(4)]
    count, found, done = _split(_message(parts, lengths=[len(p) for p in parts]), chunk)
    assert (count, found, done) == (4, parts, [0, 1, 2, 3])
    empty = _message([b"", b"x"], lengths=[0, 1])
    assert _split(empty, chunk)[:2] == (2, [b"", b"x"])


@given(parts=bodies.filter(lambda parts: len(parts) > 0), cut=st.integers(0, 10_000))
def test_an_answer_with_lengths_cut_short_is_an_error(parts, cut):
    message = _message(parts, lengths=[len(part) for part in parts])
    cut = min(cut, len(message) - len(b"--b0undary--\r\n"))
    with pytest.raises(MultipartError, match="ended before its closing boundary"):
        _split(message[:cut], 7)


@given(parts=bodies.filter(lambda parts: len(parts) > 0), cut=st.integers(0, 10_000))
def test_an_answer_cut_short_is_an_error_after_the_complete_parts(parts, cut):
    message = _message(parts)
    cut = min(cut, len(message) - len(b"--b0undary--\r\n"))
    with pytest.raises(MultipartError, match="ended before its closing boundary"):
        _split(message[:cut], 7)


def test_a_content_type_without_boundary_is_refused():
    assert boundary_of(CONTENT_TYPE) == b"b0undary"
    with pytest.raises(MultipartError, match="not multipart"):
        boundary_of("application/dicom")
    with pytest.raises(MultipartError, match="not multipart"):
        boundary_of("multipart/related")
