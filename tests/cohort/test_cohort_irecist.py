"""The cohort under iRECIST (design.md §7.3): i-labels counted, iORR, iDCR, iPFS, iDoR; the
same records beside RECIST 1.1; the swimmer plot marks iUPD and iCPD."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from recist_reader.cli import main
from recist_reader.cohort import cohort_curves, score_cohort, summarize_cohort
from recist_reader.cohort.plots import swimmer_figure
from recist_reader.cohort.report import report_html

SAMPLE_RECORDS = Path(__file__).resolve().parents[2] / "sample_data" / "records"
IRECIST_SAMPLES = sorted(SAMPLE_RECORDS.glob("HCC-1*_iRECIST_*.json"))


@pytest.fixture
def irecist_records(tmp_path) -> Path:
    folder = tmp_path / "records"
    folder.mkdir()
    for path in IRECIST_SAMPLES:
        shutil.copy(path, folder)
    return folder


def summary_of(folder, criteria):
    cohort = score_cohort([folder], criteria=criteria)
    return cohort, summarize_cohort(
        cohort.patients, config=cohort.config, invalid=cohort.invalid, criteria=criteria
    )


def test_irecist_summary_counts_the_i_labels(irecist_records):
    _, summary = summary_of(irecist_records, "iRECIST")
    assert summary["criteria"] == "iRECIST"
    assert summary["n_scored"] == 10
    assert summary["best_overall_response"] == {
        "confirmed": {
            "iCR": 0,
            "iPR": 2,
            "iSD": 6,
            "non-iCR/non-iUPD": 0,
            "iCPD": 2,
            "iUPD": 0,
            "NE": 0,
        },
        "unconfirmed": {
            "iCR": 0,
            "iPR": 5,
            "iSD": 3,
            "non-iCR/non-iUPD": 0,
            "iCPD": 2,
            "iUPD": 0,
            "NE": 0,
        },
    }
    # iORR = iCR + iPR; iDCR adds iSD and non-iCR/non-iUPD (§7.3).
    assert summary["orr"]["confirmed"]["responders"] == 2
    assert summary["orr"]["unconfirmed"]["responders"] == 5
    assert summary["dcr"]["confirmed"]["responders"] == 8
    assert summary["config"]["icpd_min_days"] == 28


def test_ipfs_counts_confirmed_and_stopped_episodes_not_reset_or_open_ones(irecist_records):
    cohort, summary = summary_of(irecist_records, "iRECIST")
    events = {p.patient_id: (p.pfs_days, p.pfs_event) for p in cohort.patients}
    assert events["HCC-101"] == (253, False)  # reset: no event
    assert events["HCC-104"] == (168, False)  # open, still on treatment: censored
    assert events["HCC-108"] == (168, True)  # open, treatment stopped: event (IA5)
    assert events["HCC-106"] == (182, True)  # the second iUPD, confirmed
    assert events["HCC-109"] == (112, True)  # back-dated to the equivocal sighting
    assert summary["pfs"]["events"] == 7
    # iDoR over confirmed responders (iPR confirmed: HCC-101 and HCC-110).
    assert summary["dor"]["n"] == 2 and summary["dor"]["events"] == 0


def test_the_same_records_under_recist_1_1(irecist_records):
    cohort, summary = summary_of(irecist_records, "RECIST1.1")
    assert summary["criteria"] == "RECIST1.1"
    assert set(summary["best_overall_response"]["confirmed"]) == {
        "CR",
        "PR",
        "SD",
        "NonCR/NonPD",
        "PD",
        "NE",
    }
    assert summary["pfs"]["events"] == 10  # every read has a RECIST 1.1 PD
    assert summary["orr"]["confirmed"]["responders"] == 0


def test_swimmer_marks_iupd_and_icpd(irecist_records):
    cohort, _ = summary_of(irecist_records, "iRECIST")
    by_id = {p.patient_id: p for p in cohort.patients}
    assert by_id["HCC-106"].iupd_days == (98, 182) and by_id["HCC-106"].icpd_days == 210
    assert by_id["HCC-104"].iupd_days == (112,) and by_id["HCC-104"].icpd_days is None
    figure = swimmer_figure(cohort.patients)
    lines = {line.get_label(): line for line in figure.axes[0].get_lines()}
    assert len(lines["iUPD"].get_xdata()) == 11  # every episode's iUPD
    assert len(lines["iCPD"].get_xdata()) == 6
    assert "progression" not in lines  # the iPFS date is one of the iUPD marks
    assert "first iCR/iPR" in lines


def test_report_is_titled_and_labelled_by_criteria(irecist_records):
    cohort, summary = summary_of(irecist_records, "iRECIST")
    page = report_html(summary, cohort.patients, {})
    assert "<title>iRECIST cohort report</title>" in page
    assert "<th>iCPD</th>" in page and "<th>PD</th>" not in page
    assert "ORR = (iCR + iPR) / n" in page


def test_cohort_cli_both_criteria_as_json(irecist_records, capsys):
    assert main(["cohort", str(irecist_records), "--criteria", "RECIST1.1,iRECIST", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert list(document["summaries"]) == ["RECIST1.1", "iRECIST"]
    irecist = document["summaries"]["iRECIST"]
    assert irecist["orr"]["unconfirmed"]["responders"] == 5
    assert document["summaries"]["RECIST1.1"]["orr"]["unconfirmed"]["responders"] == 2


def test_cohort_cli_primary_criteria_irecist_text(irecist_records, capsys):
    assert main(["cohort", str(irecist_records)]) == 0
    text = capsys.readouterr().out
    assert "Cohort (iRECIST): 10 patients scored" in text
    assert "ORR (iCR+iPR), confirmed: 2/10" in text


def test_concordance_with_recist_counts_counterparts_as_the_same(irecist_records):
    from recist_reader.cohort.comparison import CriteriaResult, bor_concordance, concordance_html

    results = []
    for criteria in ("RECIST1.1", "iRECIST"):
        cohort, summary = summary_of(irecist_records, criteria)
        results.append(
            CriteriaResult(criteria, summary, cohort.patients, cohort_curves(cohort.patients))
        )
    table = bor_concordance(*results, kind="confirmed")
    assert table.counts["SD"]["iSD"] == 6
    assert table.counts["PD"]["iCPD"] == 2 and table.counts["PD"]["iPR"] == 2
    assert (table.n, table.agreement) == (10, 8)  # SD = iSD, PD = iCPD
    page = concordance_html(table)
    assert page.count('<td class="same">') == 7  # CR, PR, SD, NonCR/NonPD, PD twice, NE
