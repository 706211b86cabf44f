"""Which best-overall-response labels each criteria's cohort endpoints count (design.md §5, §7.3).

RECIST 1.1 and mRECIST use the labels of §2; iRECIST its own (I10): ORR counts iCR + iPR, DCR
adds iSD and non-iCR/non-iUPD, and a patient's progression is iUPD (unconfirmed) or iCPD.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EndpointLabels:
    """The best-overall-response labels of one criteria, as the cohort endpoints use them.

    Attributes
    ----------
    best_response : tuple of str
        Every label a best overall response can take, best first (the columns of the counts).
    response : frozenset of str
        Responders: the ORR numerator (and who has a duration of response).
    disease_control : frozenset of str
        The DCR numerator.
    response_text, disease_control_text : str
        How tables name the two rates, e.g. ``"CR+PR"``.
    as_recist : dict
        Each label's RECIST 1.1 counterpart, for comparing criteria (iCR is CR; iUPD and iCPD
        are both PD); labels missing here are their own.
    """

    best_response: tuple[str, ...]
    response: frozenset[str]
    disease_control: frozenset[str]
    response_text: str
    disease_control_text: str
    as_recist: dict[str, str] = field(default_factory=dict)

    def same(self, label: str, other: EndpointLabels, other_label: str) -> bool:
        """Whether ``label`` (of these labels) and ``other_label`` (of ``other``) are the same
        best overall response, e.g. RECIST 1.1 SD and iRECIST iSD."""
        return self.as_recist.get(label, label) == other.as_recist.get(other_label, other_label)


RECIST_LABELS = EndpointLabels(
    ("CR", "PR", "SD", "NonCR/NonPD", "PD", "NE"),
    frozenset({"CR", "PR"}),
    frozenset({"CR", "PR", "SD", "NonCR/NonPD"}),
    "CR+PR",
    "CR+PR+SD+NonCR/NonPD",
)

#: iRECIST (§7.3, I10–I12): iCPD ranks above iUPD, both below non-iCR/non-iUPD.
IRECIST_LABELS = EndpointLabels(
    ("iCR", "iPR", "iSD", "non-iCR/non-iUPD", "iCPD", "iUPD", "NE"),
    frozenset({"iCR", "iPR"}),
    frozenset({"iCR", "iPR", "iSD", "non-iCR/non-iUPD"}),
    "iCR+iPR",
    "iCR+iPR+iSD+non-iCR/non-iUPD",
    {
        "iCR": "CR",
        "iPR": "PR",
        "iSD": "SD",
        "non-iCR/non-iUPD": "NonCR/NonPD",
        "iCPD": "PD",
        "iUPD": "PD",
    },
)


def endpoint_labels(criteria: str | None) -> EndpointLabels:
    """The labels the cohort endpoints of ``criteria`` count (RECIST 1.1's when None)."""
    return IRECIST_LABELS if criteria == "iRECIST" else RECIST_LABELS
