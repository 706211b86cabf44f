"""What each exported SR holds, item by item (design.md §8.3–§8.7), read with pydicom alone."""

from __future__ import annotations

import copy
import datetime as dt

import numpy as np
import pydicom
import pytest

from recist_reader.interop.sr import export_sr, export_sr_documents, import_sr
from recist_reader.interop.sr.tracking import derived_lesion_tracking_uid
from recist_reader.phantom import Grid, PatientInfo, StudyInfo, write_ct_series


def _code(item, keyword="ConceptNameCodeSequence"):
    code = item[keyword][0]
    return (code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning)


def _items(group, value, scheme):
    return [i for i in group.ContentSequence if _code(i)[:2] == (value, scheme)]


def _one(group, value, scheme):
    found = _items(group, value, scheme)
    assert len(found) == 1, (value, scheme)
    return found[0]


def _groups(dataset):
    imaging = next(i for i in dataset.ContentSequence if _code(i)[0] == "126010")
    return list(imaging.ContentSequence)


def _group(dataset, comment):
    return next(g for g in _groups(dataset) if _one(g, "121106", "DCM").TextValue == comment)


def _by_visit(documents):
    return {(d.visit_id, d.reader): d.dataset for d in documents}


@pytest.fixture(scope="module")
def rich_documents(rich_read):
    return export_sr_documents(rich_read.record, rich_read.images)


def test_document_attributes(phantom_read, phantom):
    documents = export_sr_documents(phantom_read.record, phantom_read.images)
    assert [d.visit_id for d in documents] == ["BL", "W8", "W16"]
    for position, document in enumerate(documents, start=1):
        sr = document.dataset
        image = pydicom.dcmread(next(phantom.series_folders[document.visit_id].glob("*.dcm")))
        assert sr.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.33"
        assert sr.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
        assert sr.SpecificCharacterSet == "ISO_IR 192"
        assert sr.Modality == "SR"
        assert sr.SeriesNumber == 900 + position
        assert sr.SeriesDescription == f"RECIST 1.1 read {document.visit_id}"
        assert sr.Manufacturer == "recist-reader"
        for keyword in (
            "PatientID",
            "PatientName",
            "PatientBirthDate",
            "PatientSex",
            "StudyInstanceUID",
            "StudyID",
            "StudyDate",
            "StudyTime",
            "AccessionNumber",
            "ReferringPhysicianName",
        ):
            assert sr.get(keyword) == image.get(keyword), keyword
        assert sr.SeriesInstanceUID != image.SeriesInstanceUID
        assert sr.CompletionFlag == "COMPLETE"
        schemes = {s.CodingSchemeDesignator: s for s in sr.CodingSchemeIdentificationSequence}
        assert schemes["99RECISTRDR"].CodingSchemeName == "recist-reader codes"
        assert schemes["99RECISTRDR"].CodingSchemeResponsibleOrganization == "recist-reader project"
        # The evidence: every instance of the visit's series, and nothing else.
        evidence = sr.CurrentRequestedProcedureEvidenceSequence
        assert [e.StudyInstanceUID for e in evidence] == [image.StudyInstanceUID]
        (series,) = evidence[0].ReferencedSeriesSequence
        assert series.SeriesInstanceUID == phantom.series_uids[document.visit_id]
        on_disk = {
            pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID
            for p in phantom.series_folders[document.visit_id].glob("*.dcm")
        }
        assert {r.ReferencedSOPInstanceUID for r in series.ReferencedSOPSequence} == on_disk
        assert "PertinentOtherEvidenceSequence" not in sr


def test_new_uids_at_every_export(phantom_read):
    first = export_sr(phantom_read.record, phantom_read.images)[0]
    second = export_sr(phantom_read.record, phantom_read.images)[0]
    assert first.SeriesInstanceUID != second.SeriesInstanceUID
    assert first.SOPInstanceUID != second.SOPInstanceUID


def test_content_tree_root(rich_documents):
    sr = _by_visit(rich_documents)[("BL", "Reader^One")]
    assert _code(sr) == ("126000", "DCM", "Imaging Measurement Report")
    assert sr.ContentTemplateSequence[0].TemplateIdentifier == "1500"
    items = {_code(i)[0]: i for i in sr.ContentSequence}
    assert _code(items["121049"], "ConceptCodeSequence")[:2] == ("en-US", "RFC5646")
    assert items["121008"].PersonName == "Reader^One"
    assert items["121008"].RelationshipType == "HAS OBS CONTEXT"
    assert _code(items["121058"], "ConceptCodeSequence") == (
        "25045-6",
        "LN",
        "CT unspecified body region",
    )
    assert items["121058"].RelationshipType == "HAS CONCEPT MOD"
    # The Image Library lists exactly the slices the SCOORDs are on.
    library_images = {
        image.ReferencedSOPSequence[0].ReferencedSOPInstanceUID
        for group in items["111028"].ContentSequence
        for image in group.ContentSequence
        if image.ValueType == "IMAGE"
    }
    scoord_images = {
        ref.ReferencedSOPInstanceUID
        for group in _groups(sr)
        for num in group.ContentSequence
        if num.ValueType == "NUM"
        for scoord in num.get("ContentSequence", [])
        if scoord.ValueType == "SCOORD"
        for ref in scoord.ContentSequence[0].ReferencedSOPSequence
    }
    assert library_images == scoord_images and len(scoord_images) == 3


