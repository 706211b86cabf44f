"""The organ table: organ names, their CDISC Anatomical Location term and SNOMED CT code.

One table for every export that names an organ (sdtm.md §3, "Location"): the SDTM export
takes TULOC and TULAT from it, the DICOM SR export its Finding Site (design.md §8.5, row 6).
A lesion's free-text organ is matched to a row as sdtm.md §3 steps 3–4 say: the text is
normalised (:func:`normalise_organ_text`), then matched exactly, or by its longest leading
organ name at a word boundary (:func:`organ_row`). Pure Python; no I/O.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

__all__ = [
    "ORGAN_TABLE",
    "NormalisedOrgan",
    "OrganRow",
    "normalise_organ_text",
    "organ_row",
]


@dataclass(frozen=True)
class OrganRow:
    """One row of the organ table.

    Attributes
    ----------
    organ : str
        The organ name, lower case (the widget's organ pick-list).
    tuloc : str
        Its CDISC Anatomical Location (C74456) submission value.
    snomed_code, snomed_meaning : str or None
        Its SNOMED CT concept, written as the SR's Finding Site; None when no code fits.
    """

    organ: str
    tuloc: str
    snomed_code: str | None
    snomed_meaning: str | None


def _row(organ: str, tuloc: str, code: str | None = None, meaning: str | None = None) -> OrganRow:
    return OrganRow(organ, tuloc, code, meaning)


#: The organ table of sdtm.md §3, in its order.
ORGAN_TABLE: tuple[OrganRow, ...] = (
    _row("liver", "LIVER", "10200004", "Liver"),
    _row("lung", "LUNG", "39607008", "Lung"),
    _row("lymph node", "LYMPH NODE", "59441001", "Lymph Node"),
    _row("pleura", "PLEURA", "3120008", "Pleura"),
    _row("bone", "BONE", "272673000", "Bone"),
    _row("bone marrow", "BONE MARROW", "14016003", "Bone Marrow"),
    _row("brain", "BRAIN", "12738006", "Brain"),
    _row("kidney", "KIDNEY", "64033007", "Kidney"),
    _row("adrenal gland", "ADRENAL GLAND", "23451007", "Adrenal gland"),
    _row("mediastinum", "MEDIASTINUM", "72410000", "Mediastinum"),
    _row("peritoneum", "PERITONEUM"),
    _row("spleen", "SPLEEN", "78961009", "Spleen"),
    _row("pancreas", "PANCREAS", "15776009", "Pancreas"),
    _row("skin", "SKIN", "39937001", "Skin"),
    _row("soft tissue", "SOFT TISSUE", "87784001", "Soft tissue"),
    _row("breast", "BREAST", "76752008", "Breast"),
    _row("stomach", "STOMACH", "69695003", "Stomach"),
    _row("colon", "COLON", "71854001", "Colon"),
    _row("ovary", "OVARY", "15497006", "Ovary"),
    _row("testis", "TESTIS"),
    _row("thyroid gland", "THYROID GLAND", "69748006", "Thyroid"),
    _row("chest wall", "CHEST WALL", "78904004", "Chest wall"),
    _row("abdominal wall", "ABDOMINAL WALL"),
    _row("omentum", "OMENTUM", "27398004", "Omentum"),
    _row("retroperitoneum", "RETROPERITONEUM", "82849001", "Retroperitoneum"),
    _row("esophagus", "ESOPHAGUS", "32849002", "Esophagus"),
    _row("pericardium", "PERICARDIUM", "76848001", "Pericardium"),
    _row("muscle", "MUSCLE", "71616004", "Muscle"),
    _row("portal vein", "PORTAL VEIN", "32764006", "Portal vein"),
    _row("gallbladder", "GALLBLADDER", "28231008", "Gallbladder"),
    _row("bile duct", "BILE DUCT", "28273000", "Bile duct"),
    _row("prostate gland", "PROSTATE GLAND", "41216001", "Prostate"),
)

_ROW_BY_ORGAN = {row.organ: row for row in ORGAN_TABLE}
# Longest names first: the longest leading organ name wins ("bone marrow" before "bone").
_ORGANS_LONGEST_FIRST = sorted(_ROW_BY_ORGAN, key=len, reverse=True)

#: Laterality words (rule book A16) and the TULAT value each gives.
_LATERALITY = {
    "left": "LEFT",
    "lt": "LEFT",
    "l": "LEFT",
    "right": "RIGHT",
    "rt": "RIGHT",
    "r": "RIGHT",
    "bilateral": "BILATERAL",
    "both": "BILATERAL",
}
#: Paired-organ plurals, folded to the table's names.
_PLURALS = {
    "lungs": "lung",
    "kidneys": "kidney",
    "adrenals": "adrenal gland",
    "ovaries": "ovary",
    "breasts": "breast",
    "testes": "testis",
    "pleurae": "pleura",
}
#: Synonyms: a word that names an organ whose table name has "gland" after it.
_GLANDS = frozenset({"adrenal", "thyroid", "prostate"})
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class NormalisedOrgan:
    """An organ text normalised for matching (sdtm.md §3, step 3).

    Attributes
    ----------
    text : str
        Lower case words separated by single spaces, laterality words removed, plurals and
        synonyms folded.
    laterality : str or None
        ``LEFT``, ``RIGHT`` or ``BILATERAL`` from the laterality words (the first one found),
        None when there are none.
    """

    text: str
    laterality: str | None


@functools.lru_cache(maxsize=1024)
def normalise_organ_text(text: str) -> NormalisedOrgan:
    """Normalise a free-text organ as sdtm.md §3 step 3 (and rule book A16) say.

    Lower case; punctuation read as a space; laterality words (left, right, bilateral, both,
    lt, rt, l, r) removed and kept; paired-organ plurals folded; adrenal, thyroid and prostate
    read as "… gland"; "lymph nodes" read as "lymph node".

    Examples
    --------
    >>> normalise_organ_text("Lung, right lower lobe")
    NormalisedOrgan(text='lung lower lobe', laterality='RIGHT')
    >>> normalise_organ_text("Adrenals").text
    'adrenal gland'
    >>> normalise_organ_text("Thyroid gland").text
    'thyroid gland'
    """
    laterality = None
    words: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word in _LATERALITY:
            laterality = laterality or _LATERALITY[word]
            continue
        words.extend(_PLURALS.get(word, word).split())
    folded: list[str] = []
    for index, word in enumerate(words):
        previous = folded[-1] if folded else None
        if (word == "nodes" and previous == "lymph") or (word == "glands" and previous in _GLANDS):
            word = word[:-1]
        elif previous in _GLANDS and word not in ("gland", "glands"):
            folded.append("gland")
        folded.append(word)
    if folded and folded[-1] in _GLANDS:
        folded.append("gland")
    return NormalisedOrgan(" ".join(folded), laterality)


def organ_row(text: str) -> OrganRow | None:
    """The organ-table row a free-text organ maps to (sdtm.md §3 steps 3–4 a and c).

    The normalised text equal to a table name gives that row; else the row of the longest
    table name the text begins with, at a word boundary; else None. (Step 4 b, a C74456 term
    outside the table, is the SDTM export's: it has no SNOMED CT code.)

    Examples
    --------
    >>> organ_row("liver segment 7").organ
    'liver'
    >>> organ_row("Bone marrow").snomed_code
    '14016003'
    >>> organ_row("perihepatic") is None
    True
    """
    normalised = normalise_organ_text(text).text
    row = _ROW_BY_ORGAN.get(normalised)
    if row is not None:
        return row
    for organ in _ORGANS_LONGEST_FIRST:
        if normalised.startswith(organ + " "):
            return _ROW_BY_ORGAN[organ]
    return None
