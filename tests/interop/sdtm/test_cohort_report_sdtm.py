"""The cohort report offers the SDTM export: ``cohort --out DIR --sdtm`` writes DIR/sdtm and
links it; without --sdtm the report says how; a refusal is listed in it."""

from __future__ import annotations

import html

from sdtm_builders import SAMPLE_DATA, read_xpt, recist_samples_folder

from recist_reader.cli import main


def section(page: str) -> str:
    start = page.index("<h2>SDTM datasets (TU, TR, RS)</h2>")
    return page[start : page.index("<h2>", start + 10)]


def test_cohort_writes_and_links_the_sdtm_files(tmp_path, capsys):
    out = tmp_path / "report"
    records = recist_samples_folder(tmp_path / "records")
    code = main(["cohort", str(records), "--out", str(out), "--sdtm",
                 "--study-id", "NCT05831969"])  # fmt: skip
    assert code == 0
    capsys.readouterr()
    rows, _ = read_xpt(out / "sdtm" / "tr.xpt")
    assert len(rows) == 171
    text = section((out / "report.html").read_text())
    for name in ("tu.xpt", "tr.xpt", "rs.xpt", "tu.csv", "tr.csv", "rs.csv"):
        assert f'<a href="sdtm/{name}">{name}</a>' in text
    assert "TU 24, TR 171, RS 99 rows." in text
    assert 'RSEVAL == "INDEPENDENT ASSESSOR" &amp; RSACPTFL == "Y"' in text


def test_without_sdtm_the_report_says_how(tmp_path, capsys):
    out = tmp_path / "report"
    records = recist_samples_folder(tmp_path / "records")
    assert main(["cohort", str(records), "--out", str(out)]) == 0
    capsys.readouterr()
    text = section((out / "report.html").read_text())
    assert "<code>recist-reader export-sdtm RECORDS… --out sdtm --study-id ID</code>" in text
    assert not (out / "sdtm").exists()


def test_a_refused_export_is_listed_in_the_report_and_exits_2(tmp_path, capsys):
    out = tmp_path / "report"
    records = recist_samples_folder(tmp_path / "records")
    assert main(["cohort", str(records), "--out", str(out), "--sdtm"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 7 and all(line.startswith("sdtm: ") for line in err)
    text = html.unescape(section((out / "report.html").read_text()))
    assert "Not written: the export refused the records." in text
    assert "HCC-001_confirmed_PR.json: study_id: missing" in text
    assert (out / "report.html").exists() and not (out / "sdtm" / "rs.xpt").exists()


def test_central_cohort_writes_every_read(tmp_path, capsys):
    out = tmp_path / "report"
    bicr = SAMPLE_DATA / "bicr"
    assert main(["cohort", str(bicr), "--source", "central", "--out", str(out), "--sdtm"]) == 0
    err = capsys.readouterr().err
    assert "sdtm: warning: " in err and "'P-009' is awaiting_adjudication" in err
    rows, _ = read_xpt(out / "sdtm" / "rs.xpt")
    assert {r["RSEVAL"] for r in rows} == {"INVESTIGATOR", "INDEPENDENT ASSESSOR"}
    assert '<a href="sdtm/rs.xpt">rs.xpt</a>' in section((out / "report.html").read_text())
