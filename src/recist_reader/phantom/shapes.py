"""Analytic solids: lesion shapes, body regions and the phantom that holds them.

Every solid is a union of primitives (ellipsoids, elliptic cylinders, capsules) in LPS mm.
Each primitive gives an exact inside test and a *conservative* signed distance (never larger
in magnitude than the true distance to its surface), which the renderer uses to find the
voxels that straddle a surface and need supersampling.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

__all__ = [
    "Capsule",
    "Ellipsoid",
    "EllipticCylinder",
    "Lesion",
    "LesionShape",
    "Lobe",
    "Lobulated",
    "LymphNode",
    "Phantom",
    "Region",
    "Sphere",
    "body_phantom",
]

Vec3 = tuple[float, float, float]


def _vec3(value: Sequence[float], name: str) -> Vec3:
    out = tuple(float(v) for v in value)
    if len(out) != 3 or not all(np.isfinite(out)):
        raise ValueError(f"{name} must be three finite numbers, got {value!r}")
    return out  # type: ignore[return-value]


def _axes(angle_deg: float, tilt_deg: float) -> np.ndarray:
    """Columns: a solid's principal axes in LPS.

    ``angle_deg`` turns the first axis in the axial plane from L towards P; ``tilt_deg`` then
    tips it out of that plane towards S (about the second axis).
    """
    a, t = np.radians(angle_deg), np.radians(tilt_deg)
    first = np.array([np.cos(a), np.sin(a), 0.0])
    second = np.array([-np.sin(a), np.cos(a), 0.0])
    up = np.array([0.0, 0.0, 1.0])
    return np.column_stack(
        [np.cos(t) * first + np.sin(t) * up, second, -np.sin(t) * first + np.cos(t) * up]
    )


# --------------------------------------------------------------------------- primitives
@dataclass(frozen=True, eq=False)
class _EllipsoidPrimitive:
    centre: np.ndarray  # (3,)
    axes: np.ndarray  # (3, 3), columns are unit principal axes
    semi_axes: np.ndarray  # (3,)

    def _q(self, points: np.ndarray) -> np.ndarray:
        local = (points - self.centre) @ self.axes / self.semi_axes
        return np.sqrt(np.einsum("...i,...i->...", local, local))

    def contains(self, points: np.ndarray) -> np.ndarray:
        return self._q(points) <= 1.0

    def distance_bound(self, points: np.ndarray) -> np.ndarray:
        # The surface of q*E lies at least |q - 1| * (smallest semi-axis) from E's surface.
        return (self._q(points) - 1.0) * self.semi_axes.min()

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        half = np.sqrt(((self.axes * self.semi_axes) ** 2).sum(axis=1))
        return self.centre - half, self.centre + half

    @property
    def quadric(self) -> np.ndarray:
        """M with ``(x - c)^T M (x - c) <= 1`` inside."""
        return self.axes @ np.diag(1.0 / self.semi_axes**2) @ self.axes.T


@dataclass(frozen=True, eq=False)
class _CylinderPrimitive:
    centre: np.ndarray
    semi_axes: np.ndarray  # (2,) along L and P
    half_length: float  # along S; inf for unbounded

    def _parts(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        local = points - self.centre
        q = np.hypot(local[..., 0] / self.semi_axes[0], local[..., 1] / self.semi_axes[1])
        return q, np.abs(local[..., 2]) - self.half_length

    def contains(self, points: np.ndarray) -> np.ndarray:
        q, dz = self._parts(points)
        return (q <= 1.0) & (dz <= 0.0)

    def distance_bound(self, points: np.ndarray) -> np.ndarray:
        q, dz = self._parts(points)
        return np.maximum((q - 1.0) * self.semi_axes.min(), dz)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        half = np.array([*self.semi_axes, self.half_length])
        return self.centre - half, self.centre + half


@dataclass(frozen=True, eq=False)
class _CapsulePrimitive:
    start: np.ndarray
    end: np.ndarray
    radius: float

    def distance_bound(self, points: np.ndarray) -> np.ndarray:
        seg = self.end - self.start
        length2 = float(seg @ seg)
        rel = points - self.start
        t = np.clip((rel @ seg) / length2, 0.0, 1.0) if length2 > 0 else np.zeros(rel.shape[:-1])
        nearest = rel - t[..., None] * seg
        return np.sqrt(np.einsum("...i,...i->...", nearest, nearest)) - self.radius

    def contains(self, points: np.ndarray) -> np.ndarray:
        return self.distance_bound(points) <= 0.0

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return np.minimum(self.start, self.end) - self.radius, np.maximum(
            self.start, self.end
        ) + self.radius


# --------------------------------------------------------------------------- lesion shapes
@dataclass(frozen=True)
class Sphere:
    """A sphere of diameter ``diameter_mm``."""

    diameter_mm: float

    def __post_init__(self) -> None:
        if not self.diameter_mm > 0:
            raise ValueError(f"diameter_mm must be positive, got {self.diameter_mm}")

    def scaled(self, factor: float) -> Sphere:
        """The same shape with every length multiplied by ``factor``."""
        return Sphere(self.diameter_mm * factor)

    def _primitives(self, centre: np.ndarray) -> list[_EllipsoidPrimitive]:
        return [_EllipsoidPrimitive(centre, np.eye(3), np.full(3, self.diameter_mm / 2))]


@dataclass(frozen=True)
class Ellipsoid:
    """An ellipsoid with three diameters along its principal axes.

    Parameters
    ----------
    diameters_mm : 3 floats
        Full lengths along the first, second and third axes.
    angle_deg : float
        Rotation of the first axis in the axial plane, from L towards P.
    tilt_deg : float
        Then a tilt of the first axis out of the axial plane towards S.
    """

    diameters_mm: Vec3
    angle_deg: float = 0.0
    tilt_deg: float = 0.0

    def __post_init__(self) -> None:
        diameters = _vec3(self.diameters_mm, "diameters_mm")
        if min(diameters) <= 0:
            raise ValueError(f"diameters_mm must be positive, got {self.diameters_mm}")
        object.__setattr__(self, "diameters_mm", diameters)

    def scaled(self, factor: float) -> Ellipsoid:
        """The same shape with every length multiplied by ``factor``."""
        return replace(self, diameters_mm=tuple(d * factor for d in self.diameters_mm))

    def _primitives(self, centre: np.ndarray) -> list[_EllipsoidPrimitive]:
        axes = _axes(self.angle_deg, self.tilt_deg)
        return [_EllipsoidPrimitive(centre, axes, np.asarray(self.diameters_mm) / 2)]


@dataclass(frozen=True)
class LymphNode:
    """A lymph node: an ellipsoid of revolution about its long axis (RECIST: short axis)."""

    long_axis_mm: float
    short_axis_mm: float
    angle_deg: float = 0.0
    tilt_deg: float = 0.0

    def __post_init__(self) -> None:
        if not 0 < self.short_axis_mm <= self.long_axis_mm:
            raise ValueError(
                f"need 0 < short_axis_mm <= long_axis_mm, got {self.short_axis_mm}, "
                f"{self.long_axis_mm}"
            )

    def scaled(self, factor: float) -> LymphNode:
        """The same shape with every length multiplied by ``factor``."""
        return replace(
            self, long_axis_mm=self.long_axis_mm * factor, short_axis_mm=self.short_axis_mm * factor
        )

    def _primitives(self, centre: np.ndarray) -> list[_EllipsoidPrimitive]:
        diameters = (self.long_axis_mm, self.short_axis_mm, self.short_axis_mm)
        return Ellipsoid(diameters, self.angle_deg, self.tilt_deg)._primitives(centre)


@dataclass(frozen=True)
class Lobe:
    """One part of a `Lobulated` shape, centred at ``offset_mm`` from the lesion centre."""

    offset_mm: Vec3
    shape: Sphere | Ellipsoid

    def __post_init__(self) -> None:
        object.__setattr__(self, "offset_mm", _vec3(self.offset_mm, "offset_mm"))


@dataclass(frozen=True)
class Lobulated:
    """A lobulated lesion: the union of a few spheres and ellipsoids."""

    lobes: tuple[Lobe, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "lobes", tuple(self.lobes))
        if not self.lobes:
            raise ValueError("a Lobulated shape needs at least one lobe")

    @classmethod
    def regular(
        cls,
        core_diameter_mm: float,
        *,
        n_lobes: int = 4,
        lobe_diameter_mm: float | None = None,
        angle_deg: float = 0.0,
    ) -> Lobulated:
        """A core sphere with ``n_lobes`` spheres on its equator (axial plane), evenly spaced.

        Lobe centres sit on the core's surface; ``lobe_diameter_mm`` defaults to 60 % of the
        core's diameter.
        """
        lobe_d = 0.6 * core_diameter_mm if lobe_diameter_mm is None else lobe_diameter_mm
        r = core_diameter_mm / 2
        lobes = [Lobe((0.0, 0.0, 0.0), Sphere(core_diameter_mm))]
        for k in range(n_lobes):
            a = np.radians(angle_deg) + 2 * np.pi * k / n_lobes
            lobes.append(Lobe((r * np.cos(a), r * np.sin(a), 0.0), Sphere(lobe_d)))
        return cls(tuple(lobes))

    def scaled(self, factor: float) -> Lobulated:
        """The same shape with every length multiplied by ``factor``."""
        return Lobulated(
            tuple(
                Lobe(tuple(o * factor for o in lobe.offset_mm), lobe.shape.scaled(factor))
                for lobe in self.lobes
            )
        )

    def _primitives(self, centre: np.ndarray) -> list[_EllipsoidPrimitive]:
        return [
            p
            for lobe in self.lobes
            for p in lobe.shape._primitives(centre + np.asarray(lobe.offset_mm))
        ]


LesionShape = Sphere | Ellipsoid | LymphNode | Lobulated


@dataclass(frozen=True)
class Lesion:
    """A lesion of known shape, added to whatever tissue lies under it.

    Parameters
    ----------
    lesion_id : str
        Identifier, as in a patient record (``"T1"``).
    centre_mm : 3 floats
        LPS position of the shape's centre.
    shape : Sphere, Ellipsoid, LymphNode or Lobulated
        Size and orientation.
    contrast_hu : float
        HU added to the surrounding tissue (negative for hypodense lesions); in the arterial
        phase, that of its non-enhancing (necrotic) part.
    arterial_hu : float, optional
        An HCC's arterial hyperenhancement: HU added in the arterial phase to its viable part
        (the whole lesion when ``viable`` is None) instead of ``contrast_hu``. In the
        portal-venous phase the viable part washes out and the whole lesion has
        ``contrast_hu`` (mrecist-rules.md M2.1–M2.3).
    viable : shape, optional
        The arterially enhancing (viable) part, centred at ``viable_offset_mm`` from the
        lesion's centre and inside it; the rest of the lesion is necrosis.
    viable_offset_mm : 3 floats
    fill_hu : float, optional
        Replaces the tissue under it by this HU instead of adding ``contrast_hu``: a fluid
        collection such as a pleural effusion or ascites.
    """

    lesion_id: str
    centre_mm: Vec3
    shape: LesionShape
    contrast_hu: float = 60.0
    arterial_hu: float | None = None
    viable: LesionShape | None = None
    viable_offset_mm: Vec3 = (0.0, 0.0, 0.0)
    fill_hu: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "centre_mm", _vec3(self.centre_mm, "centre_mm"))
        object.__setattr__(
            self, "viable_offset_mm", _vec3(self.viable_offset_mm, "viable_offset_mm")
        )
        if self.viable is not None and self.arterial_hu is None:
            raise ValueError(f"lesion {self.lesion_id}: a viable part needs arterial_hu")

    @property
    def nodal(self) -> bool:
        """True for lymph nodes, whose RECIST measurement is the short axis."""
        return isinstance(self.shape, LymphNode)

    def scaled(self, factor: float) -> Lesion:
        """The lesion with its shape (and its viable part, and where it sits) scaled by
        ``factor`` about its centre."""
        return replace(
            self,
            shape=self.shape.scaled(factor),
            viable=None if self.viable is None else self.viable.scaled(factor),
            viable_offset_mm=tuple(o * factor for o in self.viable_offset_mm),
        )

    def with_viable_scaled(self, factor: float) -> Lesion:
        """The lesion with only its viable part scaled by ``factor`` about that part's centre:
        necrosis grows (factor < 1) while the lesion keeps its size. A factor of 0 leaves no
        viable tumour."""
        if self.viable is None:
            raise ValueError(f"lesion {self.lesion_id} has no viable part")
        if factor <= 0:
            return replace(self, viable=None, arterial_hu=None)
        return replace(self, viable=self.viable.scaled(factor))

    def viable_part(self) -> Lesion | None:
        """The viable part as a lesion of its own (for its true diameter), or None."""
        if self.viable is None:
            return self if self.arterial_hu is not None else None
        centre = tuple(c + o for c, o in zip(self.centre_mm, self.viable_offset_mm))
        return Lesion(self.lesion_id, centre, self.viable, self.arterial_hu or 0.0)

    def _primitives(self) -> list[_EllipsoidPrimitive]:
        return self.shape._primitives(np.asarray(self.centre_mm))

    def _viable_primitives(self) -> list[_EllipsoidPrimitive]:
        part = self.viable_part()
        return [] if part is None else part._primitives()


# --------------------------------------------------------------------------- regions
@dataclass(frozen=True)
class EllipticCylinder:
    """A cylinder along S with an elliptical axial section (a body outline).

    ``half_length_mm`` of None makes it unbounded along S.
    """

    semi_axes_mm: tuple[float, float]
    half_length_mm: float | None = None

    def _primitives(self, centre: np.ndarray) -> list[_CylinderPrimitive]:
        half = np.inf if self.half_length_mm is None else float(self.half_length_mm)
        return [_CylinderPrimitive(centre, np.asarray(self.semi_axes_mm, float), half)]


@dataclass(frozen=True)
class Capsule:
    """A tube of ``radius_mm`` around the segment from ``start_mm`` to ``end_mm``
    (relative to the region's centre), with rounded ends: a vessel."""

    start_mm: Vec3
    end_mm: Vec3
    radius_mm: float

    def _primitives(self, centre: np.ndarray) -> list[_CapsulePrimitive]:
        return [
            _CapsulePrimitive(
                centre + np.asarray(self.start_mm, float),
                centre + np.asarray(self.end_mm, float),
                float(self.radius_mm),
            )
        ]


RegionShape = Sphere | Ellipsoid | EllipticCylinder | Capsule


@dataclass(frozen=True)
class Region:
    """A tissue of uniform density that replaces whatever lies under it (body, organ)."""

    name: str
    shapes: tuple[RegionShape, ...]
    hu: float
    centre_mm: Vec3 = (0.0, 0.0, 0.0)
    #: Its HU in the arterial phase (``hu`` when None): liver less enhanced, arteries bright.
    arterial_hu: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "shapes", tuple(self.shapes))
        object.__setattr__(self, "centre_mm", _vec3(self.centre_mm, "centre_mm"))

    def _primitives(self) -> list:
        centre = np.asarray(self.centre_mm)
        return [p for shape in self.shapes for p in shape._primitives(centre)]


