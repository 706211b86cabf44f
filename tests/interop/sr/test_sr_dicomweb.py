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
    for keyword in (
        "SOPInstanceUID",
        "SeriesInstanceUID",
        "ContentDate",
        "ContentTime",
        "InstanceCreationDate",
        "InstanceCreationTime",
        "ContributingEquipmentSequence",
    ):
        if keyword in dataset:
            delattr(dataset, keyword)
    return dataset.to_json_dict()


@pytest.fixture
def server(orthanc):
    """The session's Orthanc, emptied before and after the test: these tests store the
    phantom's images and SRs, which the DICOMweb loader tests must not find beside their own
    uploads; and other tests' phantoms share its series UIDs (not its instances), which
    would be evidence of the same series here."""
    orthanc.delete_all()
    yield orthanc
    orthanc.delete_all()


def test_export_from_dicomweb_equals_export_from_the_folder(server, phantom, tmp_path, capsys):
    for folder in phantom.series_folders.values():
        server.upload_folder(folder)
    record = phantom.record()
    from_server = export_sr(record, server.dicomweb_url)
    from_folder = export_sr(record, phantom.folder)
    for server_sr, folder_sr in zip(from_server, from_folder):
        served, stored = _content(server_sr), _content(folder_sr)
        assert {k: v for k, v in served.items() if served.get(k) != stored.get(k)} == {}
        assert served.keys() == stored.keys()
    assert import_sr(from_server) == import_sr(from_folder)

    record_path = tmp_path / "record.json"
    record_path.write_text(json.dumps(record))
    code = main(
        [
            "export-sr",
            str(record_path),
            "--out",
            str(tmp_path / "sr"),
            "--stow",
            server.dicomweb_url,
        ]
    )
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
    assert any(
        "1.2.3.999" in p and orthanc.dicomweb_url.split("/dicom-web")[0] in p
        for p in caught.value.problems
    )


def test_a_read_with_visits_on_a_server_and_in_folders_exports_as_from_one_folder(server, phantom):
    """A read whose baseline was opened from PACS and whose follow-ups came from folders (the
    reading widget passes both kinds of source)."""
    visits = list(phantom.series_folders)
    server.upload_folder(phantom.series_folders[visits[0]])
    sources = [*(phantom.series_folders[v] for v in visits[1:]), server.dicomweb_url]
    record = phantom.record()
    mixed = export_sr(record, sources)
    from_folder = export_sr(record, phantom.folder)
    assert [_content(ds) for ds in mixed] == [_content(ds) for ds in from_folder]
