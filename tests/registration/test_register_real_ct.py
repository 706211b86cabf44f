"""`register_visits` on the real series of ../shared: follow-ups made from them by a known
motion land their lesions, across orientations, gantry tilt and MR; different body regions
are judged implausible (issue 16 part 1)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from recist_reader import load_series, register_visits
from recist_reader.phantom.visit_pairs import warped_visit_pair

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def chest(shared_dicom_dir: Path):
    """The chest CT and the centre of its radiologist's tumour boxes (LPS)."""
    folder = shared_dicom_dir / "ct_chest_lung_tumour"
    volume = load_series(folder / "series")
    centres = []
    for path in (folder / "tumour_boxes").glob("*.xml"):
        box = ET.parse(path).getroot().find("object/bndbox")
        x0, y0, x1, y1 = (int(box.find(k).text) for k in ("xmin", "ymin", "xmax", "ymax"))
        k = volume.sop_instance_uids.index(path.stem)
        centres.append(volume.index_to_lps([k, (y0 + y1) / 2, (x0 + x1) / 2]))
    return volume, np.mean(centres, axis=0)


def landing(pair, reg) -> dict[str, float]:
    return {
        k: float(np.linalg.norm(reg.to_follow_up(c) - pair.follow_up_centres_mm[k]))
        for k, c in pair.baseline_centres_mm.items()
    }


def test_chest_tumour_lands_within_5_mm(chest):
    volume, tumour = chest
    corner = volume.index_to_lps([25, 380, 120])  # a point far from the tumour, low in the chest
    pair = warped_visit_pair(
        volume, {"tumour": tumour, "corner": corner}, 1, growth_radius_mm={"tumour": 25.0}
    )
    reg = register_visits(pair.baseline, pair.follow_up)
    errors = landing(pair, reg)
    print(errors, reg.checks)
    assert reg.plausible, reg.reason
    assert max(errors.values()) <= 5.0


def test_gantry_tilted_head_ct_registers(shared_dicom_dir: Path):
    """A sheared affine (18.5 degree tilt) is used as it is: points are in patient space."""
    volume = load_series(shared_dicom_dir / "ct_head_gantry_tilt/series")
    assert volume.gantry_tilt_deg > 18
    points = {
        "centre": volume.index_to_lps([18, 256, 256]),
        "side": volume.index_to_lps([8, 200, 330]),
    }
    pair = warped_visit_pair(volume, points, 2)
    reg = register_visits(pair.baseline, pair.follow_up)
    errors = landing(pair, reg)
    assert reg.plausible, reg.reason
    assert max(errors.values()) <= 5.0


def test_sagittal_mr_registers(shared_dicom_dir: Path):
    volume = load_series(shared_dicom_dir / "mr_t1_sagittal/series")
    assert volume.modality == "MR"
    centre = volume.index_to_lps(np.asarray(volume.shape) / 2)
    pair = warped_visit_pair(volume, {"centre": centre}, 3)
    reg = register_visits(pair.baseline, pair.follow_up)
    assert reg.plausible, reg.reason
    assert landing(pair, reg)["centre"] <= 5.0


@pytest.mark.parametrize(
    "other", ["ct_head_gantry_tilt/series", "ct_soft_tissue_sarcoma/STS_001/CT/image"]
)
def test_chest_against_another_body_region_is_implausible(chest, shared_dicom_dir: Path, other):
    reg = register_visits(chest[0], load_series(shared_dicom_dir / other))
    print(reg.reason, reg.checks)
    assert not reg.plausible
    assert reg.reason.startswith("registration implausible")
