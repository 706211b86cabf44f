"""Trial endpoints of a cohort from its records: ORR, DCR, PFS, DoR, OS, plots and a report.

Pure Python (numpy, scipy, matplotlib with the Agg backend); no Qt. The statistical
conventions are documented in :mod:`~recist_reader.cohort.summary`,
:mod:`~recist_reader.cohort.patients` and :mod:`~recist_reader.cohort.survival`.

Examples
--------
>>> from recist_reader.cohort import score_cohort, summarize_cohort
>>> cohort = score_cohort(["sample_data/records"])  # doctest: +SKIP
>>> summarize_cohort(cohort.patients, config=cohort.config, invalid=cohort.invalid)["orr"]  # doctest: +SKIP
"""

from recist_reader.cohort.binomial import rate_with_exact_ci
from recist_reader.cohort.patients import PatientEndpoints, patient_endpoints
from recist_reader.cohort.scoring import Cohort, score_cohort, score_cohorts
from recist_reader.cohort.summary import (
    CohortCurves,
    InvalidRecord,
    cohort_curves,
    summarize_cohort,
)
from recist_reader.cohort.survival import KaplanMeier, kaplan_meier

__all__ = [
    "Cohort",
    "CohortCurves",
    "InvalidRecord",
    "KaplanMeier",
    "PatientEndpoints",
    "cohort_curves",
    "kaplan_meier",
    "patient_endpoints",
    "rate_with_exact_ci",
    "score_cohort",
    "score_cohorts",
    "summarize_cohort",
]
