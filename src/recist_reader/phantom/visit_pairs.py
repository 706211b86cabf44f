"""Baseline and follow-up volumes of one phantom patient, related by a known motion.

For testing and benchmarking registration and lesion propagation: the follow-up is the
baseline anatomy moved by a `KnownMotion` (table shift and rotation, breathing, lesions
growing or shrinking), on another grid (slice thickness, pixel size, field of view), with
new noise, as CT or as an MR-like contrast; the expected follow-up position of every lesion
is known exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recist_reader.io.dicom.volume import Volume

from .geometry import Grid
from .motion import Growth, KnownMotion, warp_volume
from .render import render_phantom
from .shapes import (
    Capsule,
    Ellipsoid,
    EllipticCylinder,
    Lesion,
    LymphNode,
    Phantom,
    Region,
    Sphere,
)

__all__ = [
    "VisitPair",
    "head_volume",
    "mr_contrast",
    "phantom_visit_pair",
    "random_motion",
    "torso_phantom",
    "warped_visit_pair",
]


def torso_phantom(lesions: tuple[Lesion, ...] = ()) -> Phantom:
    """A torso 400 mm long (S from -200 to +200 mm): body, lungs above a liver and kidneys,
    spine, aorta and ribs of bone, so every level along S looks different."""
    regions = [
        Region("body", (EllipticCylinder((160.0, 115.0), half_length_mm=200.0),), 40.0),
        Region("fat", (EllipticCylinder((150.0, 105.0), half_length_mm=200.0),), -90.0),
        Region("muscle", (EllipticCylinder((140.0, 95.0), half_length_mm=200.0),), 45.0),
        Region("lung_right", (Ellipsoid((60.0, 80.0, 95.0)),), -850.0, (-65.0, 5.0, 90.0)),
        Region("lung_left", (Ellipsoid((55.0, 80.0, 95.0)),), -850.0, (65.0, 5.0, 95.0)),
        Region(
            "heart", (Ellipsoid((50.0, 45.0, 45.0), angle_deg=30.0),), 50.0, (20.0, -35.0, 60.0)
        ),
        Region(
            "liver", (Ellipsoid((85.0, 80.0, 65.0), angle_deg=15.0),), 60.0, (-50.0, -5.0, -40.0)
        ),
        Region("spleen", (Ellipsoid((30.0, 45.0, 40.0)),), 50.0, (85.0, 40.0, -20.0)),
        Region("kidney_right", (Ellipsoid((30.0, 22.0, 55.0)),), 35.0, (-60.0, 55.0, -110.0)),
        Region("kidney_left", (Ellipsoid((30.0, 22.0, 55.0)),), 35.0, (60.0, 55.0, -100.0)),
        Region(
            "aorta",
            (Capsule((0.0, 0.0, -180.0), (0.0, 0.0, 150.0), 12.0),),
            180.0,
            (15.0, 40.0, 0.0),
        ),
        Region(
            "spine",
            (Capsule((0.0, 0.0, -195.0), (0.0, 0.0, 195.0), 17.0),),
            500.0,
            (0.0, 75.0, 0.0),
        ),
    ]
    # Ribs: slabs of bone 8 mm thick every 30 mm around the chest, under the organs.
    ribs = []
    for k, z in enumerate(np.arange(20.0, 190.0, 30.0)):
        ribs.append(Region(f"rib_{k}", (EllipticCylinder((140.0, 95.0), 4.0),), 400.0, (0, 0, z)))
        ribs.append(Region(f"wall_{k}", (EllipticCylinder((132.0, 87.0), 4.0),), 45.0, (0, 0, z)))
    regions[3:3] = ribs
    return Phantom(tuple(regions), tuple(lesions))


#: The lesions of `phantom_visit_pair`: liver, lung, node, kidney, spleen, chest wall.
DEFAULT_LESIONS = (
    Lesion("T1", (-60.0, -20.0, -45.0), Ellipsoid((32.0, 26.0, 24.0), angle_deg=20.0), -50.0),
    Lesion("T2", (-40.0, 30.0, -10.0), Sphere(18.0), -40.0),
    Lesion("T3", (60.0, 10.0, 110.0), Sphere(14.0), 890.0),
    Lesion("T4", (-70.0, -20.0, 140.0), Ellipsoid((22.0, 18.0, 18.0)), 890.0),
    Lesion("N1", (-25.0, 20.0, 30.0), LymphNode(22.0, 14.0, angle_deg=40.0), 25.0),
    Lesion("T5", (60.0, 55.0, -95.0), Sphere(20.0), 40.0),
    Lesion("T6", (85.0, 40.0, -25.0), Sphere(16.0), -35.0),
)


@dataclass(frozen=True)
class VisitPair:
    """Two visits of one phantom patient and where each lesion lies at both.

    Attributes
    ----------
    baseline, follow_up : Volume
    motion : KnownMotion
        Baseline LPS -> follow-up LPS.
    baseline_centres_mm, follow_up_centres_mm : dict of str to (3,) array
        Each lesion's centre at both visits (the follow-up one is ``motion.forward`` of the
        baseline one).
    grids : (Grid, Grid) or None
        The baseline's and follow-up's grids, when both are `Grid` s (to write them as
        DICOM with `write_ct_series`).
    """

    baseline: Volume
    follow_up: Volume
    motion: KnownMotion
    baseline_centres_mm: dict[str, np.ndarray]
    follow_up_centres_mm: dict[str, np.ndarray]
    grids: tuple[Grid, Grid] | None = None


def mr_contrast(hu: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """An MR-like image of a CT phantom: a non-monotonic map of tissue HU to signal (fat and
    vessels bright, bone and lung dark, liver darker than muscle) times a smooth bias field
    of +-15 %, in arbitrary units."""
    hu_points = [-1000.0, -850.0, -300.0, -90.0, -50.0, 0.0, 40.0, 60.0, 180.0, 400.0, 900.0]
    signal = [0.0, 40.0, 200.0, 900.0, 700.0, 350.0, 420.0, 300.0, 850.0, 120.0, 100.0]
    out = np.interp(hu, hu_points, signal).astype(np.float32)
    rng = np.random.default_rng(seed)
    axes = [np.linspace(-1, 1, n) for n in hu.shape]
    field = 1.0 + 0.15 * sum(
        rng.uniform(-1, 1) * np.reshape(a, [-1 if i == k else 1 for i in range(3)])
        for k, a in enumerate(axes)
    )
    return (out * field).astype(np.float32)


def random_motion(
    rng: np.random.Generator, *, breathing_max_mm: float = 10.0, lesions=DEFAULT_LESIONS
) -> KnownMotion:
    """A motion as between two visits: table shift up to 40 mm along S and 15 mm in plane,
    rotation up to 4 degrees about S and 2 about L and P, breathing up to
    ``breathing_max_mm``, each lesion growing or shrinking by a factor 0.6-1.5."""
    return KnownMotion(
        translation_mm=tuple(rng.uniform(-1, 1, 3) * (15.0, 15.0, 40.0)),
        rotation_deg=tuple(rng.uniform(-1, 1, 3) * (2.0, 2.0, 4.0)),
        centre_mm=(0.0, 0.0, 0.0),
        breathing_mm=float(rng.uniform(0.5, 1.0) * breathing_max_mm),
        breathing_centre_mm=(0.0, 0.0, float(rng.uniform(-30.0, 30.0))),
        breathing_width_mm=float(rng.uniform(70.0, 110.0)),
        growth=tuple(
            Growth(lesion.centre_mm, 10.0, float(rng.uniform(0.6, 1.5))) for lesion in lesions
        ),
    )


def _volume(array: np.ndarray, grid: Grid, modality: str, uid: str) -> Volume:
    return Volume(
        array=array,
        spacing_mm=tuple(float(s) for s in grid.spacing_mm),
        affine=grid.affine,
        series_uid=uid,
        modality=modality,
        study_date=None,
        warnings=[],
        slice_thickness_mm=float(grid.spacing_mm[0]),
    )


def phantom_visit_pair(
    seed: int = 0,
    *,
    motion: KnownMotion | None = None,
    follow_up_modality: str = "CT",
    follow_up_grid: Grid | None = None,
    noise_sd_hu: float = 12.0,
    lesions: tuple[Lesion, ...] = DEFAULT_LESIONS,
    pixel_mm: float = 1.25,
) -> VisitPair:
    """A baseline CT of `torso_phantom` and a follow-up moved by a known motion.

    The anatomy is rendered once on a grid of ``pixel_mm`` pixels and slices twice as thick
    covering S -197..+177 mm; the baseline is its slices over S -150..+170 with noise, the
    follow-up the same anatomy warped by the motion onto ``follow_up_grid`` with new noise.

    Parameters
    ----------
    seed : int
        Draws the motion (`random_motion`) and the noise.
    motion : KnownMotion, optional
        Instead of a random one.
    follow_up_modality : {'CT', 'MR'}
        ``"MR"`` maps the follow-up through `mr_contrast`.
    follow_up_grid : Grid, optional
        Default: 5 mm slices of 1.2 x ``pixel_mm`` over S -190..+130 (another slice thickness,
        pixel size and field of view than the baseline's).
    noise_sd_hu : float
        Noise of each visit (times 4 for MR's arbitrary units).
    lesions : tuple of Lesion
    pixel_mm : float
        Pixel size of the baseline (and of the default follow-up grid, times 1.2); 2.5
        renders a pair in a few seconds, for tests.
    """
    modality = follow_up_modality.upper()
    if modality not in ("CT", "MR"):
        raise ValueError(f"follow_up_modality must be 'CT' or 'MR', got {follow_up_modality!r}")
    rng = np.random.default_rng(seed)
    if motion is None:
        motion = random_motion(rng, lesions=lesions)
    follow_up_pixel = 1.2 * pixel_mm
    follow_up_grid = follow_up_grid or Grid.centred(
        (64, round(360 / follow_up_pixel), round(360 / follow_up_pixel)),
        (5.0, follow_up_pixel, follow_up_pixel),
        centre_mm=(0.0, 0.0, -30.25),
    )
    body = torso_phantom(lesions)
    n_pixels = round(360 / pixel_mm)
    source_grid = Grid.centred(
        (round(375 / (2 * pixel_mm)), n_pixels, n_pixels),
        (2 * pixel_mm, pixel_mm, pixel_mm),
        centre_mm=(0.0, 0.0, -10.0),
    )
    clean = render_phantom(body, source_grid, supersample=1, blur_sd_mm=0.8)
    first = int(np.ceil(source_grid.lps_to_index(np.array([0.0, 0.0, -150.0]))[0]))
    last = int(np.floor(source_grid.lps_to_index(np.array([0.0, 0.0, 170.0]))[0]))
    baseline_grid = Grid(
        (last - first + 1, *source_grid.shape[1:]),
        source_grid.spacing_mm,
        source_grid.orientation,
        tuple(source_grid.slice_position_mm(first)),
    )
    baseline_hu = clean[first : last + 1] + rng.normal(
        0.0, noise_sd_hu, (last - first + 1, *source_grid.shape[1:])
    ).astype(np.float32)
    follow_up = warp_volume(
        clean,
        source_grid.affine,
        motion,
        follow_up_grid,
        slice_thickness_mm=follow_up_grid.spacing_mm[0],
        background=body.background_hu,
    )
    noise = noise_sd_hu
    if modality == "MR":
        follow_up = mr_contrast(follow_up, seed=seed)
        noise = 4.0 * noise_sd_hu
    follow_up += rng.normal(0.0, noise, follow_up.shape).astype(np.float32)
    base = {les.lesion_id: np.asarray(les.centre_mm, float) for les in lesions}
    return VisitPair(
        baseline=_volume(baseline_hu, baseline_grid, "CT", f"2.25.{seed}1"),
        follow_up=_volume(follow_up, follow_up_grid, modality, f"2.25.{seed}2"),
        motion=motion,
        baseline_centres_mm=base,
        follow_up_centres_mm={k: motion.forward(v[None])[0] for k, v in base.items()},
        grids=(baseline_grid, follow_up_grid),
    )


def warped_visit_pair(
    baseline: Volume,
    centres_mm: dict[str, np.ndarray],
    seed: int = 0,
    *,
    growth_radius_mm: dict[str, float] | None = None,
    slice_mm: float = 5.0,
    pixel_mm: float = 1.0,
    field_of_view: float = 0.85,
    noise_sd: float = 10.0,
) -> VisitPair:
    """A follow-up made from a real baseline series by a random known motion.

    Parameters
    ----------
    baseline : Volume
        Any series (e.g. a real CT from ``load_series``).
    centres_mm : dict of str to (3,) array
        Lesion centres in the baseline (LPS mm).
    seed : int
        Draws the motion (table shift, rotation, breathing of up to 10 mm around the
        series' centre, each lesion growing or shrinking by 0.6-1.5) and the noise.
    growth_radius_mm : dict of str to float, optional
        Each lesion's radius (default 10 mm).
    slice_mm, pixel_mm : float
        The follow-up's slice thickness and pixel size.
    field_of_view : float
        The follow-up covers this fraction of the baseline's extent along each axis,
        off-centre by up to a quarter of what it leaves out.
    noise_sd : float
        The follow-up's new noise.
    """
    rng = np.random.default_rng(seed)
    shape = np.asarray(baseline.array.shape)
    affine = np.asarray(baseline.affine, float)
    centre = affine[:3, :3] @ ((shape - 1) / 2) + affine[:3, 3]
    radii = growth_radius_mm or {}
    motion = KnownMotion(
        translation_mm=tuple(rng.uniform(-1, 1, 3) * (15.0, 15.0, 25.0)),
        rotation_deg=tuple(rng.uniform(-1, 1, 3) * (2.0, 2.0, 4.0)),
        centre_mm=tuple(centre),
        breathing_mm=float(rng.uniform(5.0, 10.0)),
        breathing_centre_mm=tuple(centre + rng.uniform(-30.0, 30.0, 3)),
        breathing_width_mm=float(rng.uniform(70.0, 110.0)),
        growth=tuple(
            Growth(tuple(c), float(radii.get(k, 10.0)), float(rng.uniform(0.6, 1.5)))
            for k, c in centres_mm.items()
        ),
    )
    extent_mm = (shape - 1) * np.linalg.norm(affine[:3, :3], axis=0)
    size_mm = field_of_view * extent_mm
    off = rng.uniform(-0.25, 0.25, 3) * (extent_mm - size_mm)
    step = np.array([slice_mm, pixel_mm, pixel_mm])
    orientation = tuple(affine[:3, 2] / np.linalg.norm(affine[:3, 2])) + tuple(
        affine[:3, 1] / np.linalg.norm(affine[:3, 1])
    )
    grid = Grid.centred(
        tuple(int(v) for v in np.maximum(np.round(size_mm / step), 2)),
        tuple(step),
        orientation=orientation,
        centre_mm=tuple(
            motion.forward(
                (centre + affine[:3, :3] @ (off / np.linalg.norm(affine[:3, :3], axis=0)))[None]
            )[0]
        ),
    )
    fill = -1024.0 if baseline.modality == "CT" else float(np.min(baseline.array))
    follow_up = warp_volume(
        baseline.array,
        affine,
        motion,
        grid,
        slice_thickness_mm=slice_mm,
        noise_sd=noise_sd,
        seed=int(rng.integers(1 << 31)),
        background=fill,
    )
    base = {k: np.asarray(v, float) for k, v in centres_mm.items()}
    return VisitPair(
        baseline=baseline,
        follow_up=_volume(follow_up, grid, baseline.modality, f"{baseline.series_uid}.{seed}"),
        motion=motion,
        baseline_centres_mm=base,
        follow_up_centres_mm={k: motion.forward(v[None])[0] for k, v in base.items()},
    )


def head_volume(seed: int = 0) -> Volume:
    """A head-like CT (an ellipsoid of brain in a skull), for a pair of different regions."""
    regions = (
        Region("skull", (Ellipsoid((150.0, 190.0, 170.0)),), 900.0),
        Region("brain", (Ellipsoid((136.0, 176.0, 156.0)),), 35.0),
        Region("ventricle", (Ellipsoid((20.0, 50.0, 30.0)),), 5.0, (0.0, -10.0, 10.0)),
    )
    grid = Grid.centred((40, 256, 256), (4.0, 0.9, 0.9))
    hu = render_phantom(Phantom(regions), grid, supersample=1, noise_sd_hu=8.0, seed=seed)
    return _volume(hu, grid, "CT", f"2.25.{seed}9")
