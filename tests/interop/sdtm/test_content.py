"""Every file read back, every value checked against the records and their responses
(sdtm.md §9 items 1–8, 10), for the bundled samples and a generated study with central reads
and adjudications.

The expectations are computed here from the records, ``score_record`` and ``review_reads``,
not from the export's own code; the XPT files are read twice, by pyreadstat and by an
independent reader of the transport layout (xpt_v5.py).
"""

from __future__ import annotations

import csv
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sdtm_builders import RECIST_SAMPLES, SAMPLE_DATA, read_xpt
from xpt_v5 import read_xpt_v5

from recist_reader import export_sdtm, review_reads, score_record
from recist_reader.interop.sdtm.variables import DOMAINS

LABELS = {
    "CR": "CR",
    "PR": "PR",
    "SD": "SD",
    "PD": "PD",
    "NE": "NE",
    "NonCR/NonPD": "NON-CR/NON-PD",
}
# TULOC each organ text of the samples and the generated study must get (sdtm.md §3).
TULOC = {
    "liver": "LIVER", "right lung": "LUNG", "portal vein (tumour thrombus)": "PORTAL VEIN",
    "lung, multiple small nodules": "LUNG", "adrenal gland, left": "ADRENAL GLAND",
    "liver, satellite nodules": "LIVER", "peritoneum": "PERITONEUM",
    "liver, infiltrative tumour": "LIVER", "lung, right lower lobe": "LUNG",
    "bone, left iliac": "BONE", "left lung": "LUNG", "adrenal": "ADRENAL GLAND",
    "bone, T10 vertebra": "BONE", "spleen": "SPLEEN", "kidneys": "KIDNEY",
    "right pleura": "PLEURA", "bone": "BONE", "liver segment 7": "LIVER", "brain": "BRAIN",
    "lung": "LUNG", "bone, T11": "BONE", "liver segment 6": "LIVER",
}  # fmt: skip
TULAT = {"right lung": "RIGHT", "adrenal gland, left": "LEFT", "lung, right lower lobe": "RIGHT",
         "bone, left iliac": "LEFT", "left lung": "LEFT", "right pleura": "RIGHT"}  # fmt: skip
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def sample_records():
    return [json.loads(path.read_text()) for path in RECIST_SAMPLES]


def as_text(value: float) -> str:
    """A diameter as the record writes it: shortest decimal, no trailing .0."""
    number = Decimal(repr(value))
    return (
        str(int(number))
        if number == number.to_integral_value()
        else format(number.normalize(), "f")
    )


def evaluator(record):
    read = record.get("read")
    if read is None or read["role"] == "investigator":
        return ("INVESTIGATOR", None, "")
    return ("INDEPENDENT ASSESSOR", f"RADIOLOGIST {read['slot'][1]}", f"{read['slot']}-")


def visit_numbers(record):
    visits = sorted(record["visits"], key=lambda v: v["date"])
    if visits[0].get("visit_num") is not None:
        return {v["visit_id"]: v["visit_num"] for v in visits}
    return {v["visit_id"]: rank for rank, v in enumerate(visits, start=1)}


