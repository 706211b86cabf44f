"""One DICOMweb server: credentials, timeouts, retries, and every request we make of it.

QIDO-RS searches, WADO-RS metadata and STOW-RS go through **dicomweb-client** (the reference
Python client of the DICOMweb standard: URL building, query parameters, DICOM JSON, multipart
encoding, STOW-RS answers). Whole series are retrieved through the same HTTP session as raw
Part 10 parts written straight to files (:mod:`.multipart`), because dicomweb-client's
retrieval parses every instance into a pydicom dataset, which would then have to be encoded
again to reach the loader: three times slower, and no longer the bytes the server holds.
The GETs a series load makes besides (how many instances the series has, the WADO-RS
metadata of a series or study) are plain GETs of DICOM JSON on that session too:
dicomweb-client, and pydicom under it, are imported only when a search or a STOW-RS needs
them, and a load never does (importing them took a third of its time).

Credentials: a bearer token from ``RECIST_DICOMWEB_TOKEN``, else HTTP basic authentication
from ``RECIST_DICOMWEB_USER`` and ``RECIST_DICOMWEB_PASSWORD`` (or a :class:`Credentials`
passed in). They are added to each request as it is sent (a requests ``auth``), so neither
dicomweb-client's nor urllib3's logging ever sees them, and they are never written anywhere.

Timeouts: :data:`CONNECT_TIMEOUT_S` to connect, :data:`READ_TIMEOUT_S` for the server's
next bytes. Transient failures (connection refused or reset, HTTP 429, 502, 503, 504) are
retried :data:`RETRIES` times with exponential back-off (0.5, 1, 2 s).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from recist_reader.io.dicom.errors import UnknownSeriesError
from recist_reader.io.dicomweb.errors import DicomwebError
from recist_reader.io.dicomweb.urls import redact

if TYPE_CHECKING:  # pragma: no cover
    import requests
    from dicomweb_client.api import DICOMwebClient
    from pydicom.dataset import Dataset

#: Environment variables of the credentials (design.md §8.9 names the token's).
TOKEN_ENV = "RECIST_DICOMWEB_TOKEN"
USER_ENV = "RECIST_DICOMWEB_USER"
PASSWORD_ENV = "RECIST_DICOMWEB_PASSWORD"
#: Seconds to establish a connection.
CONNECT_TIMEOUT_S = 10.0
#: Seconds the server may stay silent before a request fails (between bytes, not in total).
READ_TIMEOUT_S = 60.0
#: Retries of a request after a transient failure.
RETRIES = 3
_BACKOFF_S = 0.5
_TRANSIENT_STATUSES = (429, 502, 503, 504)
#: The instances as the server holds them; then, from a server that refuses to say so
#: (HTTP 406 Not Acceptable), in its default transfer syntax (Explicit VR Little Endian).
_PART10_ACCEPTS = (
    'multipart/related; type="application/dicom"; transfer-syntax=*',
    'multipart/related; type="application/dicom"',
)
_NOT_ACCEPTABLE = 406


@dataclass(frozen=True)
class Credentials:
    """How to authenticate: a bearer token, or a user name and password (basic).

    The repr never shows the secrets.
    """

    token: str | None = field(default=None, repr=False)
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> Credentials:
        """``RECIST_DICOMWEB_TOKEN``, else ``RECIST_DICOMWEB_USER``/``_PASSWORD``, else none."""
        environ = dict(os.environ) if environ is None else environ
        token = environ.get(TOKEN_ENV) or None
        if token:
            return cls(token=token)
        user = environ.get(USER_ENV) or None
        return cls(user=user, password=environ.get(PASSWORD_ENV, "") if user else None)

    @property
    def kind(self) -> str:
        """``bearer``, ``basic`` or ``none`` (for messages)."""
        return "bearer" if self.token else "basic" if self.user else "none"

    def requests_auth(self) -> Any:
        """The requests ``auth`` that adds the credentials to each request, or None."""
        import requests.auth

        if self.token:
            return _BearerAuth(self.token)
        if self.user:
            return requests.auth.HTTPBasicAuth(self.user, self.password or "")
        return None


class _BearerAuth:
    """``Authorization: Bearer <token>``, added as each request is sent."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "<bearer token>"


