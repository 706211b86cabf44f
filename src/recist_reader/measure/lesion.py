"""`measure_lesion`: a click inside a lesion -> its RECIST long and short axis (design.md §6)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from skimage.draw import polygon
from skimage.measure import find_contours

from .boundary import trace_boundary
from .errors import ImageDimensionError, SeedError, SpacingError
from .geometry import max_feret_diameter, perpendicular_chord
from .segment import _GLASS_MAX_HU, segment_slice
from .uniformity import holds_another_level, level_step

__all__ = ["LesionMeasurement", "measure_lesion", "measure_lesion_across"]

Point = tuple[float, float]

#: Notes of the threshold segmentation saying it found no edge: the outline is then traced.
_NO_EDGE_NOTES = ("low contrast", "no lesion found")
#: Notes saying the region ran into a neighbour of the same density.
_LEAK_NOTES = ("leaks into", "touches a structure")
#: A traced outline replaces a leaked region when this share of it lies inside the region
#: and it covers at most this share of the region's area (see `measure_lesion`, step 7).
_INNER_WITHIN = 0.9
_INNER_AREA = 0.8


@dataclass(frozen=True, eq=False)
class LesionMeasurement:
    """The proposed RECIST measurement of one lesion on one slice.

    Attributes
    ----------
    long_axis_mm, short_axis_mm : float
        Longest in-plane diameter, and the longest diameter perpendicular to it.
    long_axis_endpoints, short_axis_endpoints : ((row, col), (row, col))
        Fractional pixel indices on the slice (float).
    mask : bool array, same shape as the image
        The segmented lesion (only on the seed's slice for a 3-D image).
    confident : bool
        False when the boundary is doubtful; `notes` say why.
    notes : tuple of str
        Reasons for doubt, empty when confident.
    nodal : bool
        As passed: for a lymph node RECIST records the short axis.
    slice_index : int or None
        The seed's slice of a 3-D image, None for a 2-D image.
    contour : (K, 2) float array
        The outline in fractional (row, col) indices on the slice.
    lesion_hu, background_hu, noise_hu : float
        Median inside, median of the surroundings, noise SD of one pixel.
    """

    long_axis_mm: float
    short_axis_mm: float
    long_axis_endpoints: tuple[Point, Point]
    short_axis_endpoints: tuple[Point, Point]
    mask: np.ndarray
    confident: bool
    notes: tuple[str, ...]
    nodal: bool
    slice_index: int | None
    contour: np.ndarray
    lesion_hu: float
    background_hu: float
    noise_hu: float

    @property
    def reason(self) -> str:
        """Why the result is doubtful, in one sentence ("" when confident)."""
        return "; ".join(self.notes)

    @property
    def recist_mm(self) -> float:
        """What RECIST 1.1 records: the short axis of a node, the long axis otherwise."""
        return self.short_axis_mm if self.nodal else self.long_axis_mm


def _check_arguments(
    image: np.ndarray, seed: Sequence[float], spacing_mm: Sequence[float]
) -> tuple[tuple[int, ...], np.ndarray]:
    if image.ndim not in (2, 3):
        raise ImageDimensionError(
            f"image must be 2-D (rows, columns) or 3-D (slices, rows, columns), got shape "
            f"{image.shape}"
        )
    try:
        seed_f = np.asarray(seed, float).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise SeedError(f"seed must be {image.ndim} numbers, got {seed!r}") from exc
    if len(seed_f) != image.ndim or not np.all(np.isfinite(seed_f)):
        raise SeedError(
            f"seed must be {image.ndim} finite indices (one per image axis) for an image of "
            f"shape {image.shape}, got {seed!r}"
        )
    index = tuple(int(v) for v in np.rint(seed_f))
    if any(not 0 <= i < n for i, n in zip(index, image.shape)):
        raise SeedError(f"seed {seed!r} lies outside the image of shape {image.shape}")
    try:
        spacing = np.asarray(spacing_mm, float).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise SpacingError(f"spacing_mm must be {image.ndim} numbers, got {spacing_mm!r}") from exc
    if len(spacing) != image.ndim:
        raise SpacingError(
            f"spacing_mm needs one value per image axis ({image.ndim}), got {spacing_mm!r}"
        )
    if not np.all(np.isfinite(spacing)) or np.any(spacing <= 0):
        raise SpacingError(f"spacing_mm must be positive and finite, got {spacing_mm!r}")
    return index, spacing


def _outline(level: np.ndarray) -> np.ndarray:
    """The zero contour of ``level`` enclosing the largest area, in (row, col) indices."""
    padded = np.pad(level, 1, constant_values=float(level.min()) if level.min() < 0 else -1.0)
    contours = find_contours(padded, 0.0)
    if not contours:
        return np.empty((0, 2))

    def area(c: np.ndarray) -> float:
        return 0.5 * abs(
            float(np.dot(c[:, 0], np.roll(c[:, 1], 1)) - np.dot(c[:, 1], np.roll(c[:, 0], 1)))
        )

    best = max(contours, key=area)
    return best[:-1] - 1.0 if len(best) > 1 and np.allclose(best[0], best[-1]) else best - 1.0


def _axes(
    outline: np.ndarray, spacing: np.ndarray, tolerance_deg: float
) -> tuple[float, float, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Long and short axis (mm) of an outline in (row, col) indices, and their endpoints."""
    points_mm = outline * spacing
    long_mm, (a, b) = max_feret_diameter(points_mm)
    short_mm, (c, d) = perpendicular_chord(points_mm, (a, b), tolerance_deg=tolerance_deg)
    return long_mm, short_mm, (a / spacing, b / spacing), (c / spacing, d / spacing)


def measure_lesion(
    image: np.ndarray,
    seed: Sequence[float],
    *,
    spacing_mm: Sequence[float],
    nodal: bool = False,
    max_diameter_mm: float = 100.0,
    short_axis_tolerance_deg: float = 0.0,
    smoothing_mm: float | None = None,
) -> LesionMeasurement:
    """Propose the RECIST long and short axis of the lesion under a click.

    One call per click: the reading widget draws the returned endpoints as ordinary,
    editable rulers and shows `LesionMeasurement.reason` when ``confident`` is False.

    Method (on the seed's slice only):

    1. Gaussian smoothing (SD: the larger pixel spacing) and a robust noise estimate.
    2. Adaptive two-sided threshold: the lesion level (median around the seed, then of the
       region's core) and the surroundings' level (the far quartile of a ring 2.5-6 mm
       outside the region) are re-estimated four times; the lesion is the seed's connected
       set of pixels between the half-way level towards the surroundings and, on the other
       side, 4 SDs of the lesion's texture. Darker or brighter lesions, CT or MR alike
       (the result does not change under ``a * image + b``).
    3. Leaks into same-density structures: 128 rays from the region's deepest point find
       where it ends. Where a ray leaves into the true surroundings the edge is known;
       a ray that stops on other tissue (fat, bone) further than the edge interpolated from
       the known rays + 2 mm, or runs more than twice the median and 1.5 times the rays
       opposite, has leaked, and its edge is interpolated (as a reader continues the pleural
       line across a tumour's base on the chest wall); lesions under 4 pixels deep skip this.
       Then a watershed of the distance map cuts necks narrower than 0.85 times the
       shallower side and drops the neighbour's stub. Both flag the result.
    4. Part-solid lung lesions (CT): a ground-glass or mixed-density rim continuous with the
       solid part, thicker than 3 mm, is added by a second, lower threshold relative to the
       lung around it (`segment._ground_glass`); clicked in the ground glass, an embedded
       solid part joins it. A rim touching the chest wall or the mediastinum, or merging
       into a larger hazy area, is flagged. RECIST measures the whole lesion. A lung lesion
       still ringed by intermediate density 1.75-2.25 mm outside its outline, on at least
       half of its perimeter (a rim too thin or faint to be added), is flagged too
       (`segment._missed_glass_rim`); a solid edge's blur has faded there.
    5. Outline: the zero contour of the half-way level (`skimage.measure.find_contours`),
       smoothed only as much as the contrast-to-noise ratio needs, so partial-volume edges
       land at their sub-pixel position and tips are not pulled in.
    6. Long axis: maximum Feret diameter of the outline in millimetres; short axis: the
       longest chord inside the outline perpendicular to it.
    7. When no threshold separates the lesion (contrast under 3 noise SDs, or nothing found
       at the seed), the outline is traced instead as the most consistent smooth closed
       path around the click (`recist_reader.measure.boundary.trace_boundary`); flagged.
       When the region leaked (step 3) in surroundings denser than ground glass (a tumour
       in muscle, the region taking the whole compartment against fat), the traced outline
       replaces it if it lies within the region (90 % of its area) and covers at most 80 %
       of it: a fainter edge inside is the lesion's; flagged.
    8. A clean region in soft tissue (no note so far, long axis 20 mm or more) whose level
       around the click differs from the rest of it by 6 standard errors and 5 % of its
       contrast (`recist_reader.measure.uniformity`) is a low-contrast lesion inside a
       larger structure taken whole (a tumour 13 HU below the muscle holding it, the
       region filling the compartment up to the fat): the traced outline replaces it on
       the same terms as in step 7, and the result is flagged either way. On 20 such
       compartments (``benchmarks/measure_accuracy.py``, seed 3) 16 results were confident
       and 72-148 % too long before this step; now none is confident and 17 are within
       10 %. The results of the other conditions' phantoms, the real chest CT and the real
       sarcomas are unchanged.

    Why this method (``benchmarks/measure_accuracy.py``, 20 phantoms per condition, median
    / p95 |long-axis error| in mm): this method 0.24 / 0.40 on spheres 5-80 mm,
    0.14 / 0.50 on ellipsoids, 0.10 / 0.20 on lung nodules, 0.12 / 0.49 at noise 20-40 HU;
    the same masks measured on pixel edges instead of the sub-pixel contour 0.65 / 0.78,
    0.25 / 0.63, 0.20 / 0.42, 0.50 / 0.82; a random walker refining the same masks 0.84 /
    1.55, 0.42 / 0.85, 0.29 / 1.19, 0.99 / 2.11; morphological Chan-Vese 0.61 / 0.78,
    0.39 / 0.63, 0.36 / 0.82, 0.41 / 0.67, and 20.7 mm median when a vessel touches the
    lesion (no leak control). Part-solid lung nodules (ground glass -750 to -400 HU around a
    solid core, clicked in the core): 0.14 / 12.1 with step 4, 14.4 / 27.2 without; about
    a third, mostly small (<= 12 mm) or faint ones, still measure the core alone, most of
    them now flagged (wrong yet confident: 37 % -> 12 % of 120, flagged 5 % -> 29 %).
    Clicked in their ground glass: 0.44 / 13.7 with step 4, 4.7 / 13.7 without (most
    flagged, as the solid stage's rays stop at the solid part).
    Time per click on a 512 x 512 slice (the benchmark's CPU time): about 10 ms on its
    phantom; 20-70 ms on the real chest CT, slowest for tumours over 55 mm, which need a
    second, wider window.

    Step 7, on real low-contrast lesions (``benchmarks/measure_accuracy.py --real``: 12
    soft-tissue sarcomas in muscle, outlines drawn on MR, 60 reference slices; clicks at the
    reference seed and up to 15 % of the short axis off it; long axis within 10 % / 20 % of
    the reference on the slice of largest extent): steps 1-6 alone 19 % / 39 % (most end
    as a small flagged core, as contrast is 5-15 HU under 20-40 HU of noise); steps 1-6 on a
    more smoothed slice (SD 2-6 mm) 0-17 %; a band of the lesion's level on a 3 mm smoothed
    slice 17 %; traced outlines whose cost is a lesion-referenced step across the edge
    17-33 %, with a dark-valley (fat plane) term no better. The tracing's edge score
    (clicks at the seed and off it, traced on every slice): the gradient relative to the
    strongest alone 39 % / 64 % (a fat edge of 100+ HU drowns a 10-20 HU tumour-muscle
    step); the 2-4 mm step relative to the texture, hard-saturated, 44-47 % / 64-72 %, but
    on low-contrast phantoms its flat top blurs the edge (p95 3.8 -> 7.5 mm); the step
    soft-saturated (d / (d + spread)) 42-47 %; half gradient, half soft step (this, with
    stopping inside a lesion-like stretch costing 0.75 instead of 0.5) 50 % / 75 %, phantom
    p95 3.8 -> 4.3 mm at contrast 20-50 HU, 1.3 -> 0.7 mm at noise 20-40 HU; more smoothing
    (3 mm, or averaging the slices either side) 17-25 %. Tracing every click is worse than
    steps 1-6 on the phantoms; tracing inside every soft-tissue region (not only leaked
    ones) finds inner outlines in homogeneous phantoms (sphere median error 0.3 -> 5.6 mm);
    in lung the chest-wall leaks of the real chest CT were cut short (53 -> 35 mm), hence
    the ground-glass bound. Steps 1-7 as described: 67 % / 83 % clicked at the seed, 50 %
    / 71 % up to 15 % off it (before these two changes 33 % / 58 % and 38 % / 58 %), all 60
    slices 32 %; other acceptance bounds (within 80-95 %, area 80-95 %) give the same,
    an area bound of 60 % less; none confident and more than 20 % off; median 56 ms per
    click (both click kinds together: 56 % within 10 %). The issue's goal (60 % within
    10 %) is met at the seed but not with the click off it: where the expert outline
    follows no edge on CT a click cannot find it; the flag says so, and
    `measure_lesion_along_line` is the second way.

    Parameters
    ----------
    image : (rows, columns) or (slices, rows, columns) array
        CT in HU, or MR in any unit.
    seed : sequence of 2 or 3 numbers
        ``(row, column)`` or ``(slice, row, column)`` index inside the lesion; rounded to the
        nearest pixel.
    spacing_mm : sequence of 2 or 3 floats
        Pixel spacing along the same axes as ``seed``.
    nodal : bool
        A lymph node: `LesionMeasurement.recist_mm` is then the short axis.
    max_diameter_mm : float
        Largest lesion expected; a region reaching this far from the seed is flagged.
    short_axis_tolerance_deg : float
        Accept short-axis directions up to this far from perpendicular to the long axis.
    smoothing_mm : float, optional
        Gaussian SD applied before thresholding; default the larger pixel spacing.

    Returns
    -------
    LesionMeasurement

    Raises
    ------
    ImageDimensionError, SeedError, SpacingError
        Subclasses of ValueError, for a wrong image, seed or spacing.

    Examples
    --------
    >>> rows, cols = np.mgrid[:64, :64]
    >>> disc = np.where((rows - 32) ** 2 + (cols - 32) ** 2 <= 15 ** 2, 60.0, -800.0)
    >>> m = measure_lesion(disc, (32, 32), spacing_mm=(0.5, 0.5))
    >>> round(m.long_axis_mm), m.confident
    (15, True)
    """
    image = np.asarray(image)
    index, spacing = _check_arguments(image, seed, spacing_mm)
    if image.ndim == 3:
        slice_index: int | None = index[0]
        plane = image[index[0]]
        seed_rc = index[1:]
        spacing_rc = spacing[1:]
    else:
        slice_index = None
        plane = image
        seed_rc = index
        spacing_rc = spacing
    notes: list[str] = []

    # Grow the window until the lesion fits in it (small lesions stay fast).
    half_mm = min(30.0, float(max_diameter_mm))
    while True:
        half = np.ceil(half_mm / spacing_rc).astype(int)
        lo = np.maximum(np.asarray(seed_rc) - half, 0)
        hi = np.minimum(np.asarray(seed_rc) + half + 1, plane.shape)
        crop = plane[lo[0] : hi[0], lo[1] : hi[1]]
        seg = segment_slice(
            crop,
            (seed_rc[0] - lo[0], seed_rc[1] - lo[1]),
            spacing_mm=tuple(spacing_rc),
            smoothing_mm=smoothing_mm,
            allow_border=half_mm < max_diameter_mm,
        )
        edge = np.zeros(crop.shape, bool)
        edge[[0, -1], :] = edge[:, [0, -1]] = True
        at_crop_edge = [
            seg.mask[0].any() and lo[0] > 0,
            seg.mask[-1].any() and hi[0] < plane.shape[0],
            seg.mask[:, 0].any() and lo[1] > 0,
            seg.mask[:, -1].any() and hi[1] < plane.shape[1],
        ]
        if not any(at_crop_edge):
            break
        if half_mm >= max_diameter_mm:
            notes.append(
                f"the region reaches {max_diameter_mm:.0f} mm from the seed: the seed may be "
                "outside any lesion, or the lesion leaks into its surroundings"
            )
            break
        half_mm = min(2 * half_mm, float(max_diameter_mm))
    notes.extend(seg.notes)
    if (
        (seg.mask[0].any() and lo[0] == 0)
        or (seg.mask[-1].any() and hi[0] == plane.shape[0])
        or (seg.mask[:, 0].any() and lo[1] == 0)
        or (seg.mask[:, -1].any() and hi[1] == plane.shape[1])
    ):
        notes.append("the lesion touches the image border")

    offset = lo.astype(float)
    outline = _outline(seg.level)
    if len(outline) < 3 or seg.mask.sum() < 3:
        notes.append("no lesion found at the seed")
        long_mm, short_mm = 0.0, 0.0
        seed_pt = np.asarray(seed_rc, float)
        long_ends = short_ends = (seed_pt, seed_pt)
        outline_idx = outline + offset if len(outline) else np.empty((0, 2))
    else:
        long_mm, short_mm, long_ends, short_ends = _axes(
            outline + offset, spacing_rc, short_axis_tolerance_deg
        )
        if long_mm < 3 * float(spacing_rc.max()):
            notes.append(f"smaller than 3 pixels ({long_mm:.1f} mm): too small to measure")
        outline_idx = outline + offset

    traced = inner = None
    region = np.zeros(plane.shape, bool)
    region[lo[0] : hi[0], lo[1] : hi[1]] = seg.mask
    in_soft_tissue = seg.mask.any() and seg.background_hu > _GLASS_MAX_HU
    if in_soft_tissue and any(note.startswith(_LEAK_NOTES) for note in notes):
        # The region ran into soft tissue of the same density (a tumour in muscle, outlined
        # by fat): a fainter edge inside it, if the traced outline finds one, is the
        # lesion's. (Not in lung or ground glass, where the rays cut a leak into the chest
        # wall.)
        inner = trace_boundary(
            plane, tuple(seed_rc), tuple(spacing_rc), max_radius_mm=float(max_diameter_mm)
        )
        if _lies_inside(inner.contour, region):
            traced = inner
            notes.append(
                "the region spreads into tissue of the same density; the outline follows a "
                "fainter edge inside it: check it, or drag a line across the lesion"
            )
    elif in_soft_tissue and not notes:
        # A clean region whose level around the click differs from the rest of it: a
        # lesion of low contrast inside a larger structure (a muscle compartment), which
        # the region took whole (step 8).
        step = level_step(plane, region, tuple(seed_rc), tuple(spacing_rc), seg.noise_hu)
        if holds_another_level(step, seg.lesion_hu - seg.background_hu, long_mm):
            inner = trace_boundary(
                plane, tuple(seed_rc), tuple(spacing_rc), max_radius_mm=float(max_diameter_mm)
            )
            where = (
                f"the region is {'darker' if step.step < 0 else 'brighter'} around the click "
                f"than in the rest of it (by {abs(step.step):.0f}, noise SD {seg.noise_hu:.0f})"
            )
            if _lies_inside(inner.contour, region):
                traced = inner
                notes.append(
                    f"{where}; the outline follows a fainter edge around the click: check "
                    "it, or drag a line across the lesion"
                )
            else:
                notes.append(
                    f"{where}: it may be a larger structure holding the lesion; check the "
                    "outline, or drag a line across the lesion"
                )
    if traced is None and any(note.startswith(_NO_EDGE_NOTES) for note in notes):
        # No threshold separates the lesion here: trace its most consistent outline instead.
        traced = inner or trace_boundary(
            plane, tuple(seed_rc), tuple(spacing_rc), max_radius_mm=float(max_diameter_mm)
        )
        notes = [n for n in notes if not n.startswith(("no lesion found", "smaller than"))]
        notes.append(
            "no threshold separates the lesion from its surroundings: the outline follows the "
            "most consistent closed boundary around the click; check it, or drag a line "
            "across the lesion"
        )
        if traced.at_limit:
            notes.append("the traced outline reaches the search limit or the image border")
    if traced is not None:
        outline_idx = traced.contour
        long_mm, short_mm, long_ends, short_ends = _axes(
            outline_idx, spacing_rc, short_axis_tolerance_deg
        )
        if long_mm < 3 * float(spacing_rc.max()):
            notes.append(f"smaller than 3 pixels ({long_mm:.1f} mm): too small to measure")

    mask = np.zeros(image.shape, bool)
    target = mask[slice_index] if slice_index is not None else mask
    if traced is not None:
        rr, cc = polygon(traced.contour[:, 0], traced.contour[:, 1], target.shape)
        target[rr, cc] = True
    else:
        target[lo[0] : hi[0], lo[1] : hi[1]] = seg.mask

    def pair(ends) -> tuple[Point, Point]:
        return tuple((float(p[0]), float(p[1])) for p in ends)  # type: ignore[return-value]

    return LesionMeasurement(
        long_axis_mm=float(long_mm),
        short_axis_mm=float(short_mm),
        long_axis_endpoints=pair(long_ends),
        short_axis_endpoints=pair(short_ends),
        mask=mask,
        confident=not notes,
        notes=tuple(notes),
        nodal=bool(nodal),
        slice_index=slice_index,
        contour=outline_idx,
        lesion_hu=seg.lesion_hu if traced is None else traced.lesion_level,
        background_hu=seg.background_hu,
        noise_hu=seg.noise_hu,
    )


def _lies_inside(contour: np.ndarray, region: np.ndarray) -> bool:
    """A traced outline lies inside the region (``_INNER_WITHIN`` of its area) and covers
    at most ``_INNER_AREA`` of it: a fainter edge inside the region."""
    rr, cc = polygon(contour[:, 0], contour[:, 1], region.shape)
    within = region[rr, cc].mean() if len(rr) else 0.0
    return bool(within >= _INNER_WITHIN and len(rr) <= _INNER_AREA * region.sum())


def measure_lesion_across(
    image: np.ndarray,
    start: Sequence[float],
    end: Sequence[float],
    *,
    spacing_mm: Sequence[float],
    nodal: bool = False,
    **options,
) -> LesionMeasurement:
    """Propose the RECIST axes from a rough line drawn across the lesion.

    The line's midpoint is the seed and its length bounds the search: the region may reach
    twice the line's length from the seed, and a result more than twice as long as the
    line is flagged.

    Parameters
    ----------
    image : (rows, columns) or (slices, rows, columns) array
    start, end : sequence of 2 or 3 numbers
        The line's ends, as indices like `measure_lesion`'s seed (same slice for 3-D).
    spacing_mm : sequence of 2 or 3 floats
    nodal : bool
    **options
        Passed to `measure_lesion` (not ``max_diameter_mm``, which the line sets).

    Returns
    -------
    LesionMeasurement

    Raises
    ------
    SeedError
        When the ends lie on different slices or outside the image.
    """
    image = np.asarray(image)
    a = np.asarray(start, float).reshape(-1)
    b = np.asarray(end, float).reshape(-1)
    _check_arguments(image, a, spacing_mm)
    _, spacing = _check_arguments(image, b, spacing_mm)
    if image.ndim == 3 and round(a[0]) != round(b[0]):
        raise SeedError(f"the line's ends must lie on one slice, got slices {a[0]} and {b[0]}")
    length_mm = float(np.linalg.norm((b - a)[-2:] * spacing[-2:]))
    m = measure_lesion(
        image,
        (a + b) / 2,
        spacing_mm=spacing_mm,
        nodal=nodal,
        max_diameter_mm=max(2.0 * length_mm, 10.0),
        **options,
    )
    if length_mm > 0 and m.long_axis_mm > 2.0 * length_mm:
        notes = (*m.notes, f"much longer ({m.long_axis_mm:.0f} mm) than the line drawn")
        m = replace(m, confident=False, notes=notes)
    return m
