"""``recist-reader export-sdtm``: files and folders in, files out, exit codes 0 / 2 / 3."""

from __future__ import annotations

import json

from sdtm_builders import p017, read_xpt, recist_samples_folder

from recist_reader.cli import main


def write(folder, documents):
    folder.mkdir(parents=True, exist_ok=True)
    for name, document in documents.items():
        (folder / name).write_text(json.dumps(document))
    return folder


def test_samples_folder_to_xpt_and_csv(tmp_path, capsys):
    out = tmp_path / "sdtm"
    records = recist_samples_folder(tmp_path / "records")
    code = main(["export-sdtm", str(records), "--out", str(out),
                 "--study-id", "NCT05831969", "--vendor", "Core Lab"])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr()
    assert printed.err == ""
    assert printed.out.startswith("Wrote TU 24, TR 171, RS 99 rows (7 reads, 0 adjudications)")
    assert sorted(p.name for p in out.iterdir()) == [
        "rs.csv", "rs.xpt", "tr.csv", "tr.xpt", "tu.csv", "tu.xpt"]  # fmt: skip
    rows, meta = read_xpt(out / "rs.xpt")
    assert meta.table_name == "RS" and {r["RSNAM"] for r in rows} == {"Core Lab"}


def test_reads_and_adjudication_in_one_folder(tmp_path, capsys):
    reads, adjudications = p017()
    folder = write(tmp_path / "reads", {"P-017-R1.json": reads[0], "P-017-R2.json": reads[1],
                                        "adjudication-P-017.json": adjudications[0]})  # fmt: skip
    out = tmp_path / "out"
    code = main(["export-sdtm", str(folder), "--out", str(out), "--format", "json", "--relrec",
                 "--set", "triggers=bor,pd_date", "--set", "sd_min_days=42", "-q"])  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out == ""
    assert sorted(p.name for p in out.iterdir()) == [
        "relrec.json", "rs.json", "tr.json", "tu.json"]  # fmt: skip
    rs = json.loads((out / "rs.json").read_text())
    names = [c["name"] for c in rs["columns"]]
    flags = {tuple(row[names.index(n)] for n in ("RSEVALID", "RSACPTFL")) for row in rs["rows"]}
    assert flags == {("RADIOLOGIST 1", "Y"), ("RADIOLOGIST 2", None)}


def test_pending_patient_strict_exits_3_with_files_written(tmp_path, capsys):
    reads, _ = p017()
    folder = write(tmp_path / "reads", {"r1.json": reads[0], "r2.json": reads[1]})
    out = tmp_path / "out"
    assert main(["export-sdtm", str(folder), "--out", str(out), "-q"]) == 0
    assert "warning: " in capsys.readouterr().err
    assert main(["export-sdtm", str(folder), "--out", str(out), "-q", "--strict"]) == 3
    err = capsys.readouterr().err
    assert err.startswith(
        f"warning: {folder / 'r1.json'}: patient 'P-017' is awaiting_adjudication"
    )
    assert (out / "rs.xpt").exists()


def test_invalid_input_exits_2_naming_every_problem_and_writes_nothing(tmp_path, capsys):
    reads, _ = p017()
    reads[0]["lesions"][2]["organ"] = "perihepatic"
    folder = write(tmp_path / "reads", {"P-017.json": reads[0], "broken.json": {"kind": 3}})
    (folder / "empty.json").write_text("")
    out = tmp_path / "out"
    assert main(["export-sdtm", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert (
        err[0] == f"{folder / 'empty.json'}: the file is empty: a patient record is a JSON object"
    )
    assert main(["export-sdtm", str(folder / "P-017.json"), "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f'{folder / "P-017.json"}: lesions[2].organ: "perihepatic" has no CDISC Anatomical '
        "Location term; add location_code"
    ]
    assert not out.exists()
    assert main(["export-sdtm", str(folder / "P-017.json"), "--out", str(out),
                 "--set", "no_such_option=1"]) == 2  # fmt: skip
    assert "--set no_such_option: unknown option" in capsys.readouterr().err
