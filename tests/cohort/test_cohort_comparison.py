"""One cohort under RECIST 1.1 and mRECIST side by side: endpoints, BOR concordance, report."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from recist_reader.cli import main
from recist_reader.cohort import cohort_curves, score_cohorts, summarize_cohort
from recist_reader.cohort.comparison import CriteriaResult, bor_concordance, concordances_of

SAMPLE_RECORDS = Path(__file__).resolve().parents[2] / "sample_data" / "records"


@pytest.fixture
def hcc_folder(tmp_path):
    """The RECIST 1.1 samples (HCC-00x) and the mRECIST ones (HCC-20x): 14 reads."""
    folder = tmp_path / "records"
    folder.mkdir()
    for path in [*SAMPLE_RECORDS.glob("HCC-00*.json"), *SAMPLE_RECORDS.glob("HCC-20*.json")]:
        shutil.copy(path, folder)
    return folder


def results(folder, names=("RECIST1.1", "mRECIST")):
    out = []
    for name, cohort in score_cohorts([folder], names).items():
        curves = cohort_curves(cohort.patients)
        summary = summarize_cohort(
            cohort.patients,
            config=cohort.config,
            invalid=cohort.invalid,
            curves=curves,
            criteria=name,
        )
        out.append(CriteriaResult(name, summary, cohort.patients, curves))
    return out


def test_concordance_counts_each_patient_once_per_pair_of_best_responses(hcc_folder):
    recist, mrecist = results(hcc_folder)
    table = bor_concordance(recist, mrecist, kind="confirmed")
    assert table.n == 14
    assert sum(sum(row.values()) for row in table.counts.values()) == 14
    # HCC-201: SD under RECIST 1.1, PR under mRECIST; HCC-202: SD vs CR; HCC-207: PR vs
    # NonCR/NonPD; HCC-206: SD vs PR
    assert table.counts["SD"]["PR"] == 2
    assert table.counts["SD"]["CR"] == 1
    assert table.counts["PR"]["NonCR/NonPD"] == 1
    assert table.agreement == sum(table.counts[label][label] for label in table.row_labels)
    # the marginals are each criteria's own BOR counts
    for label in table.row_labels:
        assert (
            sum(table.counts[label].values())
            == recist.summary["best_overall_response"]["confirmed"][label]
        )
    for label in table.column_labels:
        assert (
            sum(table.counts[row][label] for row in table.row_labels)
            == mrecist.summary["best_overall_response"]["confirmed"][label]
        )


def test_a_patient_invalid_under_one_criteria_is_left_out(hcc_folder):
    bad = json.loads((hcc_folder / "HCC-201_mRECIST_viable_PR_RECIST_SD.json").read_text())
    bad["visits"][0]["measurements"][0]["viable_diameter_mm"] = 9.0  # M3.1
    (hcc_folder / "HCC-201_mRECIST_viable_PR_RECIST_SD.json").write_text(json.dumps(bad))
    recist, mrecist = results(hcc_folder)
    assert (recist.summary["n_scored"], mrecist.summary["n_scored"]) == (14, 13)
    assert bor_concordance(recist, mrecist).n == 13


def test_concordances_pair_the_first_criteria_with_each_other(hcc_folder):
    tables = concordances_of(results(hcc_folder))
    assert [(t.rows, t.columns, t.kind) for t in tables] == [
        ("RECIST1.1", "mRECIST", "confirmed"),
        ("RECIST1.1", "mRECIST", "unconfirmed"),
    ]


def test_cohort_out_with_two_criteria_writes_the_side_by_side_report(hcc_folder, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["cohort", str(hcc_folder), "--criteria", "RECIST1.1,mRECIST", "--out", str(out)]
    assert main(argv) == 0
    capsys.readouterr()
    page = (out / "report.html").read_text()
    assert "RECIST 1.1 × mRECIST, confirmed best overall response" in page
    assert page.count('<figure><img alt="') == 2
    assert 'href="RECIST1.1/report.html"' in page and 'href="mRECIST/report.html"' in page
    for criteria in ("RECIST1.1", "mRECIST"):
        assert (out / criteria / "report.html").is_file()
        assert (out / "plots" / f"waterfall_{criteria}.png").is_file()
        summary = json.loads((out / criteria / "summary.json").read_text())
        assert summary["criteria"] == criteria
    combined = json.loads((out / "summary.json").read_text())
    assert list(combined) == ["schema_version", "summaries"]
    with (out / "concordance_RECIST1.1_mRECIST_confirmed.csv").open() as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == ["RECIST1.1 \\ mRECIST", "CR", "PR", "SD", "NonCR/NonPD", "PD", "NE"]
    assert sum(int(cell) for row in rows[1:] for cell in row[1:]) == 14
