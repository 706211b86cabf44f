"""``recist-reader read RECORD --dicomweb URL``: each visit's series from a real Orthanc."""

from __future__ import annotations

import json
import shutil

from .conftest import run_cli


def _read(*args):
    return run_cli("read", *args)


def test_a_headless_read_from_dicomweb_is_the_read_from_the_folder(
    orthanc, phantom_on_orthanc, tmp_path
):
    patient = phantom_on_orthanc
    remote = _read(
        patient.record_path, "--dicomweb", orthanc.dicomweb_url, "--headless", "--out",
        tmp_path / "remote",
    )  # fmt: skip
    assert remote.returncode == 0, remote.stderr
    local = _read(
        patient.record_path, "--series-folder", patient.folder, "--headless",
        "--no-screenshot", "--out", tmp_path / "local",
    )  # fmt: skip
    assert local.returncode == 0, local.stderr
    name = f"{patient.record()['patient_id']}.response.json"
    remote_response = json.loads((tmp_path / "remote" / name).read_text())
    assert remote_response == json.loads((tmp_path / "local" / name).read_text())
    assert "rulers applied" in remote.stdout
    if shutil.which("xvfb-run"):  # the screenshot's child process loads from the server too
        assert "screenshot written" in remote.stdout, remote.stdout


def test_a_series_missing_from_the_server_is_named(orthanc, phantom_patient, tmp_path):
    record = phantom_patient.record()
    record["visits"][0]["series"][0]["series_uid"] = "1.2.3.4.404"
    for measurement in record["visits"][0]["measurements"]:
        for key in ("ruler", "short_axis_ruler"):
            if measurement.get(key):
                measurement[key]["series_uid"] = "1.2.3.4.404"
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record))
    result = _read(path, "--dicomweb", orthanc.dicomweb_url, "--headless", "--no-screenshot")
    assert result.returncode == 2
    assert "1.2.3.4.404" in result.stderr and orthanc.dicomweb_url in result.stderr


def test_series_folder_and_dicomweb_together_are_a_usage_error(orthanc, phantom_patient):
    result = _read(
        phantom_patient.record_path, "--dicomweb", orthanc.dicomweb_url, "--series-folder",
        phantom_patient.folder, "--headless",
    )  # fmt: skip
    assert result.returncode == 2 and "not both" in result.stderr
