"""CRV5–CRV6 and CRV10: which differences trigger adjudication (worked examples E1–E5)."""

from __future__ import annotations

import pytest
from review_builders import BOR_SERIES, only, pair, signed_adjudication

from recist_reader import review_reads


def review(r1, r2, *adjudications, **options):
    return only(review_reads([r1, r2], adjudications, **options))


@pytest.mark.parametrize(("source", "read_id"), [("R1", "P1-R1"), ("R2", "P1-R2")])
def test_e2_concordant_central_is_the_concordant_source(source, read_id):
    r1, r2 = pair("P1", BOR_SERIES["PR"], BOR_SERIES["PR"])
    patient = review(r1, r2, concordant_source=source)
    assert patient["status"] == "concordant"
    assert patient["triggers"] == [] and patient["discordance"] == {}
    assert patient["adjudication"] is None
    central = patient["central"]
    assert (central["source"], central["basis"], central["read_id"]) == (
        source,
        "concordant",
        read_id,
    )
    assert central["best_overall_response"] == {"unconfirmed": "PR", "confirmed": "PR"}
    assert central["progression"] is None and central["pfs"] == {
        "event": False,
        "date": "2024-06-26",
    }


def test_e3_measurement_differences_are_not_discordance():
    """CRV6: R2 31/32/30 mm vs R1 30/30/30 — PR at every visit for both."""
    r1, r2 = pair("P1", [50.0, 30.0, 30.0, 30.0], [50.0, 31.0, 32.0, 30.0])
    assert review(r1, r2)["status"] == "concordant"
    assert (
        review(r1, r2, triggers=["bor", "pd_date", "pd_status", "response_date", "timepoint"])[
            "status"
        ]
        == "concordant"
    )


def test_e3_a_timepoint_left_not_evaluated_only_fires_the_timepoint_trigger():
    r1, r2 = pair("P1", [50.0, 30.0, 30.0, 30.0], [50.0, 31.0, 32.0, None])
    assert review(r1, r2)["status"] == "concordant"
    patient = review(r1, r2, triggers=["timepoint"])
    assert patient["status"] == "awaiting_adjudication"
    assert patient["discordance"] == {
        "timepoint": {"visits": [{"visit_id": "W24", "date": "2024-06-26", "R1": "PR", "R2": "NE"}]}
    }


def e4():
    """R1 30/30/30 (confirmed PR); R2 34/36/36 (PR, SD, SD: unconfirmed PR, confirmed SD)."""
    return pair("P1", [50.0, 30.0, 30.0, 30.0], [50.0, 34.0, 36.0, 36.0])


def test_e4_confirmed_vs_unconfirmed_bor():
    r1, r2 = e4()
    patient = review(r1, r2)
    assert patient["reads"]["R2"]["bor"] == {"unconfirmed": "PR", "confirmed": "SD"}
    assert patient["status"] == "awaiting_adjudication" and patient["triggers"] == ["bor"]
    assert patient["discordance"]["bor"] == {
        "R1": {"confirmed": "PR"},
        "R2": {"confirmed": "SD"},
        "differs_on": ["confirmed"],
        "compare": "category",
    }
    assert review(r1, r2, bor_type="unconfirmed")["status"] == "concordant"
    assert review(r1, r2, bor_type="both")["discordance"]["bor"]["differs_on"] == ["confirmed"]


def test_e4_adjudicated_to_r2_gives_central_confirmed_sd():
    r1, r2 = e4()
    patient = review(
        r1, r2, signed_adjudication(r1, r2, selected="R2", reason_codes=["MEASUREMENT"])
    )
    assert patient["status"] == "adjudicated"
    assert patient["central"]["source"] == "R2" and patient["central"]["basis"] == "adjudicated"
    assert patient["central"]["best_overall_response"] == {"unconfirmed": "PR", "confirmed": "SD"}


def test_bor_compare_responder():
    r1, r2 = pair("P1", BOR_SERIES["CR"], BOR_SERIES["PR"])
    assert review(r1, r2)["triggers"] == ["bor"]
    assert review(r1, r2, bor_compare="responder")["status"] == "concordant"
    r1, r2 = pair("P1", BOR_SERIES["SD"], BOR_SERIES["PR"])
    assert review(r1, r2, bor_compare="responder")["triggers"] == ["bor"]


