"""A throwaway Orthanc with the DICOMweb plugin, for tests, benchmarks and trying the PACS path.

Runs the Debian ``Orthanc`` (packages ``orthanc`` and ``orthanc-dicomweb``) as an ordinary
process on a free loopback port, with its own storage and configuration in a temporary
folder (dicom-sr.md §8); never the system service, never the default ports. Stopped by its
PID (SIGTERM, then SIGKILL after 10 s)::

    with LocalOrthanc() as orthanc:
        orthanc.upload_folder(folder)
        volume = load_series(orthanc.dicomweb_url, series_uid=uid)

``python -m recist_reader.io.dicomweb.local_orthanc FOLDER...`` starts one, uploads the
folders and prints its DICOMweb URL until Ctrl-C.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

#: Where Debian's orthanc-dicomweb puts the plugin (a link to the versioned library).
DEBIAN_DICOMWEB_PLUGIN = Path("/usr/share/orthanc/plugins/libOrthancDicomWeb.so")
_START_TIMEOUT_S = 60.0
_STOP_TIMEOUT_S = 10.0


class OrthancUnavailableError(RuntimeError):
    """Orthanc or its DICOMweb plugin is not installed, or it did not start."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def orthanc_available() -> str | None:
    """None when Orthanc and its DICOMweb plugin are installed, else what is missing."""
    if shutil.which("Orthanc") is None:
        return "the Orthanc executable is not installed (Debian package orthanc)"
    if not DEBIAN_DICOMWEB_PLUGIN.exists():
        return f"the DICOMweb plugin is not installed ({DEBIAN_DICOMWEB_PLUGIN}: orthanc-dicomweb)"
    return None


class LocalOrthanc:
    """An Orthanc of our own: start with :meth:`start` (or ``with``), stop with :meth:`stop`.

    Attributes
    ----------
    url : str
        ``http://127.0.0.1:PORT`` (Orthanc's REST API).
    dicomweb_url : str
        ``http://127.0.0.1:PORT/dicom-web``.
    pid : int
        The server's process id (while running).
    workdir : Path
        Its configuration, storage (``db``) and log (``orthanc.log``).

    Parameters
    ----------
    workdir : path, optional
        Where to keep them (default: a temporary folder, removed by :meth:`stop`).
    settings : dict, optional
        Orthanc settings added to (or replacing) those of dicom-sr.md §8, e.g.
        ``{"AuthenticationEnabled": True, "RegisteredUsers": {"alice": "secret"}}``.
    """

    def __init__(
        self,
        *,
        workdir: str | os.PathLike[str] | None = None,
        settings: dict[str, Any] | None = None,
    ) -> None:
        self._settings = dict(settings or {})
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="recist-orthanc-"))
        self.port = 0
        self.pid: int | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def dicomweb_url(self) -> str:
        return f"{self.url}/dicom-web"

    def __enter__(self) -> LocalOrthanc:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def configuration(self, plugin: str) -> dict[str, Any]:
        """The configuration of dicom-sr.md §8 for this work folder and port."""
        storage = str(self.workdir / "db")
        return {
            "Name": "recist-reader-ci",
            "StorageDirectory": storage,
            "IndexDirectory": storage,
            "StorageCompression": False,
            "HttpServerEnabled": True,
            "HttpPort": self.port,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False,
            "HttpDescribeErrors": True,
            "OrthancExplorerEnabled": False,
            "WebDavEnabled": False,
            "DicomServerEnabled": False,
            "HttpThreadsCount": 4,
            "ConcurrentJobs": 1,
            "SaveJobs": False,
            "MetricsEnabled": False,
            "StableAge": 2,
            "OverwriteInstances": True,
            "Plugins": [plugin],
            "DicomWeb": {
                "Enable": True,
                "Root": "/dicom-web/",
                "EnableWado": True,
                "WadoRoot": "/wado",
                "Host": f"127.0.0.1:{self.port}",
                "Ssl": False,
                "StudiesMetadata": "Full",
                "SeriesMetadata": "Full",
            },
        }

    def start(self) -> LocalOrthanc:
        """Start the server and wait until its REST API and DICOMweb plugin answer.

        Raises
        ------
        OrthancUnavailableError
            Not installed, or not answering within 60 s (the log's tail is in the message).
        """
        missing = orthanc_available()
        if missing:
            raise OrthancUnavailableError(missing)
        (self.workdir / "db").mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        config = self.workdir / "orthanc.json"
        plugin = os.path.realpath(DEBIAN_DICOMWEB_PLUGIN)
        config.write_text(json.dumps({**self.configuration(plugin), **self._settings}, indent=2))
        with open(self.workdir / "orthanc.log", "wb") as log:
            self._process = subprocess.Popen(
                ["Orthanc", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped alone
            )
        self.pid = self._process.pid
        (self.workdir / "orthanc.pid").write_text(str(self.pid))
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                break
            if self._answers("/system") and self._answers("/dicom-web/studies"):
                return
            time.sleep(0.1)
        tail = self.log_tail()
        self.stop()
        raise OrthancUnavailableError(f"Orthanc did not start on port {self.port}:\n{tail}")

    def _answers(self, path: str) -> bool:
        try:
            with self._open(urllib.request.Request(self.url + path), timeout=2) as response:
                return response.status in (200, 204)
        except (urllib.error.URLError, OSError):
            return False

    def _open(self, request: urllib.request.Request, timeout: float) -> Any:
        """``urlopen`` with the first registered user's credentials, if any."""
        users = self._settings.get("RegisteredUsers") or {}
        if users and self._settings.get("AuthenticationEnabled"):
            import base64

            user, password = next(iter(users.items()))
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        return urllib.request.urlopen(request, timeout=timeout)

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the server's log."""
        try:
            text = (self.workdir / "orthanc.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server by its PID (SIGTERM, then SIGKILL) and remove its temporary folder."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.pid = None
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # ------------------------------------------------------------------ content
    def upload_file(self, path: str | os.PathLike[str]) -> dict[str, Any]:
        """Store one DICOM file, byte for byte (Orthanc's REST ``POST /instances``)."""
        request = urllib.request.Request(
            self.url + "/instances",
            data=Path(path).read_bytes(),
            headers={"Content-Type": "application/dicom"},
            method="POST",
        )
        with self._open(request, timeout=60) as response:
            return json.loads(response.read())

    def upload_folder(self, folder: str | os.PathLike[str]) -> int:
        """Store every file under ``folder`` (recursively); the number stored."""
        count = 0
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                self.upload_file(path)
                count += 1
        return count

    def delete_all(self) -> int:
        """Delete every patient the server holds (Orthanc's REST ``DELETE /patients/{id}``), so
        the next user of a shared server starts empty; the number of patients deleted."""
        patients = self.rest("/patients")
        for patient in patients:
            self.rest(f"/patients/{patient}", method="DELETE")
        return len(patients)

    def rest(self, path: str, *, method: str = "GET", body: Any = None) -> Any:
        """Call Orthanc's REST API; the decoded JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        with self._open(request, timeout=60) as response:
            answer = response.read()
        return json.loads(answer) if answer else None


def main(argv: list[str] | None = None) -> int:
    """Start an Orthanc, upload the folders given, print its DICOMweb URL until Ctrl-C."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("folders", nargs="*", type=Path)
    args = parser.parse_args(argv)
    with LocalOrthanc() as orthanc:
        for folder in args.folders:
            print(f"{folder}: {orthanc.upload_folder(folder)} file(s) stored", flush=True)
        print(f"DICOMweb URL: {orthanc.dicomweb_url} (Ctrl-C stops it)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