def test_unknown_observer_without_reader(phantom_read):
    sr = export_sr(phantom_read.record, phantom_read.images)[0]
    names = [i.PersonName for i in sr.ContentSequence if _code(i)[0] == "121008"]
    assert names == ["unknown^unknown"]


def test_lesion_group_items(rich_documents):
    sr = _by_visit(rich_documents)[("BL", "Reader^One")]
    t1 = _group(sr, "T1")
    assert t1.ContentTemplateSequence[0].TemplateIdentifier == "1501"
    assert _one(t1, "112039", "DCM").TextValue == "Cornerstone3DTools@^0.1.0:Length:T1"
    assert _one(t1, "112040", "DCM").UID == "1.2.826.0.1.3680043.10.1234.1"
    assert _one(t1, "C2348792", "UMLS").TextValue == "BL"
    assert _code(_one(t1, "126072", "DCM"), "ConceptCodeSequence")[:2] == ("C1442488", "UMLS")
    assert _one(t1, "126070", "DCM").TextValue == "BL"
    assert not _items(t1, "126073", "DCM")  # never Time Point Order
    method = _one(t1, "370129005", "SCT")
    assert method.RelationshipType == "HAS CONCEPT MOD"
    assert _code(method, "ConceptCodeSequence") == ("126081", "DCM", "RECIST 1.1")
    assert _code(_one(t1, "121071", "DCM"), "ConceptCodeSequence")[:2] == ("52988006", "SCT")
    site = _one(t1, "363698007", "SCT")
    assert site.RelationshipType == "HAS CONCEPT MOD"
    assert _code(site, "ConceptCodeSequence")[:2] == ("10200004", "SCT")
    assert _code(_one(t1, "112016", "DCM"), "ConceptCodeSequence")[:2] == ("112074", "DCM")
    assert _code(_one(t1, "RRNODAL", "99RECISTRDR"), "ConceptCodeSequence")[:2] == (
        "373067005",
        "SCT",
    )
    assert _one(t1, "RRORGAN", "99RECISTRDR").TextValue == "liver"
    assert _one(t1, "111001", "DCM").TextValue == "recist-reader measure_lesion"  # TID 4019
    assert _one(t1, "111003", "DCM").TextValue
    nums = [i for i in t1.ContentSequence if i.ValueType == "NUM"]
    assert [_code(n)[:2] for n in nums] == [("410668003", "SCT")]
    assert nums[0].ObservationDateTime == "20240110101530+0000"
    unit = nums[0].MeasuredValueSequence[0].MeasurementUnitsCodeSequence[0]
    assert (unit.CodeValue, unit.CodingSchemeDesignator, unit.CodeMeaning) == ("mm", "UCUM", "mm")
    (scoord,) = nums[0].ContentSequence
    assert scoord.ValueType == "SCOORD" and scoord.GraphicType == "POLYLINE"
    assert scoord.RelationshipType == "INFERRED FROM"
    assert scoord.ContentSequence[0].RelationshipType == "SELECTED FROM"

    nt1 = _group(sr, "NT1")
    assert _one(nt1, "112039", "DCM").TextValue == "NT1"
    assert _code(_one(nt1, "112016", "DCM"), "ConceptCodeSequence")[:2] == ("112075", "DCM")
    assert _code(_one(nt1, "RRSTATUS", "99RECISTRDR"), "ConceptCodeSequence")[:2] == (
        "52101004",
        "SCT",
    )
    assert _code(_one(nt1, "363698007", "SCT"), "ConceptCodeSequence")[:2] == ("23451007", "SCT")
    assert not [i for i in nt1.ContentSequence if i.ValueType == "NUM"]

    n1 = _group(sr, "N1")
    assert _one(n1, "112039", "DCM").TextValue == "Cornerstone3DTools@^0.1.0:Bidirectional:N1"
    assert _code(_one(n1, "RRNODAL", "99RECISTRDR"), "ConceptCodeSequence")[:2] == (
        "373066001",
        "SCT",
    )
    nums = [i for i in n1.ContentSequence if i.ValueType == "NUM"]
    assert [_code(n)[1:] for n in nums] == [("SCT", "Long Axis"), ("SCT", "Short Axis")]
    assert [float(n.MeasuredValueSequence[0].NumericValue) for n in nums] == [28.0, 18.0]