def _session(credentials: Credentials) -> requests.Session:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    retry = Retry(
        total=RETRIES,
        connect=RETRIES,
        read=1,
        status=RETRIES,
        backoff_factor=_BACKOFF_S,
        status_forcelist=_TRANSIENT_STATUSES,
        allowed_methods=None,  # STOW-RS too: storing the same instances again is harmless
        raise_on_status=False,
        respect_retry_after_header=True,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.auth = credentials.requests_auth()
    session.trust_env = True  # proxies from the environment, as any HTTP client
    return session


class Connection:
    """A DICOMweb server at ``base_url`` (``http(s)://host:port/dicom-web``).

    Every method raises :class:`DicomwebError` (or ``UnknownSeriesError`` for a study or
    series the server does not have) naming the URL, the UIDs and the HTTP status.

    Parameters
    ----------
    base_url : str
        The server's DICOMweb root, without credentials.
    credentials : Credentials, optional
        Default: :meth:`Credentials.from_environment`.
    """

    def __init__(self, base_url: str, *, credentials: Credentials | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials or Credentials.from_environment()
        self.session = _session(self.credentials)
        self.timeout = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)

    @functools.cached_property
    def client(self) -> DICOMwebClient:
        """dicomweb-client on this connection's session (imported on first use)."""
        from dicomweb_client.api import DICOMwebClient

        client = DICOMwebClient(self.base_url, session=self.session, timeout=self.timeout)
        client.set_http_retry_params(retry=False)  # the session retries
        return client

    def close(self) -> None:
        """Close the HTTP connections."""
        self.session.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ URLs
    def study_url(self, study_uid: str) -> str:
        return f"{self.base_url}/studies/{study_uid}"

    def series_url(self, study_uid: str, series_uid: str) -> str:
        return f"{self.study_url(study_uid)}/series/{series_uid}"

    def instance_url(self, study_uid: str, series_uid: str, sop_instance_uid: str) -> str:
        return f"{self.series_url(study_uid, series_uid)}/instances/{sop_instance_uid}"

    # ------------------------------------------------------------------ QIDO-RS
    def search_studies(self, filters: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """QIDO-RS ``/studies`` with attribute filters (e.g. PatientID, StudyDate)."""
        with self.errors(f"{self.base_url}/studies", "searching for studies"):
            return self.client.search_for_studies(
                search_filters=filters or None,
                fields=["StudyDescription", "ModalitiesInStudy", "NumberOfStudyRelatedSeries"],
                get_remaining=True,
            )

    def search_series(
        self, study_uid: str, *, series_uid: str | None = None
    ) -> list[dict[str, Any]]:
        """QIDO-RS ``/studies/{study}/series``: every series of the study (or the one)."""
        what = f"study {study_uid}" + (f", series {series_uid}" if series_uid else "")
        with self.errors(self.study_url(study_uid), what):
            return self.client.search_for_series(
                study_uid,
                fields=["SeriesDescription", "NumberOfSeriesRelatedInstances"],
                search_filters={"SeriesInstanceUID": series_uid} if series_uid else None,
                get_remaining=True,
            )

    def count_instances(self, study_uid: str, series_uid: str) -> int | None:
        """NumberOfSeriesRelatedInstances of a series (QIDO-RS ``/studies/{study}/series``
        with ``includefield=00201209``); None when the server does not give it.

        Raises
        ------
        UnknownDicomwebResourceError
            The study has no such series.
        """
        url = self.study_url(study_uid) + "/series"
        found = self._get_json_list(
            url,
            f"study {study_uid}, series {series_uid}",
            {"SeriesInstanceUID": series_uid, "includefield": "00201209"},
        )
        found = [item for item in found if _first(item, "0020000E") in (None, series_uid)]
        if not found:
            series_url = self.series_url(study_uid, series_uid)
            raise UnknownDicomwebResourceError(
                f"{series_url}: the server has no series {series_uid} in study {study_uid}; "
                "check the UIDs",
                url=series_url,
            )
        count = _first(found[0], "00201209")
        return int(count) if isinstance(count, int | float | str) and str(count).isdigit() else None

    def find_study(self, series_uid: str) -> str:
        """The StudyInstanceUID of a series (QIDO-RS ``/series?SeriesInstanceUID=``).

        Raises
        ------
        UnknownSeriesError
            The server has no such series.
        """
        url = f"{self.base_url}/series?SeriesInstanceUID={series_uid}"
        with self.errors(url, f"series {series_uid}"):
            found = self.client.search_for_series(search_filters={"SeriesInstanceUID": series_uid})
        studies = sorted({str(_first(item, "0020000D") or "") for item in found} - {""})
        if not studies:
            raise UnknownSeriesError(f"{self.base_url}: the server has no series {series_uid}")
        if len(studies) > 1:
            raise UnknownSeriesError(
                f"{self.base_url}: series {series_uid} is in {len(studies)} studies "
                f"({', '.join(studies)}); pass study_uid= to choose one"
            )
        return studies[0]

    def search_instances(self, study_uid: str, series_uid: str) -> list[dict[str, Any]]:
        """QIDO-RS ``/studies/{study}/series/{series}/instances``."""
        url = f"{self.series_url(study_uid, series_uid)}/instances"
        with self.errors(url, f"study {study_uid}, series {series_uid}"):
            return self.client.search_for_instances(study_uid, series_uid, get_remaining=True)

    # ------------------------------------------------------------------ WADO-RS
    def study_metadata(self, study_uid: str) -> list[dict[str, Any]]:
        """WADO-RS ``/studies/{study}/metadata``: DICOM JSON of every instance."""
        url = f"{self.study_url(study_uid)}/metadata"
        return self._get_json_list(url, f"study {study_uid}")

    def series_metadata(self, study_uid: str, series_uid: str) -> list[dict[str, Any]]:
        """WADO-RS ``/studies/{study}/series/{series}/metadata``."""
        url = f"{self.series_url(study_uid, series_uid)}/metadata"
        return self._get_json_list(url, f"study {study_uid}, series {series_uid}")

    def _get_json_list(
        self, url: str, what: str, params: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """A GET answered with a DICOM JSON list (QIDO-RS, WADO-RS metadata); [] for 204.

        Raises
        ------
        DicomwebError
            The request fails, or the answer is not a list of objects.
        """
        with self.errors(url, what):
            response = self.session.get(
                url,
                params=params,
                headers={"Accept": "application/dicom+json"},
                timeout=self.timeout,
            )
            response.raise_for_status()
            try:
                found = response.json() if response.content.strip() else []
            except ValueError:
                found = None
        if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
            raise DicomwebError(
                f"{redact(url)}: the server's answer for {what} is not a DICOM JSON list; "
                "check the server",
                url=redact(url),
            )
        return found

    def retrieve_parts(
        self,
        url: str,
        what: str,
        open_part: Callable[[int], Any],
        part_done: Callable[[int], None] | None = None,
    ) -> int:
        """WADO-RS of ``url`` as Part 10 instances in their stored transfer syntax (or the
        server's default one, when it answers 406 Not Acceptable to ``transfer-syntax=*``).

        Each part is streamed into ``open_part(index)`` (a binary file, closed here), and
        ``part_done(index)`` called once it is complete; the number of parts. Raises
        ``DicomwebError`` (naming ``what``) for HTTP errors, timeouts, a dropped connection
        or a malformed answer.
        """
        from recist_reader.io.dicomweb.multipart import MultipartError, split_parts

        with self.errors(url, what):
            for accept in _PART10_ACCEPTS:
                response = self.session.get(
                    url, headers={"Accept": accept}, stream=True, timeout=self.timeout
                )
                if response.status_code != _NOT_ACCEPTABLE:
                    break
                response.close()
            with response:
                response.raise_for_status()
                try:
                    return split_parts(
                        response.headers.get("Content-Type", ""),
                        response.iter_content(chunk_size=1 << 20),
                        open_part,
                        part_done,
                    )
                except MultipartError as exc:
                    raise DicomwebError(
                        f"{redact(url)}: the server's answer for {what} is not a complete "
                        f"multipart message ({exc}); try again, or check the server",
                        url=redact(url),
                        status=response.status_code,
                    ) from None

    # ------------------------------------------------------------------ STOW-RS
    def store(self, datasets: Sequence[Dataset]) -> Dataset:
        """STOW-RS of ``datasets`` to ``/studies``; the server's answer (a dataset).

        Raises ``requests`` errors as they come: the caller (``store_sr``) reads the
        refused instances from them.
        """
        return self.client.store_instances(list(datasets))

    # ------------------------------------------------------------------ errors
    @contextmanager
    def errors(self, url: str, what: str) -> Iterator[None]:
        """Turn ``requests`` failures into :class:`DicomwebError` naming ``url`` and ``what``."""
        import requests

        shown = redact(url)
        try:
            yield
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else None
            raise http_error(shown, what, status, self.credentials) from None
        except (requests.Timeout, requests.ConnectionError) as exc:
            if not isinstance(exc, requests.Timeout) and not _timed_out(exc):
                raise DicomwebError(
                    f"{shown}: the DICOMweb server cannot be reached ({what}: "
                    f"{_reason(exc)}); check the URL and that the server is running",
                    url=shown,
                ) from None
            connect_s, read_s = self.timeout
            waited = (
                f"could not be connected to within {connect_s:g} s"
                if isinstance(exc, requests.ConnectTimeout)
                else f"did not answer within {read_s:g} s"
            )
            raise DicomwebError(
                f"{shown}: the DICOMweb server {waited} ({what}); try again later, or check "
                "the server",
                url=shown,
            ) from None
        except requests.RequestException as exc:
            raise DicomwebError(
                f"{shown}: the request failed ({what}: {type(exc).__name__}: {_reason(exc)})",
                url=shown,
            ) from None
        except ValueError as exc:  # dicomweb-client: a malformed answer
            if isinstance(exc, DicomwebError | UnknownSeriesError):
                raise
            raise DicomwebError(
                f"{shown}: the server's answer cannot be read ({what}: {exc})", url=shown
            ) from None


def http_error(url: str, what: str, status: int | None, credentials: Credentials) -> DicomwebError:
    """The error of an HTTP error status, with what to do about it."""
    if status in (401, 403):
        hint = (
            f"the {credentials.kind} credentials were refused"
            if credentials.kind != "none"
            else f"set {TOKEN_ENV} (or {USER_ENV} and {PASSWORD_ENV}) for this server"
        )
        return DicomwebError(
            f"{url}: the server refused access (HTTP {status}) to {what}; {hint}",
            url=url,
            status=status,
        )
    if status == 404:
        return UnknownDicomwebResourceError(
            f"{url}: not found on the server (HTTP 404): {what}; check the UIDs",
            url=url,
            status=status,
        )
    return DicomwebError(
        f"{url}: the server answered HTTP {status} for {what}", url=url, status=status
    )


class UnknownDicomwebResourceError(DicomwebError, UnknownSeriesError):
    """The server has no such study, series or instance (HTTP 404)."""


def _first(item: dict[str, Any], tag: str) -> Any:
    values = item.get(tag, {}).get("Value")
    return values[0] if values else None


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps (urllib3's ``reason``, the first argument, the context)."""
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for inner in (getattr(current, "reason", None), *current.args[:1], current.__context__):
            if isinstance(inner, BaseException):
                pending.append(inner)


def _timed_out(exc: BaseException) -> bool:
    """A requests error that is, underneath, a timeout (after urllib3's retries)."""
    from urllib3.exceptions import NewConnectionError, ReadTimeoutError
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    for cause in _causes(exc):
        if isinstance(cause, NewConnectionError):  # a refused connection (a subclass of
            return False  # urllib3's ConnectTimeoutError, for history's sake)
        if isinstance(cause, ReadTimeoutError | Urllib3Timeout | TimeoutError):
            return True
    return False


def _reason(exc: BaseException) -> str:
    """The innermost reason of a requests error, short (no URL, no headers)."""
    innermost = list(_causes(exc))[-1]
    text = str(innermost).strip().splitlines()[0] if str(innermost).strip() else ""
    text = text.rsplit(": ", 1)[-1] if "object at 0x" in text else text
    return (text or type(innermost).__name__)[:160]
