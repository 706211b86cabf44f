"""export_sr with the images on a DICOMweb server (a real Orthanc): the same SRs as from the
folder holding the same instances, and ``export-sr --stow`` alone reads them from there."""

from __future__ import annotations

import copy
import json

import pydicom
import pytest

from recist_reader.cli import main
from recist_reader.interop.sr import SRExportError, export_sr, import_sr


def _content(dataset):
    """The SR without what differs at every export (UIDs, dates, times; the contributing
    equipment carries the time of the export)."""
    dataset = copy.deepcopy(pydicom.Dataset(dataset))
    for keyword in ("SOPInstanceUID", "SeriesInstanceUID", "ContentDate", "ContentTime",
                    "InstanceCreationDate", "InstanceCreationTime", "ContributingEquipmentSequence"):
        if keyword in dataset:
            delattr(dataset, keyword)
    return dataset.to_json_dict()


def test_export_from_dicomweb_equals_export_from_the_folder(orthanc, phantom, tmp_path, capsys):
    for folder in phantom.series_folders.values():
        orthanc.upload_folder(folder)
    record = phantom.record()
    from_server = export_sr(record, orthanc.dicomweb_url)
    from_folder = export_sr(record, phantom.folder)
    for server_sr, folder_sr in zip(from_server, from_folder):
        server, folder = _content(server_sr), _content(folder_sr)
        assert {k: v for k, v in server.items() if server.get(k) != folder.get(k)} == {}
        assert server.keys() == folder.keys()
    assert import_sr(from_server) == import_sr(from_folder)

    record_path = tmp_path / "record.json"
    record_path.write_text(json.dumps(record))
    code = main(["export-sr", str(record_path), "--out", str(tmp_path / "sr"), "--stow", orthanc.dicomweb_url])
    assert code == 0, capsys.readouterr().err
    assert len(list((tmp_path / "sr").glob("*.SR.dcm"))) == 3


def test_a_series_the_server_lacks_is_a_problem_naming_it(orthanc, phantom):
    record = phantom.record()
    record["visits"][0]["series"][0]["series_uid"] = "1.2.3.999"
    for m in record["visits"][0]["measurements"]:
        for key in ("ruler", "short_axis_ruler"):
            if m.get(key):
                m[key]["series_uid"] = "1.2.3.999"
    with pytest.raises(SRExportError) as caught:
        export_sr(record, orthanc.dicomweb_url)
    assert any("1.2.3.999" in p and orthanc.dicomweb_url.split("/dicom-web")[0] in p for p in caught.value.problems)
