"""Row rules of sdtm.md §3–§6, one at a time, on small records."""

from __future__ import annotations

import pytest
from sdtm_builders import p017

from recist_reader import sdtm_tables
from recist_reader.core.record_builder import RecordBuilder


def one_target(**visits):
    b = RecordBuilder("P1", baseline_date="2024-01-10")
    b.target("T1", organ="liver", baseline_mm=30.31)
    b.target("T2", organ="lymph node, porta hepatis", nodal=True, baseline_mm=18.0)
    b.non_target("NT1", organ="peritoneum")
    return b


def tables(record, **options):
    options.setdefault("study_id", "S1")
    return sdtm_tables([record], **options)


def rows_of(rows, **match):
    return [r for r in rows if all(r.get(k) == v for k, v in match.items())]


def test_target_results_as_written_too_small_absent_not_done():
    b = one_target()
    b.visit(day=42, visit_id="W6", T1=12.2, T2="too_small", NT1="present")
    b.visit(day=84, visit_id="W12", T1="absent", T2=9.0, NT1="present")
    b.visit(day=126, visit_id="W18", T1="not_evaluated", NT1="present")  # T2 missing
    record = b.to_dict()
    record["visits"][3]["measurements"][0]["note"] = "slice missing on the scan"
    tr = tables(record)["TR"]
    t1 = [(r["TRORRES"], r["TRSTRESC"], r["TRSTRESN"], r["TRSTAT"], r["TRREASND"])
          for r in rows_of(tr, TRLNKID="T1")]  # fmt: skip
    assert t1 == [
        ("30.31", "30.31", 30.31, None, None),
        ("12.2", "12.2", 12.2, None, None),
        ("0", "0", 0.0, None, None),
        (None, None, None, "NOT DONE", "slice missing on the scan"),
    ]
    t2 = rows_of(tr, TRLNKID="T2")
    assert [r["TRTESTCD"] for r in t2] == ["LPERP"] * 4
    assert (t2[1]["TRORRES"], t2[1]["TRSTRESC"], t2[1]["TRSTRESN"]) == (
        "TOO SMALL TO MEASURE", "5", 5.0)  # fmt: skip
    assert (t2[3]["TRSTAT"], t2[3]["TRREASND"], t2[3]["TRORRESU"]) == (
        "NOT DONE", "NOT EVALUATED", None)  # fmt: skip
    assert [r["TRORRESU"] for r in t2[:3]] == ["mm"] * 3
    sums = [(r["VISIT"], r["TRORRES"], r["TRSTRESN"]) for r in rows_of(tr, TRTESTCD="SUMDIAM")]
    # exact: 30.31 + 18 = 48.31; 12.2 + 5 (too small) = 17.2; 0 + 9 = 9; W18 incomplete: none
    assert sums == [("BL", "48.31", 48.31), ("W6", "17.2", 17.2), ("W12", "9", 9.0)]


def test_too_small_counts_as_the_configured_value():
    b = one_target()
    b.visit(day=42, T1=20.0, T2="too_small", NT1="present")
    tr = tables(b.to_dict(), too_small_mm=4)["TR"]
    small = rows_of(tr, TRORRES="TOO SMALL TO MEASURE")[0]
    assert (small["TRSTRESC"], small["TRSTRESN"]) == ("4", 4.0)
    assert rows_of(tr, TRTESTCD="SUMDIAM")[-1]["TRORRES"] == "24"


def test_non_target_states():
    b = RecordBuilder("P1", baseline_date="2024-01-10")
    b.non_target("NT1", organ="peritoneum").non_target("NT2", organ="bone", nodal=False)
    b.visit(day=42, NT1="absent", NT2="not_evaluated")
    b.visit(day=84, NT1="present", NT2="unequivocal_progression")
    tr = tables(b.to_dict())["TR"]
    states = [(r["TRLNKID"], r["TRORRES"], r["TRSTAT"], r["TRGRPID"]) for r in tr]
    assert states == [
        ("NT1", "PRESENT", None, "NON-TARGET"), ("NT2", "PRESENT", None, "NON-TARGET"),
        ("NT1", "ABSENT", None, "NON-TARGET"), ("NT2", None, "NOT DONE", "NON-TARGET"),
        ("NT1", "PRESENT", None, "NON-TARGET"), ("NT2", "UNEQUIVOCAL", None, "NON-TARGET"),
    ]  # fmt: skip
    assert not rows_of(tr, TRTESTCD="SUMDIAM")  # no targets, no sum
    rs = tables(b.to_dict())["RS"]
    assert {r["RSTESTCD"] for r in rs} == {"NTRGRESP", "OVRLRESP"}  # target NA: no TRGRESP


