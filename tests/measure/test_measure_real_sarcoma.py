"""Click and drag-line measurement on the 12 real sarcomas of ../shared (issue 16 §2), with
the figures of ``benchmarks/measure_accuracy.py --real``.

The expert outlines were drawn on MR; on CT many of them follow no visible edge, so the
click's accuracy here is modest (the issue's 60 % goal is met by the click at the seed, not
with the click moved off it, see measure_lesion's docstring); what must hold everywhere is
that a result more than 20 % off is never confident.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def benchmark(shared_dicom_dir: Path):
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "measure_accuracy.py"
    spec = importlib.util.spec_from_file_location("measure_accuracy_real", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # for its dataclasses
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def sarcomas(benchmark, shared_dicom_dir: Path):
    volumes, slices = benchmark.sarcoma_slices(shared_dicom_dir / "ct_soft_tissue_sarcoma")
    assert len(volumes) == 12 and len(slices) == 60
    return volumes, slices


@pytest.fixture(scope="module")
def clicks(benchmark, sarcomas):
    return benchmark.run_real_clicks(*sarcomas)


def test_reference_axes_are_rebuilt_from_the_outlines(sarcomas):
    _, slices = sarcomas
    for s in slices:
        spacing = np.asarray([0.976562, 0.976562])
        length = np.linalg.norm((s.ref_long_ends[1] - s.ref_long_ends[0]) * spacing)
        assert length == pytest.approx(s.ref_long_mm, abs=0.05)


def test_no_click_is_confident_and_more_than_20_percent_off(benchmark, sarcomas, clicks):
    jittered = benchmark.run_real_clicks(*sarcomas, jitter=0.15, seed=1)
    for r in clicks + jittered:
        assert not (r.confident and abs(r.error_pct) > 20), (r.slice, r.long_mm)


def test_click_figures_on_the_slice_of_largest_extent(clicks):
    main = [r for r in clicks if r.slice.tier == "main"]
    within_10 = sum(r.within_10 for r in main)
    within_20 = sum(abs(r.error_pct) <= 20 for r in main)
    print(f"main slices: {within_10}/12 within 10 %, {within_20}/12 within 20 %")
    # The figures when this was written: 8/12 and 10/12 (from 4/12 and 7/12 before the
    # traced outline scored faint steps and was tried inside a region spread into muscle,
    # 1/12 and 3/12 before the traced outline); a deliberate change of the method updates
    # them.
    assert within_10 >= 8 and within_20 >= 10


@pytest.mark.parametrize("case", ["STS_010", "STS_012"])
def test_a_region_spread_into_muscle_is_traced_inside_and_flagged(clicks, case):
    """On these slices the threshold takes the whole limb (tumour and muscle, against fat);
    the traced outline inside it finds the tumour's faint edge."""
    (r,) = [r for r in clicks if r.slice.case == case and r.slice.tier == "main"]
    assert abs(r.error_pct) <= 10, r.long_mm
    assert not r.confident


def test_lesions_over_100_mm_are_measured(clicks):
    big = [r for r in clicks if r.slice.ref_long_mm > 100 and r.slice.tier == "main"]
    assert len(big) == 3
    assert sum(abs(r.error_pct) <= 10 for r in big) >= 2


def test_drag_line_figures(benchmark, sarcomas):
    lines, drawn = benchmark.run_real_lines(*sarcomas)
    within_10 = np.mean([r.within_10 for r in lines])
    within_20 = np.mean([abs(r.error_pct) <= 20 for r in lines])
    print(f"drag lines: {100 * within_10:.0f} % within 10 %, {100 * within_20:.0f} % within 20 %")
    assert not any(r.confident and abs(r.error_pct) > 20 for r in lines)
    # 62 % and 89 % when written; the drawn lines themselves were 74 % and 100 %.
    assert within_10 >= 0.55 and within_20 >= 0.85
