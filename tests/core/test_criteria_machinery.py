"""One read, several criteria (design.md §7.1–§7.4): the API, the option keys, compatibility."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import recist_reader
from recist_reader import RecordError, score_record
from recist_reader.core.criteria import CRITERIA, SUPPORTED_CRITERIA, criteria_class
from recist_reader.core.options import (
    OPTION_NAMES,
    IrecistOptions,
    MrecistOptions,
    ScoringOptions,
    parse_option_value,
)
from recist_reader.core.record_builder import RecordBuilder

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"

SHARED_KEYS = [
    "confirm_min_days",
    "sd_min_days",
    "too_small_mm",
    "max_ne_between_confirmations",
    "accept_sd_between_pr_confirmations",
    "cr_then_pr_confirms_pr",
    "pd_on_reappearance_after_cr",
    "cr_precedence_over_arithmetic_pd",
    "continuing_pr",
    "nontarget_partial_missing_is_ne",
    "backdate_equivocal_new_lesions",
    "validate_baseline",
    "pct_decimals",
]
MRECIST_DEFAULTS = {
    "mrecist_pd_min_increase_mm": 0.0,
    "mrecist_effusion_pd_requires_cytology": True,
    "mrecist_porta_hepatis_node_min_mm": 20.0,
    "mrecist_porta_hepatis_node_normal_below_mm": 10.0,
    "mrecist_new_intrahepatic_min_mm": 10.0,
    "mrecist_atypical_growth_mm": 10.0,
    "mrecist_allow_atypical_hcc_targets": False,
}
IRECIST_DEFAULTS = {
    "icpd_min_days": 28,
    "icpd_increase_reference": "first_iupd",
    "reset_after_new_lesion_iupd": "improvement",
    "unconfirmed_iupd_pfs": "event_if_stopped",
    "irecist_new_lesion_missing_is_ne": True,
    "irecist_validate_new_lesions": True,
}


def record(**config):
    builder = RecordBuilder("P014", baseline_date="2024-01-10", config=config)
    builder.target("T1", organ="liver", baseline_mm=50.0).non_target("NT1", organ="bone")
    builder.visit(day=56, visit_id="W8", T1=30.0, NT1="present")
    builder.visit(day=112, visit_id="W16", T1=29.0, NT1="present")
    return builder.to_dict()


def problems(error: RecordError):
    return [(p.path, p.code, p.criteria) for p in error.problems]


# ------------------------------------------------------------------------------ §7.2 API
def test_supported_criteria_are_exported_in_order():
    assert recist_reader.SUPPORTED_CRITERIA == ("RECIST1.1", "mRECIST", "iRECIST")
    assert SUPPORTED_CRITERIA == recist_reader.SUPPORTED_CRITERIA
    assert "SUPPORTED_CRITERIA" in dir(recist_reader)


def test_no_criteria_scores_the_primary_one_and_a_name_gives_the_same_response():
    plain = score_record(record())
    assert plain["criteria"] == "RECIST1.1"
    assert score_record(record(), criteria="RECIST1.1") == plain


def test_a_list_gives_one_object_with_a_response_per_name():
    combined = score_record(record(), criteria=["RECIST1.1"])
    assert combined == {
        "schema_version": 1,
        "patient_id": "P014",
        "responses": {"RECIST1.1": score_record(record(), criteria="RECIST1.1")},
    }
    assert score_record(record(), criteria=("RECIST1.1",)) == combined


@pytest.mark.parametrize(
    ("criteria", "shown"),
    [
        ("RECIST 1.1", "'RECIST 1.1'"),
        ("mrecist", "'mrecist'"),
        (["RECIST1.1", "RECIST1.1"], "named twice"),
        ([], "no criteria named"),
        (["RECIST1.1", "WHO"], "'WHO'"),
    ],
)
def test_unsupported_repeated_or_no_criteria(criteria, shown):
    with pytest.raises(RecordError) as error:
        score_record(record(), criteria=criteria)
    assert error.value.codes == ["unsupported_criteria"]
    assert shown in str(error.value)
    assert "RECIST1.1, mRECIST, iRECIST" in str(error.value)


def test_an_unsupported_primary_criteria_names_the_supported_ones():
    with pytest.raises(RecordError) as error:
        score_record({**record(), "criteria": "WHO"})
    assert problems(error.value) == [("criteria", "unsupported_criteria", None)]
    assert "RECIST1.1, mRECIST, iRECIST" in str(error.value)


@pytest.mark.skipif("iRECIST" in CRITERIA, reason="the iRECIST engine is installed")
def test_irecist_is_supported_but_says_when_it_is_not_available():
    with pytest.raises(RecordError) as error:
        score_record(record(), criteria="iRECIST")
    assert error.value.codes == ["unsupported_criteria"]
    assert "iRECIST scoring is not available" in str(error.value)


def test_every_criteria_module_that_exists_is_registered():
    assert set(CRITERIA) <= set(SUPPORTED_CRITERIA)
    for name, found in CRITERIA.items():
        assert criteria_class(name) is found and found.name == name


def test_problems_name_the_criteria_only_when_it_is_not_the_primary_one():
    bad = record()
    bad["visits"][0]["measurements"][0]["diameter_mm"] = 8.0  # not measurable
    with pytest.raises(RecordError) as error:
        score_record(bad)
    assert problems(error.value) == [
        ("visits[0].measurements[0].diameter_mm", "target_not_measurable", None)
    ]
    assert str(error.value).startswith("visits[0].measurements[0].diameter_mm: ")
    with pytest.raises(RecordError) as error:
        score_record(bad, criteria=["RECIST1.1"])
    assert problems(error.value) == [
        ("visits[0].measurements[0].diameter_mm", "target_not_measurable", "RECIST1.1")
    ]
    assert str(error.value).startswith("RECIST1.1: visits[0].measurements[0].diameter_mm: ")
    assert (
        error.value.with_source("P014.json")
        .problems[0]
        .describe("P014.json")
        .startswith("P014.json: RECIST1.1: visits[0]")
    )


# ------------------------------------------------------------------------ §7.4 the keys
def test_the_keys_are_the_union_of_every_criteria():
    assert list(OPTION_NAMES) == [*SHARED_KEYS, *MRECIST_DEFAULTS, *IRECIST_DEFAULTS]
    assert ScoringOptions.option_names() == frozenset(SHARED_KEYS)
    assert MrecistOptions.option_names() == frozenset([*SHARED_KEYS, *MRECIST_DEFAULTS])
    assert IrecistOptions.option_names() == frozenset([*SHARED_KEYS, *IRECIST_DEFAULTS])


def test_defaults_of_each_criteria_options():
    assert {k: v for k, v in MrecistOptions().as_json().items() if k.startswith("mrecist_")} == (
        MRECIST_DEFAULTS
    )
    assert {k: v for k, v in IrecistOptions().as_json().items() if k not in SHARED_KEYS} == (
        IRECIST_DEFAULTS
    )
    assert list(MrecistOptions().as_json())[: len(SHARED_KEYS)] == SHARED_KEYS


def test_a_key_of_another_criteria_is_accepted_and_ignored():
    config = {
        "sd_min_days": 56,
        "mrecist_pd_min_increase_mm": 5,
        "icpd_min_days": 21,
        "icpd_increase_reference": "previous",
    }
    response = score_record(record(**config), unconfirmed_iupd_pfs="censor")
    assert list(response["config"]) == SHARED_KEYS
    assert response["config"]["sd_min_days"] == 56
    assert score_record(record(**config))["visits"] == score_record(record())["visits"]


@pytest.mark.parametrize(
    ("config", "path", "code"),
    [
        ({"mrecist_pd_min_increase": 5}, "config.mrecist_pd_min_increase", "bad_config"),
        ({"icpd_min_day": 5}, "config.icpd_min_day", "bad_config"),
        ({"mrecist_pd_min_increase_mm": -1}, "config.mrecist_pd_min_increase_mm", None),
        (
            {"mrecist_porta_hepatis_node_min_mm": 0},
            "config.mrecist_porta_hepatis_node_min_mm",
            None,
        ),
        (
            {"mrecist_allow_atypical_hcc_targets": "yes"},
            "config.mrecist_allow_atypical_hcc_targets",
            None,
        ),
        ({"icpd_increase_reference": "last"}, "config.icpd_increase_reference", None),
        ({"reset_after_new_lesion_iupd": "never"}, "config.reset_after_new_lesion_iupd", None),
        ({"unconfirmed_iupd_pfs": True}, "config.unconfirmed_iupd_pfs", None),
        ({"icpd_min_days": -1}, "config.icpd_min_days", None),
        ({"irecist_validate_new_lesions": 1}, "config.irecist_validate_new_lesions", None),
    ],
)
def test_bad_keys_and_values_are_rejected_under_every_criteria(config, path, code):
    with pytest.raises(RecordError) as error:
        score_record(record(**config))
    ((found_path, found_code, _),) = problems(error.value)
    assert found_path == path
    if code is not None:
        assert found_code == code


def test_an_unknown_option_given_to_the_api_is_bad_config_and_lists_every_key():
    with pytest.raises(RecordError) as error:
        score_record(record(), criteria=["RECIST1.1"], icpd_min_day=3)
    assert problems(error.value) == [("options.icpd_min_day", "bad_config", None)]
    assert "mrecist_atypical_growth_mm" in str(error.value)
    assert "irecist_validate_new_lesions" in str(error.value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("5", 5),
        ("5.5", 5.5),
        ('"previous"', "previous"),
        ("previous", "previous"),
        ("[0, 56]", [0, 56]),
        ("event_if_stopped", "event_if_stopped"),
    ],
)
def test_set_values_are_json_when_they_parse_otherwise_text(text, value):
    assert parse_option_value(text) == value


# ------------------------------------------------------------------------ compatibility
@pytest.mark.parametrize("path", sorted((ROOT / "sample_data" / "records").glob("HCC-00*.json")))
def test_the_bundled_recist_samples_score_byte_identically(path):
    golden = GOLDEN / path.name.replace(".json", ".response.json")
    response = score_record(json.loads(path.read_text()))
    assert json.dumps(response, indent=2, ensure_ascii=False) + "\n" == golden.read_text()
