"""``recist-reader cohort`` in-process: JSON contract, broken records, options."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from recist_reader.cli import main

from .conftest import cohort_23, copy_recist_samples, write_records

SUMMARY_KEYS = [
    "schema_version",
    "n_records",
    "n_scored",
    "n_invalid",
    "invalid",
    "config",
    "best_overall_response",
    "orr",
    "dcr",
    "pfs",
    "dor",
    "os",
]


def test_json_summary_follows_the_contract(records_23, capsys):
    assert main(["cohort", str(records_23), "--json"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert list(summary)[: len(SUMMARY_KEYS)] == SUMMARY_KEYS
    assert summary["orr"]["confirmed"] == {
        "responders": 6,
        "n": 23,
        "rate": 0.2609,
        "ci_low": 0.1023,
        "ci_high": 0.4841,
    }
    assert set(summary["dcr"]["unconfirmed"]) == {"responders", "n", "rate", "ci_low", "ci_high"}
    for name in ("pfs", "dor"):
        assert {"n", "events", "median_days", "ci_low_days", "ci_high_days"} <= set(summary[name])
    assert summary["os"] is None
    assert captured.err == ""


def test_broken_records_are_listed_and_the_others_summarised(tmp_path, capsys):
    folder = tmp_path / "records"
    copy_recist_samples(folder)
    (folder / "broken.json").write_text('{"patient_id": "X", ')
    bad = json.loads((folder / "HCC-001_confirmed_PR.json").read_text())
    bad["patient_id"] = "BAD"
    bad["visits"][2]["measurements"][0]["diameter_mm"] = -3
    (folder / "negative.json").write_text(json.dumps(bad))
    died = json.loads((folder / "HCC-004_PD_new_lesion.json").read_text())
    died["patient_id"] = "DIED"
    died["death_date"] = "2020-01-01"
    (folder / "died_before.json").write_text(json.dumps(died))
    duplicate = json.loads((folder / "HCC-002_CR_residual_nodes.json").read_text())
    (folder / "zz_duplicate.json").write_text(json.dumps(duplicate))

    assert main(["cohort", str(folder), "--json"]) == 2
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert (summary["n_records"], summary["n_scored"], summary["n_invalid"]) == (11, 7, 4)
    files = {item["file"].rsplit("/", 1)[-1]: item["error"] for item in summary["invalid"]}
    assert set(files) == {"broken.json", "died_before.json", "negative.json", "zz_duplicate.json"}
    assert "not valid JSON" in files["broken.json"]
    assert "visits[2].measurements[0].diameter_mm: must be ≥ 0 mm" in files["negative.json"]
    assert files["died_before.json"].startswith("death_date: 2020-01-01 is before baseline_date")
    assert "already scored" in files["zz_duplicate.json"]
    # One stderr line per problem, naming the file and the field.
    lines = captured.err.strip().splitlines()
    assert len(lines) == 4 and lines[0].startswith(str(folder))
    assert any(
        line.endswith(
            "negative.json: visits[2].measurements[0].diameter_mm: must be ≥ 0 mm, "
            "got -3 (use 0 for a lesion that disappeared)"
        )
        for line in lines
    )
    assert summary["best_overall_response"]["confirmed"]["PR"] == 3


def test_text_summary_and_set_option(records_23, capsys):
    assert main(["cohort", str(records_23), "--set", "sd_min_days=100"]) == 0
    out = capsys.readouterr().out
    assert "23 patients scored, 0 invalid" in out
    assert "ORR (CR+PR), confirmed: 6/23 = 26.1 % (95 % CI 10.2–48.4)" in out
    assert "OS: no death or last-known-alive dates" in out
    # SD at days 42 and 84 no longer counts (sd_min_days=100): those patients become NE.
    assert main(["cohort", str(records_23), "--json", "--set", "sd_min_days=100"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["config"]["sd_min_days"] == 100
    # SD (7) and unconfirmed PR then SD (2) patients, and the 2 without follow-up: NE.
    assert summary["best_overall_response"]["confirmed"]["SD"] == 0
    assert summary["best_overall_response"]["confirmed"]["NE"] == 11


def test_bad_option_and_empty_folder_exit_2(tmp_path, capsys):
    records = write_records(tmp_path / "records", cohort_23()[:3])
    assert main(["cohort", str(records), "--set", "nonsense=1"]) == 2
    assert "unknown option 'nonsense'" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["cohort", str(records), str(empty), "--json"]) == 2
    captured = capsys.readouterr()
    assert "no record files" in captured.err
    assert json.loads(captured.out)["n_scored"] == 3


def test_help(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["cohort", "--help"])
    assert exited.value.code == 0
    assert "--out DIR" in capsys.readouterr().out


def test_cohort_package_imports_no_qt_and_no_pyplot():
    code = (
        "import sys, recist_reader.cli.cohort, recist_reader.cohort.report, "
        "recist_reader.cohort.plots\n"
        "qt = ('PyQt5', 'PyQt6', 'PySide2', 'PySide6', 'qtpy', 'napari')\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in qt or m == 'matplotlib.pyplot']\n"
        "sys.exit(str(bad) if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_cohort_with_no_valid_record_still_reports(tmp_path, capsys):
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "empty_object.json").write_text("{}")
    out = tmp_path / "out"
    assert main(["cohort", str(folder), "--json", "--out", str(out)]) == 2
    summary = json.loads(capsys.readouterr().out)
    assert (summary["n_records"], summary["n_scored"], summary["n_invalid"]) == (1, 0, 1)
    assert summary["orr"]["confirmed"]["rate"] is None
    assert summary["pfs"]["n"] == 0 and summary["pfs"]["median_days"] is None
    assert (out / "report.html").exists() and (out / "plots" / "waterfall.png").exists()


# ------------------------------------------------------------ criteria (design.md §7.3)
def test_the_summary_names_its_criteria(records_23, capsys):
    assert main(["cohort", str(records_23), "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert plain["criteria"] == "RECIST1.1"
    assert main(["cohort", str(records_23), "--json", "--criteria", "RECIST1.1"]) == 0
    assert json.loads(capsys.readouterr().out) == plain


def test_records_of_different_primary_criteria_need_criteria(tmp_path, capsys):
    folder = tmp_path / "records"
    copy_recist_samples(folder)
    other = json.loads((folder / "HCC-001_confirmed_PR.json").read_text())
    other.update(patient_id="M1", criteria="mRECIST")
    (folder / "M1.json").write_text(json.dumps(other))
    assert main(["cohort", str(folder), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "RECIST1.1 (7 records), mRECIST (1 records)" in captured.err
    assert "--criteria" in captured.err
    assert main(["cohort", str(folder), "--json", "--criteria", "RECIST1.1"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["criteria"], summary["n_scored"]) == ("RECIST1.1", 8)


def test_an_unsupported_criteria_is_a_usage_error(records_23, capsys):
    assert main(["cohort", str(records_23), "--criteria", "RECIST"]) == 2
    assert "RECIST1.1, mRECIST, iRECIST" in capsys.readouterr().err


def test_several_criteria_give_a_summary_each(tmp_path, capsys):
    folder = tmp_path / "records"
    copy_recist_samples(folder)
    assert main(["cohort", str(folder), "--json", "--criteria", "RECIST1.1,mRECIST"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert list(document) == ["schema_version", "summaries"]
    assert list(document["summaries"]) == ["RECIST1.1", "mRECIST"]
    recist, mrecist = document["summaries"].values()
    assert (recist["criteria"], mrecist["criteria"]) == ("RECIST1.1", "mRECIST")
    assert "mrecist_pd_min_increase_mm" in mrecist["config"]
    assert "mrecist_pd_min_increase_mm" not in recist["config"]
    assert main(["cohort", str(folder), "--json", "--criteria", "RECIST1.1"]) == 0
    assert json.loads(capsys.readouterr().out) == recist
