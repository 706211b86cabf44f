"""sdtm.md §10: the worked patient P-017 (two readers, adjudicator selected R1), exactly.

The expected tables are those of sdtm.md §10, transcribed: every listed column of every row;
the columns the page omits are null throughout.
"""

from __future__ import annotations

import pytest
from sdtm_builders import read_xpt

from recist_reader import export_sdtm, sdtm_tables

COMMON = {"STUDYID": "NCT05831969", "USUBJID": "NCT05831969-P-017"}
IA, R1, R2 = "INDEPENDENT ASSESSOR", "RADIOLOGIST 1", "RADIOLOGIST 2"
DATES = {1: ("BL", "2024-01-10"), 2: ("W8", "2024-03-06"), 3: ("W16", "2024-05-01"),
         4: ("W24", "2024-06-26")}  # fmt: skip

TU_COLUMNS = ("TUSEQ", "TULNKID", "TUORRES", "TULOC", "TULAT", "TULOBXFL", "TUEVALID",
              "TUACPTFL", "VISITNUM")  # fmt: skip
TU_ROWS = [
    (1, "R1-T1", "TARGET", "LIVER", None, "Y", R1, "Y", 1),
    (2, "R1-T2", "TARGET", "LYMPH NODE", None, "Y", R1, "Y", 1),
    (3, "R1-NT1", "NON-TARGET", "PERITONEUM", None, "Y", R1, "Y", 1),
    (4, "R2-T1", "TARGET", "LIVER", None, "Y", R2, None, 1),
    (5, "R2-T2", "TARGET", "LYMPH NODE", None, "Y", R2, None, 1),
    (6, "R2-NT1", "NON-TARGET", "PERITONEUM", None, "Y", R2, None, 1),
    (7, "R1-NEW1", "NEW", "LUNG", "RIGHT", None, R1, "Y", 4),
]

TR_COLUMNS = ("TRSEQ", "TRGRPID", "TRLNKGRP", "TRLNKID", "TRTESTCD", "TRORRES", "TREVALID",
              "VISITNUM")  # fmt: skip
TR_ROWS = [
    (1, "TARGET", "R1-A1", "R1-T1", "LDIAM", "42", R1, 1),
    (2, "TARGET", "R1-A1", "R1-T2", "LPERP", "18", R1, 1),
    (3, "NON-TARGET", "R1-A1", "R1-NT1", "TUMSTATE", "PRESENT", R1, 1),
    (4, "TARGET", "R1-A1", None, "SUMDIAM", "60", R1, 1),
    (5, "TARGET", "R2-A1", "R2-T1", "LDIAM", "44", R2, 1),
    (6, "TARGET", "R2-A1", "R2-T2", "LPERP", "17", R2, 1),
    (7, "NON-TARGET", "R2-A1", "R2-NT1", "TUMSTATE", "PRESENT", R2, 1),
    (8, "TARGET", "R2-A1", None, "SUMDIAM", "61", R2, 1),
    (9, "TARGET", "R1-A2", "R1-T1", "LDIAM", "28", R1, 2),
    (10, "TARGET", "R1-A2", "R1-T2", "LPERP", "12", R1, 2),
    (11, "NON-TARGET", "R1-A2", "R1-NT1", "TUMSTATE", "PRESENT", R1, 2),
    (12, "TARGET", "R1-A2", None, "SUMDIAM", "40", R1, 2),
    (13, "TARGET", "R2-A2", "R2-T1", "LDIAM", "34", R2, 2),
    (14, "TARGET", "R2-A2", "R2-T2", "LPERP", "13", R2, 2),
    (15, "NON-TARGET", "R2-A2", "R2-NT1", "TUMSTATE", "PRESENT", R2, 2),
    (16, "TARGET", "R2-A2", None, "SUMDIAM", "47", R2, 2),
    (17, "TARGET", "R1-A3", "R1-T1", "LDIAM", "27", R1, 3),
    (18, "TARGET", "R1-A3", "R1-T2", "LPERP", "11", R1, 3),
    (19, "NON-TARGET", "R1-A3", "R1-NT1", "TUMSTATE", "PRESENT", R1, 3),
    (20, "TARGET", "R1-A3", None, "SUMDIAM", "38", R1, 3),
    (21, "TARGET", "R2-A3", "R2-T1", "LDIAM", "30", R2, 3),
    (22, "TARGET", "R2-A3", "R2-T2", "LPERP", "12", R2, 3),
    (23, "NON-TARGET", "R2-A3", "R2-NT1", "TUMSTATE", "PRESENT", R2, 3),
    (24, "TARGET", "R2-A3", None, "SUMDIAM", "42", R2, 3),
    (25, "TARGET", "R1-A4", "R1-T1", "LDIAM", "27", R1, 4),
    (26, "TARGET", "R1-A4", "R1-T2", "LPERP", "11", R1, 4),
    (27, "NON-TARGET", "R1-A4", "R1-NT1", "TUMSTATE", "PRESENT", R1, 4),
    (28, "NEW", "R1-A4", "R1-NEW1", "TUMSTATE", "PRESENT", R1, 4),
    (29, "TARGET", "R1-A4", None, "SUMDIAM", "38", R1, 4),
    (30, "TARGET", "R2-A4", "R2-T1", "LDIAM", "29", R2, 4),
    (31, "TARGET", "R2-A4", "R2-T2", "LPERP", "12", R2, 4),
    (32, "NON-TARGET", "R2-A4", "R2-NT1", "TUMSTATE", "PRESENT", R2, 4),
    (33, "TARGET", "R2-A4", None, "SUMDIAM", "41", R2, 4),
]