def test_recist_diameter_num_only_when_needed(rich_documents):
    by_visit = _by_visit(rich_documents)
    node = _group(by_visit[("W8", None)], "N1")  # one ruler; its short axis typed in
    nums = [
        (_code(n)[0], float(n.MeasuredValueSequence[0].NumericValue))
        for n in node.ContentSequence
        if n.ValueType == "NUM"
    ]
    assert nums[0][0] == "410668003" and nums[0][1] == pytest.approx(18.667, abs=1e-3)
    assert nums[1] == ("RRDIAM", 12.0)
    split = _group(by_visit[("W16", None)], "T2")  # the sum of a split lesion's parts
    nums = [
        (_code(n)[0], float(n.MeasuredValueSequence[0].NumericValue))
        for n in split.ContentSequence
        if n.ValueType == "NUM"
    ]
    assert nums == [("410668003", 16.5)]
    too_small = _group(by_visit[("W16", None)], "T1")  # a status and the ruler drawn
    assert _code(_one(too_small, "RRSTATUS", "99RECISTRDR"), "ConceptCodeSequence")[:2] == (
        "112133",
        "DCM",
    )
    assert [_code(n)[0] for n in too_small.ContentSequence if n.ValueType == "NUM"] == ["410668003"]


def test_time_point_type_after_baseline(rich_documents):
    sr = _by_visit(rich_documents)[("W16", None)]
    for group in _groups(sr):
        assert _code(_one(group, "126072", "DCM"), "ConceptCodeSequence")[:2] == ("126074", "DCM")
        assert _one(group, "126070", "DCM").TextValue == "W16"


def test_new_lesion_groups(rich_documents, rich_read):
    by_visit = _by_visit(rich_documents)
    marked = next(
        g
        for g in _groups(by_visit[("W8", "Reader^One")])
        if _one(g, "112039", "DCM").TextValue == "N1"
    )
    assert marked.ContentTemplateSequence[0].TemplateIdentifier == "1410"
    region = _one(marked, "111030", "DCM")
    assert region.ValueType == "SCOORD" and region.GraphicType == "POINT"
    # The point was put at the centre of pixel (row 60, column 190): SCOORD (190.5, 60.5).
    assert [float(v) for v in region.GraphicData] == pytest.approx([190.5, 60.5], abs=1e-3)
    assert _code(_one(marked, "112016", "DCM"), "ConceptCodeSequence")[:2] == ("112076", "DCM")
    assert _one(marked, "RRLOCATION", "99RECISTRDR").TextValue == "Liver segment 4"
    assert _code(_one(marked, "RREQUIVOCAL", "99RECISTRDR"), "ConceptCodeSequence")[:2] == (
        "373066001",
        "SCT",
    )
    assert _code(_one(marked, "363698007", "SCT"), "ConceptCodeSequence")[:2] == ("10200004", "SCT")
    assert _one(marked, "121106", "DCM").TextValue == "N1"
    later = _groups(by_visit[("W16", None)])
    confirmed = next(g for g in later if _one(g, "112039", "DCM").TextValue == "N1")
    assert confirmed.ContentTemplateSequence[0].TemplateIdentifier == "1501"
    assert _one(confirmed, "RRFIRSTSEEN", "99RECISTRDR").TextValue == "W8"
    assert _code(_one(confirmed, "RREQUIVOCAL", "99RECISTRDR"), "ConceptCodeSequence")[:2] == (
        "373067005",
        "SCT",
    )
    # One finding, one tracking UID at every visit; derived as design.md §8.7 says.
    import uuid

    expected = "2.25." + str(
        uuid.uuid5(uuid.NAMESPACE_URL, "recist-reader/PHANTOM-HCC-001/new/W8/liversegment4").int
    )
    assert _one(marked, "112040", "DCM").UID == expected
    assert _one(confirmed, "112040", "DCM").UID == expected
    lung = next(g for g in later if _one(g, "112039", "DCM").TextValue == "N2")
    assert _code(_one(lung, "363698007", "SCT"), "ConceptCodeSequence")[:2] == ("39607008", "SCT")
    # New-lesion groups go into the first SR of a visit with several readers.
    for reader in ("Reader^Two", None):
        assert not [
            g for g in _groups(by_visit[("W8", reader)]) if _items(g, "RRLOCATION", "99RECISTRDR")
        ]


def test_tracking_uid_derivation():
    import uuid

    assert derived_lesion_tracking_uid("P-1", "T1") == "2.25." + str(
        uuid.uuid5(uuid.NAMESPACE_URL, "recist-reader/P-1/T1").int
    )


def test_visit_without_measurements_gets_no_sr(phantom_read):
    record = copy.deepcopy(phantom_read.record)
    record["visits"][1]["measurements"] = []
    documents = export_sr_documents(record, phantom_read.images)
    assert [d.visit_id for d in documents] == ["BL", "W16"]
    assert [d.dataset.SeriesNumber for d in documents] == [901, 903]


