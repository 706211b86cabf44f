"""``recist-reader score`` in-process through ``main(argv)`` (design.md §3)."""

from __future__ import annotations

import json

import pytest

from recist_reader import score_record
from recist_reader.cli import main
from recist_reader.core.record_builder import RecordBuilder


def record(patient_id="P001", follow_up_mm=30.0):
    builder = RecordBuilder(patient_id, baseline_date="2024-01-10")
    builder.target("T1", organ="liver", baseline_mm=42.0).non_target("NT1", organ="bone")
    builder.visit(day=56, visit_id="W8", T1=follow_up_mm, NT1="present")
    builder.visit(day=112, visit_id="W16", T1=follow_up_mm, NT1="present")
    return builder.to_dict()


def write(path, document):
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_single_file_json_is_exactly_one_response(tmp_path, capsys):
    path = write(tmp_path / "p.json", record())
    assert main(["score", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == score_record(record())
    assert captured.err == ""


def test_table_output(tmp_path, capsys):
    path = write(tmp_path / "p.json", record())
    assert main(["score", str(path)]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[1].split()
    assert header[:4] == ["Visit", "Date", "Day", "Sum"]
    assert (
        "W8     2024-03-06   56    30.0   -28.57      -28.57  SD      NonCR/NonPD  no   SD" in out
    )
    assert "Best overall response: confirmed SD, unconfirmed SD" in out
    assert "Progression: none; PFS censored at 2024-05-01" in out
    assert (
        "W8: target SD: sum 30.0 mm vs baseline 42.0 mm (-28.57 %): neither PR nor PD (R5.4)" in out
    )


def test_table_of_a_record_with_only_its_baseline(tmp_path, capsys):
    builder = RecordBuilder("P002", baseline_date="2024-01-10")
    builder.target("T1", organ="liver", baseline_mm=42.0)
    path = write(tmp_path / "p.json", builder.to_dict())
    assert main(["score", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Patient P002  (RECIST1.1)  baseline BL 2024-01-10, sum 42.0 mm" in out
    assert "(no follow-up visits)" in out
    assert "Best overall response: confirmed NE, unconfirmed NE" in out


def test_folder_with_an_invalid_record(tmp_path, capsys):
    folder = tmp_path / "records"
    folder.mkdir()
    write(folder / "a.json", record("A"))
    bad = record("B")
    bad["visits"][2]["measurements"][0]["diameter_mm"] = -3
    write(folder / "b.json", bad)
    write(folder / "c.json", record("C", follow_up_mm=20.0))
    (folder / "A.response.json").write_text("{}")  # earlier outputs are not records
    out = tmp_path / "out"
    assert main(["score", str(folder), "--out", str(out), "--quiet"]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == (
        f"{folder / 'b.json'}: visits[2].measurements[0].diameter_mm: "
        "must be ≥ 0 mm, got -3 (use 0 for a lesion that disappeared)"
    )
    assert sorted(p.name for p in out.iterdir()) == ["A.response.json", "C.response.json"]
    written = json.loads((out / "C.response.json").read_text())
    assert written == score_record(record("C", follow_up_mm=20.0))


def test_multiple_files_json_is_a_list(tmp_path, capsys):
    paths = [str(write(tmp_path / f"{n}.json", record(n))) for n in ("A", "B")]
    assert main(["score", *paths, "--json"]) == 0
    assert [r["patient_id"] for r in json.loads(capsys.readouterr().out)] == ["A", "B"]


def test_set_overrides_the_record_config(tmp_path, capsys):
    document = record()
    document["config"] = {"sd_min_days": 200}
    path = write(tmp_path / "p.json", document)
    assert (
        main(
            ["score", str(path), "--json", "--set", "sd_min_days=56", "--set", "continuing_pr=true"]
        )
        == 0
    )
    config = json.loads(capsys.readouterr().out)["config"]
    assert (config["sd_min_days"], config["continuing_pr"]) == (56, True)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("sd_min_day=56", "--set sd_min_day: unknown option 'sd_min_day'"),
        ("sd_min_days=soon", "--set sd_min_days: Input should be a valid integer"),
        ("sd_min_days", "--set sd_min_days: expected KEY=VALUE"),
    ],
)
def test_bad_settings(tmp_path, capsys, setting, message):
    path = write(tmp_path / "p.json", record())
    assert main(["score", str(path), "--set", setting]) == 2
    assert capsys.readouterr().err.startswith(message)


def test_duplicate_patient_ids_do_not_overwrite(tmp_path, capsys):
    write(tmp_path / "a.json", record("P1", follow_up_mm=30.0))
    write(tmp_path / "b.json", record("P1", follow_up_mm=20.0))
    out = tmp_path / "out"
    assert (
        main(["score", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--out", str(out), "-q"])
        == 2
    )
    assert "already scored" in capsys.readouterr().err
    assert json.loads((out / "P1.response.json").read_text())["visits"][0]["sum_mm"] == 30.0


def test_missing_and_empty_paths(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["score", str(empty), str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"{empty}: no record files (*.json) in this folder",
        f"{tmp_path / 'missing.json'}: file not found",
    ]


@pytest.mark.parametrize("command", [[], ["score"], ["inspect"]])
def test_help_on_every_sub_command(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: recist-reader" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty: a patient record is a JSON object"),
        (b'{"patient_id": ', "not valid JSON: EOF while parsing a value at line 1 column 15"),
        (b"[1, 2]", "a patient record must be a JSON object"),
        (b"\xff\xfe{}", "not UTF-8 text (byte 0): save the record as UTF-8 JSON"),
    ],
)
def test_broken_files_are_named(tmp_path, capsys, content, message):
    path = tmp_path / "P017.json"
    path.write_bytes(content)
    assert main(["score", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"{path}: {message}\n"
    assert captured.out == ""


def test_utf8_byte_order_mark_is_accepted(tmp_path, capsys):
    path = tmp_path / "p.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(record()).encode())
    assert main(["score", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["patient_id"] == "P001"


def test_large_folders_are_scored_by_a_process_per_core_with_the_same_result(
    tmp_path, capsys, monkeypatch
):
    from recist_reader.cli import score as score_command

    folder = tmp_path / "records"
    folder.mkdir()
    for index in range(8):
        write(folder / f"p{index}.json", record(f"P{index}", follow_up_mm=20.0 + index))
    bad = record("BAD")
    bad["lesions"][0]["nodal"] = "no"
    write(folder / "p3.json", bad)
    write(folder / "p9.json", record("P1", follow_up_mm=40.0))  # a second P1
    serial_out, parallel_out = tmp_path / "serial", tmp_path / "parallel"
    assert main(["score", str(folder), "--out", str(serial_out), "--json"]) == 2
    serial = capsys.readouterr()
    monkeypatch.setattr(score_command, "PARALLEL_MIN_RECORDS", 2)
    monkeypatch.setattr(score_command.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert main(["score", str(folder), "--out", str(parallel_out), "--json"]) == 2
    parallel = capsys.readouterr()
    assert parallel.out == serial.out and parallel.err == serial.err
    assert "p9.json: patient_id: patient 'P1' was already scored" in parallel.err
    for path in serial_out.iterdir():
        assert (parallel_out / path.name).read_text() == path.read_text()
    assert (
        json.loads((parallel_out / "P1.response.json").read_text())["visits"][0]["sum_mm"] == 21.0
    )


# ------------------------------------------------------------ criteria (design.md §7.3)
def test_one_criteria_named_scores_every_record_under_it(tmp_path, capsys):
    path = write(tmp_path / "p.json", record())
    assert main(["score", str(path), "--criteria", "RECIST1.1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == score_record(record())


@pytest.mark.parametrize("names", ["WHO", "RECIST1.1,RECIST1.1", "recist1.1", ""])
def test_an_unsupported_or_repeated_criteria_is_a_usage_error(tmp_path, capsys, names):
    path = write(tmp_path / "p.json", record())
    assert main(["score", str(path), "--criteria", names]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "RECIST1.1, mRECIST, iRECIST" in captured.err


def test_out_names_the_file_of_a_criteria_that_is_not_the_primary_one(tmp_path, capsys):
    primary_mrecist = dict(record("P014"), criteria="mRECIST")
    path = write(tmp_path / "p.json", primary_mrecist)
    out = tmp_path / "out"
    assert main(["score", str(path), "--criteria", "RECIST1.1", "--out", str(out), "-q"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["P014.RECIST1.1.response.json"]
    written = json.loads((out / "P014.RECIST1.1.response.json").read_text())
    assert written == score_record(primary_mrecist, criteria="RECIST1.1")


def test_problem_lines_name_a_criteria_that_is_not_the_primary_one(tmp_path, capsys):
    bad = dict(record("P014"), criteria="mRECIST")
    bad["visits"][0]["measurements"][0]["diameter_mm"] = 8.0
    path = write(tmp_path / "P014.json", bad)
    assert main(["score", str(path), "--criteria", "RECIST1.1", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(
        f"{path}: RECIST1.1: visits[0].measurements[0].diameter_mm: target 'T1' is not measurable"
    )


def test_problem_lines_of_the_primary_criteria_are_unchanged(tmp_path, capsys):
    bad = record("P014")
    bad["visits"][0]["measurements"][0]["diameter_mm"] = 8.0
    path = write(tmp_path / "P014.json", bad)
    assert main(["score", str(path)]) == 2
    assert capsys.readouterr().err.startswith(
        f"{path}: visits[0].measurements[0].diameter_mm: target 'T1' is not measurable"
    )


def test_set_reads_json_values_and_plain_strings(tmp_path, capsys):
    path = write(tmp_path / "p.json", record())
    argv = [
        "score",
        str(path),
        "--json",
        "--set",
        "icpd_increase_reference=previous",
        "--set",
        'unconfirmed_iupd_pfs="censor"',
        "--set",
        "mrecist_pd_min_increase_mm=5",
        "--set",
        "sd_min_days=56",
    ]
    assert main(argv) == 0
    response = json.loads(capsys.readouterr().out)
    assert response["config"]["sd_min_days"] == 56
    assert "icpd_increase_reference" not in response["config"]
    assert main(["score", str(path), "--set", "icpd_increase_reference=latest"]) == 2
    assert "icpd_increase_reference" in capsys.readouterr().err
    assert main(["score", str(path), "--set", "bogus=1"]) == 2
    assert "unknown option 'bogus'" in capsys.readouterr().err


def hcc_record(patient_id="P014", criteria="RECIST1.1"):
    builder = RecordBuilder(patient_id, baseline_date="2024-01-10", criteria=criteria)
    builder.target(
        "T1",
        organ="liver",
        baseline_mm=50.0,
        lesion_type="typical_hcc",
        baseline={"viable_diameter_mm": 40.0},
    )
    builder.visit(day=56, visit_id="W8", T1={"diameter_mm": 48.0, "viable_diameter_mm": 20.0})
    return builder.to_dict()


@pytest.mark.parametrize(
    ("primary", "files"),
    [
        ("RECIST1.1", ["P014.mRECIST.response.json", "P014.response.json"]),
        ("mRECIST", ["P014.RECIST1.1.response.json", "P014.response.json"]),
    ],
)
def test_out_writes_a_file_per_criteria_named_after_the_primary_one(tmp_path, primary, files):
    document = hcc_record(criteria=primary)
    path = write(tmp_path / "p.json", document)
    out = tmp_path / "out"
    assert (
        main(["score", str(path), "--criteria", "RECIST1.1,mRECIST", "--out", str(out), "-q"]) == 0
    )
    assert sorted(p.name for p in out.iterdir()) == files
    primary_file = json.loads((out / "P014.response.json").read_text())
    assert primary_file == score_record(document)
    assert primary_file["criteria"] == primary


def test_several_criteria_json_is_the_combined_object(tmp_path, capsys):
    path = write(tmp_path / "p.json", hcc_record())
    assert main(["score", str(path), "--criteria", "mRECIST,RECIST1.1", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document == score_record(hcc_record(), criteria=["mRECIST", "RECIST1.1"])
    assert list(document["responses"]) == ["mRECIST", "RECIST1.1"]
    assert [r["visits"][0]["target"] for r in document["responses"].values()] == ["PR", "SD"]


def test_several_criteria_print_a_table_each_naming_its_criteria(tmp_path, capsys):
    path = write(tmp_path / "p.json", hcc_record())
    assert main(["score", str(path), "--criteria", "RECIST1.1,mRECIST"]) == 0
    out = capsys.readouterr().out
    assert "Patient P014  (RECIST1.1)  baseline BL 2024-01-10, sum 50.0 mm" in out
    assert "Patient P014  (mRECIST)  baseline BL 2024-01-10, sum 40.0 mm" in out
    assert out.index("(RECIST1.1)") < out.index("(mRECIST)")


def test_a_record_invalid_under_one_criteria_still_writes_the_others(tmp_path, capsys):
    document = hcc_record()
    document["visits"][0]["measurements"][0]["viable_diameter_mm"] = 9.9  # M3.1
    path = write(tmp_path / "P014.json", document)
    out = tmp_path / "out"
    argv = ["score", str(path), "--criteria", "RECIST1.1,mRECIST", "--out", str(out), "--json"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # --json: nothing for a record invalid under one criteria
    assert captured.err.splitlines() == [
        f"{path}: mRECIST: visits[0].measurements[0].viable_diameter_mm: typical-HCC target T1 "
        "needs a baseline viable diameter ≥ 10.0 mm (M3.1), got 9.9 mm: follow it as an mRECIST "
        "non-target"
    ]
    assert sorted(p.name for p in out.iterdir()) == ["P014.response.json"]
    # the same record under its primary criteria alone is valid
    assert main(["score", str(path), "-q"]) == 0