def verify(records, adjudications, tables, *, study_id):
    """Check the read-back ``tables`` ({"TU": rows, ...}) against the records."""
    review = review_reads(records, adjudications)
    accepted = {p["central"]["read_id"] for p in review["patients"] if p["central"]}
    counts = {"TU": 0, "TR": 0, "RS": 0}
    for record in records:
        eval_, eval_id, prefix = evaluator(record)
        usubjid = (
            record.get("usubjid") or f"{record.get('study_id', study_id)}-{record['patient_id']}"
        )
        read_id = (record.get("read") or {}).get("read_id")
        flag = "Y" if read_id in accepted else None
        numbers = visit_numbers(record)
        by_visit = {v["visit_id"]: v for v in record["visits"]}
        response = score_record(record)

        key = (usubjid, eval_, eval_id)
        tu, tr, rs = (
            [r for r in tables[d] if (r["USUBJID"], r[f"{d}EVAL"], r[f"{d}EVALID"]) == key]
            for d in ("TU", "TR", "RS")
        )
        counts["TU"] += len(tu)
        counts["TR"] += len(tr)
        counts["RS"] += len(rs)
        for domain, rows in (("TU", tu), ("TR", tr), ("RS", rs)):
            for row in rows:
                assert row["STUDYID"] == record.get("study_id", study_id)
                assert row["DOMAIN"] == domain
                assert row[f"{domain}ACPTFL"] == flag, (read_id, domain)
                visit = next(v for v in record["visits"] if v["date"] == row[f"{domain}DTC"])
                assert row["VISITNUM"] == numbers[visit["visit_id"]]
                assert row["VISIT"] == visit.get("visit_name", visit["visit_id"])
                assert ISO_DATE.match(row[f"{domain}DTC"])

        baseline = next(v for v in record["visits"] if v["date"] == record["baseline_date"])
        lesions = {prefix + lesion["lesion_id"]: lesion for lesion in record["lesions"]}
        tu_by_link = {row["TULNKID"]: row for row in tu}
        assert len(tu_by_link) == len(tu), "TULNKID unique per subject and evaluator"
        for link, lesion in lesions.items():
            row = tu_by_link[link]
            assert row["TUORRES"] == row["TUSTRESC"] == lesion["kind"].upper()
            expected_loc = lesion.get("location_code") or (
                "LYMPH NODE" if lesion["nodal"] else TULOC[lesion["organ"]]
            )
            assert row["TULOC"] == expected_loc
            assert row["TULAT"] == TULAT.get(lesion["organ"])
            assert (row["TUDTC"], row["TULOBXFL"], row["TUMETHOD"]) == (
                baseline["date"],
                "Y",
                "CT SCAN",
            )
        new_tu = [row for row in tu if row["TUORRES"] == "NEW"]
        assert [row["TULNKID"] for row in new_tu] == [
            f"{prefix}NEW{n}" for n in range(1, len(new_tu) + 1)
        ]
        assert len(tu) == len(lesions) + len(new_tu)
        for row in new_tu:
            assert row["TULOBXFL"] is None and row["TUDTC"] > baseline["date"]

        # TR: a row per lesion per visit, values as written; SUMDIAM exactly sum_mm.
        sums = {response["baseline"]["date"]: response["baseline"]["sum_mm"]}
        sums.update({v["date"]: v["sum_mm"] for v in response["visits"]})
        too_small = response["config"]["too_small_mm"]
        for visit in record["visits"]:
            at_visit = [r for r in tr if r["TRDTC"] == visit["date"]]
            group = f"{prefix}A{as_text(float(numbers[visit['visit_id']]))}"
            assert {r["TRLNKGRP"] for r in at_visit} == {group}
            lobxfl = "Y" if visit["date"] == record["baseline_date"] else None
            assert {r["TRLOBXFL"] for r in at_visit} == {lobxfl}
            measured = {m["lesion_id"]: m for m in visit["measurements"]}
            for link, lesion in lesions.items():
                (row,) = [r for r in at_visit if r["TRLNKID"] == link]
                m = measured.get(lesion["lesion_id"], {})
                if lesion["kind"] == "target":
                    assert row["TRTESTCD"] == ("LPERP" if lesion["nodal"] else "LDIAM")
                    if "diameter_mm" in m:
                        text = as_text(m["diameter_mm"])
                        assert (row["TRORRES"], row["TRSTRESC"], row["TRSTRESN"]) == (
                            text, text, m["diameter_mm"])  # fmt: skip
                    elif m.get("status") == "too_small":
                        assert (row["TRORRES"], row["TRSTRESN"]) == (
                            "TOO SMALL TO MEASURE",
                            too_small,
                        )
                    elif m.get("status") == "absent":
                        assert (row["TRORRES"], row["TRSTRESN"]) == ("0", 0)
                    else:
                        assert (row["TRORRES"], row["TRSTAT"]) == (None, "NOT DONE")
                        assert row["TRREASND"] == (m.get("note") or "NOT EVALUATED")
                else:
                    state = {"present": "PRESENT", "absent": "ABSENT",
                             "unequivocal_progression": "UNEQUIVOCAL"}.get(m.get("status"))  # fmt: skip
                    assert (row["TRTESTCD"], row["TRORRES"]) == ("TUMSTATE", state)
                    assert row["TRSTAT"] == (None if state else "NOT DONE")
            new_rows = [r for r in at_visit if r["TRGRPID"] == "NEW"]
            assert [r["TRORRES"] for r in new_rows] == [
                "EQUIVOCAL" if n["equivocal"] else "PRESENT" for n in visit["new_lesions"]]  # fmt: skip
            sum_rows = [r for r in at_visit if r["TRTESTCD"] == "SUMDIAM"]
            if sums[visit["date"]] is None:
                assert sum_rows == []
            else:
                (row,) = sum_rows
                assert row["TRSTRESN"] == sums[visit["date"]]
                assert Decimal(row["TRORRES"]) == Decimal(repr(sums[visit["date"]]))
                assert (row["TRLNKID"], row["TRMETHOD"], row["TRGRPID"]) == (None, None, "TARGET")
        assert all(r["TRLNKID"] in tu_by_link for r in tr if r["TRLNKID"])

        # RS: the engine's responses, labels mapped; none at baseline.
        expected_rs = []
        for visit in response["visits"]:
            if visit["target"] != "NA":
                expected_rs.append((visit["date"], "TRGRESP", LABELS[visit["target"]]))
            if visit["non_target"] != "NA":
                expected_rs.append((visit["date"], "NTRGRESP", LABELS[visit["non_target"]]))
            if visit["new_lesions"] or visit["equivocal_new_lesions"]:
                expected_rs.append((visit["date"], "NEWLPROG",
                                    "UNEQUIVOCAL" if visit["new_lesions"] else "EQUIVOCAL"))  # fmt: skip
            expected_rs.append((visit["date"], "OVRLRESP", LABELS[visit["overall"]]))
        assert [(r["RSDTC"], r["RSTESTCD"], r["RSORRES"]) for r in rs] == expected_rs
        assert all(r["RSSTRESC"] == r["RSORRES"] and r["RSCAT"] == "RECIST 1.1" for r in rs)
        assert {r["RSLNKGRP"] for r in rs if r["RSTESTCD"] == "OVRLRESP"} == {
            f"{prefix}A{as_text(float(numbers[v['visit_id']]))}" for v in response["visits"]}  # fmt: skip
        del by_visit
    for domain, count in counts.items():
        assert count == len(tables[domain]), f"{domain} holds rows of no read"
    for domain, rows in tables.items():
        by_subject: dict[str, list] = {}
        for row in rows:
            by_subject.setdefault(row["USUBJID"], []).append(row)
        for subject_rows in by_subject.values():
            assert [r[f"{domain}SEQ"] for r in subject_rows] == list(
                range(1, len(subject_rows) + 1)
            )
            visitnums = [r["VISITNUM"] for r in subject_rows]
            assert visitnums == sorted(visitnums)