@dataclass(frozen=True)
class Phantom:
    """Regions painted in order over ``background_hu``, then lesions added on top."""

    regions: tuple[Region, ...] = ()
    lesions: tuple[Lesion, ...] = ()
    background_hu: float = -1000.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "regions", tuple(self.regions))
        object.__setattr__(self, "lesions", tuple(self.lesions))
        ids = [lesion.lesion_id for lesion in self.lesions]
        if len(set(ids)) != len(ids):
            raise ValueError(f"lesion ids must be unique, got {ids}")

    def lesion(self, lesion_id: str) -> Lesion:
        """The lesion called ``lesion_id``."""
        for lesion in self.lesions:
            if lesion.lesion_id == lesion_id:
                return lesion
        raise KeyError(f"no lesion {lesion_id!r}; have {[x.lesion_id for x in self.lesions]}")

    def with_lesions(self, lesions: Iterable[Lesion]) -> Phantom:
        """The same body with ``lesions`` instead of the current ones."""
        return replace(self, lesions=tuple(lesions))

    def region_at(self, point_mm: Sequence[float]) -> str | None:
        """Name of the last region containing ``point_mm`` (None for background)."""
        point = np.asarray(point_mm, float)
        found = None
        for region in self.regions:
            if any(bool(p.contains(point)) for p in region._primitives()):
                found = region.name
        return found


