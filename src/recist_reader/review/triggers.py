"""Discordance between the two central reads of a patient: the adjudication triggers (CRV5).

Only the configured triggers are evaluated; lesion selection and measurements never trigger
by themselves (CRV6).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from recist_reader.review.agreement import responder_category
from recist_reader.review.options import ReviewOptions


def _days_apart(first: str | None, second: str | None) -> int | None:
    if first is None or second is None:
        return None
    return abs((dt.date.fromisoformat(first) - dt.date.fromisoformat(second)).days)


def _dates_differ(first: str | None, second: str | None, tolerance_days: int) -> bool:
    """Present in one read only, or more than ``tolerance_days`` apart."""
    if first is None and second is None:
        return False
    apart = _days_apart(first, second)
    return apart is None or apart > tolerance_days


def _progression_date(response: Mapping[str, Any]) -> str | None:
    progression = response["progression"]
    return None if progression is None else progression["date"]


def _first_response_date(response: Mapping[str, Any]) -> str | None:
    dor = response["duration_of_response"]
    return None if dor is None else dor["start_date"]


def _bor_value(label: str, compare: str) -> str:
    return responder_category(label) if compare == "responder" else label


def discordance(
    r1: Mapping[str, Any], r2: Mapping[str, Any], options: ReviewOptions
) -> dict[str, dict[str, Any]]:
    """The triggers that fire between two responses (design.md §2), with both values.

    Parameters
    ----------
    r1, r2 : Mapping
        The responses of the R1 and R2 reads (same timepoints, CRV3).
    options : ReviewOptions

    Returns
    -------
    dict
        Trigger name (sorted) → its values, e.g. ``{"pd_date": {"R1": "2024-06-26",
        "R2": None, "days_apart": None}}``; empty when the reads are concordant.
    """
    fired: dict[str, dict[str, Any]] = {}
    if "bor" in options.triggers:
        kinds = ("confirmed", "unconfirmed") if options.bor_type == "both" else (options.bor_type,)
        bor1, bor2 = r1["best_overall_response"], r2["best_overall_response"]
        differs_on = [
            kind
            for kind in kinds
            if _bor_value(bor1[kind], options.bor_compare)
            != _bor_value(bor2[kind], options.bor_compare)
        ]
        if differs_on:
            fired["bor"] = {
                "R1": {kind: bor1[kind] for kind in kinds},
                "R2": {kind: bor2[kind] for kind in kinds},
                "differs_on": differs_on,
                "compare": options.bor_compare,
            }
    pd1, pd2 = _progression_date(r1), _progression_date(r2)
    if "pd_date" in options.triggers and _dates_differ(pd1, pd2, options.pd_date_tolerance_days):
        fired["pd_date"] = {"R1": pd1, "R2": pd2, "days_apart": _days_apart(pd1, pd2)}
    if "pd_status" in options.triggers and (pd1 is None) != (pd2 is None):
        fired["pd_status"] = {"R1": pd1 is not None, "R2": pd2 is not None}
    if "response_date" in options.triggers:
        first1, first2 = _first_response_date(r1), _first_response_date(r2)
        if _dates_differ(first1, first2, options.response_date_tolerance_days):
            fired["response_date"] = {
                "R1": first1,
                "R2": first2,
                "days_apart": _days_apart(first1, first2),
            }
    if "timepoint" in options.triggers:
        overall2 = {v["visit_id"]: v["overall"] for v in r2["visits"]}
        differing = [
            {
                "visit_id": v["visit_id"],
                "date": v["date"],
                "R1": v["overall"],
                "R2": overall2.get(v["visit_id"]),
            }
            for v in r1["visits"]
            if v["overall"] != overall2.get(v["visit_id"])
        ]
        if differing:
            fired["timepoint"] = {"visits": differing}
    return dict(sorted(fired.items()))