def read_csv(path: Path):
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def check_files(out: Path, records, adjudications, summary, *, study_id):
    tables = {}
    for domain in ("TU", "TR", "RS"):
        rows, meta = read_xpt(out / f"{domain.lower()}.xpt")
        member = read_xpt_v5(out / f"{domain.lower()}.xpt")
        spec = DOMAINS[domain]
        # §9 items 1-2: one member named after the domain, its label, names, labels, lengths.
        assert (meta.table_name, meta.file_label) == (domain, spec.label)
        assert (member.name, member.label) == (domain, spec.label)
        labels = {v.name: v.label for v in spec.variables}
        types = {v.name: v.type for v in spec.variables}
        for variable in member.variables:
            assert re.match(r"^[A-Z][A-Z0-9]{0,7}$", variable.name)
            assert (
                variable.label
                == labels[variable.name]
                == meta.column_names_to_labels[variable.name]
            )
            assert variable.numeric == (types[variable.name] == "Num")
            if variable.numeric:
                assert variable.length == 8
            else:
                longest = max(
                    [1, *(len(str(r[variable.name]).encode()) for r in rows if r[variable.name])]
                )
                assert variable.length == longest <= 200, variable.name
        assert [v.name for v in member.variables] == [
            n for n in spec.names if n in labels and n in rows[0]
        ]
        assert {v.name for v in spec.variables if v.always} <= set(rows[0])
        assert member.rows == rows, f"{domain}: pyreadstat and the layout reader disagree"
        assert len(rows) == summary["rows"][domain]
        # §9 item 10: the CSV holds the same values.
        for csv_row, row in zip(read_csv(out / f"{domain.lower()}.csv"), rows, strict=True):
            for name, value in row.items():
                expected = (
                    "" if value is None else as_text(value) if isinstance(value, float) else value
                )
                assert csv_row[name] == expected, (domain, name)
        tables[domain] = rows
    verify(records, adjudications, tables, study_id=study_id)
    return tables