def test_new_lesion_equivocal_then_confirmed_is_one_finding():
    b = one_target()
    b.visit(day=42, visit_id="W6", T1=25.0, T2=15.0, NT1="present", equivocal=["Liver segment 7"])
    b.visit(day=84, visit_id="W12", T1=25.0, T2=15.0, NT1="present",
            new=["liver  SEGMENT 7", "brain"])  # fmt: skip
    b.visit(day=126, visit_id="W18", T1=25.0, T2=15.0, NT1="present", new=["brain"])
    t = tables(b.to_dict())
    new_tu = rows_of(t["TU"], TUORRES="NEW")
    assert [(r["TULNKID"], r["TULOC"], r["VISIT"], r["TUDTC"], r["TULOBXFL"]) for r in new_tu] == [
        ("NEW1", "LIVER", "W6", "2024-02-21", None),
        ("NEW2", "BRAIN", "W12", "2024-04-03", None),
    ]
    new_tr = [(r["TRLNKID"], r["VISIT"], r["TRORRES"]) for r in rows_of(t["TR"], TRGRPID="NEW")]
    assert new_tr == [("NEW1", "W6", "EQUIVOCAL"), ("NEW1", "W12", "PRESENT"),
                      ("NEW2", "W12", "PRESENT"), ("NEW2", "W18", "PRESENT")]  # fmt: skip
    prog = [(r["VISIT"], r["RSORRES"]) for r in rows_of(t["RS"], RSTESTCD="NEWLPROG")]
    assert prog == [("W6", "EQUIVOCAL"), ("W12", "UNEQUIVOCAL"), ("W18", "UNEQUIVOCAL")]
    unequivocal = tables(b.to_dict(), new_lesion_result="UNEQUIVOCAL")["TR"]
    assert [r["TRORRES"] for r in rows_of(unequivocal, TRGRPID="NEW")] == [
        "EQUIVOCAL", "UNEQUIVOCAL", "UNEQUIVOCAL", "UNEQUIVOCAL"]  # fmt: skip


def test_first_seen_visit_id_dates_the_finding_and_joins_it():
    b = one_target()
    b.visit(day=42, visit_id="W6", T1=25.0, T2=15.0, NT1="present",
            new_lesions=[{"location": "lung", "equivocal": True}])  # fmt: skip
    b.visit(day=84, visit_id="W12", T1=25.0, T2=15.0, NT1="present",
            new_lesions=[{"location": "right lung nodule", "first_seen_visit_id": "W6"}])  # fmt: skip
    t = tables(b.to_dict())
    assert [(r["TULNKID"], r["VISIT"], r.get("TULAT")) for r in rows_of(t["TU"], TUORRES="NEW")] == [
        ("NEW1", "W6", None)]  # fmt: skip
    assert [r["TRLNKID"] for r in rows_of(t["TR"], TRGRPID="NEW")] == ["NEW1", "NEW1"]


