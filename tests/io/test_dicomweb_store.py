"""store_sr: STOW-RS to a real Orthanc; a refusal names the URL, HTTP status and UIDs (§8.9)."""

from __future__ import annotations

import socket

import pytest
from pydicom.uid import generate_uid

import recist_reader
from recist_reader.io.dicomweb import StoreRefusedError, store_sr
from recist_reader.io.dicomweb.connection import Connection
from recist_reader.io.dicomweb.local_orthanc import LocalOrthanc

from .conftest import make_sr

#: Orthanc's Lua hook: drop every SR (and only SRs), as a PACS filtering a SOP class does.
REFUSE_SRS = """
function ReceivedInstanceFilter(dicom, origin, info)
  return dicom.Modality ~= 'SR'
end
"""


def _srs_in(url: str, study_uid: str) -> set[str]:
    with Connection(url) as connection:
        found = set()
        for series in connection.search_series(study_uid):
            if series["00080060"]["Value"][0] == "SR":
                series_uid = series["0020000E"]["Value"][0]
                for item in connection.search_instances(study_uid, series_uid):
                    found.add(item["00080018"]["Value"][0])
        return found


def test_store_sr_stores_datasets_and_files_that_qido_then_finds(orthanc, tmp_path):
    study, series = generate_uid(), generate_uid()
    first, second = make_sr(study, series_uid=series), make_sr(study, series_uid=series)
    second.InstanceNumber = 2
    path = tmp_path / "second.SR.dcm"
    second.save_as(path, enforce_file_format=True)
    stored = recist_reader.store_sr([first, path], orthanc.dicomweb_url)
    assert stored == [first.SOPInstanceUID, second.SOPInstanceUID]
    assert _srs_in(orthanc.dicomweb_url, study) == {first.SOPInstanceUID, second.SOPInstanceUID}


def test_a_refused_store_names_the_url_status_and_uids():
    users = {"AuthenticationEnabled": True, "RegisteredUsers": {"reader": "secret-pw"}}
    with LocalOrthanc(settings=users) as guarded:
        study, series = generate_uid(), generate_uid()
        srs = [make_sr(study, series_uid=series), make_sr(study, series_uid=series)]
        with pytest.raises(StoreRefusedError) as raised:
            store_sr(srs, guarded.dicomweb_url)
        error = raised.value
        assert isinstance(error, ValueError)
        assert error.url == f"{guarded.dicomweb_url}/studies" and error.status == 401
        assert error.refused_sop_instance_uids == tuple(ds.SOPInstanceUID for ds in srs)
        message = str(error)
        assert guarded.dicomweb_url in message and "HTTP 401" in message
        assert all(ds.SOPInstanceUID in message for ds in srs)


def test_instances_a_server_says_it_stored_but_discarded_are_refused(tmp_path):
    """Orthanc answers success for instances its Lua filter drops: QIDO-RS catches them."""
    script = tmp_path / "refuse-sr.lua"
    script.write_text(REFUSE_SRS)
    with LocalOrthanc(settings={"LuaScripts": [str(script)]}) as filtering:
        study, series = generate_uid(), generate_uid()
        srs = [make_sr(study, series_uid=series), make_sr(study, series_uid=series)]
        with pytest.raises(StoreRefusedError) as raised:
            store_sr(srs, filtering.dicomweb_url)
        error = raised.value
        assert error.status == 200
        assert set(error.refused_sop_instance_uids) == {ds.SOPInstanceUID for ds in srs}
        assert "does not find them" in str(error) and filtering.dicomweb_url in str(error)


def test_a_store_to_a_server_that_is_down_names_every_uid():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/dicom-web"
    sr = make_sr(generate_uid())
    with pytest.raises(StoreRefusedError) as raised:
        store_sr([sr], url)
    assert raised.value.status is None
    assert raised.value.refused_sop_instance_uids == (sr.SOPInstanceUID,)
    assert url in str(raised.value) and sr.SOPInstanceUID in str(raised.value)