def test_bundled_samples_round_trip(tmp_path):
    records = sample_records()
    summary = export_sdtm(records, [], tmp_path, study_id="NCT05831969")
    assert summary["warnings"] == []
    tables = check_files(tmp_path, records, [], summary, study_id="NCT05831969")
    nodes = [r for r in tables["TU"] if r["TULOC"] == "PORTA HEPATIS LYMPH NODE"]
    assert len(nodes) == 1  # location_code wins over "lymph node, porta hepatis"


def test_bundled_central_review_samples_round_trip(tmp_path):
    folder = SAMPLE_DATA / "bicr"
    documents = [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]
    adjudications = [d for d in documents if d.get("kind") == "adjudication"]
    records = [d for d in documents if d.get("kind") != "adjudication"]
    summary = export_sdtm(records, adjudications, tmp_path)
    (warning,) = summary["warnings"]  # P-009 awaits adjudication
    assert "patient 'P-009' is awaiting_adjudication" in warning
    tables = check_files(tmp_path, records, adjudications, summary, study_id=None)
    accepted = {(r["USUBJID"], r["RSEVALID"]) for r in tables["RS"] if r["RSACPTFL"] == "Y"}
    assert accepted == {
        ("NCT05831969-P-001", "RADIOLOGIST 1"),
        ("NCT05831969-P-017", "RADIOLOGIST 1"),
    }
    assert {r["RSEVAL"] for r in tables["RS"]} == {"INVESTIGATOR", "INDEPENDENT ASSESSOR"}


def test_generated_study_with_readers_and_adjudications_round_trips(tmp_path, study):
    records, adjudications = study
    summary = export_sdtm(records, adjudications, tmp_path, formats=("xpt", "csv", "json"))
    review = review_reads(records, adjudications)
    pending = [p for p in review["patients"] if p["status"] == "awaiting_adjudication"]
    assert pending and len(summary["warnings"]) == len(pending)
    assert {p["status"] for p in review["patients"]} >= {"concordant", "adjudicated"}
    tables = check_files(tmp_path, records, adjudications, summary, study_id=None)
    # Some of everything was exercised.
    values = {r["TRORRES"] for r in tables["TR"]} | {r["TRSTAT"] for r in tables["TR"]}
    assert {"TOO SMALL TO MEASURE", "0", "NOT DONE", "UNEQUIVOCAL", "EQUIVOCAL"} <= values
    assert {r["TRREASND"] for r in tables["TR"]} >= {"NOT EVALUATED", "outside the field of view"}
    assert {r.get("EPOCH") for r in tables["RS"]} >= {"TREATMENT"}
    assert any(r["TUACPTFL"] == "Y" and r["TUEVALID"] == "RADIOLOGIST 2" for r in tables["TU"])
    # Dataset-JSON holds the same rows.
    for domain, rows in tables.items():
        document = json.loads((tmp_path / f"{domain.lower()}.json").read_text())
        assert document["datasetJSONVersion"] == "1.1.0"
        assert document["itemGroupOID"] == f"IG.{domain}" and document["records"] == len(rows)
        names = [c["name"] for c in document["columns"]]
        keys = {c["name"]: c.get("keySequence") for c in document["columns"]}
        assert (keys["STUDYID"], keys["USUBJID"], keys[f"{domain}SEQ"]) == (1, 2, 3)
        for values, row in zip(document["rows"], rows, strict=True):
            assert dict(zip(names, values)) == pytest.approx(row)


@pytest.mark.parametrize(
    ("domain", "test", "name", "wrong"),
    [
        ("TR", "SUMDIAM", "TRSTRESN", 1.0),
        ("TR", "LDIAM", "TRORRES", "99"),
        ("RS", "OVRLRESP", "RSORRES", "PD"),
        ("TR", "TUMSTATE", "TRACPTFL", "Y"),
    ],  # fmt: skip
)
def test_the_check_fails_on_one_wrong_value(tmp_path, domain, test, name, wrong):
    records = sample_records()
    export_sdtm(records, [], tmp_path, study_id="S", formats="xpt")
    tables = {d: read_xpt(tmp_path / f"{d.lower()}.xpt")[0] for d in ("TU", "TR", "RS")}
    row = next(r for r in tables[domain] if r[f"{domain}TESTCD"] == test and r[name] != wrong)
    row[name] = wrong
    with pytest.raises(AssertionError):
        verify(records, [], tables, study_id="S")
