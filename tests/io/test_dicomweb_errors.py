"""DICOMweb failures are clear errors naming the URL and the UIDs, never a hang (§8.9).

A real Orthanc answers; a fault-injecting proxy in front of it (``dicomweb_faults``) plays
the broken network or server: a token demanded, a stall, an answer cut short, an instance
refused or altered.
"""

from __future__ import annotations

import logging
import socket
import time

import numpy as np
import pytest
from pydicom.uid import generate_uid

from recist_reader.errors import SeriesError
from recist_reader.io.dicom import (
    NoSeriesFoundError,
    PixelDataError,
    UnknownSeriesError,
    list_series,
    load_series,
)
from recist_reader.io.dicom.arriving import ArrivingSlices, load_series_progressively
from recist_reader.io.dicomweb import DicomwebError, connection
from recist_reader.io.dicomweb.connection import Credentials
from recist_reader.io.dicomweb.local_orthanc import LocalOrthanc

from .conftest import assert_same_remote_volume, make_sr
from .dicomweb_faults import FaultyProxy

TOKEN = "s3cret-token-value"


@pytest.fixture(autouse=True)
def _no_credentials_from_the_environment(monkeypatch):
    for name in (connection.TOKEN_ENV, connection.USER_ENV, connection.PASSWORD_ENV):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def ct(orthanc, tmp_path_factory):
    """A 24-slice signed CT stored in the Orthanc: (folder, volume loaded from it)."""
    from recist_reader import phantom as ph

    folder = tmp_path_factory.mktemp("ct")
    grid = ph.Grid.centred((24, 32, 28), (2.0, 0.8, 0.7))
    hu = np.random.default_rng(3).integers(-1000, 1500, grid.shape).astype(float)
    ph.write_ct_series(folder, hu, grid)
    orthanc.upload_folder(folder)
    return folder, load_series(folder)


@pytest.fixture
def proxy(orthanc):
    with FaultyProxy(orthanc.url) as server:
        yield server


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/dicom-web"


def test_a_server_that_is_down_is_named_with_the_uid(ct):
    url = _closed_port_url()
    uid = ct[1].series_uid
    start = time.monotonic()
    with pytest.raises(DicomwebError) as raised:
        load_series(url, series_uid=uid, study_uid=ct[1].study_uid)
    assert time.monotonic() - start < 20  # retried, then given up: never a hang
    message = str(raised.value)
    assert url in message and uid in message and "cannot be reached" in message
    assert isinstance(raised.value, SeriesError) and isinstance(raised.value, ValueError)
    with pytest.raises(DicomwebError, match="cannot be reached"):
        list_series(url, study_uid=ct[1].study_uid)


def test_an_unknown_study_or_series_is_named(orthanc, ct):
    with pytest.raises(UnknownSeriesError) as raised:
        load_series(orthanc.dicomweb_url, study_uid="1.2.3.999")
    assert orthanc.dicomweb_url in str(raised.value) and "1.2.3.999" in str(raised.value)
    with pytest.raises(UnknownSeriesError) as raised:
        load_series(orthanc.dicomweb_url, series_uid="1.2.3.888")
    assert "1.2.3.888" in str(raised.value) and orthanc.dicomweb_url in str(raised.value)
    with pytest.raises(UnknownSeriesError, match="1.2.3.777"):
        load_series(orthanc.dicomweb_url, series_uid="1.2.3.777", study_uid=ct[1].study_uid)
    with pytest.raises(UnknownSeriesError, match="1.2.3.999"):
        list_series(orthanc.dicomweb_url, study_uid="1.2.3.999")


def test_a_series_without_images_is_named(orthanc, tmp_path):
    sr = make_sr(generate_uid())
    path = tmp_path / "sr.dcm"
    sr.save_as(path, enforce_file_format=True)
    orthanc.upload_file(path)
    with pytest.raises(NoSeriesFoundError) as raised:
        load_series(orthanc.dicomweb_url, series_uid=sr.SeriesInstanceUID)
    message = str(raised.value)
    assert sr.SeriesInstanceUID in message and sr.SOPInstanceUID in message
    assert orthanc.dicomweb_url in message and "not an image" in message
    assert "recist-dicomweb-" not in message  # no temporary file names


