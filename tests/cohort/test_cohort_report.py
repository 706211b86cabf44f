"""``--out DIR``: the HTML report, the summary JSON and the CSV tables."""

from __future__ import annotations

import csv
import json
import re

from recist_reader.cli import main
from recist_reader.cohort.tables import PER_PATIENT_COLUMNS, RESPONSE_VISIT_KEYS

from .conftest import patient, write_records


def test_report_files_and_tables(tmp_path, capsys):
    records = [
        patient("A", "PR", death_date="2024-06-01"),
        patient("B", "SD"),
        patient("C", "PD", last_known_alive_date="2024-05-01"),
        patient("D", "NE"),
    ]
    folder = write_records(tmp_path / "records", records)
    (folder / "broken.json").write_text("[1, 2]")
    out = tmp_path / "out"
    assert main(["cohort", str(folder), "--out", str(out)]) == 2
    assert f"Report written to {out / 'report.html'}" in capsys.readouterr().out

    summary = json.loads((out / "summary.json").read_text())
    assert (summary["n_scored"], summary["n_invalid"]) == (4, 1)
    assert summary["os"]["events"] == 1

    with (out / "per_patient.csv").open(newline="") as stream:
        patients = list(csv.DictReader(stream))
    assert [row["patient_id"] for row in patients] == ["A", "B", "C", "D"]
    assert list(patients[0]) == list(PER_PATIENT_COLUMNS)
    a = patients[0]
    assert (a["bor_confirmed"], a["responder_confirmed"], a["best_pct_change_baseline"]) == (
        "PR",
        "true",
        "-40.0",
    )
    assert (a["pfs_days"], a["pfs_event"], a["pfs_event_cause"]) == ("152", "true", "death")
    assert (a["response_pfs_event"], a["response_dor_censored"]) == ("false", "true")
    assert (a["dor_days"], a["dor_event"], a["os_days"], a["os_event"]) == (
        "110",
        "true",
        "152",
        "true",
    )
    assert json.loads(a["config"])["sd_min_days"] == 42
    d = patients[3]
    assert (d["n_follow_up_visits"], d["pfs_days"], d["bor_confirmed"], d["dor_days"]) == (
        "0",
        "0",
        "NE",
        "",
    )

    with (out / "per_visit.csv").open(newline="") as stream:
        visits = list(csv.DictReader(stream))
    # One row per patient per follow-up visit: A, B 2 each, C 1, D none.
    assert [row["patient_id"] for row in visits] == ["A", "A", "B", "B", "C"]
    assert list(visits[0])[3:] == list(RESPONSE_VISIT_KEYS)
    c = visits[4]
    assert (c["visit_id"], c["day"], c["sum_mm"], c["pct_change_baseline"], c["overall"]) == (
        "D42",
        "42",
        "70.0",
        "40.0",
        "PD",
    )
    assert c["new_lesions"] == "false" and c["partial_sum_mm"] == ""
    assert "R5.3" in c["notes"]

    page = (out / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    # Self-contained: every image is inline, nothing is fetched.
    assert not re.search(r"""(src|href)=["'](?!data:)""", page)
    assert page.count("data:image/png;base64,") == 6  # waterfall, spider, swimmer, PFS, DoR, OS
    assert "broken.json" in page and "25.0 %" in page  # invalid record; ORR 1/4
    for stem in ("waterfall", "spider", "swimmer", "km_pfs", "km_dor", "km_os"):
        assert (out / "plots" / f"{stem}.png").stat().st_size > 1000
        assert (out / "plots" / f"{stem}.svg").read_text().lstrip().startswith("<?xml")


def test_html_escapes_record_text(tmp_path):
    from recist_reader.cohort.report import report_html

    summary = {
        "n_records": 1,
        "n_scored": 0,
        "n_invalid": 1,
        "invalid": [{"file": "<script>x</script>.json", "error": "a & b"}],
        "config": {},
        "best_overall_response": {"confirmed": {}, "unconfirmed": {}},
        "orr": {},
        "dcr": {},
        "pfs": {
            "n": 0,
            "events": 0,
            "median_days": None,
            "ci_low_days": None,
            "ci_high_days": None,
            "rate_6_months": None,
            "rate_12_months": None,
        },
        "dor": None,
        "os": None,
        "time_to_response": None,
    }
    page = report_html(summary, [], {})
    assert "<script>" not in page and "&lt;script&gt;" in page and "a &amp; b" in page
