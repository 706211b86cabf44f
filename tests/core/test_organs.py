"""The organ table and its matching (sdtm.md §3 steps 3–4), shared by the SR and SDTM exports."""

from __future__ import annotations

import pytest

from recist_reader.core.organs import ORGAN_TABLE, normalise_organ_text, organ_row


@pytest.mark.parametrize(
    ("text", "organ", "laterality"),
    [
        ("liver", "liver", None),
        ("Liver segment 7", "liver", None),
        ("left lung", "lung", "LEFT"),
        ("Lungs", "lung", None),
        ("lung, right lower lobe", "lung", "RIGHT"),
        ("bone, T10 vertebra", "bone", None),
        ("bone marrow", "bone marrow", None),
        ("Adrenal", "adrenal gland", None),
        ("adrenal gland, left", "adrenal gland", "LEFT"),
        ("Adrenals", "adrenal gland", None),
        ("adrenal glands", "adrenal gland", None),
        ("thyroid", "thyroid gland", None),
        ("prostate", "prostate gland", None),
        ("lymph nodes", "lymph node", None),
        ("Lymph node, porta hepatis", "lymph node", None),
        ("both kidneys", "kidney", "BILATERAL"),
        ("rt. breast", "breast", "RIGHT"),
        ("pleurae", "pleura", None),
        ("Portal-vein thrombus", "portal vein", None),
    ],
)
def test_organ_text_maps_to_its_row(text, organ, laterality):
    assert organ_row(text).organ == organ
    assert normalise_organ_text(text).laterality == laterality


@pytest.mark.parametrize(
    "text", ["perihepatic", "hepatic vein", "livers", "boneless", "L", "", "small bowel"]
)
def test_unmapped_organ_text_has_no_row(text):
    assert organ_row(text) is None


def test_prefix_match_is_at_a_word_boundary_and_longest():
    assert organ_row("bone marrow biopsy site").organ == "bone marrow"
    assert organ_row("bones") is None


def test_rows_without_snomed_code():
    assert {row.organ for row in ORGAN_TABLE if row.snomed_code is None} == {
        "peritoneum",
        "testis",
        "abdominal wall",
    }
    assert organ_row("peritoneum").tuloc == "PERITONEUM"