def test_protocol_visits_epoch_and_study_days():
    b = one_target()
    b.visit(day=42, visit_id="W6", T1=25.0, T2=15.0, NT1="present")
    b.visit(day=50, visit_id="UNS", T1=25.0, T2=15.0, NT1="present")
    record = b.to_dict() | {"reference_start_date": "2024-01-12"}
    for visit, (num, name, epoch) in zip(
        record["visits"], [(1, "SCREENING", "SCREENING"), (2, "WEEK 6", "TREATMENT"),
                           (2.1, "UNSCHEDULED 2.1", "TREATMENT")]):  # fmt: skip
        visit.update(visit_num=num, visit_name=name, epoch=epoch)
    t = tables(record)
    seen = {(r["VISITNUM"], r["VISIT"], r["EPOCH"], r["TRDTC"], r["TRDY"], r["TRLNKGRP"])
            for r in t["TR"]}  # fmt: skip
    assert seen == {
        (1, "SCREENING", "SCREENING", "2024-01-10", -2, "A1"),  # before RFSTDTC: no day 0
        (2, "WEEK 6", "TREATMENT", "2024-02-21", 41, "A2"),
        (2.1, "UNSCHEDULED 2.1", "TREATMENT", "2024-02-29", 49, "A2.1"),
    }
    assert {r["RSDY"] for r in t["RS"]} == {41, 49}
    assert {r["TUDY"] for r in t["TU"]} == {-2}


def test_study_day_one_is_the_reference_day():
    b = one_target()
    record = b.to_dict() | {"reference_start_date": "2024-01-10"}
    assert {r["TUDY"] for r in tables(record)["TU"]} == {1}


def test_without_schedule_visitnum_is_the_date_rank_and_visit_the_id():
    b = one_target()
    b.visit(day=84, visit_id="late", T1=25.0, T2=15.0, NT1="present")
    b.visit(day=42, visit_id="early", T1=25.0, T2=15.0, NT1="present")
    rs = tables(b.to_dict())["RS"]
    assert [(r["VISITNUM"], r["VISIT"]) for r in rows_of(rs, RSTESTCD="OVRLRESP")] == [
        (2, "early"), (3, "late")]  # fmt: skip
    assert "EPOCH" not in rs[0] and "RSDY" not in rs[0]


@pytest.mark.parametrize(
    ("method", "modality", "expected"),
    [
        ("MRI", None, "MRI"),
        ("caliper", None, "PHYSICAL EXAMINATION"),
        ("CXR", None, "X-RAY"),
        ("CT", "MR", "CT SCAN"),
    ],  # fmt: skip
)
def test_methods(method, modality, expected):
    b = RecordBuilder("P1", baseline_date="2024-01-10")
    b.target("T1", organ="lung", baseline_mm=30.0 if method != "CXR" else 40.0, method=method)
    b.visit(day=42, T1=30.0, new=["brain"])
    record = b.to_dict()
    if modality:
        record["visits"][1]["series"] = [{"series_uid": "1.2.3", "modality": modality}]
    t = tables(record)
    assert {r["TUMETHOD"] for r in t["TU"] if r["TUORRES"] == "TARGET"} == {expected}
    new_method = rows_of(t["TU"], TUORRES="NEW")[0]["TUMETHOD"]
    assert new_method == ("MRI" if modality == "MR" else "CT SCAN")


def test_nodal_testcd_secondary_axis_and_derived_tests():
    b = one_target()
    b.visit(day=42, T1=20.0, T2=12.0, NT1="present")
    record = b.to_dict()
    record["visits"][1]["measurements"][0]["short_axis_mm"] = 11.5
    record["visits"][1]["measurements"][1]["long_axis_mm"] = 19.0
    tr = tables(record, nodal_testcd="DIAMETER", secondary_axis=True,
                tr_derived="SUMDIAM,SUMNLNLD,PCBSD,PCNSD,ACNSD")["TR"]  # fmt: skip
    follow_up = [(r["TRLNKID"], r["TRTESTCD"], r["TRTEST"], r["TRORRES"], r["TRORRESU"])
                 for r in tr if r["VISITNUM"] == 2]  # fmt: skip
    assert follow_up == [
        ("T1", "LDIAM", "Longest Diameter", "20", "mm"),
        ("T1", "LPERP", "Longest Perpendicular", "11.5", "mm"),
        ("T2", "DIAMETER", "Diameter", "12", "mm"),
        ("T2", "LDIAM", "Longest Diameter", "19", "mm"),
        ("NT1", "TUMSTATE", "Tumor State", "PRESENT", None),
        (None, "SUMDIAM", "Sum of Diameter", "32", "mm"),
        (None, "SUMNLNLD", "Sum Diameters of Non Lymph Node Tumors", "20", "mm"),
        (None, "PCBSD", "Percent Change Baseline in Sum of Diam", "-33.76", "%"),
        (None, "PCNSD", "Percent Change Nadir in Sum of Diam", "-33.76", "%"),
        (None, "ACNSD", "Absolute Change Nadir in Sum of Diam", "-16.31", "mm"),
    ]
    baseline_derived = [r["TRTESTCD"] for r in tr if r["VISITNUM"] == 1 and not r["TRLNKID"]]
    assert baseline_derived == ["SUMDIAM", "SUMNLNLD"]


