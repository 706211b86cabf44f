"""Every row of E09 Tables 1 and 2 (R8, R9), directly and through whole records."""

from __future__ import annotations

import itertools

import pytest

from recist_reader import score_record
from recist_reader.core.labels import Response
from recist_reader.core.record_builder import RecordBuilder
from recist_reader.core.timepoint import overall_non_target_only, overall_with_targets

CR, PR, SD, PD, NE, NN, NA = (
    Response.CR,
    Response.PR,
    Response.SD,
    Response.PD,
    Response.NE,
    Response.NON_CR_NON_PD,
    Response.NA,
)

TABLE_1 = [
    # target, non-target, new lesion, overall
    (CR, CR, False, CR),
    (CR, NA, False, CR),
    (CR, NN, False, PR),
    (CR, NE, False, PR),
    (PR, NN, False, PR),
    (PR, NE, False, PR),
    (PR, CR, False, PR),
    (PR, NA, False, PR),
    (SD, NN, False, SD),
    (SD, NE, False, SD),
    (SD, CR, False, SD),
    (SD, NA, False, SD),
    (NE, CR, False, NE),
    (NE, NN, False, NE),
    (NE, NE, False, NE),
    (NE, NA, False, NE),
]


@pytest.mark.parametrize(("target", "non_target", "new", "overall"), TABLE_1)
def test_table_1_rows(target, non_target, new, overall):
    assert overall_with_targets(target, non_target, new) is overall


@pytest.mark.parametrize(
    ("target", "non_target", "new"),
    [
        *[(PD, nt, new) for nt in (CR, NN, NE, PD, NA) for new in (False, True)],
        *[(t, PD, new) for t in (CR, PR, SD, NE) for new in (False, True)],
        *[(t, nt, True) for t in (CR, PR, SD, NE) for nt in (CR, NN, NE, NA)],
    ],
)
def test_table_1_progression_rows(target, non_target, new):
    assert overall_with_targets(target, non_target, new) is PD


@pytest.mark.parametrize(
    ("non_target", "new", "overall"),
    [
        (CR, False, CR),
        (NN, False, NN),
        (NE, False, NE),
        (PD, False, PD),
        (CR, True, PD),
        (NN, True, PD),
        (NE, True, PD),
        (PD, True, PD),
    ],
)
def test_table_2_rows(non_target, new, overall):
    assert overall_non_target_only(non_target, new) is overall


# The same rows through whole records: a target sequence and non-target statuses that produce
# each target / non-target combination.
TARGET_VALUES = {"CR": 0, "PR": 30.0, "SD": 45.0, "PD": 70.0, "NE": None}
NON_TARGET_STATUSES = {
    "CR": ("absent", "absent"),
    "NonCR/NonPD": ("present", "absent"),
    "NE": ("present", "not_evaluated"),
    "PD": ("present", "unequivocal_progression"),
}


@pytest.mark.parametrize(
    ("target", "non_target", "new"),
    list(itertools.product(TARGET_VALUES, [*NON_TARGET_STATUSES, "NA"], [False, True])),
)
def test_table_1_through_records(target, non_target, new):
    builder = RecordBuilder("P")
    builder.target("T1", organ="liver", baseline_mm=50.0)
    if non_target != "NA":
        builder.non_target("NT1", organ="bone").non_target("NT2", organ="peritoneum")
    statuses = NON_TARGET_STATUSES.get(non_target, (None, None))
    builder.visit(
        day=56,
        T1=TARGET_VALUES[target],
        NT1=statuses[0],
        NT2=statuses[1],
        new=["liver segment 7"] if new else [],
    )
    visit = score_record(builder.to_dict())["visits"][0]
    assert (visit["target"], visit["non_target"], visit["new_lesions"]) == (target, non_target, new)
    expected = overall_with_targets(Response(target), Response(non_target), new).value
    assert visit["overall"] == expected


@pytest.mark.parametrize(
    ("non_target", "new"), list(itertools.product(NON_TARGET_STATUSES, [False, True]))
)
def test_table_2_through_records(non_target, new):
    builder = RecordBuilder("P")
    builder.non_target("NT1", organ="bone").non_target("NT2", organ="pleural effusion")
    statuses = NON_TARGET_STATUSES[non_target]
    builder.visit(day=56, NT1=statuses[0], NT2=statuses[1], new=["brain"] if new else [])
    response = score_record(builder.to_dict())
    visit = response["visits"][0]
    assert visit["target"] == "NA"
    assert visit["sum_mm"] is None and visit["nadir_mm"] is None
    assert response["baseline"]["sum_mm"] is None
    assert visit["overall"] == overall_non_target_only(Response(non_target), new).value


def test_visit_with_no_data_is_not_evaluable():
    builder = RecordBuilder("P")
    builder.target("T1", organ="liver", baseline_mm=50.0).non_target("NT1", organ="bone")
    builder.visit(day=56, equivocal=["lung"])
    visit = score_record(builder.to_dict())["visits"][0]
    assert (visit["target"], visit["non_target"], visit["overall"]) == ("NE", "NE", "NE")
    assert visit["partial_sum_mm"] == 0.0 and visit["sum_mm"] is None