def test_an_answer_cut_short_is_completed_instance_by_instance(proxy, ct):
    folder, folder_volume = ct
    proxy.faults.cut_series_after_bytes = 5 * 2048
    remote = load_series(proxy.dicomweb_url, series_uid=folder_volume.series_uid)
    assert_same_remote_volume(remote, folder_volume)


def test_instances_left_out_of_the_answer_are_asked_for_one_by_one(proxy, ct):
    folder_volume = ct[1]
    proxy.faults.series_without = set(folder_volume.sop_instance_uids[5:7])
    remote = load_series(proxy.dicomweb_url, series_uid=folder_volume.series_uid)
    assert_same_remote_volume(remote, folder_volume)


def test_a_server_refusing_transfer_syntax_star_sends_its_default_syntax(proxy, ct):
    """HTTP 406 to ``transfer-syntax=*`` (a server that will not send instances as stored):
    asked again without it, for the whole series and for the progressive load alike."""
    folder_volume = ct[1]
    proxy.faults.not_acceptable = lambda accept: "transfer-syntax=*" in accept
    remote = load_series(proxy.dicomweb_url, series_uid=folder_volume.series_uid)
    assert_same_remote_volume(remote, folder_volume)
    arriving = load_series_progressively(
        proxy.dicomweb_url,
        series_uid=folder_volume.series_uid,
        study_uid=folder_volume.study_uid,
    )
    assert_same_remote_volume(arriving, folder_volume)


def test_a_server_refusing_every_part10_answer_is_named_with_the_status(proxy, ct):
    folder_volume = ct[1]
    proxy.faults.not_acceptable = lambda accept: "application/dicom" in accept
    with pytest.raises(DicomwebError) as raised:
        load_series(proxy.dicomweb_url, series_uid=folder_volume.series_uid)
    assert raised.value.status == 406 and folder_volume.series_uid in str(raised.value)


def test_instances_left_out_and_not_sent_alone_are_named(proxy, ct):
    folder_volume = ct[1]
    missing = folder_volume.sop_instance_uids[9]
    proxy.faults.series_without = {missing}
    proxy.faults.status_for = lambda path: 404 if path.endswith(missing) else None
    with pytest.raises(DicomwebError) as raised:
        load_series(proxy.dicomweb_url, series_uid=folder_volume.series_uid)
    assert missing in str(raised.value) and "24 instances but 1 could not" in str(raised.value)


def test_instances_that_cannot_be_retrieved_are_named(proxy, ct):
    folder_volume = ct[1]
    missing = folder_volume.sop_instance_uids[7]
    proxy.faults.cut_series_after_bytes = 5 * 2048
    proxy.faults.status_for = lambda path: 404 if path.endswith(missing) else None
    with pytest.raises(DicomwebError) as raised:
        load_series(proxy.dicomweb_url, series_uid=folder_volume.series_uid)
    message = str(raised.value)
    assert proxy.dicomweb_url in message and folder_volume.series_uid in message
    assert missing in message and "could not be retrieved" in message


def test_a_truncated_instance_is_named_by_its_url(proxy, ct):
    folder_volume = ct[1]
    broken = folder_volume.sop_instance_uids[3]
    proxy.faults.cut_series_after_bytes = 0
    proxy.faults.instance_body[broken] = lambda body: body[:-500]
    with pytest.raises(PixelDataError) as raised:
        load_series(proxy.dicomweb_url, series_uid=folder_volume.series_uid)
    message = str(raised.value)
    assert f"/instances/{broken}" in message and "truncated" in message
    assert proxy.dicomweb_url in message and "recist-dicomweb-" not in message


def test_an_instance_that_is_not_dicom_is_named(proxy, ct):
    folder_volume = ct[1]
    broken = folder_volume.sop_instance_uids[0]
    proxy.faults.cut_series_after_bytes = 0
    proxy.faults.instance_body[broken] = lambda body: b"\x00" * len(body)
    with pytest.raises(DicomwebError, match=broken):
        load_series(proxy.dicomweb_url, series_uid=folder_volume.series_uid)


