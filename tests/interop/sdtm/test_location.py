"""TULOC and TULAT (sdtm.md §3 Location): the order of the rules, their examples, refusals."""

from __future__ import annotations

import pytest

from recist_reader.core.organs import ORGANS, find_organ, normalise_organ_text
from recist_reader.interop.sdtm.anatomical_location import ANATOMICAL_LOCATIONS
from recist_reader.interop.sdtm.location import (
    NoLocationTerm,
    UnknownLocationCode,
    resolve_location,
)


def where(text, *, code=None, nodal=False, free=False):
    location = resolve_location(text, location_code=code, nodal=nodal, allow_free_text=free)
    return location.tuloc, location.tulat


@pytest.mark.parametrize(
    ("text", "tuloc", "tulat"),
    [
        # The examples of sdtm.md §3 step 4.
        ("left lung", "LUNG", "LEFT"),
        ("hepatic vein", "HEPATIC VEIN", None),
        ("liver segment 7", "LIVER", None),
        ("lung, right lower lobe", "LUNG", "RIGHT"),
        ("bone, T10 vertebra", "BONE", None),
        ("bone marrow", "BONE MARROW", None),
        # Step 3: case, punctuation, laterality words, plurals, synonyms.
        ("Liver", "LIVER", None),
        ("  LUNGS ", "LUNG", None),
        ("Lt. adrenal", "ADRENAL GLAND", "LEFT"),
        ("adrenals", "ADRENAL GLAND", None),
        ("R kidney", "KIDNEY", "RIGHT"),
        ("both kidneys", "KIDNEY", "BILATERAL"),
        ("bilateral pleurae", "PLEURA", "BILATERAL"),
        ("lungs (left, right)", "LUNG", "BILATERAL"),
        ("thyroid", "THYROID GLAND", None),
        ("thyroid gland", "THYROID GLAND", None),
        ("prostate", "PROSTATE GLAND", None),
        ("ovaries", "OVARY", None),
        ("testes", "TESTIS", None),
        ("breasts, right", "BREAST", "RIGHT"),
        ("lymph nodes", "LYMPH NODE", None),
        ("rt chest-wall", "CHEST WALL", "RIGHT"),
        # (b) a C74456 term, before (c) the organ prefix.
        ("portal vein", "PORTAL VEIN", None),
        ("Porta hepatis lymph node", "PORTA HEPATIS LYMPH NODE", None),
        ("liver lobe", "LIVER LOBE", None),
        ("colon, sigmoid", "COLON, SIGMOID", None),
        ("Waldeyer's tonsillar ring", "WALDEYER'S TONSILLAR RING", None),
        # (c) the longest organ-table name the text begins with, at a word boundary.
        ("bone marrow of the left iliac crest", "BONE MARROW", "LEFT"),
        ("peritoneal nodule", None, None),  # "peritoneal" is no word of "peritoneum"
    ],
)
def test_organ_text_to_tuloc(text, tuloc, tulat):
    if tuloc is None:
        with pytest.raises(NoLocationTerm):
            where(text)
    else:
        assert where(text) == (tuloc, tulat)


def test_location_code_wins_and_laterality_still_comes_from_the_text():
    assert where("lymph node, left porta", code="PORTA HEPATIS LYMPH NODE", nodal=True) == (
        "PORTA HEPATIS LYMPH NODE",
        "LEFT",
    )
    assert where("perihepatic", code="PERITONEUM") == ("PERITONEUM", None)


def test_a_nodal_lesion_without_code_is_lymph_node_whatever_its_text():
    assert where("porta hepatis", nodal=True) == ("LYMPH NODE", None)
    assert where("right axilla", nodal=True) == ("LYMPH NODE", "RIGHT")


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        ("porta hepatis lymph node", "write it exactly 'PORTA HEPATIS LYMPH NODE'"),
        ("PORTA HEPATIS NODE", "did you mean 'PORTA HEPATIS LYMPH NODE'"),
        ("ABDOMEN", "not a CDISC Anatomical Location (C74456) submission value"),
    ],
)
def test_a_location_code_outside_c74456_is_refused_with_the_fix(code, hint):
    with pytest.raises(UnknownLocationCode, match="not a") as raised:
        where("liver", code=code)
    assert hint in str(raised.value)


def test_unmapped_text_is_refused_or_written_upper_case_on_request():
    with pytest.raises(NoLocationTerm) as raised:
        where("perihepatic")
    assert str(raised.value) == (
        '"perihepatic" has no CDISC Anatomical Location term; add location_code'
    )
    location = resolve_location(
        "perihepatic  space, left", location_code=None, nodal=False, allow_free_text=True
    )
    assert (location.tuloc, location.tulat, location.free_text) == (
        "PERIHEPATIC SPACE, LEFT",
        "LEFT",
        True,
    )


def test_every_organ_table_term_is_a_c74456_submission_value_and_maps_to_itself():
    terms = set(ANATOMICAL_LOCATIONS)
    assert len(terms) == len(ANATOMICAL_LOCATIONS) > 1300
    for organ in ORGANS:
        assert organ.tuloc in terms, organ
        assert where(organ.name) == (organ.tuloc, None)
        assert organ.name == organ.name.lower()
    assert all(term == term.upper() and term.isascii() for term in terms)
    assert list(ANATOMICAL_LOCATIONS) == sorted(terms)


def test_the_sr_finding_site_lookup_matches_exactly_then_by_prefix():
    organ, side = find_organ("Liver, segment VIII")
    assert (organ.tuloc, organ.finding_site, side) == ("LIVER", ("10200004", "Liver"), None)
    organ, side = find_organ("left adrenals")
    assert (organ.name, side) == ("adrenal gland", "LEFT")
    assert find_organ("peritoneum").__getitem__(0).finding_site is None
    assert find_organ("perihepatic") is None
    assert normalise_organ_text("Lymph Nodes; right hilum").text == "lymph node hilum"
