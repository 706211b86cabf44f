"""DICOMweb sources: a base URL, or a WADO-RS study or series URL naming the UIDs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from recist_reader.io.dicom.errors import SeriesError

_RESOURCE = re.compile(r"^(?P<base>.*?)/studies/(?P<study>[^/]+)(?:/series/(?P<series>[^/]+))?/?$")


@dataclass(frozen=True)
class DicomwebSource:
    """Where a series is: the server's DICOMweb root and the UIDs given.

    Attributes
    ----------
    base_url : str
        ``http(s)://host:port/path``, without trailing slash, query or credentials.
    study_uid, series_uid : str or None
        From the arguments or from a ``.../studies/{study}[/series/{series}]`` URL.
        ``series_uid`` may carry a loader suffix (``#2``, ``#stack1``).
    """

    base_url: str
    study_uid: str | None = None
    series_uid: str | None = None

    @property
    def server_series_uid(self) -> str | None:
        """The SeriesInstanceUID on the server (without ``#part``/``#stack`` suffix)."""
        return None if self.series_uid is None else self.series_uid.split("#", 1)[0]


def redact(url: str) -> str:
    """``url`` without user name, password, query or fragment (for messages)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def parse_source(
    url: str, *, study_uid: str | None = None, series_uid: str | None = None
) -> DicomwebSource:
    """The server and UIDs of ``url`` and the keyword arguments.

    Accepts a DICOMweb base URL (``http://host:8042/dicom-web``) or a WADO-RS study or series
    URL (``.../dicom-web/studies/{study}/series/{series}``).

    Raises
    ------
    SeriesError
        Credentials in the URL, a scheme other than http(s), or UIDs that contradict the
        keyword arguments.
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SeriesError(f"{redact(url)}: not an http(s) URL of a DICOMweb server")
    if parts.username or parts.password:
        raise SeriesError(
            f"{redact(url)}: credentials in the URL are refused (they would end up in logs "
            "and error messages); set RECIST_DICOMWEB_TOKEN, or RECIST_DICOMWEB_USER and "
            "RECIST_DICOMWEB_PASSWORD"
        )
    base = redact(urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))).rstrip("/")
    match = _RESOURCE.match(base)
    if match is None:
        return DicomwebSource(base, _strip(study_uid), _strip(series_uid))
    found_study, found_series = match["study"], match["series"]
    for name, given, found in (
        ("study_uid", study_uid, found_study),
        ("series_uid", series_uid, found_series),
    ):
        given = _strip(given)
        if given and found and given.split("#", 1)[0] != found:
            raise SeriesError(
                f"{base}: the URL names {name.split('_')[0]} {found} but {name}={given!r} was "
                "given; give one or the other"
            )
    return DicomwebSource(
        match["base"].rstrip("/"),
        _strip(study_uid) or found_study,
        _strip(series_uid) or found_series,
    )


def _strip(uid: str | None) -> str | None:
    return uid.strip() or None if uid is not None else None