def test_vendor_usubjid_and_study_id_from_the_record():
    b = one_target()
    record = b.to_dict() | {"study_id": "NCT1", "usubjid": "NCT1-SITE3-P1"}
    t = tables(record, study_id="IGNORED", vendor="Core Lab Inc")
    assert {(r["STUDYID"], r["USUBJID"], r["TUNAM"]) for r in t["TU"]} == {
        ("NCT1", "NCT1-SITE3-P1", "Core Lab Inc")}  # fmt: skip
    templated = tables(b.to_dict(), usubjid_template="{study_id}/{patient_id}")["TU"]
    assert {r["USUBJID"] for r in templated} == {"S1/P1"}


def test_bestresp_and_newlind():
    b = one_target()
    b.visit(day=42, T1=20.0, T2=12.0, NT1="present")
    b.visit(day=84, T1=20.0, T2=12.0, NT1="present", new=["brain"])
    rs = tables(b.to_dict(), bestresp=True, newlind=True)["RS"]
    assert [(r["VISITNUM"], r["RSTESTCD"], r["RSORRES"]) for r in rs] == [
        (2, "TRGRESP", "PR"), (2, "NTRGRESP", "NON-CR/NON-PD"), (2, "NEWLIND", "N"),
        (2, "OVRLRESP", "PR"),
        (3, "TRGRESP", "PR"), (3, "NTRGRESP", "NON-CR/NON-PD"), (3, "NEWLIND", "Y"),
        (3, "NEWLPROG", "UNEQUIVOCAL"), (3, "OVRLRESP", "PD"), (3, "BESTRESP", "SD"),
    ]  # fmt: skip
    assert [r["RSSEQ"] for r in rs] == list(range(1, 11))
    assert rows_of(rs, RSTESTCD="BESTRESP")[0]["RSTEST"] == "Best Overall Response"


def test_adjudicator_rows_carry_the_only_rs_flags():
    records, adjudications = p017()
    t = sdtm_tables(records, adjudications, adjudicator_rows=True)
    rs = t["RS"]
    adjudicator = rows_of(rs, RSEVALID="ADJUDICATOR 1")
    readers = [r for r in rs if r["RSEVALID"] != "ADJUDICATOR 1"]
    assert len(adjudicator) == 10 and len(readers) == 19
    assert all(r["RSACPTFL"] == "Y" and r["RSEVAL"] == "INDEPENDENT ASSESSOR" for r in adjudicator)
    assert all(r["RSACPTFL"] is None for r in readers)
    r1 = [
        (r["VISITNUM"], r["RSTESTCD"], r["RSORRES"]) for r in rs if r["RSEVALID"] == "RADIOLOGIST 1"
    ]
    assert [(r["VISITNUM"], r["RSTESTCD"], r["RSORRES"]) for r in adjudicator] == r1
    # Within a visit the adjudicator's rows follow R1's and R2's.
    visit_4 = [r["RSEVALID"] for r in rs if r["VISITNUM"] == 4]
    assert visit_4 == ["RADIOLOGIST 1"] * 4 + ["RADIOLOGIST 2"] * 3 + ["ADJUDICATOR 1"] * 4
    # TU and TR keep the accepted read's flags: the measurements of record.
    assert {r["TREVALID"] for r in t["TR"] if r["TRACPTFL"] == "Y"} == {"RADIOLOGIST 1"}


