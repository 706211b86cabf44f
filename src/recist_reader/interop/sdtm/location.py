"""TULOC and TULAT of a lesion (sdtm.md §3 Location).

In order: the entry's ``location_code`` (a C74456 submission value); ``LYMPH NODE`` for a nodal
lesion; the organ text normalised as rule A16 reads it, matched (a) to an organ-table name,
(b) to a C74456 term written in lower case with its punctuation read as spaces, (c) by its
first words to the longest organ-table name. TULAT comes from the laterality words of the organ
text whichever way TULOC was found.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from recist_reader.core.organs import normalise_organ_text, organ_by_name, organ_by_prefix
from recist_reader.interop.sdtm.anatomical_location import ANATOMICAL_LOCATIONS

ANATOMICAL_LOCATION_SET = frozenset(ANATOMICAL_LOCATIONS)
LYMPH_NODE = "LYMPH NODE"

_WORD = re.compile(r"[^\W_]+")
# C74456 terms by their lower-case words (punctuation read as spaces): "lung right lower lobe".
_TERMS_BY_WORDS = {" ".join(_WORD.findall(term.lower())): term for term in ANATOMICAL_LOCATIONS}


@dataclass(frozen=True)
class Location:
    """TULOC and TULAT of one lesion; ``free_text`` when TULOC is the upper-cased organ text
    (``--allow-free-text-location``), not a C74456 term."""

    tuloc: str
    tulat: str | None
    free_text: bool = False


class UnknownLocationCode(ValueError):
    """``location_code`` is not a C74456 submission value."""


class NoLocationTerm(ValueError):
    """The organ text maps to no C74456 term and free text is not allowed."""


def resolve_location(
    organ_text: str,
    *,
    location_code: str | None,
    nodal: bool,
    allow_free_text: bool = False,
) -> Location:
    """TULOC/TULAT for a lesion or new-lesion entry.

    Parameters
    ----------
    organ_text : str
        A lesion's ``organ``; for a new lesion its ``organ`` when given, else its ``location``.
    location_code : str or None
        The entry's ``location_code`` (design.md §9.1).
    nodal : bool
        Whether the lesion is a lymph node.
    allow_free_text : bool
        Write the upper-cased organ text when no term is found, instead of refusing.

    Raises
    ------
    UnknownLocationCode
        ``location_code`` is not a C74456 submission value (the message suggests the nearest).
    NoLocationTerm
        No term was found and ``allow_free_text`` is false.

    Examples
    --------
    >>> resolve_location("left lung", location_code=None, nodal=False)
    Location(tuloc='LUNG', tulat='LEFT', free_text=False)
    >>> resolve_location("hepatic vein", location_code=None, nodal=False).tuloc
    'HEPATIC VEIN'
    """
    found = normalise_organ_text(organ_text)
    if location_code is not None:
        if location_code not in ANATOMICAL_LOCATION_SET:
            raise UnknownLocationCode(location_code_problem(location_code))
        return Location(location_code, found.laterality)
    if nodal:
        return Location(LYMPH_NODE, found.laterality)
    organ = organ_by_name(found.text)
    if organ is not None:
        return Location(organ.tuloc, found.laterality)
    term = _TERMS_BY_WORDS.get(found.text)
    if term is not None:
        return Location(term, found.laterality)
    organ = organ_by_prefix(found.text)
    if organ is not None:
        return Location(organ.tuloc, found.laterality)
    if allow_free_text:
        return Location(" ".join(organ_text.upper().split()), found.laterality, free_text=True)
    raise NoLocationTerm(f'"{organ_text}" has no CDISC Anatomical Location term; add location_code')


def location_code_problem(location_code: str) -> str:
    """Why ``location_code`` is refused, with the nearest C74456 terms as the fix."""
    upper = " ".join(location_code.upper().split())
    if upper in ANATOMICAL_LOCATION_SET:
        return (
            f"{location_code!r} is not a C74456 submission value as written; "
            f"write it exactly {upper!r}"
        )
    nearest = difflib.get_close_matches(upper, ANATOMICAL_LOCATIONS, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(t) for t in nearest)}?" if nearest else ""
    return f"{location_code!r} is not a CDISC Anatomical Location (C74456) submission value{hint}"