# Typical HU of the default structures.
DEFAULT_HU: Mapping[str, float] = {
    "body": 40.0,
    "liver": 60.0,
    "lung": -850.0,
    "vessel": 180.0,
}
#: Their HU in the arterial phase: the liver enhances little yet, the aorta is bright.
ARTERIAL_HU: Mapping[str, float] = {"liver": 45.0, "vessel": 320.0}


def body_phantom(
    *,
    body_semi_axes_mm: tuple[float, float] = (160.0, 110.0),
    body_hu: float = 40.0,
    liver: bool = False,
    lungs: bool = False,
    vessel: bool = False,
    lesions: Iterable[Lesion] = (),
    background_hu: float = -1000.0,
) -> Phantom:
    """A torso-like phantom centred on the LPS origin, unbounded along S.

    Parameters
    ----------
    body_semi_axes_mm : 2 floats
        Half-widths of the elliptical body along L and P.
    body_hu : float
        Soft tissue.
    liver : bool
        A 60 HU ellipsoid on the patient's right (negative L).
    lungs : bool
        Two -850 HU ellipsoids, right and left, posterior half.
    vessel : bool
        A 180 HU aorta-like tube of 12 mm radius along S, anterior to the spine.
    lesions : iterable of Lesion
    background_hu : float
        Air outside the body.
    """
    a, b = body_semi_axes_mm
    regions = [Region("body", (EllipticCylinder((a, b)),), body_hu)]
    if liver:
        regions.append(
            Region(
                "liver",
                (Ellipsoid((0.75 * a, 1.1 * b, 160.0), angle_deg=15.0),),
                DEFAULT_HU["liver"],
                (-0.4 * a, -0.1 * b, -40.0),
                ARTERIAL_HU["liver"],
            )
        )
    if lungs:
        lung = Ellipsoid((0.6 * a, 1.2 * b, 220.0))
        regions.append(Region("lung_right", (lung,), DEFAULT_HU["lung"], (-0.45 * a, 0.1 * b, 120)))
        regions.append(Region("lung_left", (lung,), DEFAULT_HU["lung"], (0.45 * a, 0.1 * b, 120)))
    if vessel:
        regions.append(
            Region(
                "vessel",
                (Capsule((0.0, 0.0, -1000.0), (0.0, 0.0, 1000.0), 12.0),),
                DEFAULT_HU["vessel"],
                (0.1 * a, 0.45 * b, 0.0),
                ARTERIAL_HU["vessel"],
            )
        )
    return Phantom(tuple(regions), tuple(lesions), background_hu)
