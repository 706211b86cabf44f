"""The organ pick-list and matching a reader's organ text to it (sdtm.md §3 Location, rule A16).

One table serves every export that needs an organ as a coded term: its first column is the
widget's organ pick-list, the second the CDISC Anatomical Location (codelist C74456) that SDTM
writes as TULOC, the third the SNOMED CT Finding Site a DICOM SR writes (design.md §8.5).

Free text is normalised as rule A16 reads organ names: lower case, punctuation read as a space,
laterality words removed (and kept), paired-organ plurals folded, a few synonyms applied. The
normalised text is then compared with the table's names, exactly or by its first words.

Examples
--------
>>> found = normalise_organ_text("Lung, right lower lobe")
>>> found.text, found.laterality
('lung lower lobe', 'RIGHT')
>>> organ_by_prefix(found.text).tuloc
'LUNG'
>>> organ_by_name(normalise_organ_text("Adrenals").text).tuloc
'ADRENAL GLAND'
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Organ:
    """One row of the organ table.

    Parameters
    ----------
    name : str
        The pick-list name, lower case (``"adrenal gland"``).
    tuloc : str
        Its CDISC Anatomical Location submission value (codelist C74456), SDTM TULOC.
    finding_site : tuple of (str, str) or None
        SNOMED CT code and meaning for a DICOM SR Finding Site; None where no code is known to
        fit.
    """

    name: str
    tuloc: str
    finding_site: tuple[str, str] | None


#: The organ table of sdtm.md §3, in pick-list order.
ORGANS: tuple[Organ, ...] = (
    Organ("liver", "LIVER", ("10200004", "Liver")),
    Organ("lung", "LUNG", ("39607008", "Lung")),
    Organ("lymph node", "LYMPH NODE", ("59441001", "Lymph Node")),
    Organ("pleura", "PLEURA", ("3120008", "Pleura")),
    Organ("bone", "BONE", ("272673000", "Bone")),
    Organ("bone marrow", "BONE MARROW", ("14016003", "Bone Marrow")),
    Organ("brain", "BRAIN", ("12738006", "Brain")),
    Organ("kidney", "KIDNEY", ("64033007", "Kidney")),
    Organ("adrenal gland", "ADRENAL GLAND", ("23451007", "Adrenal gland")),
    Organ("mediastinum", "MEDIASTINUM", ("72410000", "Mediastinum")),
    Organ("peritoneum", "PERITONEUM", None),
    Organ("spleen", "SPLEEN", ("78961009", "Spleen")),
    Organ("pancreas", "PANCREAS", ("15776009", "Pancreas")),
    Organ("skin", "SKIN", ("39937001", "Skin")),
    Organ("soft tissue", "SOFT TISSUE", ("87784001", "Soft tissue")),
    Organ("breast", "BREAST", ("76752008", "Breast")),
    Organ("stomach", "STOMACH", ("69695003", "Stomach")),
    Organ("colon", "COLON", ("71854001", "Colon")),
    Organ("ovary", "OVARY", ("15497006", "Ovary")),
    Organ("testis", "TESTIS", None),
    Organ("thyroid gland", "THYROID GLAND", ("69748006", "Thyroid")),
    Organ("chest wall", "CHEST WALL", ("78904004", "Chest wall")),
    Organ("abdominal wall", "ABDOMINAL WALL", None),
    Organ("omentum", "OMENTUM", ("27398004", "Omentum")),
    Organ("retroperitoneum", "RETROPERITONEUM", ("82849001", "Retroperitoneum")),
    Organ("esophagus", "ESOPHAGUS", ("32849002", "Esophagus")),
    Organ("pericardium", "PERICARDIUM", ("76848001", "Pericardium")),
    Organ("muscle", "MUSCLE", ("71616004", "Muscle")),
    Organ("portal vein", "PORTAL VEIN", ("32764006", "Portal vein")),
    Organ("gallbladder", "GALLBLADDER", ("28231008", "Gallbladder")),
    Organ("bile duct", "BILE DUCT", ("28273000", "Bile duct")),
    Organ("prostate gland", "PROSTATE GLAND", ("41216001", "Prostate")),
)

ORGANS_BY_NAME: dict[str, Organ] = {organ.name: organ for organ in ORGANS}

#: Laterality words (rule A16) and the CDISC Laterality term (codelist C99073) each states.
LATERALITY_WORDS: dict[str, str] = {
    "left": "LEFT",
    "lt": "LEFT",
    "l": "LEFT",
    "right": "RIGHT",
    "rt": "RIGHT",
    "r": "RIGHT",
    "bilateral": "BILATERAL",
    "both": "BILATERAL",
}

# Paired-organ plurals folded to the singular organ name (A16), word by word.
_PLURALS: dict[str, str] = {
    "lungs": "lung",
    "kidneys": "kidney",
    "adrenals": "adrenal",
    "ovaries": "ovary",
    "breasts": "breast",
    "testes": "testis",
    "pleurae": "pleura",
    "glands": "gland",
}
# Organ words that name a gland on their own: "adrenal" is the adrenal gland.
_GLANDS = frozenset({"adrenal", "thyroid", "prostate"})
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class OrganText:
    """Free organ text, normalised for matching.

    Parameters
    ----------
    text : str
        Lower-case words separated by single spaces, laterality words removed, paired-organ
        plurals folded, synonyms applied (``"adrenal gland"`` for ``"Left adrenal"``).
    laterality : str or None
        ``LEFT``, ``RIGHT`` or ``BILATERAL`` (CDISC C99073) when the text states one; a text
        naming both sides is ``BILATERAL``.
    """

    text: str
    laterality: str | None


@functools.lru_cache(maxsize=4096)
def normalise_organ_text(text: str) -> OrganText:
    """Normalise a reader's organ text as rule A16 reads it (sdtm.md §3 Location step 3).

    Examples
    --------
    >>> normalise_organ_text("Lymph nodes, left axilla")
    OrganText(text='lymph node axilla', laterality='LEFT')
    >>> normalise_organ_text("both kidneys")
    OrganText(text='kidney', laterality='BILATERAL')
    """
    words: list[str] = []
    sides: set[str] = set()
    for word in _WORD.findall(text.lower()):
        side = LATERALITY_WORDS.get(word)
        if side is not None:
            sides.add(side)
            continue
        words.append(_PLURALS.get(word, word))
    folded: list[str] = []
    for index, word in enumerate(words):
        if word == "nodes" and folded and folded[-1] == "lymph":
            word = "node"
        folded.append(word)
        following = words[index + 1] if index + 1 < len(words) else None
        if word in _GLANDS and following != "gland":
            folded.append("gland")
    if not sides:
        laterality = None
    elif len(sides) == 1:
        laterality = next(iter(sides))
    else:
        laterality = "BILATERAL"
    return OrganText(" ".join(folded), laterality)


def organ_by_name(normalised: str) -> Organ | None:
    """The organ whose name equals the normalised text (step 4a), or None."""
    return ORGANS_BY_NAME.get(normalised)


def organ_by_prefix(normalised: str) -> Organ | None:
    """The organ with the longest name the normalised text begins with, at a word boundary
    (step 4c: ``"liver segment 7"`` is the liver, ``"bone marrow biopsy site"`` the bone
    marrow); None when the text begins with no organ name."""
    best: Organ | None = None
    for organ in ORGANS:
        name = organ.name
        if (normalised == name or normalised.startswith(name + " ")) and (
            best is None or len(name) > len(best.name)
        ):
            best = organ
    return best


def find_organ(text: str) -> tuple[Organ, str | None] | None:
    """The organ-table row for free organ text and the laterality it states, matching the
    normalised text exactly, then by its first words; None when it names no listed organ.

    Examples
    --------
    >>> organ, side = find_organ("liver segment 7")
    >>> organ.tuloc, side
    ('LIVER', None)
    """
    found = normalise_organ_text(text)
    organ = organ_by_name(found.text) or organ_by_prefix(found.text)
    return None if organ is None else (organ, found.laterality)
