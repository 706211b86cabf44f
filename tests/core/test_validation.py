"""Invalid records are rejected with the JSON path of the field and what is wrong (R1, R2, R3)."""

from __future__ import annotations

import copy
import json

import pytest

from recist_reader import RecordError, score_record
from recist_reader.core.record_builder import RecordBuilder
from recist_reader.io.record_json import read_record_file


def valid_record():
    builder = RecordBuilder("P001", baseline_date="2024-01-10")
    builder.target("T1", organ="liver", baseline_mm=42.0)
    builder.target("T2", organ="lymph node", nodal=True, baseline_mm=18.0)
    builder.non_target("NT1", organ="peritoneum")
    builder.visit(day=56, visit_id="W8", T1=30.0, T2="too_small", NT1="present")
    builder.visit(day=112, visit_id="W16", T1=28.0, T2=4.0, NT1="present")
    return builder.to_dict()


def problems_of(record, **options):
    with pytest.raises(RecordError) as error:
        score_record(record, **options)
    return [(p.path, p.code) for p in error.value.problems], str(error.value)


def edited(edit):
    record = valid_record()
    edit(record)
    return record


def test_valid_record_scores():
    assert score_record(valid_record())["patient_id"] == "P001"


CASES = [
    # (description, edit, expected path, expected code)
    (
        "negative diameter",
        lambda r: r["visits"][2]["measurements"][0].update(diameter_mm=-1.5),
        "visits[2].measurements[0].diameter_mm",
        "negative_diameter",
    ),
    (
        "diameter as text",
        lambda r: r["visits"][1]["measurements"][0].update(diameter_mm="30"),
        "visits[1].measurements[0].diameter_mm",
        "value_error",
    ),
    (
        "diameter as boolean",
        lambda r: r["visits"][1]["measurements"][0].update(diameter_mm=True),
        "visits[1].measurements[0].diameter_mm",
        "value_error",
    ),
    (
        "not a finite number",
        lambda r: r["visits"][1]["measurements"][0].update(diameter_mm=float("nan")),
        "visits[1].measurements[0].diameter_mm",
        "value_error",
    ),
    (
        "ruler end point not a finite number",
        lambda r: r["visits"][1]["measurements"][0].update(
            ruler={"series_uid": "1.2.3", "points_lps_mm": [[1, 2, 3], [4, float("inf"), 6]]}
        ),
        "visits[1].measurements[0].ruler.points_lps_mm[1][1]",
        "finite_number",
    ),
    (
        "long axis not a finite number",
        lambda r: r["visits"][1]["measurements"][0].update(long_axis_mm=float("inf")),
        "visits[1].measurements[0].long_axis_mm",
        "finite_number",
    ),
    (
        "new lesion point not a finite number",
        lambda r: r["visits"][2]["new_lesions"].append(
            {"location": "lung", "point_lps_mm": [float("nan"), 0, 0]}
        ),
        "visits[2].new_lesions[0].point_lps_mm[0]",
        "finite_number",
    ),
    (
        "nodal flag as text",
        lambda r: r["lesions"][0].update(nodal="no"),
        "lesions[0].nodal",
        "wrong_type",
    ),
    ("lesions not a list", lambda r: r.update(lesions={"T1": 1}), "lesions", "wrong_type"),
    ("missing patient id", lambda r: r.pop("patient_id"), "patient_id", "missing_field"),
    (
        "unknown field",
        lambda r: r["visits"][1]["measurements"][0].update(diamter_mm=3),
        "visits[1].measurements[0].diamter_mm",
        "unknown_field",
    ),
    (
        "unknown lesion kind",
        lambda r: r["lesions"][0].update(kind="index"),
        "lesions[0].kind",
        "invalid_value",
    ),
    (
        "unknown status",
        lambda r: r["visits"][1]["measurements"][2].update(status="stable"),
        "visits[1].measurements[2].status",
        "invalid_value",
    ),
    (
        "impossible date",
        lambda r: r["visits"][1].update(date="2024-02-30"),
        "visits[1].date",
        "value_error",
    ),
    ("date as number", lambda r: r.update(baseline_date=20240110), "baseline_date", "value_error"),
    (
        "ISO week date, not YYYY-MM-DD",
        lambda r: r["visits"][1].update(date="2024-W10-3"),
        "visits[1].date",
        "value_error",
    ),
    (
        "basic-format date with trailing text",
        lambda r: r.update(baseline_date="20240110xx"),
        "baseline_date",
        "value_error",
    ),
    (
        "unknown lesion id",
        lambda r: r["visits"][1]["measurements"][0].update(lesion_id="T9"),
        "visits[1].measurements[0].lesion_id",
        "unknown_lesion_id",
    ),
    (
        "duplicate lesion id",
        lambda r: r["lesions"][2].update(lesion_id="T1"),
        "lesions[2].lesion_id",
        "duplicate_lesion_id",
    ),
    (
        "duplicate visit id",
        lambda r: r["visits"][2].update(visit_id="W8"),
        "visits[2].visit_id",
        "duplicate_visit_id",
    ),
    (
        "lesion measured twice",
        lambda r: r["visits"][1]["measurements"].append({"lesion_id": "T1", "diameter_mm": 3}),
        "visits[1].measurements[3].lesion_id",
        "duplicate_measurement",
    ),
    (
        "visit before baseline",
        lambda r: r["visits"][1].update(date="2024-01-09"),
        "visits[1].date",
        "visit_before_baseline",
    ),
    (
        "two visits on one date",
        lambda r: r["visits"][2].update(date=r["visits"][1]["date"]),
        "visits[2].date",
        "duplicate_visit_date",
    ),
    (
        "no visit at baseline date",
        lambda r: r.update(baseline_date="2024-01-05"),
        "baseline_date",
        "no_baseline_visit",
    ),
    (
        "non-target given a diameter",
        lambda r: r["visits"][1]["measurements"][2].update(diameter_mm=12.0, status=None),
        "visits[1].measurements[2].diameter_mm",
        "non_target_with_diameter",
    ),
    (
        "target given a non-target status",
        lambda r: r["visits"][1]["measurements"][0].update(status="present", diameter_mm=None),
        "visits[1].measurements[0].status",
        "invalid_status",
    ),
    (
        "target with diameter and status",
        lambda r: r["visits"][1]["measurements"][0].update(status="absent"),
        "visits[1].measurements[0].status",
        "diameter_and_status",
    ),
    (
        "target with neither diameter nor status",
        lambda r: r["visits"][1]["measurements"][0].pop("diameter_mm"),
        "visits[1].measurements[0]",
        "measurement_incomplete",
    ),
    (
        "target without baseline measurement",
        lambda r: r["visits"][0]["measurements"].pop(0),
        "visits[0].measurements",
        "baseline_target_not_measured",
    ),
    (
        "target too small at baseline",
        lambda r: r["visits"][0]["measurements"][0].update(diameter_mm=None, status="too_small"),
        "visits[0].measurements[0].status",
        "baseline_target_not_measured",
    ),
    (
        "non-measurable target",
        lambda r: r["visits"][0]["measurements"][0].update(diameter_mm=9.9),
        "visits[0].measurements[0].diameter_mm",
        "target_not_measurable",
    ),
    (
        "non-target absent at baseline",
        lambda r: r["visits"][0]["measurements"][2].update(status="absent"),
        "visits[0].measurements[2].status",
        "non_target_not_present_at_baseline",
    ),
    (
        "new lesion at baseline",
        lambda r: r["visits"][0]["new_lesions"].append({"location": "lung", "equivocal": False}),
        "visits[0].new_lesions[0]",
        "new_lesion_at_baseline",
    ),
    (
        "too many targets",
        lambda r: (
            r["lesions"].extend(
                {"lesion_id": f"X{i}", "kind": "target", "organ": o}
                for i, o in enumerate(["lung", "bone", "skin", "brain"])
            )
            or r["visits"][0]["measurements"].extend(
                {"lesion_id": f"X{i}", "diameter_mm": 20} for i in range(4)
            )
        ),
        "lesions[6].kind",
        "too_many_targets",
    ),
    (
        "unknown config key",
        lambda r: r.update(config={"sd_min_day": 56}),
        "config.sd_min_day",
        "bad_config",
    ),
    (
        "config value of the wrong type",
        lambda r: r.update(config={"continuing_pr": "yes"}),
        "config.continuing_pr",
        "wrong_type",
    ),
    (
        "unsupported criteria",
        lambda r: r.update(criteria="WHO"),
        "criteria",
        "unsupported_criteria",
    ),
    (
        "unsupported schema version",
        lambda r: r.update(schema_version=2),
        "schema_version",
        "unsupported_schema_version",
    ),
    (
        "first_seen_visit_id unknown",
        lambda r: r["visits"][2]["new_lesions"].append(
            {"location": "lung", "equivocal": False, "first_seen_visit_id": "W99"}
        ),
        "visits[2].new_lesions[0].first_seen_visit_id",
        "unknown_visit_id",
    ),
    ("no visits", lambda r: r.update(visits=[]), "visits", "too_short"),
]