def test_relrec_relates_the_link_variables():
    records, adjudications = p017()
    relrec = sdtm_tables(records, adjudications, relrec=True)["RELREC"]
    assert [(r["RDOMAIN"], r["IDVAR"], r["RELTYPE"], r["RELID"]) for r in relrec] == [
        ("TU", "TULNKID", "ONE", "TUTR"), ("TR", "TRLNKID", "MANY", "TUTR"),
        ("TR", "TRLNKGRP", "MANY", "TRRS"), ("RS", "RSLNKGRP", "ONE", "TRRS"),
    ]  # fmt: skip
    assert {(r["STUDYID"], r["USUBJID"], r["IDVARVAL"]) for r in relrec} == {
        ("NCT05831969", None, None)}  # fmt: skip


def test_investigator_rows_come_before_central_rows_within_a_visit():
    records, adjudications = p017()
    investigator = {k: v for k, v in records[0].items() if k not in ("read", "audit")}
    t = sdtm_tables([records[1], investigator, records[0]], adjudications)
    order = [(r["VISITNUM"], r["TUEVAL"], r["TUEVALID"], r["TULNKID"]) for r in t["TU"]]
    assert order[:4] == [
        (1, "INVESTIGATOR", None, "T1"), (1, "INVESTIGATOR", None, "T2"),
        (1, "INVESTIGATOR", None, "NT1"), (1, "INDEPENDENT ASSESSOR", "RADIOLOGIST 1", "R1-T1"),
    ]  # fmt: skip
    assert [r["TUSEQ"] for r in t["TU"]] == list(range(1, 12))
    assert all(r["TUACPTFL"] is None for r in t["TU"] if r["TUEVAL"] == "INVESTIGATOR")
    rs_groups = {r["RSLNKGRP"] for r in t["RS"] if r["RSEVAL"] == "INVESTIGATOR"} - {None}
    assert rs_groups == {"A2", "A3", "A4"}


def test_every_read_is_exported_under_recist_11_with_its_tracked_new_lesions():
    from recist_reader import score_record
    from recist_reader.interop.sdtm import build_sdtm

    b = RecordBuilder("M1", baseline_date="2024-01-10")
    b.target("T1", organ="liver", baseline_mm=42.0)
    b.non_target("NT1", organ="peritoneum")
    hilar = {"new_lesion_id": "N1", "location": "hilar node", "organ": "lymph node",
             "nodal": True}  # fmt: skip
    b.visit(day=56, visit_id="W8", T1=30.0, NT1="present",
            new_lesions=[hilar | {"method": "MRI", "equivocal": True}])  # fmt: skip
    b.visit(day=112, visit_id="W16", T1=30.0, NT1="present", new_lesions=[
        hilar, {"new_lesion_id": "N2", "location": "segment 4", "status": "absent"}])  # fmt: skip
    record = b.to_dict() | {"study_id": "S", "criteria": "mRECIST"}
    export = build_sdtm([record])
    tables = {code: table.plain_rows() for code, table in export.tables.items()}
    recist = score_record(record, criteria="RECIST1.1")
    overall = [r["RSORRES"] for r in tables["RS"] if r["RSTESTCD"] == "OVRLRESP"]
    assert overall == [v["overall"] for v in recist["visits"]] == ["SD", "PD"]
    assert {r["RSCAT"] for r in tables["RS"]} == {"RECIST 1.1"}
    (new,) = [r for r in tables["TU"] if r["TUORRES"] == "NEW"]
    assert (new["TULNKID"], new["TULOC"], new["TUMETHOD"], new["VISIT"]) == (
        "NEW1", "LYMPH NODE", "MRI", "W8")  # fmt: skip
    assert [(r["VISIT"], r["TRORRES"]) for r in tables["TR"] if r["TRGRPID"] == "NEW"] == [
        ("W8", "EQUIVOCAL"), ("W16", "PRESENT")]  # fmt: skip
    (warning,) = export.warnings
    assert warning.path == "visits[2].new_lesions[1]"
    assert warning.message.startswith("listed absent but never seen before")
