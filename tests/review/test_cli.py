"""``recist-reader review``, ``adjudicate`` and ``cohort --source`` in-process, on the bundled study."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from recist_reader.cli import main
from recist_reader.review.sample_study import sample_study, study_file_text

BICR = Path(__file__).resolve().parents[2] / "sample_data" / "bicr"
PLAIN = Path(__file__).resolve().parents[2] / "sample_data" / "records"


@pytest.fixture
def study(tmp_path):
    folder = tmp_path / "bicr"
    shutil.copytree(BICR, folder)
    return folder


def test_bundled_study_is_the_generated_one():
    files = sample_study()
    assert sorted(p.name for p in BICR.glob("*.json")) == sorted(files)
    for name, document in files.items():
        assert (BICR / name).read_text(encoding="utf-8") == study_file_text(document), (
            f"sample_data/bicr/{name} is stale: python -m recist_reader.review.sample_study sample_data/bicr"
        )


def test_study_p017_r1_starts_with_the_design_trail():
    from test_audit_chain import DESIGN_AUDIT

    read = json.loads((BICR / "P-017-R1.json").read_text())
    assert read["audit"][:4] == DESIGN_AUDIT


def test_review_prints_statuses_and_the_agreement_summary(study, capsys):
    assert main(["review", str(study)]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("P-")}
    assert lines["P-001"].split()[1] == "concordant"
    assert lines["P-009"].split()[1] == "awaiting_adjudication"
    assert "bor (confirmed): R1 PR, R2 SD" in lines["P-009"]
    assert lines["P-017"].split()[1] == "adjudicated"
    assert "pd_date: R1 2024-06-26, R2 none" in lines["P-017"]
    assert "Adjudication rate: 2/3 = 66.7 %" in out
    assert "rad-12" in out and "Amit et al. 2011 [M]" in out


def test_review_json_and_out(study, tmp_path, capsys):
    out_file = tmp_path / "review.json"
    assert main(["review", str(study), "--json", "--out", str(out_file), "--full"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert json.loads(out_file.read_text()) == printed
    assert printed["status_counts"] == {
        "concordant": 1, "adjudicated": 1, "awaiting_adjudication": 1, "awaiting_reads": 0, "invalid": 0,
    }  # fmt: skip
    p017 = next(p for p in printed["patients"] if p["patient_id"] == "P-017")
    assert p017["central"]["response"]["patient_id"] == "P-017"
    assert p017["investigator"]["progression_date"] == "2024-05-01"
    assert printed["investigator_vs_central"]["all"]["a1_inv_earlier"] == 1


def test_review_strict_exits_3_while_a_patient_is_pending(study, capsys):
    assert main(["review", str(study), "--strict"]) == 3
    (study / "P-009-R2.json").unlink()
    (study / "P-009-R1.json").unlink()
    assert main(["review", str(study), "--strict"]) == 0


def test_review_set_options(study, capsys):
    assert main(["review", str(study), "--json", "--set", "triggers=pd_date", "--set", "sd_min_days=56",
                 "--set", "pd_date_windows_days=0,28,56"]) == 0  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert result["options"]["triggers"] == ["pd_date"]
    assert result["options"]["pd_date_windows_days"] == [0, 28, 56]
    assert result["scoring"] == {"sd_min_days": 56}
    assert result["status_counts"]["concordant"] == 2


@pytest.mark.parametrize(
    ("setting", "message"),
    [("triggers=bor,dor", "unknown trigger"), ("frobnicate=1", "unknown option"), ("sd_min_days=x", "sd_min_days"),
     ("novalue", "expected KEY=VALUE")],
)  # fmt: skip
def test_review_bad_settings_exit_2(study, capsys, setting, message):
    assert main(["review", str(study), "--set", setting]) == 2
    assert message in capsys.readouterr().err


def test_review_names_skipped_and_broken_files(study, capsys):
    shutil.copy(PLAIN / "HCC-001_confirmed_PR.json", study / "site.json")
    (study / "broken.json").write_text("{")
    adjudication = json.loads((study / "adjudication-P-017.json").read_text())
    del adjudication["signature"]
    (study / "adjudication-P-017.json").write_text(json.dumps(adjudication))
    assert main(["review", str(study)]) == 2
    err = capsys.readouterr().err
    assert f"{study / 'site.json'}: skipped: no read block" in err
    assert f"{study / 'broken.json'}: not valid JSON" in err
    assert f"{study / 'adjudication-P-017.json'}: signature: required field is missing" in err


def test_review_reports_a_read_the_engine_rejects_as_an_invalid_file(study, capsys):
    read = json.loads((study / "P-001-R2.json").read_text())
    read["visits"][1]["measurements"][0]["diameter_mm"] = -1
    (study / "P-001-R2.json").write_text(json.dumps(read))
    assert main(["review", str(study), "--json"]) == 2
    captured = capsys.readouterr()
    assert f"{study / 'P-001-R2.json'}: visits[1].measurements[0].diameter_mm: " in captured.err
    p001 = json.loads(captured.out)["patients"][0]
    assert p001["status"] == "invalid"


def test_review_tampered_read_is_invalid_but_the_command_ran(study, capsys):
    read = json.loads((study / "P-017-R1.json").read_text())
    read["audit"][2]["old"] = 30.0
    (study / "P-017-R1.json").write_text(json.dumps(read))
    assert main(["review", str(study), "--json"]) == 0
    p017 = next(
        p for p in json.loads(capsys.readouterr().out)["patients"] if p["patient_id"] == "P-017"
    )
    assert p017["status"] == "invalid"
    assert [p["code"] for p in p017["problems"]] == ["audit_chain_broken"]
    assert p017["problems"][0]["path"] == "audit[3].prev"


def test_adjudicate_writes_a_signed_record_and_never_overwrites(study, capsys):
    args = ["adjudicate", str(study), "--patient", "P-009", "--select", "R2", "--rationale",
            "R1 measured T1 on the arterial phase", "--reason", "MEASUREMENT", "--by", "rad-19"]  # fmt: skip
    assert main(args) == 0
    written = json.loads((study / "adjudication-P-009.json").read_text())
    from recist_reader import read_hash

    assert written["selected_read"] == "R2" and written["triggers_seen"] == ["bor"]
    assert written["read_hashes"]["R1"] == read_hash(
        json.loads((study / "P-009-R1.json").read_text())
    )
    assert written["signature"]["by"] == "rad-19" and written["reason_codes"] == ["MEASUREMENT"]
    assert main(["review", str(study), "--strict"]) == 0
    before = (study / "adjudication-P-009.json").read_text()
    assert main(args) == 2  # now adjudicated
    assert "refused: patient P-009 is adjudicated" in capsys.readouterr().err
    assert (study / "adjudication-P-009.json").read_text() == before


def test_adjudicate_refuses_an_explicit_existing_out(study, capsys):
    out = study / "mine.json"
    out.write_text("{}")
    args = ["adjudicate", str(study), "--patient", "P-009", "--select", "R1", "--rationale", "x",
            "--by", "rad-19", "--out", str(out)]  # fmt: skip
    assert main(args) == 2
    assert "never overwritten" in capsys.readouterr().err
    assert out.read_text() == "{}"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--patient", "P-001"], "P-001 is concordant (use --force"),
        (["--patient", "P-404"], "no read of patient 'P-404'"),
    ],
)
def test_adjudicate_refusals(study, capsys, extra, message):
    args = [
        "adjudicate",
        str(study),
        "--select",
        "R1",
        "--rationale",
        "x",
        "--by",
        "rad-19",
        *extra,
    ]
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_adjudicate_refuses_a_reader_as_adjudicator_and_an_empty_rationale(study, capsys):
    base = ["adjudicate", str(study), "--patient", "P-009", "--select", "R1"]
    assert main([*base, "--rationale", "x", "--by", "rad-12"]) == 2
    assert "adjudicator_id" in capsys.readouterr().err
    assert main([*base, "--by", "rad-19"]) == 2
    assert "rationale" in capsys.readouterr().err
    assert not (study / "adjudication-P-009.json").exists()


def test_adjudicate_force_on_a_concordant_patient(study, capsys):
    args = [
        "adjudicate",
        str(study),
        "--patient",
        "P-001",
        "--select",
        "R2",
        "--rationale",
        "QC",
        "--by",
        "rad-19",
        "--force",
    ]
    assert main(args) == 0
    assert main(["review", str(study), "--json"]) == 0
    p001 = json.loads(capsys.readouterr().out.split("\n", 1)[1])["patients"][0]
    assert p001["status"] == "adjudicated" and p001["central"]["source"] == "R2"
    assert [w["code"] for w in p001["warnings"]] == ["adjudication_not_required"]


def test_cohort_central_lists_pending_and_adds_the_agreement(study, capsys):
    assert main(["cohort", str(study), "--source", "central", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["source"] == "central"
    assert summary["n_pending"] == 1
    assert summary["pending"] == [{"patient_id": "P-009", "status": "awaiting_adjudication"}]
    assert summary["n_scored"] == 2
    assert summary["orr"]["confirmed"]["n"] == 2 and summary["orr"]["confirmed"]["responders"] == 2
    assert summary["pfs"]["events"] == 1
    assert summary["agreement"]["n_pairs"] == 3
    assert main(["cohort", str(study), "--source", "central", "--strict"]) == 3


@pytest.mark.parametrize(("source", "responders", "n"), [("R1", 3, 3), ("R2", 2, 3)])
def test_cohort_r1_r2_sensitivity(study, capsys, source, responders, n):
    assert main(["cohort", str(study), "--source", source, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["source"] == source and summary["n_pending"] == 0
    assert (summary["orr"]["confirmed"]["responders"], summary["orr"]["confirmed"]["n"]) == (
        responders,
        n,
    )
    assert "agreement" not in summary


def test_cohort_investigator_default_leaves_central_files_out(study, capsys):
    assert main(["cohort", str(study), "--json"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert "source" not in summary
    assert summary["n_scored"] == 2  # the two investigator reads
    assert "left out 7 central-review file(s)" in captured.err


def test_cohort_central_takes_death_from_the_site_record(study, capsys):
    inv = json.loads((study / "P-001-INV.json").read_text())
    inv["death_date"] = "2024-07-20"
    (study / "P-001-INV.json").write_text(json.dumps(inv))
    assert main(["cohort", str(study), "--source", "central", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["pfs"]["events"] == 2 and summary["pfs"]["deaths"] == 1


def test_cohort_central_report_has_the_review_section(study, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["cohort", str(study), "--source", "central", "--out", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert "<h2>Central review (source: central)</h2>" in page
    assert "rad-11" in page and "Adjudication rate" in page and "Amit et al. 2011 [M]" in page
    assert json.loads((out / "summary.json").read_text())["source"] == "central"


def test_cohort_criteria_refused_with_central(study, capsys):
    import argparse

    from recist_reader.cli.cohort_source import run_source

    args = argparse.Namespace(source="central", criteria="mRECIST", settings=[], paths=[str(study)])
    assert run_source(args, str) == 2
    assert "--criteria is not accepted with --source central" in capsys.readouterr().err


def test_cohort_central_with_sdtm_beside_the_report(study, tmp_path, capsys):
    out = tmp_path / "report"
    code = main(["cohort", str(study), "--source", "central", "--out", str(out), "--sdtm"])
    assert code == 0, capsys.readouterr().err
    assert (out / "sdtm").is_dir() and any((out / "sdtm").iterdir())
    assert "SDTM datasets" in (out / "report.html").read_text()
