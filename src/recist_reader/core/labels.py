"""Response labels, exactly as written in the response JSON (design.md §2)."""

from __future__ import annotations

from enum import Enum


class Response(str, Enum):
    """A time-point or best overall response category."""

    CR = "CR"
    PR = "PR"
    SD = "SD"
    PD = "PD"
    NE = "NE"
    NON_CR_NON_PD = "NonCR/NonPD"
    NA = "NA"

    def __str__(self) -> str:
        return self.value


CR = Response.CR
PR = Response.PR
SD = Response.SD
PD = Response.PD
NE = Response.NE
NON_CR_NON_PD = Response.NON_CR_NON_PD
NA = Response.NA

#: Each response's label as a plain string (a dict lookup: faster than ``.value``).
LABELS: dict[Response, str] = {response: response.value for response in Response}

# Best overall response ranking (R11.2): CR > PR > SD > NonCR/NonPD > PD > NE.
BEST_RESPONSE_RANK: dict[Response, int] = {
    Response.CR: 6,
    Response.PR: 5,
    Response.SD: 4,
    Response.NON_CR_NON_PD: 3,
    Response.PD: 2,
    Response.NE: 1,
}