RS_COLUMNS = ("RSSEQ", "RSLNKGRP", "RSTESTCD", "RSORRES", "RSEVALID", "VISITNUM")
NCNP = "NON-CR/NON-PD"
RS_ROWS = [
    (1, None, "TRGRESP", "PR", R1, 2),
    (2, None, "NTRGRESP", NCNP, R1, 2),
    (3, "R1-A2", "OVRLRESP", "PR", R1, 2),
    (4, None, "TRGRESP", "SD", R2, 2),
    (5, None, "NTRGRESP", NCNP, R2, 2),
    (6, "R2-A2", "OVRLRESP", "SD", R2, 2),
    (7, None, "TRGRESP", "PR", R1, 3),
    (8, None, "NTRGRESP", NCNP, R1, 3),
    (9, "R1-A3", "OVRLRESP", "PR", R1, 3),
    (10, None, "TRGRESP", "PR", R2, 3),
    (11, None, "NTRGRESP", NCNP, R2, 3),
    (12, "R2-A3", "OVRLRESP", "PR", R2, 3),
    (13, None, "TRGRESP", "PR", R1, 4),
    (14, None, "NTRGRESP", NCNP, R1, 4),
    (15, None, "NEWLPROG", "UNEQUIVOCAL", R1, 4),
    (16, "R1-A4", "OVRLRESP", "PD", R1, 4),
    (17, None, "TRGRESP", "PR", R2, 4),
    (18, None, "NTRGRESP", NCNP, R2, 4),
    (19, "R2-A4", "OVRLRESP", "PR", R2, 4),
]
TR_TESTS = {"LDIAM": "Longest Diameter", "LPERP": "Longest Perpendicular",
            "TUMSTATE": "Tumor State", "SUMDIAM": "Sum of Diameter"}  # fmt: skip
RS_TESTS = {"TRGRESP": "Target Response", "NTRGRESP": "Non-target Response",
            "NEWLPROG": "New Lesion Progression", "OVRLRESP": "Overall Response"}  # fmt: skip


def expected_tu() -> list[dict]:
    rows = []
    for values in TU_ROWS:
        row = dict(zip(TU_COLUMNS, values))
        row.update(COMMON, DOMAIN="TU", TUTESTCD="TUMIDENT", TUTEST="Tumor Identification",
                   TUSTRESC=row["TUORRES"], TUMETHOD="CT SCAN", TUEVAL=IA)  # fmt: skip
        row["VISIT"], row["TUDTC"] = DATES[row["VISITNUM"]]
        rows.append(row)
    return rows


