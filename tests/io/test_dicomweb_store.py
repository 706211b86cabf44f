"""store_sr: STOW-RS to a real Orthanc; a refusal names the URL, HTTP status and UIDs (§8.9)."""

from __future__ import annotations

import socket

import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

import recist_reader
from recist_reader.io.dicomweb import StoreRefusedError, store_sr
from recist_reader.io.dicomweb.connection import Connection
from recist_reader.io.dicomweb.local_orthanc import LocalOrthanc

#: Orthanc's Lua hook: drop every SR (and only SRs), as a PACS filtering a SOP class does.
REFUSE_SRS = """
function ReceivedInstanceFilter(dicom, origin, info)
  return dicom.Modality ~= 'SR'
end
"""


def _sr(study_uid: str, series_uid: str) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.33"  # Comprehensive SR
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PatientID, ds.PatientName = "P-STOW", "STOW^TEST"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
    ds.Modality, ds.SeriesNumber, ds.InstanceNumber = "SR", 901, 1
    ds.ValueType, ds.CompletionFlag, ds.VerificationFlag = "CONTAINER", "COMPLETE", "UNVERIFIED"
    return ds


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
    first, second = _sr(study, series), _sr(study, series)
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
        srs = [_sr(study, series), _sr(study, series)]
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
        srs = [_sr(study, series), _sr(study, series)]
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
    sr = _sr(generate_uid(), generate_uid())
    with pytest.raises(StoreRefusedError) as raised:
        store_sr([sr], url)
    assert raised.value.status is None
    assert raised.value.refused_sop_instance_uids == (sr.SOPInstanceUID,)
    assert url in str(raised.value) and sr.SOPInstanceUID in str(raised.value)
