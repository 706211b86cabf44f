"""``export-sr --stow URL`` stores each visit's SR in its study on a real Orthanc (§8.2, §8.9).

A refused store leaves the files written and exits 3, naming the URL, the HTTP status and
the SOP Instance UIDs.
"""

from __future__ import annotations

import pydicom

from recist_reader.io.dicomweb.connection import Connection
from recist_reader.io.dicomweb.local_orthanc import LocalOrthanc

from .conftest import run_cli


def _export_sr(patient, out, stow_url: str):
    return run_cli(
        "export-sr", patient.record_path, "--series-folder", patient.folder, "--out", out,
        "--stow", stow_url,
    )  # fmt: skip


def test_export_sr_stow_stores_each_visit_sr_in_its_study(orthanc, phantom_on_orthanc, tmp_path):
    patient = phantom_on_orthanc
    result = _export_sr(patient, tmp_path, orthanc.dicomweb_url)
    assert result.returncode == 0, result.stderr
    written = sorted(tmp_path.glob("*.SR.dcm"))
    assert written and f"stored {len(written)} SR(s)" in result.stdout
    with Connection(orthanc.dicomweb_url) as connection:
        for path in written:
            sr = pydicom.dcmread(path)
            found = connection.search_instances(sr.StudyInstanceUID, sr.SeriesInstanceUID)
            assert [item["00080018"]["Value"][0] for item in found] == [sr.SOPInstanceUID]
            series = {
                item["0020000E"]["Value"][0]: item["00080060"]["Value"][0]
                for item in connection.search_series(sr.StudyInstanceUID)
            }
            assert series[sr.SeriesInstanceUID] == "SR" and "CT" in series.values()


def test_a_refused_stow_exits_3_with_the_files_written(phantom_on_orthanc, tmp_path):
    patient = phantom_on_orthanc
    users = {"AuthenticationEnabled": True, "RegisteredUsers": {"reader": "secret-pw"}}
    with LocalOrthanc(settings=users) as guarded:
        result = _export_sr(patient, tmp_path, guarded.dicomweb_url)
    written = sorted(tmp_path.glob("*.SR.dcm"))
    assert result.returncode == 3 and written
    assert guarded.dicomweb_url in result.stderr and "HTTP 401" in result.stderr
    for path in written:
        assert pydicom.dcmread(path).SOPInstanceUID in result.stderr
