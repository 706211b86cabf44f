"""Each patient's trial endpoints, from their record and their response (design.md §1, §2).

Conventions (the time origin is ``baseline_date``; days are calendar-day differences)
------------------------------------------------------------------------------------
- Responder: confirmed best overall response CR or PR (the ORR numerator; iCR or iPR under
  iRECIST, :mod:`~recist_reader.cohort.criteria_labels`).
- PFS: event at the RECIST progression date (R14), or at ``death_date`` when the record has
  one and no progression came first (death from any cause, whenever it occurs). Otherwise
  censored at the response's ``pfs.date``: the last evaluable assessment (baseline when none).
- DoR (responders only): from the response's ``duration_of_response`` (first CR/PR to PD,
  R15). When it is censored and the record has a ``death_date``, death ends the response
  (event), as for PFS.
- OS: event at ``death_date``; else censored at ``last_known_alive_date``, or at the last
  visit when that is not given.
- Time to response (responders only): baseline to the first CR/PR.
- Best % change: the smallest ``pct_change_baseline`` of the follow-ups up to and including
  progression (visits after PD are ignored, A13); None without targets or complete sums.
- Time on study: days from baseline to the latest of the last visit, death and last known
  alive date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from recist_reader.cohort.criteria_labels import endpoint_labels
from recist_reader.core.record import PatientRecord


@dataclass(frozen=True)
class PatientEndpoints:
    """One scored patient's endpoints (see the module conventions).

    Times are days from ``baseline_date``. ``response`` is the full response JSON.
    """

    patient_id: str
    file: str
    baseline_date: dt.date
    bor_confirmed: str
    bor_unconfirmed: str
    best_pct_change: float | None
    pfs_days: int
    pfs_event: bool
    pfs_cause: str | None
    responder: bool
    dor_days: int | None
    dor_event: bool | None
    time_to_response_days: int | None
    first_response_days: int | None
    progression_days: int | None
    os_days: int
    os_event: bool
    time_on_study_days: int
    death_date: dt.date | None
    last_known_alive_date: dt.date | None
    response: dict[str, Any] = field(repr=False, compare=False)
    #: iRECIST: the day of each iUPD episode's first iUPD, and of the iCPD (design.md §7b).
    iupd_days: tuple[int, ...] = ()
    icpd_days: int | None = None


def _days(date: dt.date | str, origin: dt.date) -> int:
    if isinstance(date, str):
        date = dt.date.fromisoformat(date)
    return (date - origin).days


def patient_endpoints(
    record: PatientRecord, response: dict[str, Any], *, file: str = ""
) -> PatientEndpoints:
    """Derive a patient's endpoints from the record and its response.

    Parameters
    ----------
    record : PatientRecord
        The validated record (for the baseline, death and last-known-alive dates).
    response : dict
        ``score_record``'s response for that record (design.md §2).
    file : str
        Where the record was read from, for tables.
    """
    origin = record.baseline_date
    death = record.death_date
    progression = response["progression"]
    progression_days = None if progression is None else _days(progression["date"], origin)

    if progression is not None:
        pfs_days, pfs_event, pfs_cause = progression_days, True, "progression"
    elif death is not None:
        pfs_days, pfs_event, pfs_cause = _days(death, origin), True, "death"
    else:
        pfs_days, pfs_event, pfs_cause = _days(response["pfs"]["date"], origin), False, None

    bor = response["best_overall_response"]
    responder = bor["confirmed"] in endpoint_labels(response.get("criteria")).response
    dor = response["duration_of_response"]
    first_response_days = None if dor is None else _days(dor["start_date"], origin)
    dor_days = dor_event = time_to_response = None
    if responder and dor is not None:
        time_to_response = first_response_days
        if not dor["censored"]:
            dor_days, dor_event = dor["days"], True
        elif death is not None:
            dor_days, dor_event = _days(death, dt.date.fromisoformat(dor["start_date"])), True
        else:
            dor_days, dor_event = dor["days"], False

    last_visit = max(v.date for v in record.visits)
    if death is not None:
        os_days, os_event = _days(death, origin), True
    else:
        os_days, os_event = _days(record.last_known_alive_date or last_visit, origin), False
    latest = max(d for d in (last_visit, death, record.last_known_alive_date) if d is not None)

    window_end = None if progression is None else progression["date"]
    changes = [
        v["pct_change_baseline"]
        for v in response["visits"]
        if v["pct_change_baseline"] is not None and (window_end is None or v["date"] <= window_end)
    ]
    return PatientEndpoints(
        patient_id=record.patient_id,
        file=file,
        baseline_date=origin,
        bor_confirmed=bor["confirmed"],
        bor_unconfirmed=bor["unconfirmed"],
        best_pct_change=min(changes) if changes else None,
        pfs_days=pfs_days,
        pfs_event=pfs_event,
        pfs_cause=pfs_cause,
        responder=responder,
        dor_days=dor_days,
        dor_event=dor_event,
        time_to_response_days=time_to_response,
        first_response_days=first_response_days,
        progression_days=progression_days,
        os_days=os_days,
        os_event=os_event,
        time_on_study_days=_days(latest, origin),
        death_date=death,
        last_known_alive_date=record.last_known_alive_date,
        response=response,
        iupd_days=tuple(
            _days(episode["iupd_date"], origin) for episode in response.get("iupd_episodes", ())
        ),
        icpd_days=next((v["day"] for v in response["visits"] if v["overall"] == "iCPD"), None),
    )
