"""Is the region found under a click one tissue, or a lesion inside a larger structure?

A lesion only a little darker (or brighter) than the muscle holding it, under noise, is not
separated from the muscle by any threshold: the region grown from the click then fills the
whole compartment up to the fat around it, with clear edges, and would look like a good
lesion. What gives it away is its level: around the click (the lesion) it differs from the
rest of the region (the muscle) by far more than the noise allows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

#: The core around the click: within this fraction of the region's equivalent radius.
CORE_FRACTION = 0.35
#: The rest of the region: beyond this fraction of the equivalent radius from the click.
OUTER_FRACTION = 0.6
#: Pixels nearer than this to the region's edge (partial volume, blur) are left out (mm).
CORE_EDGE_MM = 2.0
OUTER_EDGE_MM = 3.0
#: Fewest pixels in the core and in the rest for the comparison to mean anything.
MIN_PIXELS = 30
#: The step must exceed this many standard errors of the difference of the two medians
#: (homogeneous phantoms reach 2.3; compartments holding a 13 HU lesion 8.6 to 19) ...
MIN_STANDARD_ERRORS = 6.0
#: ... and this fraction of the region's contrast with its surroundings (phantoms reach
#: 0.08 only at noise 20-40 HU, with a step of 1-2 standard errors; compartments 0.08-0.10).
MIN_FRACTION_OF_CONTRAST = 0.05
#: Regions smaller than this (long axis, mm) are not checked: their core and rest are too
#: small, and the failure this finds is a region the size of a muscle compartment.
MIN_LONG_AXIS_MM = 20.0
#: Standard error of a median: sqrt(pi / 2) standard deviations over sqrt(n).
_MEDIAN_SE = float(np.sqrt(np.pi / 2))


@dataclass(frozen=True)
class LevelStep:
    """The region's level around the click against the rest of it.

    Attributes
    ----------
    core_level, outer_level : float
        Median raw value (HU on CT) of the core around the click and of the rest.
    standard_errors : float
        ``|core_level - outer_level|`` in standard errors of that difference.
    """

    core_level: float
    outer_level: float
    standard_errors: float

    @property
    def step(self) -> float:
        """``core_level - outer_level``."""
        return self.core_level - self.outer_level


def level_step(
    plane: np.ndarray,
    region: np.ndarray,
    seed: tuple[int, int],
    spacing_mm: tuple[float, float],
    noise_sd: float,
) -> LevelStep | None:
    """The level of ``region`` around ``seed`` against the rest of it; None when the region
    is too small, or thin, to tell.

    Parameters
    ----------
    plane : (rows, columns) array
        The slice, unsmoothed.
    region : (rows, columns) bool array
        The region found under the click.
    seed : (row, column)
        The click.
    spacing_mm : (row, column) spacing
    noise_sd : float
        Standard deviation of the slice's noise (the segmentation's estimate).
    """
    spacing = np.asarray(spacing_mm, float)
    if not region.any() or noise_sd <= 0:
        return None
    rows, columns = np.nonzero(region)
    box = (
        slice(max(rows.min() - 1, 0), rows.max() + 2),
        slice(max(columns.min() - 1, 0), columns.max() + 2),
    )
    inside = region[box]
    depth = ndimage.distance_transform_edt(inside, sampling=spacing)
    radius = np.sqrt(inside.sum() * spacing.prod() / np.pi)
    rr, cc = np.indices(inside.shape)
    from_seed = np.hypot(
        (rr + box[0].start - seed[0]) * spacing[0], (cc + box[1].start - seed[1]) * spacing[1]
    )
    core = inside & (from_seed <= CORE_FRACTION * radius) & (depth >= CORE_EDGE_MM)
    outer = inside & (from_seed >= OUTER_FRACTION * radius) & (depth >= OUTER_EDGE_MM)
    n_core, n_outer = int(core.sum()), int(outer.sum())
    if n_core < MIN_PIXELS or n_outer < MIN_PIXELS:
        return None
    values = np.asarray(plane[box], float)
    core_level, outer_level = float(np.median(values[core])), float(np.median(values[outer]))
    error = _MEDIAN_SE * noise_sd * np.sqrt(1.0 / n_core + 1.0 / n_outer)
    return LevelStep(core_level, outer_level, abs(core_level - outer_level) / error)


def holds_another_level(
    step: LevelStep | None, region_contrast: float, long_axis_mm: float
) -> bool:
    """True when the click's surroundings differ from the rest of the region beyond the
    noise and by a share of the region's contrast (see the module's constants)."""
    return (
        step is not None
        and long_axis_mm >= MIN_LONG_AXIS_MM
        and step.standard_errors >= MIN_STANDARD_ERRORS
        and abs(step.step) >= MIN_FRACTION_OF_CONTRAST * abs(region_contrast)
    )
