"""Variable metadata of TU, TR, RS (and RELREC): SDTMIG 3.4 names, labels, types, order.

Appendix A of sdtm.md, column for column. ``always`` marks the variables the export writes in
every file ("required here"); the others are written only when some row has a value (an EPOCH
column only when visits carry an epoch, --DY only with a reference start date, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

VariableType = Literal["Char", "Num"]


@dataclass(frozen=True)
class Variable:
    """One SDTM variable: name (≤ 8 characters), label (≤ 40), type, core, whether always written."""

    name: str
    label: str
    type: VariableType
    core: Literal["Req", "Exp", "Perm"]
    always: bool = False


@dataclass(frozen=True)
class Domain:
    """A domain's dataset: its code (member name), dataset label and variables in order."""

    code: str
    label: str
    variables: tuple[Variable, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The variable names, in order."""
        return tuple(v.name for v in self.variables)

    def variable(self, name: str) -> Variable:
        """The variable called ``name``."""
        return next(v for v in self.variables if v.name == name)


def _v(name: str, label: str, type_: VariableType, core: str, always: bool = False) -> Variable:
    return Variable(name, label, type_, core, always)  # type: ignore[arg-type]


def _timing(prefix: str, dtc_label: str, dy_label: str) -> tuple[Variable, ...]:
    return (
        _v("VISITNUM", "Visit Number", "Num", "Exp", True),
        _v("VISIT", "Visit Name", "Char", "Perm"),
        _v("VISITDY", "Planned Study Day of Visit", "Num", "Perm"),
        _v("TAETORD", "Planned Order of Element within Arm", "Num", "Perm"),
        _v("EPOCH", "Epoch", "Char", "Perm"),
        _v(f"{prefix}DTC", dtc_label, "Char", "Exp", True),
        _v(f"{prefix}DY", dy_label, "Num", "Perm"),
    )


_IDENTIFIERS = (
    _v("STUDYID", "Study Identifier", "Char", "Req", True),
    _v("DOMAIN", "Domain Abbreviation", "Char", "Req", True),
    _v("USUBJID", "Unique Subject Identifier", "Char", "Req", True),
)

TU = Domain(
    "TU",
    "Tumor/Lesion Identification",
    (
        *_IDENTIFIERS,
        _v("TUSEQ", "Sequence Number", "Num", "Req", True),
        _v("TUGRPID", "Group ID", "Char", "Perm"),
        _v("TUREFID", "Reference ID", "Char", "Perm"),
        _v("TUSPID", "Sponsor-Defined Identifier", "Char", "Perm"),
        _v("TULNKID", "Link ID", "Char", "Exp", True),
        _v("TULNKGRP", "Link Group ID", "Char", "Perm"),
        _v("TUTESTCD", "Tumor/Lesion ID Short Name", "Char", "Req", True),
        _v("TUTEST", "Tumor/Lesion ID Test Name", "Char", "Req", True),
        _v("TUORRES", "Tumor/Lesion ID Result", "Char", "Exp", True),
        _v("TUSTRESC", "Tumor/Lesion ID Result Std. Format", "Char", "Exp", True),
        _v("TUNAM", "Laboratory/Vendor Name", "Char", "Perm"),
        _v("TULOC", "Location of the Tumor/Lesion", "Char", "Exp", True),
        _v("TULAT", "Laterality", "Char", "Perm"),
        _v("TUDIR", "Directionality", "Char", "Perm"),
        _v("TUPORTOT", "Portion or Totality", "Char", "Perm"),
        _v("TUMETHOD", "Method of Identification", "Char", "Exp", True),
        _v("TULOBXFL", "Last Observation Before Exposure Flag", "Char", "Exp", True),
        _v("TUBLFL", "Baseline Flag", "Char", "Perm"),
        _v("TUEVAL", "Evaluator", "Char", "Exp", True),
        _v("TUEVALID", "Evaluator Identifier", "Char", "Perm", True),
        _v("TUACPTFL", "Accepted Record Flag", "Char", "Perm", True),
        *_timing(
            "TU",
            "Date/Time of Tumor/Lesion Identification",
            "Study Day of Tumor/Lesion Identification",
        ),
    ),
)

TR = Domain(
    "TR",
    "Tumor/Lesion Results",
    (
        *_IDENTIFIERS,
        _v("TRSEQ", "Sequence Number", "Num", "Req", True),
        _v("TRGRPID", "Group ID", "Char", "Perm", True),
        _v("TRREFID", "Reference ID", "Char", "Perm"),
        _v("TRSPID", "Sponsor-Defined Identifier", "Char", "Perm"),
        _v("TRLNKID", "Link ID", "Char", "Exp", True),
        _v("TRLNKGRP", "Link Group", "Char", "Perm"),
        _v("TRTESTCD", "Tumor/Lesion Assessment Short Name", "Char", "Req", True),
        _v("TRTEST", "Tumor/Lesion Assessment Test Name", "Char", "Req", True),
        _v("TRORRES", "Result or Finding in Original Units", "Char", "Exp", True),
        _v("TRORRESU", "Original Units", "Char", "Exp", True),
        _v("TRSTRESC", "Character Result/Finding in Std Format", "Char", "Exp", True),
        _v("TRSTRESN", "Numeric Result/Finding in Standard Units", "Num", "Exp", True),
        _v("TRSTRESU", "Standard Units", "Char", "Exp", True),
        _v("TRSTAT", "Completion Status", "Char", "Perm", True),
        _v("TRREASND", "Reason Not Done", "Char", "Perm"),
        _v("TRNAM", "Laboratory/Vendor Name", "Char", "Perm"),
        _v("TRMETHOD", "Method Used to Identify the Tumor/Lesion", "Char", "Exp", True),
        _v("TRLOBXFL", "Last Observation Before Exposure Flag", "Char", "Exp", True),
        _v("TRBLFL", "Baseline Flag", "Char", "Perm"),
        _v("TREVAL", "Evaluator", "Char", "Exp", True),
        _v("TREVALID", "Evaluator Identifier", "Char", "Perm", True),
        _v("TRACPTFL", "Accepted Record Flag", "Char", "Perm", True),
        *_timing(
            "TR", "Date/Time of Tumor/Lesion Measurement", "Study Day of Tumor/Lesion Measurement"
        ),
    ),
)

RS = Domain(
    "RS",
    "Disease Response and Clin Classification",
    (
        *_IDENTIFIERS,
        _v("RSSEQ", "Sequence Number", "Num", "Req", True),
        _v("RSGRPID", "Group ID", "Char", "Perm"),
        _v("RSREFID", "Reference ID", "Char", "Perm"),
        _v("RSSPID", "Sponsor-Defined Identifier", "Char", "Perm"),
        _v("RSLNKID", "Link ID", "Char", "Perm"),
        _v("RSLNKGRP", "Link Group ID", "Char", "Perm"),
        _v("RSTESTCD", "Assessment Short Name", "Char", "Req", True),
        _v("RSTEST", "Assessment Name", "Char", "Req", True),
        _v("RSCAT", "Category for Assessment", "Char", "Exp", True),
        _v("RSORRES", "Result or Finding in Original Units", "Char", "Exp", True),
        _v("RSSTRESC", "Character Result/Finding in Std Format", "Char", "Exp", True),
        _v("RSSTAT", "Completion Status", "Char", "Perm"),
        _v("RSREASND", "Reason Not Done", "Char", "Perm"),
        _v("RSNAM", "Vendor Name", "Char", "Perm"),
        _v("RSDRVFL", "Derived Flag", "Char", "Perm"),
        _v("RSEVAL", "Evaluator", "Char", "Perm", True),
        _v("RSEVALID", "Evaluator Identifier", "Char", "Perm", True),
        _v("RSACPTFL", "Accepted Record Flag", "Char", "Perm", True),
        *_timing("RS", "Date/Time of Assessment", "Study Day of Assessment"),
    ),
)

#: RELREC (SDTMIG 3.4 §8.3), dataset-level relationships only (``--relrec``).
RELREC = Domain(
    "RELREC",
    "Related Records",
    (
        _v("STUDYID", "Study Identifier", "Char", "Req", True),
        _v("RDOMAIN", "Related Domain Abbreviation", "Char", "Req", True),
        _v("USUBJID", "Unique Subject Identifier", "Char", "Exp", True),
        _v("IDVAR", "Identifying Variable", "Char", "Req", True),
        _v("IDVARVAL", "Identifying Variable Value", "Char", "Exp", True),
        _v("RELTYPE", "Relationship Type", "Char", "Exp", True),
        _v("RELID", "Relationship Identifier", "Char", "Req", True),
    ),
)

DOMAINS: dict[str, Domain] = {domain.code: domain for domain in (TU, TR, RS, RELREC)}
