"""Best overall response: Table 3 of E09 and the confirmation rules (R11, R12, A3–A5, A9)."""

from __future__ import annotations

import datetime as dt

import pytest

from recist_reader import score_record
from recist_reader.core.endpoints import (
    TimePoint,
    best_overall_response_confirmed,
    best_overall_response_unconfirmed,
)
from recist_reader.core.labels import Response
from recist_reader.core.options import ScoringOptions
from recist_reader.core.record_builder import RecordBuilder

BASELINE = dt.date(2024, 1, 1)
DEFAULTS = ScoringOptions()


def window(*points: tuple[int, str]) -> list[TimePoint]:
    return [
        TimePoint(BASELINE + dt.timedelta(days=day), day, Response(label)) for day, label in points
    ]


# E09 Table 3: first time point, subsequent time point -> confirmed BOR. "SD provided minimum
# criteria for SD duration met" is tested both ways by the first time point's day.
TABLE_3 = [
    ((56, "CR"), (112, "CR"), "CR"),
    ((56, "CR"), (112, "PR"), "PR"),  # A3: cr_then_pr_confirms_pr
    ((56, "CR"), (112, "SD"), "SD"),
    ((28, "CR"), (35, "SD"), "NE"),  # SD minimum not met, no PD -> NE
    ((56, "CR"), (112, "PD"), "SD"),
    ((28, "CR"), (35, "PD"), "PD"),
    ((56, "CR"), (112, "NE"), "SD"),
    ((28, "CR"), (35, "NE"), "NE"),
    ((56, "PR"), (112, "CR"), "PR"),
    ((56, "PR"), (112, "PR"), "PR"),
    ((56, "PR"), (112, "SD"), "SD"),
    ((56, "PR"), (112, "PD"), "SD"),
    ((28, "PR"), (35, "PD"), "PD"),
    ((56, "PR"), (112, "NE"), "SD"),
    ((28, "PR"), (35, "NE"), "NE"),
    ((56, "NE"), (112, "NE"), "NE"),
]


@pytest.mark.parametrize(("first", "second", "expected"), TABLE_3)
def test_table_3(first, second, expected):
    assert best_overall_response_confirmed(
        window(first, second), DEFAULTS, has_targets=True
    ) is Response(expected)


def test_cr_then_pr_is_not_confirmed_when_option_off():
    options = ScoringOptions(cr_then_pr_confirms_pr=False)
    assert (
        best_overall_response_confirmed(window((56, "CR"), (112, "PR")), options, has_targets=True)
        is Response.SD
    )


@pytest.mark.parametrize(
    ("points", "confirmed"),
    [
        ([(56, "CR"), (70, "NE"), (112, "CR")], "CR"),  # one NE between
        ([(56, "CR"), (70, "NE"), (77, "NE"), (112, "CR")], "SD"),  # two NE: not confirmed
        ([(56, "CR"), (70, "PR"), (112, "CR")], "PR"),  # CR, PR, CR: confirmed PR, not CR
        ([(56, "CR"), (70, "SD"), (112, "CR")], "SD"),  # CR, SD, CR: not a confirmed PR
        ([(56, "PR"), (70, "SD"), (112, "PR")], "SD"),  # A4: no SD between
        ([(56, "PR"), (70, "NE"), (112, "PR")], "PR"),
        ([(56, "PR"), (70, "NE"), (84, "NE"), (112, "PR")], "SD"),
        ([(56, "PR"), (70, "PR"), (84, "PR")], "PR"),  # confirmed by the first PR at >= 28 days
        ([(56, "PR"), (83, "PR")], "SD"),  # 27 days
        ([(56, "PR"), (84, "NE"), (112, "PR")], "PR"),  # NE at >= 28 days, then PR
        ([(56, "PR"), (84, "SD"), (112, "PR"), (140, "PR")], "PR"),  # later pair confirms
        ([(28, "PR"), (41, "SD"), (49, "PD")], "PD"),
        ([], "NE"),  # A20: no post-baseline assessment
    ],
)
def test_confirmation_sequences(points, confirmed):
    assert best_overall_response_confirmed(window(*points), DEFAULTS, has_targets=True) is Response(
        confirmed
    )


def test_sd_between_pr_and_confirmation_when_allowed():
    options = ScoringOptions(accept_sd_between_pr_confirmations=True)
    pr_sd_pr = window((56, "PR"), (70, "SD"), (112, "PR"))
    assert best_overall_response_confirmed(pr_sd_pr, options, has_targets=True) is Response.PR
    cr_sd_cr = window((56, "CR"), (70, "SD"), (112, "CR"))  # never from a CR
    assert best_overall_response_confirmed(cr_sd_cr, options, has_targets=True) is Response.SD


@pytest.mark.parametrize(("allowed", "expected"), [(0, "SD"), (1, "PR"), (2, "PR")])
def test_max_ne_between_confirmations(allowed, expected):
    options = ScoringOptions(max_ne_between_confirmations=allowed)
    points = window((56, "PR"), (70, "NE"), (112, "PR"))
    assert best_overall_response_confirmed(points, options, has_targets=True) is Response(expected)


@pytest.mark.parametrize(
    ("points", "unconfirmed", "confirmed"),
    [
        ([(56, "CR"), (112, "CR")], "CR", "CR"),
        ([(56, "CR")], "CR", "NonCR/NonPD"),  # A9: unconfirmed CR is NonCR/NonPD, not "SD"
        ([(28, "CR")], "CR", "NE"),
        ([(28, "CR"), (56, "PD")], "CR", "PD"),
        ([(56, "NonCR/NonPD")], "NonCR/NonPD", "NonCR/NonPD"),
        ([(41, "NonCR/NonPD")], "NE", "NE"),
        ([(41, "NonCR/NonPD"), (70, "PD")], "PD", "PD"),
        ([(56, "NE")], "NE", "NE"),
    ],
)
def test_non_target_only_best_response(points, unconfirmed, confirmed):
    tps = window(*points)
    assert best_overall_response_unconfirmed(tps, DEFAULTS) is Response(unconfirmed)
    assert best_overall_response_confirmed(tps, DEFAULTS, has_targets=False) is Response(confirmed)


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        ([(28, "SD"), (56, "PD")], "PD"),
        ([(28, "SD")], "NE"),
        ([(42, "SD"), (56, "PD")], "SD"),
        ([(28, "PR"), (56, "PD")], "PR"),
        ([(28, "NE"), (56, "SD"), (84, "PR"), (112, "CR")], "CR"),
        ([(56, "PD")], "PD"),
    ],
)
def test_unconfirmed_best_response(points, expected):
    assert best_overall_response_unconfirmed(window(*points), DEFAULTS) is Response(expected)


def test_confirmed_partial_response_through_a_record():
    builder = RecordBuilder("P")
    builder.target("T1", organ="liver", baseline_mm=40.0).target(
        "T2", organ="lung", baseline_mm=31.0
    )
    builder.visit(day=56, T1=30.0, T2=20.0)  # 50/71 = -29.6 % -> SD
    builder.visit(day=112, T1=29.0, T2=20.7)  # 49.7/71 = -30 % exactly -> PR
    builder.visit(day=140, T1=28.0, T2=20.0)  # 28 days later -> confirmed
    response = score_record(builder.to_dict())
    assert [v["overall"] for v in response["visits"]] == ["SD", "PR", "PR"]
    assert response["best_overall_response"] == {"unconfirmed": "PR", "confirmed": "PR"}
    assert response["duration_of_response"] == {
        "start_date": "2024-04-22",
        "end_date": "2024-05-20",
        "days": 28,
        "censored": True,
    }