def expected_tr() -> list[dict]:
    rows = []
    for values in TR_ROWS:
        row = dict(zip(TR_COLUMNS, values))
        numeric = row["TRTESTCD"] != "TUMSTATE"
        accepted = row["TREVALID"] == R1
        row.update(
            COMMON,
            DOMAIN="TR",
            TRTEST=TR_TESTS[row["TRTESTCD"]],
            TRORRESU="mm" if numeric else None,
            TRSTRESC=row["TRORRES"],
            TRSTRESN=float(row["TRORRES"]) if numeric else None,
            TRSTRESU="mm" if numeric else None,
            TRMETHOD=None if row["TRTESTCD"] == "SUMDIAM" else "CT SCAN",
            TRLOBXFL="Y" if row["VISITNUM"] == 1 else None,
            TREVAL=IA,
            TRACPTFL="Y" if accepted else None,
        )
        row["VISIT"], row["TRDTC"] = DATES[row["VISITNUM"]]
        rows.append(row)
    return rows


def expected_rs() -> list[dict]:
    rows = []
    for values in RS_ROWS:
        row = dict(zip(RS_COLUMNS, values))
        row.update(COMMON, DOMAIN="RS", RSTEST=RS_TESTS[row["RSTESTCD"]], RSCAT="RECIST 1.1",
                   RSSTRESC=row["RSORRES"], RSEVAL=IA,
                   RSACPTFL="Y" if row["RSEVALID"] == R1 else None)  # fmt: skip
        row["VISIT"], row["RSDTC"] = DATES[row["VISITNUM"]]
        rows.append(row)
    return rows


EXPECTED = {"TU": expected_tu, "TR": expected_tr, "RS": expected_rs}


@pytest.mark.parametrize("domain", ["TU", "TR", "RS"])
def test_worked_patient_tables_are_the_pages(worked_patient, domain):
    records, adjudications = worked_patient
    rows = sdtm_tables(records, adjudications)[domain]
    expected = EXPECTED[domain]()
    assert len(rows) == len(expected) == {"TU": 7, "TR": 33, "RS": 19}[domain]
    for row, want in zip(rows, expected):
        shown = {name: value for name, value in row.items() if value is not None}
        assert shown == {name: value for name, value in want.items() if value is not None}
    # Every column the page omits is null throughout (and present only if always written).
    listed = set(expected[0])
    for name in set(rows[0]) - listed:
        assert all(row[name] is None for row in rows), name


def test_worked_patient_files_read_back_exactly(worked_patient, tmp_path):
    records, adjudications = worked_patient
    summary = export_sdtm(records, adjudications, tmp_path)
    assert summary["rows"] == {"TU": 7, "TR": 33, "RS": 19}
    assert summary["warnings"] == []
    for domain, build in EXPECTED.items():
        rows, meta = read_xpt(tmp_path / f"{domain.lower()}.xpt")
        assert meta.table_name == domain
        assert len(rows) == len(build())
        for got, want in zip(rows, build()):
            assert {k: got[k] for k in want} == want


def test_adjudicated_to_r2_moves_every_flag(worked_patient):
    from sdtm_builders import p017

    records, adjudications = p017("R2")
    tables = sdtm_tables(records, adjudications)
    for domain, rows in tables.items():
        for row in rows:
            accepted = row[f"{domain}EVALID"] == R2
            assert row[f"{domain}ACPTFL"] == ("Y" if accepted else None)
    # R2's own read of record: no PD, the last overall response PR.
    accepted_overall = [r["RSORRES"] for r in tables["RS"]
                        if r["RSTESTCD"] == "OVRLRESP" and r["RSACPTFL"] == "Y"]  # fmt: skip
    assert accepted_overall == ["SD", "PR", "PR"]
