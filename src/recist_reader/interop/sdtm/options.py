"""Options of the SDTM export (sdtm.md §8) and how ``**options`` are split.

``sdtm_tables(..., **options)`` takes the export's own options, the scoring options (design.md
§1 and §7.4) and the review options of the charter (central-review.md §5), all by name.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from recist_reader.interop.sdtm.terminology import TR_DERIVED_TESTS

USUBJID_FIELDS = frozenset({"study_id", "patient_id"})


class SdtmOptionError(ValueError):
    """An export option has an unknown name or an invalid value."""


@dataclass(frozen=True)
class SdtmOptions:
    """The export's options, with sdtm.md §8's defaults.

    Attributes
    ----------
    study_id : str or None
        STUDYID for records without ``study_id``.
    usubjid_template : str
        USUBJID for records without ``usubjid``; fields ``{study_id}`` and ``{patient_id}``.
    vendor : str or None
        The core lab's name, written as TUNAM/TRNAM/RSNAM.
    nodal_testcd : str
        Test code of a nodal target's short axis: ``LPERP`` or ``DIAMETER``.
    secondary_axis : bool
        Add the other axis (``long_axis_mm`` of a node, ``short_axis_mm`` of another lesion).
    tr_derived : tuple of str
        Derived TR tests to write: any of SUMDIAM, SUMNLNLD, PCBSD, PCNSD, ACNSD.
    new_lesion_result : str
        TR result of an unequivocal new lesion: ``PRESENT`` or ``UNEQUIVOCAL``.
    bestresp : bool
        Add the read's confirmed best overall response (RSTESTCD BESTRESP) at its last visit.
    newlind : bool
        Add the New Lesion Indicator (Y/N) at every follow-up visit.
    adjudicator_rows : bool
        Repeat the accepted read's RS rows with RSEVALID ``ADJUDICATOR 1``; the readers' RS
        rows then carry no RSACPTFL.
    relrec : bool
        Also write RELREC (TU–TR by link id, TR–RS by link group).
    allow_free_text_location : bool
        Write an unmapped organ text upper-cased as TULOC (with a warning) instead of refusing.
    """

    study_id: str | None = None
    usubjid_template: str = "{study_id}-{patient_id}"
    vendor: str | None = None
    nodal_testcd: str = "LPERP"
    secondary_axis: bool = False
    tr_derived: tuple[str, ...] = ("SUMDIAM",)
    new_lesion_result: str = "PRESENT"
    bestresp: bool = False
    newlind: bool = False
    adjudicator_rows: bool = False
    relrec: bool = False
    allow_free_text_location: bool = False

    def __post_init__(self) -> None:
        if self.nodal_testcd not in ("LPERP", "DIAMETER"):
            raise SdtmOptionError(
                f"nodal_testcd: {self.nodal_testcd!r}; use LPERP (default) or DIAMETER"
            )
        if self.new_lesion_result not in ("PRESENT", "UNEQUIVOCAL"):
            raise SdtmOptionError(
                f"new_lesion_result: {self.new_lesion_result!r}; use PRESENT (default) or "
                "UNEQUIVOCAL"
            )
        unknown = [t for t in self.tr_derived if t not in TR_DERIVED_TESTS]
        if unknown:
            raise SdtmOptionError(
                f"tr_derived: unknown test {', '.join(unknown)}; choose from "
                f"{', '.join(TR_DERIVED_TESTS)}"
            )
        names = {name for _, name, _, _ in string.Formatter().parse(self.usubjid_template) if name}
        if not names <= USUBJID_FIELDS:
            raise SdtmOptionError(
                f"usubjid_template: unknown field {{{sorted(names - USUBJID_FIELDS)[0]}}}; "
                "use {study_id} and {patient_id}"
            )
        for name in ("study_id", "vendor"):
            value = getattr(self, name)
            if value is not None and not value.strip():
                raise SdtmOptionError(f"{name}: empty; give a value or leave it out")


SDTM_OPTION_NAMES: tuple[str, ...] = tuple(f.name for f in fields(SdtmOptions))


def tuple_of_names(value: str | Iterable[str]) -> tuple[str, ...]:
    """A list option given as ``"A,B"`` or as a sequence of names."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return tuple(value)


def split_options(
    options: Mapping[str, Any],
) -> tuple[SdtmOptions, dict[str, Any], dict[str, Any]]:
    """``**options`` of the API as (export options, scoring options, review options).

    Raises
    ------
    SdtmOptionError
        For a name that is none of them, or an invalid export option.
    ReviewOptionError
        For a review option value the charter does not allow.
    """
    from recist_reader.core.options import OPTION_NAMES as SCORING_OPTION_NAMES
    from recist_reader.review.options import OPTION_NAMES as REVIEW_OPTION_NAMES
    from recist_reader.review.options import ReviewOptions

    export: dict[str, Any] = {}
    scoring: dict[str, Any] = {}
    review: dict[str, Any] = {}
    for name, value in options.items():
        if name in SDTM_OPTION_NAMES:
            export[name] = tuple_of_names(value) if name == "tr_derived" else value
        elif name in SCORING_OPTION_NAMES:
            scoring[name] = value
        elif name in REVIEW_OPTION_NAMES:
            review[name] = value
        else:
            raise SdtmOptionError(
                f"unknown option {name!r}: not an export option ({', '.join(SDTM_OPTION_NAMES)}), "
                "a scoring option (design.md §1, §7.4) or a review option (central-review.md §5)"
            )
    ReviewOptions.from_mapping(review)  # refuses values the charter does not allow
    return SdtmOptions(**export), scoring, review
