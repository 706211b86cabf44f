"""Exact values at every RECIST threshold (R1.4, R2, R5, R11–R13)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recist_reader import RecordError, score_record
from recist_reader.core.record_builder import RecordBuilder


def one_target(baseline_mm, *follow_ups, day_step=56, nodal=False, **config):
    builder = RecordBuilder("P", config=config)
    builder.target(
        "T1", organ="lymph node" if nodal else "liver", baseline_mm=baseline_mm, nodal=nodal
    )
    for index, value in enumerate(follow_ups, start=1):
        builder.visit(day=index * day_step, T1=value)
    return builder.to_dict()


@pytest.mark.parametrize(
    ("baseline_mm", "follow_up_mm", "expected"),
    [
        (71.0, 49.7, "PR"),  # exactly -30 %: -29.999999999999993 in floats
        (100.0, 70.0, "PR"),  # exactly -30 %
        (100.0, 70.01, "SD"),  # -29.99 %
        (100, 70.01, "SD"),
        (10.0, 7.0, "PR"),
        (10.0, 7.01, "SD"),
        (Decimal("71.0"), Decimal("49.7"), "PR"),
        (30.31, 21.217, "PR"),  # 30.31 * 0.7 = 21.217 exactly
        (30.31, 21.218, "SD"),
    ],
)
def test_partial_response_at_minus_30_percent(baseline_mm, follow_up_mm, expected):
    response = score_record(one_target(baseline_mm, follow_up_mm))
    assert response["visits"][0]["target"] == expected


@pytest.mark.parametrize(
    ("nadir_mm", "follow_up_mm", "expected"),
    [
        (27.0, 32.4, "PD"),  # exactly +20 % and +5.4 mm: 32.4/27.0 = 1.2000000000000002 in floats
        (25.0, 30.0, "PD"),  # exactly +20 % and exactly +5 mm
        (25.0, 29.9, "SD"),  # +19.6 % and +4.9 mm
        (24.5, 29.4, "SD"),  # exactly +20 % but only +4.9 mm
        (30.0, 35.0, "SD"),  # +5 mm but only +16.7 %
        (25.1, 30.1, "SD"),  # +5 mm with +19.92 %
        (50.0, 59.9, "SD"),  # +9.9 mm but +19.8 %
        (50.0, 60.0, "PD"),
    ],
)
def test_progression_needs_20_percent_and_5_mm_from_nadir(nadir_mm, follow_up_mm, expected):
    # The first follow-up sets a nadir below baseline; the second is judged against it.
    baseline_mm = nadir_mm * 1.25
    response = score_record(one_target(baseline_mm, nadir_mm, follow_up_mm))
    assert response["visits"][1]["nadir_mm"] == nadir_mm
    assert response["visits"][1]["target"] == expected


def test_progression_from_baseline_when_nadir_is_baseline():
    response = score_record(one_target(27.0, 32.4))
    assert response["visits"][0]["nadir_mm"] == 27.0
    assert response["visits"][0]["target"] == "PD"
    assert response["visits"][0]["pct_change_nadir"] == 20.0


def test_zero_nadir_any_sum_of_5_mm_is_progression():
    # Nadir 0 (all gone, the patient is in CR): a 4 mm return is reappearance (PD by R5.8).
    builder = RecordBuilder("P", config={"pd_on_reappearance_after_cr": False})
    builder.target("T1", organ="liver", baseline_mm=20.0)
    builder.visit(day=56, T1=0).visit(day=112, T1=4.9).visit(day=168, T1=5.0)
    visits = score_record(builder.to_dict())["visits"]
    assert [v["target"] for v in visits] == ["CR", "PR", "PD"]
    assert visits[1]["pct_change_nadir"] is None


@pytest.mark.parametrize(
    ("short_axis_mm", "measurable"),
    [(15.0, True), (14.9, False), (10.0, False), (9.9, False), (Decimal("15"), True)],
)
def test_nodal_target_needs_15_mm_short_axis_at_baseline(short_axis_mm, measurable):
    record = one_target(short_axis_mm, short_axis_mm, nodal=True)
    if measurable:
        assert score_record(record)["baseline"]["sum_mm"] == 15.0
    else:
        with pytest.raises(RecordError) as error:
            score_record(record)
        assert error.value.codes == ["target_not_measurable"]
        assert error.value.problems[0].path == "visits[0].measurements[0].diameter_mm"


@pytest.mark.parametrize(
    ("short_axis_mm", "expected"), [(9.9, "CR"), (10.0, "PR"), (9.99, "CR"), (0, "CR")]
)
def test_nodal_target_under_10_mm_is_normal_for_complete_response(short_axis_mm, expected):
    response = score_record(one_target(20.0, short_axis_mm, nodal=True))
    visit = response["visits"][0]
    assert visit["target"] == expected
    assert visit["sum_mm"] == float(short_axis_mm)  # R4.5: the sum can be > 0 at CR


@pytest.mark.parametrize(
    ("slice_thickness_mm", "diameter_mm", "measurable"),
    [
        (5.0, 10.0, True),
        (5.0, 9.9, False),
        (2.5, 10.0, True),
        (1.0, 9.9, False),
        (8.0, 16.0, True),
        (8.0, 15.9, False),
        (6.25, 12.5, True),
        (6.25, 12.49, False),
    ],
)
def test_measurable_size_follows_slice_thickness(slice_thickness_mm, diameter_mm, measurable):
    builder = RecordBuilder("P")
    builder.target(
        "T1", organ="liver", baseline_mm=diameter_mm, slice_thickness_mm=slice_thickness_mm
    )
    builder.visit(day=56, T1=diameter_mm)
    if measurable:
        assert score_record(builder.to_dict())["visits"][0]["target"] == "SD"
    else:
        with pytest.raises(RecordError, match="not measurable") as error:
            score_record(builder.to_dict())
        assert error.value.codes == ["target_not_measurable"]


@pytest.mark.parametrize(
    ("method", "diameter_mm", "measurable"),
    [
        ("caliper", 10.0, True),
        ("caliper", 9.9, False),
        ("CXR", 20.0, True),
        ("CXR", 19.9, False),
        ("MRI", 10.0, True),
        ("MRI", 9.9, False),
    ],
)
def test_measurable_size_by_method(method, diameter_mm, measurable):
    builder = RecordBuilder("P")
    builder.target("T1", organ="skin", baseline_mm=diameter_mm, method=method)
    builder.visit(day=56, T1=diameter_mm)
    if measurable:
        score_record(builder.to_dict())
    else:
        with pytest.raises(RecordError):
            score_record(builder.to_dict())


def test_nodal_measurability_is_not_scaled_by_slice_thickness():
    # A22: 8 mm slices would need 16 mm for a non-nodal lesion; a node stays at 15 mm.
    builder = RecordBuilder("P")
    builder.target("T1", organ="mediastinum", nodal=True, baseline_mm=15.0, slice_thickness_mm=8.0)
    builder.visit(day=56, T1=15.0)
    assert score_record(builder.to_dict())["visits"][0]["target"] == "SD"


def _pr_then(confirm_day, *, first_day=56):
    builder = RecordBuilder("P")
    builder.target("T1", organ="liver", baseline_mm=50.0)
    builder.visit(day=first_day, T1=30.0).visit(day=first_day + confirm_day, T1=30.0)
    return builder.to_dict()


@pytest.mark.parametrize(("days_apart", "confirmed"), [(27, "SD"), (28, "PR"), (29, "PR")])
def test_confirmation_needs_28_days(days_apart, confirmed):
    bor = score_record(_pr_then(days_apart))["best_overall_response"]
    assert bor == {"unconfirmed": "PR", "confirmed": confirmed}


@pytest.mark.parametrize(("days_apart", "confirmed"), [(27, "SD"), (28, "CR")])
def test_complete_response_confirmation_needs_28_days(days_apart, confirmed):
    builder = RecordBuilder("P")
    builder.target("T1", organ="liver", baseline_mm=50.0)
    builder.visit(day=56, T1=0).visit(day=56 + days_apart, T1=0)
    assert score_record(builder.to_dict())["best_overall_response"]["confirmed"] == confirmed


@pytest.mark.parametrize(("sd_day", "expected"), [(41, "NE"), (42, "SD"), (43, "SD")])
def test_stable_disease_counts_from_day_42(sd_day, expected):
    builder = RecordBuilder("P")
    builder.target("T1", organ="liver", baseline_mm=50.0)
    builder.visit(day=sd_day, T1=45.0)
    bor = score_record(builder.to_dict())["best_overall_response"]
    assert bor == {"unconfirmed": expected, "confirmed": expected}


@pytest.mark.parametrize(("sd_day", "expected"), [(41, "PD"), (42, "SD")])
def test_early_stable_disease_then_progression(sd_day, expected):
    builder = RecordBuilder("P")
    builder.target("T1", organ="liver", baseline_mm=50.0)
    builder.visit(day=sd_day, T1=45.0).visit(day=sd_day + 40, T1=70.0)
    bor = score_record(builder.to_dict())["best_overall_response"]
    assert bor == {"unconfirmed": expected, "confirmed": expected}


@pytest.mark.parametrize(
    ("sd_min_days", "expected"), [(56, "NE"), (42, "SD"), (49, "SD"), (50, "NE")]
)
def test_sd_min_days_is_configurable(sd_min_days, expected):
    builder = RecordBuilder("P")
    builder.target("T1", organ="liver", baseline_mm=50.0)
    builder.visit(day=49, T1=45.0)
    response = score_record(builder.to_dict(), sd_min_days=sd_min_days)
    assert response["best_overall_response"]["confirmed"] == expected
    assert response["config"]["sd_min_days"] == sd_min_days


def test_percentages_are_rounded_half_up_for_display_only():
    # 100 -> 66.665: -33.335 % rounds half-up to -33.34 (float rounding would give -33.33).
    response = score_record(one_target(100, 66.665))
    assert response["visits"][0]["pct_change_baseline"] == -33.34
    response = score_record(one_target(100, 66.665, pct_decimals=1))
    assert response["visits"][0]["pct_change_baseline"] == -33.3


@pytest.mark.parametrize(
    ("value", "reference", "decimals", "shown"),
    [
        ("66.665", "100", 2, -33.34),
        ("33.335", "100", 2, -66.67),  # -66.665 exactly: half-up away from zero
        ("100.005", "100", 2, 0.01),
        ("100.004", "100", 2, 0.0),
        ("49.7", "71.0", 2, -30.0),
        ("32.4", "27.0", 2, 20.0),
        ("1", "3", 4, -66.6667),
        ("70", "100", 0, -30.0),
        ("5", "0", 2, None),
    ],
)
def test_display_percentages_round_half_up_exactly(value, reference, decimals, shown):
    from recist_reader.core.exact import pct_change

    assert pct_change(Decimal(value), Decimal(reference), decimals) == shown


@given(
    st.decimals(min_value=0, max_value=500, places=3),
    st.decimals(min_value="0.001", max_value=500, places=3),
    st.integers(0, 6),
)
def test_display_percentages_match_decimal_quantize(value, reference, decimals):
    from decimal import ROUND_HALF_UP, localcontext

    from recist_reader.core.exact import pct_change

    with localcontext() as context:
        context.prec = 80
        expected = ((value - reference) * 100 / reference).quantize(
            Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP
        )
    assert pct_change(value, reference, decimals) == float(expected)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("5", "5.0"),
        ("30.25", "30.25"),
        ("0.0", "0.0"),
        ("1E+1", "10.0"),
        ("5E+2", "500.0"),
        ("1E-7", "0.0000001"),
        ("0E-8", "0.00000000"),
        ("123.4500", "123.4500"),
    ],
)
def test_lengths_in_notes_are_written_without_exponents(value, text):
    from recist_reader.core.exact import mm_text

    assert mm_text(Decimal(value)) == text