def test_a_slice_missing_from_a_progressive_load_is_reported_once(proxy, ct):
    folder_volume = ct[1]
    missing = folder_volume.sop_instance_uids[11]
    proxy.faults.cut_series_after_bytes = 0
    proxy.faults.status_for = lambda path: 404 if path.endswith(missing) else None
    failures: list[PixelDataError] = []
    remote = load_series_progressively(
        proxy.dicomweb_url,
        series_uid=folder_volume.series_uid,
        study_uid=folder_volume.study_uid,
        on_failure=failures.append,
    )
    assert isinstance(remote.array, ArrivingSlices)
    slot = remote.sop_instance_uids.index(missing)
    black = remote.array[slot]
    assert (black == np.iinfo(black.dtype).min).all()
    np.testing.assert_array_equal(remote.array[slot + 1], folder_volume.array[slot + 1])
    with pytest.raises(PixelDataError, match=missing):
        np.asarray(remote.array)
    assert len(failures) == 1 and missing in str(failures[0])
    assert proxy.dicomweb_url in str(failures[0])


def test_a_silent_server_times_out(proxy, ct, monkeypatch):
    monkeypatch.setattr(connection, "READ_TIMEOUT_S", 0.5)
    proxy.faults.stall_s = 3.0
    start = time.monotonic()
    with pytest.raises(DicomwebError) as raised:
        load_series(proxy.dicomweb_url, series_uid=ct[1].series_uid)
    assert time.monotonic() - start < 15
    assert "did not answer within 0.5 s" in str(raised.value)
    assert ct[1].series_uid in str(raised.value)


def test_a_bearer_token_comes_from_the_environment_and_is_never_shown(
    proxy, ct, monkeypatch, caplog
):
    folder_volume = ct[1]
    proxy.faults.bearer_token = TOKEN
    with pytest.raises(DicomwebError) as raised:
        load_series(proxy.dicomweb_url, series_uid=folder_volume.series_uid)
    assert raised.value.status == 401 and connection.TOKEN_ENV in str(raised.value)
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(connection.TOKEN_ENV, "wrong-token")
    with pytest.raises(DicomwebError, match="bearer credentials were refused") as raised:
        load_series(proxy.dicomweb_url, series_uid=folder_volume.series_uid)
    assert "wrong-token" not in str(raised.value)
    monkeypatch.setenv(connection.TOKEN_ENV, TOKEN)
    remote = load_series(proxy.dicomweb_url, series_uid=folder_volume.series_uid)
    assert_same_remote_volume(remote, folder_volume)
    assert f"Bearer {TOKEN}" in proxy.faults.seen_authorization
    assert TOKEN not in caplog.text and "wrong-token" not in caplog.text
    assert TOKEN not in repr(Credentials.from_environment())


def test_basic_credentials_open_an_orthanc_that_demands_them(ct, monkeypatch, caplog):
    folder, folder_volume = ct
    users = {"AuthenticationEnabled": True, "RegisteredUsers": {"reader": "pass-word-1"}}
    with LocalOrthanc(settings=users) as guarded:
        guarded.upload_folder(folder)
        with pytest.raises(DicomwebError, match="HTTP 401") as raised:
            load_series(guarded.dicomweb_url, series_uid=folder_volume.series_uid)
        assert connection.USER_ENV in str(raised.value)
        caplog.set_level(logging.DEBUG)
        monkeypatch.setenv(connection.USER_ENV, "reader")
        monkeypatch.setenv(connection.PASSWORD_ENV, "pass-word-1")
        remote = load_series(guarded.dicomweb_url, series_uid=folder_volume.series_uid)
        assert_same_remote_volume(remote, folder_volume)
        assert "pass-word-1" not in caplog.text


def test_credentials_in_the_url_are_refused_without_showing_them(orthanc, ct):
    url = orthanc.dicomweb_url.replace("http://", "http://reader:hunter2@")
    with pytest.raises(SeriesError) as raised:
        load_series(url, series_uid=ct[1].series_uid)
    assert "hunter2" not in str(raised.value) and "RECIST_DICOMWEB_TOKEN" in str(raised.value)


def test_a_url_without_uids_is_an_error(orthanc):
    with pytest.raises(SeriesError, match="needs a series_uid or a study_uid"):
        load_series(orthanc.dicomweb_url)
    with pytest.raises(SeriesError, match="needs study_uid"):
        list_series(orthanc.dicomweb_url)
