"""The export refuses bad input with one line per problem (file, JSON path, fix), writes nothing
then; legal but doubtful input is exported with a warning."""

from __future__ import annotations

import pytest
from sdtm_builders import p017

from recist_reader import SdtmExportError, export_sdtm, sdtm_tables
from recist_reader.core.record_builder import RecordBuilder
from recist_reader.interop.sdtm import SdtmOptionError, build_sdtm
from recist_reader.review import ReviewOptionError


def record(patient_id="P-017", organ="liver", **fields):
    b = RecordBuilder(patient_id, baseline_date="2024-01-10")
    b.target("T1", organ=organ, baseline_mm=42.0)
    b.non_target("NT1", organ="peritoneum")
    b.visit(day=56, visit_id="W8", T1=30.0, NT1="present")
    return b.to_dict() | {"study_id": "NCT05831969"} | fields


def refusal(records, **options) -> list[str]:
    with pytest.raises(SdtmExportError) as raised:
        sdtm_tables(records, **options)
    return [p.describe() for p in raised.value.problems]


def test_free_text_organ_names_the_file_the_field_and_the_fix(tmp_path):
    lines = refusal([record(organ="perihepatic")], sources=["P-017.json"])
    assert lines == [
        'P-017.json: lesions[0].organ: "perihepatic" has no CDISC Anatomical Location term; '
        "add location_code"
    ]
    with pytest.raises(SdtmExportError):
        export_sdtm([record(organ="perihepatic")], [], tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing written


def test_new_lesion_without_term_and_bad_location_code():
    bad = record()
    bad["lesions"][0]["location_code"] = "Liver"
    bad["visits"][1]["new_lesions"] = [{"location": "perihepatic space", "equivocal": False}]
    lines = refusal([bad])
    assert lines == [
        "records[0]: lesions[0].location_code: 'Liver' is not a C74456 submission value as "
        "written; write it exactly 'LIVER'",
        'records[0]: visits[1].new_lesions[0].location: "perihepatic space" has no CDISC '
        "Anatomical Location term; add location_code",
    ]
    bad["lesions"][0]["location_code"] = "LIVER"
    bad["visits"][1]["new_lesions"][0]["location_code"] = "PERITONEAL CAVITY"
    tu = sdtm_tables([bad])["TU"]
    assert [r["TULOC"] for r in tu] == ["LIVER", "PERITONEUM", "PERITONEAL CAVITY"]


def test_missing_study_id():
    lines = refusal([{k: v for k, v in record().items() if k != "study_id"}], sources=["a.json"])
    assert lines == [
        "a.json: study_id: missing: STUDYID needs the protocol id; add study_id to the record "
        "or pass --study-id"
    ]


def test_an_invalid_record_is_refused_with_its_own_problems():
    bad = record()
    bad["visits"][1]["measurements"][0]["diameter_mm"] = -3
    (line,) = refusal([bad], sources=["b.json"])
    assert line.startswith("b.json: visits[1].measurements[0].diameter_mm: ")


def test_text_longer_than_sas_v5_holds():
    bad = record()
    bad["visits"][1]["measurements"][0] = {"lesion_id": "T1", "status": "not_evaluated",
                                           "note": "x" * 201}  # fmt: skip
    (line,) = refusal([bad])
    assert line.startswith("records[0]: visits[1].measurements[0]: TRREASND would be 201 bytes")
    assert line.endswith("SAS v5 transport holds at most 200: shorten the text it comes from")


def test_non_ascii_text_is_exported_with_one_warning():
    fine = record()
    for visit in fine["visits"]:
        visit["visit_name"] = "Woche 8 (Lésion)" if visit["visit_id"] == "W8" else "Baseline"
        visit["visit_num"] = 1 if visit["visit_id"] != "W8" else 2
    export = build_sdtm([fine])
    assert [w.message for w in export.warnings] == [
        "VISIT = 'Woche 8 (Lésion)' is not ASCII; submission datasets should hold ASCII text only"
    ] * 2  # once in TR and once in RS (TU rows are at baseline)


def test_reads_of_one_patient_must_agree_and_fill_each_slot_once():
    lines = refusal([record(), record(study_id="OTHER")], sources=["a.json", "b.json"])
    assert lines == [
        "b.json: study_id: 'OTHER' differs from 'NCT05831969' in a.json (same patient "
        "'P-017'): every read of a patient has one STUDYID",
        "b.json: usubjid: 'OTHER-P-017' differs from 'NCT05831969-P-017' in a.json (same "
        "patient 'P-017'): every read of a patient has one USUBJID",
        "b.json: read: a second investigator read of patient 'P-017' (also a.json): export one "
        "read per slot",
    ]
    lines = refusal([record("P1", usubjid="U1"), record("P2", usubjid="U1")])
    assert lines == [
        "records[1]: usubjid: 'U1' is also the USUBJID of patient 'P1': give each patient its own"
    ]


def test_visit_numbers_all_or_none_and_increasing():
    partial = record()
    partial["visits"][1]["visit_num"] = 2
    (line,) = refusal([partial])
    assert line.startswith("records[0]: visits[0].visit_num: missing while other visits have one")
    backwards = record()
    backwards["visits"][0]["visit_num"] = 3
    backwards["visits"][1]["visit_num"] = 2
    (line,) = refusal([backwards])
    assert line.startswith(
        "records[0]: visits[1].visit_num: 2 does not increase with the visit date"
    )


def test_free_text_location_on_request_warns():
    export = build_sdtm([record(organ="perihepatic")], allow_free_text_location=True)
    assert export.tables["TU"].rows[0]["TULOC"] == "PERIHEPATIC"
    (warning,) = export.warnings
    assert warning.path == "lesions[0].organ" and "free text 'PERIHEPATIC'" in warning.message


def test_unresolved_bicr_patient_gets_no_flag_and_a_warning():
    reads, _ = p017()
    export = build_sdtm(reads, [], sources=["P-017-R1.json", "P-017-R2.json"])
    (warning,) = export.warnings
    assert warning.describe() == (
        "P-017-R1.json: patient 'P-017' is awaiting_adjudication: no read is accepted; its "
        "TU/TR/RS rows are written without --ACPTFL"
    )
    for code in ("TU", "TR", "RS"):
        assert {row[f"{code}ACPTFL"] for row in export.tables[code].rows} == {None}


def test_a_stale_adjudication_is_not_applied():
    reads, adjudications = p017()
    reads[0]["visits"][1]["measurements"][0]["diameter_mm"] = 27.0  # R1 changed after the decision
    export = build_sdtm(reads, adjudications)
    (warning,) = export.warnings
    assert "is awaiting_adjudication (adjudication ADJ-P-017: read_hashes.R1" in warning.message
    assert "changed after the decision" in warning.message
    assert {row["RSACPTFL"] for row in export.tables["RS"].rows} == {None}


def test_options_are_checked():
    with pytest.raises(SdtmOptionError, match="unknown option 'sd_min_day'"):
        sdtm_tables([record()], sd_min_day=56)
    with pytest.raises(SdtmOptionError, match="tr_derived: unknown test PCHG"):
        sdtm_tables([record()], tr_derived="SUMDIAM,PCHG")
    with pytest.raises(SdtmOptionError, match="usubjid_template: unknown field {site}"):
        sdtm_tables([record()], usubjid_template="{site}-{patient_id}")
    with pytest.raises(ReviewOptionError):
        sdtm_tables([record()], concordant_source="R3")
    (line,) = refusal([record()], sd_min_days=-1)
    assert line.startswith("options.sd_min_days: ")
    with pytest.raises(ValueError, match="formats: pdf"):
        export_sdtm([record()], [], "unused", formats="xpt,pdf")
