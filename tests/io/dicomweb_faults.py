"""A fault-injecting HTTP proxy in front of a real Orthanc, for the DICOMweb error tests.

Every request goes to the real server; the proxy can demand a bearer token, answer an HTTP
status instead, stall, cut a series answer short, or alter one instance's bytes, so that
the loader's handling of a broken network or server is tested against real DICOMweb
answers.
"""

from __future__ import annotations

import http.server
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Faults:
    """What the proxy does to the answers (all off by default)."""

    bearer_token: str | None = None  # demand "Authorization: Bearer <token>"
    status_for: Callable[[str], int | None] = lambda path: None  # answer this instead
    not_acceptable: Callable[[str], bool] = lambda accept: False  # 406 for this Accept
    stall_s: float = 0.0  # wait this long before answering
    cut_series_after_bytes: int | None = None  # drop the connection mid-answer
    instance_body: dict[str, Callable[[bytes], bytes]] = field(default_factory=dict)
    series_without: set[str] = field(default_factory=set)  # SOPs left out of series answers
    seen_authorization: list[str] = field(default_factory=list)


_SERIES_RETRIEVE = re.compile(r"/dicom-web/studies/[^/]+/series/[^/]+$")
_INSTANCE_RETRIEVE = re.compile(r"/dicom-web/studies/[^/]+/series/[^/]+/instances/([^/]+)$")


class FaultyProxy:
    """``with FaultyProxy(orthanc_url) as proxy:`` serves ``proxy.dicomweb_url``."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.faults = Faults()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy._handle(self, "GET")

            def do_POST(self) -> None:
                proxy._handle(self, "POST")

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that gave up (a timeout test) is no error of the proxy

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def dicomweb_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/dicom-web"

    def __enter__(self) -> FaultyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, handler: http.server.BaseHTTPRequestHandler, method: str) -> None:
        faults = self.faults
        path = handler.path.split("?", 1)[0]
        authorization = handler.headers.get("Authorization", "")
        faults.seen_authorization.append(authorization)
        if faults.stall_s:
            time.sleep(faults.stall_s)
        if faults.bearer_token is not None and authorization != f"Bearer {faults.bearer_token}":
            return self._reply(handler, 401, b"", "text/plain")
        if faults.not_acceptable(handler.headers.get("Accept", "")):
            return self._reply(handler, 406, b"", "text/plain")
        status = faults.status_for(path)
        if status is not None:
            return self._reply(handler, status, b"", "text/plain")
        length = int(handler.headers.get("Content-Length", 0) or 0)
        body = handler.rfile.read(length) if length else None
        if body is None and handler.headers.get("Transfer-Encoding") == "chunked":
            body = _read_chunked(handler)
        request = urllib.request.Request(self.upstream + handler.path, data=body, method=method)
        for name in ("Accept", "Content-Type"):
            if handler.headers.get(name):
                request.add_header(name, handler.headers[name])
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                status, content, kind = (
                    answer.status,
                    answer.read(),
                    answer.headers.get("Content-Type", ""),
                )
        except urllib.error.HTTPError as error:
            status, content, kind = error.code, error.read(), error.headers.get("Content-Type", "")
        if method == "GET" and faults.series_without and _SERIES_RETRIEVE.search(path):
            content = _without_parts(content, kind, faults.series_without)
        instance = _INSTANCE_RETRIEVE.search(path)
        if method == "GET" and instance and instance[1] in faults.instance_body:
            content = _alter_part(content, kind, faults.instance_body[instance[1]])
        if (
            method == "GET"
            and faults.cut_series_after_bytes is not None
            and _SERIES_RETRIEVE.search(path)
        ):
            handler.send_response(status)
            handler.send_header("Content-Type", kind)
            handler.send_header("Content-Length", str(len(content)))
            handler.end_headers()
            handler.wfile.write(content[: faults.cut_series_after_bytes])
            handler.wfile.flush()
            handler.close_connection = True
            return
        self._reply(handler, status, content, kind)

    @staticmethod
    def _reply(handler, status: int, content: bytes, kind: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        handler.wfile.write(content)


def _read_chunked(handler) -> bytes:
    body = b""
    while True:
        size = int(handler.rfile.readline().strip(), 16)
        if size == 0:
            handler.rfile.readline()
            return body
        body += handler.rfile.read(size)
        handler.rfile.readline()


def _alter_part(content: bytes, kind: str, alter: Callable[[bytes], bytes]) -> bytes:
    """The one-part multipart answer ``content`` with its body altered."""
    boundary = re.search(r'boundary="?([^";]+)"?', kind)
    assert boundary is not None, kind
    delimiter = b"\r\n--" + boundary[1].encode()
    start = content.index(b"\r\n\r\n") + 4
    end = content.index(delimiter, start)
    return content[:start] + alter(content[start:end]) + content[end:]


def _without_parts(content: bytes, kind: str, sop_instance_uids: set[str]) -> bytes:
    """The multipart answer ``content`` without the parts of these instances."""
    from io import BytesIO

    import pydicom

    boundary = re.search(r'boundary="?([^";]+)"?', kind)
    assert boundary is not None, kind
    delimiter = b"--" + boundary[1].encode()
    pieces = content.split(delimiter)
    kept = [pieces[0]]
    for piece in pieces[1:]:
        if piece.startswith(b"--"):  # the closing delimiter and epilogue
            kept.append(piece)
            continue
        body = piece[piece.index(b"\r\n\r\n") + 4 : -2]
        sop = pydicom.dcmread(BytesIO(body), stop_before_pixels=True).SOPInstanceUID
        if sop not in sop_instance_uids:
            kept.append(piece)
    return delimiter.join(kept)