@pytest.mark.parametrize(("description", "edit", "path", "code"), CASES, ids=[c[0] for c in CASES])
def test_invalid_record_names_the_field(description, edit, path, code):
    record = edited(edit)
    problems, message = problems_of(record)
    assert (path, code) in problems
    assert path in message


def test_unknown_option_given_to_the_api():
    problems, message = problems_of(valid_record(), sd_min_day=56)
    assert problems == [("options.sd_min_day", "bad_config")]
    assert "known options" in message


def test_every_problem_is_reported_at_once():
    record = valid_record()
    record["visits"][1]["measurements"][0]["diameter_mm"] = -1
    record["lesions"][0]["nodal"] = "yes"
    problems, _ = problems_of(record)
    assert len(problems) == 2


def test_record_must_be_an_object():
    with pytest.raises(RecordError, match="must be a JSON object"):
        score_record([1, 2])  # type: ignore[arg-type]


def test_input_record_is_not_modified():
    record = valid_record()
    before = copy.deepcopy(record)
    score_record(record)
    assert record == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"  \n", "the file is empty"),
        (b'{"patient_id": ', "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_file_errors_name_the_file(tmp_path, content, message):
    path = tmp_path / "P017.json"
    path.write_bytes(content)
    with pytest.raises(RecordError) as error:
        read_record_file(path)
    assert str(error.value).startswith(f"{path}: {message}")


def test_missing_file(tmp_path):
    with pytest.raises(RecordError, match="file not found"):
        read_record_file(tmp_path / "nope.json")


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "P.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(valid_record()).encode())
    assert read_record_file(path)["patient_id"] == "P001"


def test_written_files_follow_the_umask_not_mkstemp(tmp_path):
    import os

    from recist_reader.io.record_json import write_json_atomic

    path = write_json_atomic(tmp_path / "r.json", {"a": 1})
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_diameters_keep_the_value_and_type_as_written_whatever_was_read_before():
    # Exact diameters are memoised by float: an int, a bool or -0.0 must never be taken
    # for an equal float read earlier.
    from decimal import Decimal

    from recist_reader.core.validation import parse_record

    def baseline_diameter(value):
        record = valid_record()
        record["visits"][0]["measurements"][0]["diameter_mm"] = value
        return parse_record(record).visits[0].measurements[0]["diameter_mm"]

    for _ in range(2):  # the second time from the memo
        assert repr(baseline_diameter(49.7)) == repr(Decimal("49.7"))
        assert repr(baseline_diameter(42.0)) == repr(Decimal("42.0"))
        assert repr(baseline_diameter(42)) == repr(Decimal("42"))
        assert repr(baseline_diameter(0.0)) == repr(Decimal("0.0"))
        assert repr(baseline_diameter(-0.0)) == repr(Decimal("-0.0"))
    record = valid_record()
    record["visits"][1]["measurements"][0]["diameter_mm"] = 1.0
    score_record(record)
    record["visits"][1]["measurements"][0]["diameter_mm"] = True
    assert problems_of(record)[0] == [("visits[1].measurements[0].diameter_mm", "value_error")]


def test_a_parsed_record_dumps_to_json_that_validates_again(recwarn):
    from recist_reader.core.validation import parse_record

    record = valid_record()
    record["visits"][1]["measurements"][0]["diameter_mm"] = 30.25
    record["config"] = {"too_small_mm": 4.5}
    parsed = parse_record(record)
    dumped = json.loads(parsed.model_dump_json(exclude_none=True))
    assert dumped["visits"][1]["measurements"][0]["diameter_mm"] == 30.25  # a number
    assert dumped["config"]["too_small_mm"] == 4.5
    assert parse_record(dumped) == parsed
    assert score_record(dumped) == score_record(record)
    assert not [w for w in recwarn if "serializ" in str(w.message).lower()]