FOUR_VISITS = (56, 112, 168, 224)


def pd_pair(r1_pd_visit, r2_pd_visit):
    """Both confirmed PR (W8, W16), then PD from a new lesion at the given follow-up number
    (3 = W24, 4 = W32; None: never)."""
    from review_builders import locked_read, target_record

    def read(visit, slot, reader):
        record = target_record(
            "P1",
            [50.0, 30.0, 30.0, 30.0, 30.0],
            days=FOUR_VISITS,
            new={visit: "lung"} if visit else None,
        )
        return locked_read(record, slot=slot, reader_id=reader)

    return read(r1_pd_visit, "R1", "rad-11"), read(r2_pd_visit, "R2", "rad-12")


def test_pd_date_exactly_one_read_with_progression():
    patient = review(*pd_pair(3, None))
    assert patient["triggers"] == ["pd_date"]
    assert patient["discordance"]["pd_date"] == {"R1": "2024-06-26", "R2": None, "days_apart": None}


def test_pd_date_tolerance():
    r1, r2 = pd_pair(3, 4)  # 2024-06-26 vs 2024-08-21: 56 days
    patient = review(r1, r2)
    assert patient["triggers"] == ["pd_date"]
    assert patient["discordance"]["pd_date"]["days_apart"] == 56
    assert review(r1, r2, pd_date_tolerance_days=55)["triggers"] == ["pd_date"]
    assert review(r1, r2, pd_date_tolerance_days=56)["status"] == "concordant"


def test_pd_status_ignores_the_date():
    r1, r2 = pd_pair(3, 4)
    assert review(r1, r2, triggers=["pd_status"])["status"] == "concordant"
    patient = review(*pd_pair(3, None), triggers=["pd_status"])
    assert patient["discordance"] == {"pd_status": {"R1": True, "R2": False}}


def test_e1_response_date_trigger(e1):
    r1, r2 = e1
    patient = review(r1, r2, triggers=["bor", "pd_date", "response_date"])
    assert patient["triggers"] == ["pd_date", "response_date"]
    assert patient["discordance"]["response_date"] == {
        "R1": "2024-03-06",
        "R2": "2024-05-01",
        "days_apart": 56,
    }
    assert (
        review(r1, r2, triggers=["response_date"], response_date_tolerance_days=56)["status"]
        == "concordant"
    )


def test_response_date_in_one_read_only():
    r1, r2 = pair("P1", BOR_SERIES["PR"], BOR_SERIES["SD"])
    patient = review(r1, r2, triggers=["response_date"])
    assert patient["discordance"] == {
        "response_date": {"R1": "2024-03-06", "R2": None, "days_apart": None}
    }


def test_e5_same_pd_visit_different_pd_date():
    """R1 saw the new liver lesion as equivocal at W16 and unequivocal at W24 (R7.3 back-dates
    R1's PD to W16); R2 saw it first at W24. Both declare PD at W24."""
    from review_builders import locked_read, target_record

    r1 = locked_read(
        target_record("P1", [50.0, 30.0, 30.0, 30.0], equivocal={2: "liver segment 7"}, new={3: "liver segment 7"}),
        slot="R1", reader_id="rad-11",
    )  # fmt: skip
    r2 = locked_read(
        target_record("P1", [50.0, 30.0, 30.0, 30.0], new={3: "liver segment 7"}),
        slot="R2",
        reader_id="rad-12",
    )
    patient = review(r1, r2)
    assert patient["reads"]["R1"]["bor"] == {"unconfirmed": "PR", "confirmed": "SD"}
    assert patient["reads"]["R2"]["bor"] == {"unconfirmed": "PR", "confirmed": "PR"}
    assert patient["triggers"] == ["bor", "pd_date"]
    assert patient["discordance"]["pd_date"] == {
        "R1": "2024-05-01",
        "R2": "2024-06-26",
        "days_apart": 56,
    }


def test_no_triggers_configured_means_always_concordant():
    r1, r2 = pair("P1", BOR_SERIES["CR"], BOR_SERIES["PD"])
    assert review(r1, r2, triggers=[])["status"] == "concordant"