def test_criteria_name_the_method_and_the_series(phantom_read):
    record = copy.deepcopy(phantom_read.record)
    record["criteria"] = "mRECIST"
    try:
        documents = export_sr_documents(record, phantom_read.images)
    except ValueError:
        pytest.skip("the record model does not accept mRECIST yet (issue 11)")
    sr = documents[0].dataset
    assert sr.SeriesDescription == "mRECIST read BL"
    method = _one(_groups(sr)[0], "370129005", "SCT")
    assert _code(method, "ConceptCodeSequence") == ("RRMRECIST", "99RECISTRDR", "mRECIST")
    assert import_sr([d.dataset for d in documents])["criteria"] == "mRECIST"


def _oblique_series(folder):
    """A small oblique MR-like series with non-square pixels (0.7 x 1.1 mm), rotated 20° about
    the patient's left-right axis."""
    angle = np.deg2rad(20.0)
    row_direction = (1.0, 0.0, 0.0)
    column_direction = (0.0, float(np.cos(angle)), float(np.sin(angle)))
    grid = Grid(
        (4, 40, 30), (3.0, 0.7, 1.1), row_direction + column_direction, (-20.0, -15.0, 30.0)
    )
    study = StudyInfo(study_date=dt.date(2024, 2, 1))
    written = write_ct_series(
        folder,
        np.zeros(grid.shape, np.float32),
        grid,
        patient=PatientInfo("OBLIQUE-1", "OBLIQUE^ONE"),
        study=study,
    )
    return written, study


def test_scoord_is_the_pixel_corner_convention_on_oblique_anisotropic_slices(tmp_path):
    written, study = _oblique_series(tmp_path / "series")
    headers = sorted(
        (pydicom.dcmread(p, stop_before_pixels=True) for p in written.paths),
        key=lambda ds: int(ds.InstanceNumber),
    )
    slice_header = headers[2]
    position = np.array(slice_header.ImagePositionPatient, float)
    orientation = np.array(slice_header.ImageOrientationPatient, float)
    row_spacing, column_spacing = (float(v) for v in slice_header.PixelSpacing)

    def lps(row, column):
        return list(
            position
            + column * column_spacing * orientation[:3]
            + row * row_spacing * orientation[3:]
        )

    pixels = [(5.25, 3.0), (30.0, 22.5)]  # (row, column) of the end points, pixel-centre indices
    record = {
        "patient_id": "OBLIQUE-1",
        "criteria": "RECIST1.1",
        "baseline_date": "2024-02-01",
        "lesions": [{"lesion_id": "T1", "kind": "target", "organ": "liver"}],
        "visits": [
            {
                "visit_id": "BL",
                "date": "2024-02-01",
                "measurements": [
                    {
                        "lesion_id": "T1",
                        "diameter_mm": 25.0,
                        "ruler": {
                            "series_uid": written.series_uid,
                            "points_lps_mm": [lps(*p) for p in pixels],
                        },
                    }
                ],
            }
        ],
    }
    (sr,) = export_sr(record, tmp_path / "series")
    num = next(i for i in _group(sr, "T1").ContentSequence if i.ValueType == "NUM")
    scoord = num.ContentSequence[0]
    expected = [v for row, column in pixels for v in (column + 0.5, row + 0.5)]
    assert [float(v) for v in scoord.GraphicData] == pytest.approx(expected, abs=1e-3)
    reference = scoord.ContentSequence[0].ReferencedSOPSequence[0]
    assert reference.ReferencedSOPInstanceUID == slice_header.SOPInstanceUID
    back = import_sr([sr])["visits"][0]["measurements"][0]["ruler"]["points_lps_mm"]
    assert np.max(np.abs(np.subtract(back, [lps(*p) for p in pixels]))) <= 0.01
    del study


def test_changing_an_exported_sr_changes_nothing_else(phantom_read):
    first = export_sr(phantom_read.record, phantom_read.images)
    first[0].ConceptNameCodeSequence[0].CodeValue = "changed"
    finding = _one(_group(first[0], "T1"), "121071", "DCM").ConceptCodeSequence[0]
    finding.CodeValue = "changed"
    assert first[1].ConceptNameCodeSequence[0].CodeValue == "126000"
    assert (
        _one(_group(first[1], "T1"), "121071", "DCM").ConceptCodeSequence[0].CodeValue == "52988006"
    )
    second = export_sr(phantom_read.record, phantom_read.images)
    assert second[0].ConceptNameCodeSequence[0].CodeValue == "126000"
    assert (
        _one(_group(second[0], "T1"), "121071", "DCM").ConceptCodeSequence[0].CodeValue
        == "52988006"
    )
