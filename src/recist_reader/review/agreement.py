"""Agreement statistics of a central review (CRV15–CRV20).

Proportions and κ are computed on exact fractions and returned as plain floats (not rounded);
undefined values are None. EDR and LDR follow the definitions recalled from Amit et al. 2011
(central-review.md CRV20, marked [M]: not checked against the paper).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

BOR_LABELS = ("CR", "PR", "SD", "NonCR/NonPD", "PD", "NE")
#: Responders: CR and PR, and their iRECIST counterparts (ORR counts iCR + iPR, design.md §7b).
RESPONDER_LABELS = frozenset({"CR", "PR", "iCR", "iPR"})
RESPONDER_CATEGORIES = ("responder", "non_responder")


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _ratio(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else float(Fraction(numerator, denominator))


def clopper_pearson(successes: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """The exact two-sided (1 − ``alpha``) Clopper–Pearson interval of ``successes``/``n``.

    Examples
    --------
    >>> clopper_pearson(1, 1)
    (0.025, 1.0)
    """
    from scipy.stats import beta

    if not 0 <= successes <= n or n == 0:
        raise ValueError(f"need 0 ≤ successes ≤ n and n > 0, got {successes}/{n}")
    low = 0.0 if successes == 0 else float(beta.ppf(alpha / 2, successes, n - successes + 1))
    high = 1.0 if successes == n else float(beta.ppf(1 - alpha / 2, successes + 1, n - successes))
    return low, high


def cohen_kappa(pairs: Sequence[tuple[str, str]], labels: Sequence[str] = ()) -> dict[str, Any]:
    """Unweighted Cohen's κ of paired ratings.

    Parameters
    ----------
    pairs : sequence of (str, str)
        (rater 1, rater 2) ratings.
    labels : sequence of str
        The categories of the matrix, in order; categories met and not listed are added.

    Returns
    -------
    dict
        ``{"n", "matrix", "p_o", "p_e", "kappa"}``: ``matrix[r1][r2]`` counts;
        p_o = agreements / n, p_e = Σ row·column / n², κ = (p_o − p_e)/(1 − p_e);
        κ is None when p_e = 1, and all three when n = 0.
    """
    categories = list(labels)
    for pair in pairs:
        for label in pair:
            if label not in categories:
                categories.append(label)
    matrix = {row: dict.fromkeys(categories, 0) for row in categories}
    for first, second in pairs:
        matrix[first][second] += 1
    n = len(pairs)
    if n == 0:
        return {"n": 0, "matrix": matrix, "p_o": None, "p_e": None, "kappa": None}
    p_o = Fraction(sum(matrix[c][c] for c in categories), n)
    rows = {c: sum(matrix[c].values()) for c in categories}
    columns = {c: sum(matrix[r][c] for r in categories) for c in categories}
    p_e = Fraction(sum(rows[c] * columns[c] for c in categories), n * n)
    kappa = None if p_e == 1 else (p_o - p_e) / (1 - p_e)
    return {"n": n, "matrix": matrix, "p_o": float(p_o), "p_e": float(p_e), "kappa": _float(kappa)}


def responder_category(label: str) -> str:
    """``responder`` (CR, PR) or ``non_responder`` (every other best response)."""
    return "responder" if label in RESPONDER_LABELS else "non_responder"


def bor_agreement(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """CRV16 for one kind of BOR: the category κ and the responder κ."""
    agreement = cohen_kappa(pairs, BOR_LABELS)
    responder = cohen_kappa(
        [(responder_category(a), responder_category(b)) for a, b in pairs], RESPONDER_CATEGORIES
    )
    agreement["responder"] = responder
    return agreement


def _days_apart(first: str, second: str) -> int:
    return abs((dt.date.fromisoformat(first) - dt.date.fromisoformat(second)).days)


def pd_agreement(
    pairs: Sequence[tuple[str | None, str | None]], windows_days: Iterable[int]
) -> dict[str, Any]:
    """CRV17: progression status and date agreement of (R1, R2) progression dates (None = no PD)."""
    both = [(a, b) for a, b in pairs if a is not None and b is not None]
    r1_only = sum(1 for a, b in pairs if a is not None and b is None)
    r2_only = sum(1 for a, b in pairs if a is None and b is not None)
    neither = sum(1 for a, b in pairs if a is None and b is None)
    any_pd = len(both) + r1_only + r2_only
    windows = {}
    for window in windows_days:
        within = sum(1 for a, b in both if _days_apart(a, b) <= window)
        windows[str(window)] = {
            "n_within": within,
            "rate_given_both": _ratio(within, len(both)),
            "rate_given_any": _ratio(within, any_pd),
        }
    return {
        "n": len(pairs),
        "both": len(both),
        "r1_only": r1_only,
        "r2_only": r2_only,
        "neither": neither,
        "status_agreement": _ratio(len(both) + neither, len(pairs)),
        "windows_days": windows,
    }


@dataclass(frozen=True)
class ReaderCase:
    """One read of a valid pair, for the reader metrics (CRV19).

    ``adjudicated``: the patient needed an adjudication and a valid one was applied;
    ``selected``: that adjudication selected this read.
    """

    reader_id: str
    adjudicated: bool
    selected: bool


def reader_metrics(cases: Iterable[ReaderCase]) -> dict[str, dict[str, Any]]:
    """CRV19 per reader: reads, adjudicated, selected, AAR = selected/adjudicated and
    RDI = 100 × (adjudicated − selected)/reads; keyed by reader id, sorted."""
    counts: dict[str, list[int]] = {}
    for case in cases:
        count = counts.setdefault(case.reader_id, [0, 0, 0])
        count[0] += 1
        count[1] += case.adjudicated
        count[2] += case.adjudicated and case.selected
    metrics = {}
    for reader_id in sorted(counts):
        reads, adjudicated, selected = counts[reader_id]
        metrics[reader_id] = {
            "n_reads": reads,
            "n_adjudicated": adjudicated,
            "n_selected": selected,
            "aar": _ratio(selected, adjudicated),
            "rdi_pct": float(Fraction(100 * (adjudicated - selected), reads)),
        }
    return metrics


@dataclass(frozen=True)
class ProgressionPair:
    """An investigator read's and the central outcome's progression dates (None = no PD)."""

    investigator: str | None
    central: str | None
    arm: str | None = None


def discrepancy_rates(pairs: Sequence[ProgressionPair]) -> dict[str, Any]:
    """CRV20 over ``pairs``: the counts a1, a2, a3, b, c, d and EDR, LDR."""
    a1 = a2 = a3 = b = c = d = 0
    for pair in pairs:
        inv, central = pair.investigator, pair.central
        if inv is not None and central is not None:
            if inv < central:
                a1 += 1
            elif inv == central:
                a2 += 1
            else:
                a3 += 1
        elif inv is not None:
            b += 1
        elif central is not None:
            c += 1
        else:
            d += 1
    return {
        "n": len(pairs),
        "a1_inv_earlier": a1,
        "a2_same": a2,
        "a3_inv_later": a3,
        "b_inv_only": b,
        "c_central_only": c,
        "d_neither": d,
        "edr": _ratio(a1 + b, a1 + a2 + a3 + b),
        "ldr": _ratio(a3 + c, a1 + a3 + b + c),
    }


def investigator_vs_central(pairs: Sequence[ProgressionPair]) -> dict[str, Any]:
    """CRV20: ``all`` and, when any pair has an arm, one block per arm ``"arm:<arm>"``."""
    result = {"all": discrepancy_rates(pairs)}
    for arm in sorted({p.arm for p in pairs if p.arm is not None}):
        result[f"arm:{arm}"] = discrepancy_rates([p for p in pairs if p.arm == arm])
    return result


def adjudication_rate(n_discordant: int, n_pairs: int, alpha: float) -> dict[str, Any]:
    """CRV15: discordant/pairs with its exact Clopper–Pearson interval (None without pairs)."""
    if n_pairs == 0:
        return {"adjudication_rate": None, "ci_low": None, "ci_high": None}
    low, high = clopper_pearson(n_discordant, n_pairs, alpha)
    return {"adjudication_rate": _ratio(n_discordant, n_pairs), "ci_low": low, "ci_high": high}


def mapping_counts(keys: Iterable[str], fired: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """How many of the ``fired`` trigger dicts hold each key."""
    fired = list(fired)
    return {key: sum(1 for f in fired if key in f) for key in keys}
