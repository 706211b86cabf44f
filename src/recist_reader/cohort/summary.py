"""The cohort summary of design.md §5: best responses, ORR, DCR, PFS, DoR, OS.

Conventions
-----------
- Denominators: ORR and DCR are over every scored patient (intention to treat: NE, and a
  patient without any follow-up, count as non-responders). Invalid records are not in ``n``;
  they are listed under ``invalid``.
- ORR = (CR + PR) / n; DCR = (CR + PR + SD + NonCR/NonPD) / n; each for the confirmed and the
  unconfirmed best overall response, with exact two-sided 95 % Clopper–Pearson limits. Under
  iRECIST the labels are iRECIST's: ORR = (iCR + iPR) / n, DCR adds iSD and
  non-iCR/non-iUPD, and PFS and DoR are iPFS and iDoR (design.md §7.3).
- PFS over every scored patient, DoR over the confirmed responders, OS over every scored
  patient when any record carries ``death_date`` or ``last_known_alive_date`` (else null):
  Kaplan–Meier in days from baseline (:mod:`recist_reader.cohort.survival`), with median,
  Brookmeyer–Crowley log-log 95 % CI, and 6- and 12-month rates.
- Time to response: descriptive (median, min, max) over the confirmed responders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from recist_reader.cohort.binomial import rate_with_exact_ci
from recist_reader.cohort.criteria_labels import RECIST_LABELS, endpoint_labels
from recist_reader.cohort.patients import PatientEndpoints
from recist_reader.cohort.survival import KaplanMeier, kaplan_meier

SUMMARY_SCHEMA_VERSION = 1
#: RECIST 1.1 (and mRECIST); :func:`~recist_reader.cohort.criteria_labels.endpoint_labels`
#: gives each criteria's.
BEST_RESPONSE_LABELS = RECIST_LABELS.best_response
RESPONSE_LABELS = RECIST_LABELS.response
DISEASE_CONTROL_LABELS = RECIST_LABELS.disease_control
BOR_KINDS = ("confirmed", "unconfirmed")


@dataclass(frozen=True)
class InvalidRecord:
    """A record file that could not be scored, and why (one line per problem)."""

    file: str
    problems: tuple[str, ...]

    @property
    def error(self) -> str:
        """The problems on one line."""
        return "; ".join(self.problems)


@dataclass(frozen=True)
class CohortCurves:
    """The Kaplan–Meier curves of a cohort; ``os`` is None when no record has OS data."""

    pfs: KaplanMeier
    dor: KaplanMeier
    os: KaplanMeier | None


def cohort_curves(patients: Sequence[PatientEndpoints]) -> CohortCurves:
    """PFS (all), DoR (confirmed responders) and OS (all, when any record has OS data)."""
    responders = [p for p in patients if p.dor_days is not None]
    has_os = any(p.death_date is not None or p.last_known_alive_date is not None for p in patients)
    return CohortCurves(
        pfs=kaplan_meier([p.pfs_days for p in patients], [p.pfs_event for p in patients]),
        dor=kaplan_meier([p.dor_days for p in responders], [bool(p.dor_event) for p in responders]),
        os=kaplan_meier([p.os_days for p in patients], [p.os_event for p in patients])
        if has_os
        else None,
    )


def summarize_cohort(
    patients: Sequence[PatientEndpoints],
    *,
    config: dict[str, Any],
    invalid: Sequence[InvalidRecord] = (),
    curves: CohortCurves | None = None,
    criteria: str | None = None,
) -> dict[str, Any]:
    """The cohort summary JSON (design.md §5, with ``criteria`` as §7.3 adds).

    Parameters
    ----------
    patients : sequence of PatientEndpoints
        Every scored patient.
    config : dict
        The scoring options as used (defaults with the caller's overrides).
    invalid : sequence of InvalidRecord
        Record files that could not be scored.
    curves : CohortCurves, optional
        Precomputed by :func:`cohort_curves` (for plots); computed when omitted.
    criteria : str, optional
        The criteria the responses are under (added as ``criteria`` when given).

    Returns
    -------
    dict
    """
    curves = curves or cohort_curves(patients)
    n = len(patients)
    labels = endpoint_labels(criteria or patients_criteria(patients))
    counts = {
        kind: {
            label: sum(1 for p in patients if _bor(p, kind) == label)
            for label in labels.best_response
        }
        for kind in BOR_KINDS
    }
    pfs = curves.pfs.summary()
    pfs["deaths"] = sum(1 for p in patients if p.pfs_cause == "death")
    ttr = [p.time_to_response_days for p in patients if p.time_to_response_days is not None]
    summary = {
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "n_records": n + len(invalid),
        "n_scored": n,
        "n_invalid": len(invalid),
        "invalid": [{"file": item.file, "error": item.error} for item in invalid],
        "config": config,
        "best_overall_response": counts,
        "orr": {
            kind: rate_with_exact_ci(sum(counts[kind][x] for x in labels.response), n)
            for kind in BOR_KINDS
        },
        "dcr": {
            kind: rate_with_exact_ci(sum(counts[kind][x] for x in labels.disease_control), n)
            for kind in BOR_KINDS
        },
        "pfs": pfs,
        "dor": curves.dor.summary(),
        "os": None if curves.os is None else curves.os.summary(),
        "time_to_response": None
        if not ttr
        else {
            "n": len(ttr),
            "median_days": float(np.median(ttr)),
            "min_days": min(ttr),
            "max_days": max(ttr),
        },
    }
    if criteria is not None:
        summary["criteria"] = criteria
    return summary


def patients_criteria(patients: Sequence[PatientEndpoints]) -> str | None:
    """The criteria the patients' responses are under (that of the first; None without)."""
    return patients[0].response.get("criteria") if patients else None


def _bor(patient: PatientEndpoints, kind: str) -> str:
    return patient.bor_confirmed if kind == "confirmed" else patient.bor_unconfirmed
