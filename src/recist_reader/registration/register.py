"""`register_visits`: a follow-up series registered to the baseline series (design.md §11).

Why SimpleITK: its ImageRegistrationMethod (ITK v4 registration) gives Mattes mutual
information, which compares CT with CT or MR alike, multi-resolution rigid and affine
optimisation in physical (LPS) space, masks, and a per-iteration callback through which the
caller can stop it; it releases the GIL while it iterates, so the reading widget runs it on
a worker thread without stalling napari. Writing and maintaining that ourselves would be
slower and less tested.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import SimpleITK as sitk
from scipy import ndimage

from .coarse import CoarseVolume, coarse_volume
from .errors import RegistrationCancelled, RegistrationError
from .plausibility import judge
from .result import METHODS, Registration

if TYPE_CHECKING:
    from recist_reader.io.dicom import Volume

__all__ = ["register_visits"]

#: Voxel size of the grid the registration runs on.
GRID_MM = 4.0

CancelCheck = Callable[[], bool]
Progress = Callable[[str], None]


class _Stopper:
    """Polls the caller's cancel check between optimiser iterations and stops the run."""

    def __init__(self, cancel: CancelCheck | None):
        self.cancel = cancel
        self.cancelled = False

    def check(self) -> None:
        if self.cancelled or (self.cancel is not None and self.cancel()):
            self.cancelled = True
            raise RegistrationCancelled("the registration was cancelled")

    def watch(self, method: sitk.ImageRegistrationMethod) -> None:
        def on_iteration() -> None:
            if self.cancelled or (self.cancel is not None and self.cancel()):
                self.cancelled = True
                method.StopRegistration()

        method.AddCommand(sitk.sitkIterationEvent, on_iteration)


def _centre_of_mass(mask: np.ndarray, image: sitk.Image) -> np.ndarray:
    """LPS mm of the centre of a (z, y, x) mask on ``image``'s grid."""
    zyx = np.asarray(ndimage.center_of_mass(mask))
    return np.asarray(image.GetOrigin()) + zyx[::-1] * np.asarray(image.GetSpacing())


def _slab_centres(mask: np.ndarray, image: sitk.Image) -> tuple[np.ndarray, np.ndarray]:
    """Per slab along S: the body's voxel count and the L, P sums of its voxels (mm)."""
    origin, spacing = np.asarray(image.GetOrigin()), np.asarray(image.GetSpacing())
    counts = mask.sum(axis=(1, 2)).astype(float)
    y = origin[1] + np.arange(mask.shape[1]) * spacing[1]
    x = origin[0] + np.arange(mask.shape[2]) * spacing[0]
    sums = np.stack(
        [mask.sum(axis=1) @ x, mask.sum(axis=2) @ y], axis=1
    )  # (slabs, 2): L and P sums
    return counts, sums


def _in_plane_shift(
    fixed: CoarseVolume, moving: CoarseVolume, dz: float, slabs=None
) -> np.ndarray | None:
    """The L, P shift that aligns the bodies' centres over the slabs that overlap when the
    follow-up lies ``dz`` mm further along S (None without overlap)."""
    (fc, fs), (mc, ms) = slabs or (
        _slab_centres(fixed.body_array, fixed.image),
        _slab_centres(moving.body_array, moving.image),
    )
    fz = fixed.image.GetOrigin()[2] + np.arange(len(fc)) * GRID_MM
    mz = moving.image.GetOrigin()[2] + np.arange(len(mc)) * GRID_MM
    f_in = (fz + dz >= mz[0]) & (fz + dz <= mz[-1])
    m_in = (mz - dz >= fz[0]) & (mz - dz <= fz[-1])
    if fc[f_in].sum() == 0 or mc[m_in].sum() == 0:
        return None
    return ms[m_in].sum(axis=0) / mc[m_in].sum() - fs[f_in].sum(axis=0) / fc[f_in].sum()


def _table_offsets(
    fixed: CoarseVolume,
    moving: CoarseVolume,
    stopper: _Stopper,
    *,
    n_best: int = 3,
    min_overlap: float = 0.3,
) -> list[np.ndarray]:
    """The best starting translations along the table (S): every shift in steps of 8 mm
    that leaves at least ``min_overlap`` of the shorter series overlapping, with the bodies'
    in-plane centres aligned, scored by mutual information at 8 mm; the ``n_best`` local
    optima at least 16 mm apart.

    An exhaustive search because repeating anatomy (ribs, vertebrae) gives the metric many
    local optima along S, and two visits' fields of view often start at different levels.
    """
    step = 2 * GRID_MM
    f_lo, m_lo = fixed.image.GetOrigin()[2], moving.image.GetOrigin()[2]
    f_len = (fixed.image.GetSize()[2] - 1) * GRID_MM
    m_len = (moving.image.GetSize()[2] - 1) * GRID_MM
    need = max(min_overlap * min(f_len, m_len), 3 * GRID_MM)
    # dz maps the baseline's S range [f_lo, f_lo + f_len] onto [f_lo + dz, ...].
    lo = m_lo - f_lo - f_len + need
    hi = m_lo + m_len - f_lo - need
    shifts = np.arange(np.floor(lo / step), np.ceil(hi / step) + 1) * step
    if len(shifts) == 0:
        return []
    shrink = [2, 2, 2]
    f_image = sitk.Shrink(fixed.image, shrink)
    m_image = sitk.Shrink(moving.image, shrink)
    method = sitk.ImageRegistrationMethod()
    method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=32)
    method.SetMetricSamplingStrategy(method.RANDOM)
    method.SetMetricSamplingPercentage(0.3, 20260101)
    method.SetMetricFixedMask(sitk.Shrink(sitk.BinaryDilate(fixed.body, [2, 2, 2]), shrink))
    method.SetMetricMovingMask(sitk.Shrink(moving.field_of_view, shrink))
    method.SetInterpolator(sitk.sitkLinear)
    slabs = (
        _slab_centres(fixed.body_array, fixed.image),
        _slab_centres(moving.body_array, moving.image),
    )
    scored: list[tuple[float, np.ndarray]] = []
    for dz in shifts:
        stopper.check()
        in_plane = _in_plane_shift(fixed, moving, float(dz), slabs)
        if in_plane is None:
            continue
        shift = np.array([in_plane[0], in_plane[1], dz])
        method.SetInitialTransform(sitk.TranslationTransform(3, [float(v) for v in shift]))
        try:
            value = float(method.MetricEvaluate(f_image, m_image))
        except RuntimeError:  # too few samples overlap
            continue
        if np.isfinite(value):
            scored.append((value, shift))
    best: list[np.ndarray] = []
    for _, shift in sorted(scored, key=lambda item: item[0]):
        if all(abs(shift[2] - b[2]) >= 2 * step for b in best):
            best.append(shift)
        if len(best) == n_best:
            break
    return best


def _initial_translations(
    fixed: CoarseVolume, moving: CoarseVolume, stopper: _Stopper
) -> list[np.ndarray]:
    """Candidate baseline -> follow-up translations: none (the scanner's frames agree), the
    bodies' centres of mass, and the best shifts along the table (`_table_offsets`)."""
    fb, mb = fixed.body_array, moving.body_array
    candidates = [np.zeros(3)]
    if fb.any() and mb.any():
        candidates.append(_centre_of_mass(mb, moving.image) - _centre_of_mass(fb, fixed.image))
        candidates.extend(_table_offsets(fixed, moving, stopper))
    return candidates


def _method(
    fixed: CoarseVolume,
    moving: CoarseVolume,
    *,
    shrink: list[int],
    iterations: int,
    threads: int | None,
    sampling: float = 0.1,
) -> sitk.ImageRegistrationMethod:
    method = sitk.ImageRegistrationMethod()
    method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=32)
    method.SetMetricSamplingStrategy(method.RANDOM)
    method.SetMetricSamplingPercentage(sampling, 20260101)
    # The body and a few millimetres of air around it: the skin line is a strong feature.
    mask = sitk.BinaryDilate(fixed.body, [2, 2, 2]) * fixed.field_of_view
    method.SetMetricFixedMask(mask)
    method.SetMetricMovingMask(moving.field_of_view)
    method.SetInterpolator(sitk.sitkLinear)
    # Gradient descent with the step estimated at each iteration and capped at 2 mm of
    # voxel motion: stable from any start (a regular-step descent diverged from some).
    method.SetOptimizerAsGradientDescent(
        learningRate=1.0,
        numberOfIterations=iterations,
        convergenceMinimumValue=1e-6,
        convergenceWindowSize=10,
        estimateLearningRate=method.EachIteration,
        maximumStepSizeInPhysicalUnits=2.0,
    )
    method.SetOptimizerScalesFromPhysicalShift()
    method.SetShrinkFactorsPerLevel(shrink)
    method.SetSmoothingSigmasPerLevel([max(s - 1, 0) for s in shrink])
    if threads is not None:
        method.SetNumberOfThreads(int(threads))
    return method


def _execute(
    method: sitk.ImageRegistrationMethod,
    fixed: CoarseVolume,
    moving: CoarseVolume,
    stopper: _Stopper,
) -> tuple[bool, float, str]:
    """Run ``method`` (its initial transform is optimised in place): whether it succeeded,
    the final metric value and the optimiser's stop condition (or ITK's error)."""
    stopper.watch(method)
    try:
        method.Execute(fixed.image, moving.image)
    except RuntimeError as exc:  # e.g. all samples left the follow-up's field of view
        stopper.check()
        return False, float("nan"), str(exc).strip().splitlines()[-1][:200]
    stopper.check()
    value = float(method.GetMetricValue())
    return bool(np.isfinite(value)), value, method.GetOptimizerStopConditionDescription()


def _translation_metric(
    fixed: CoarseVolume,
    moving: CoarseVolume,
    shift: np.ndarray,
    threads: int | None,
    stopper: _Stopper,
) -> tuple[np.ndarray, float]:
    """A short translation-only registration from ``shift`` at twice the grid size: where it
    ends and its metric (lower is better; +inf when it failed)."""
    method = _method(fixed, moving, shrink=[2], iterations=40, threads=threads)
    method.SetInitialTransform(sitk.TranslationTransform(3, [float(v) for v in shift]), True)
    stopper.watch(method)
    try:
        transform = method.Execute(fixed.image, moving.image)
    except RuntimeError:
        stopper.check()
        return shift, float("inf")
    stopper.check()
    value = float(method.GetMetricValue())
    if not np.isfinite(value):
        return shift, float("inf")
    return np.asarray(transform.GetParameters(), float), value


def _homogeneous(transform: sitk.Transform) -> np.ndarray:
    """The 4x4 matrix of a matrix-offset transform (translation, Euler, affine): fixed ->
    moving."""
    transform = transform.Downcast()
    out = np.eye(4)
    if isinstance(transform, sitk.TranslationTransform):
        out[:3, 3] = transform.GetOffset()
        return out
    linear = np.asarray(transform.GetMatrix(), float).reshape(3, 3)
    centre = np.asarray(transform.GetCenter(), float)
    translation = np.asarray(transform.GetTranslation(), float)
    out[:3, :3] = linear
    out[:3, 3] = centre + translation - linear @ centre
    return out


def _software() -> str:
    return f"SimpleITK {sitk.Version.VersionString()}"


def register_visits(
    baseline: Volume,
    follow_up: Volume,
    *,
    method: str = "affine",
    cancel: CancelCheck | None = None,
    progress: Progress | None = None,
    threads: int | None = None,
) -> Registration:
    """Register a follow-up series to the baseline series, in patient space.

    Both series go onto an axis-aligned LPS grid of 4 mm voxels (block means, so noise and
    slice thickness matter little); the table offset is found from candidate starts (the
    scanner's own frames, the bodies' centres, and the S shift at which the body's
    cross-section profile agrees best); then a rigid (6 parameters) and, for
    ``method="affine"``, an affine (12) fit maximise Mattes mutual information over the
    baseline body, at 8 then 4 mm. Mutual information does not need the two series to share
    a modality, so CT registers to MR.

    Parameters
    ----------
    baseline, follow_up : Volume
        As `load_series` returns them (``array``, ``affine``, ``modality``,
        ``series_uid``); any orientation, slice thickness or field of view.
    method : {'affine', 'rigid'}
        ``"rigid"`` for a rotation and a shift only.
    cancel : callable, optional
        Checked between optimiser iterations (about every 50 ms); when it returns True the
        registration stops and `RegistrationCancelled` is raised (pass ``event.is_set`` of a
        ``threading.Event``).
    progress : callable, optional
        Called with a short message at each stage.
    threads : int, optional
        Threads SimpleITK may use (default: its global default, all cores).

    Returns
    -------
    Registration
        ``plausible`` is False, with a reason, when the result should not be used (see
        `recist_reader.registration.plausibility.judge`); never raised.

    Raises
    ------
    RegistrationError
        For input that cannot be registered at all (empty, single-plane or flat volumes, an
        unknown method).
    RegistrationCancelled
        When ``cancel`` returned True.
    """
    start = time.perf_counter()
    if method not in METHODS:
        raise RegistrationError(f"method must be one of {METHODS}, got {method!r}")
    stopper = _Stopper(cancel)

    def say(message: str) -> None:
        stopper.check()
        if progress is not None:
            progress(message)

    say("resampling the baseline to 4 mm")
    fixed = _coarse(baseline, "baseline")
    say("resampling the follow-up to 4 mm")
    moving = _coarse(follow_up, "follow-up")
    if not fixed.body_array.any():
        raise RegistrationError("the baseline shows no body (nothing above the air level)")
    if not moving.body_array.any():
        raise RegistrationError("the follow-up shows no body (nothing above the air level)")

    say("finding the table offset")
    starts = []
    for shift in _initial_translations(fixed, moving, stopper):
        stopper.check()
        starts.append(_translation_metric(fixed, moving, shift, threads, stopper))
    shift, _ = min(starts, key=lambda s: s[1])

    say("rigid registration")
    centre = _centre_of_mass(fixed.body_array, fixed.image)
    rigid = sitk.Euler3DTransform()
    rigid.SetCenter([float(v) for v in centre])
    rigid.SetTranslation([float(v) for v in shift])
    reg = _method(fixed, moving, shrink=[2, 1], iterations=100, threads=threads)
    reg.SetInitialTransform(rigid, True)
    ok, metric, stop = _execute(reg, fixed, moving, stopper)
    final: sitk.Transform | None = rigid if ok else None
    if ok and method == "affine":
        say("affine registration")
        affine = sitk.AffineTransform(3)
        affine.SetCenter(rigid.GetCenter())
        affine.SetMatrix(rigid.GetMatrix())
        affine.SetTranslation(rigid.GetTranslation())
        reg = _method(fixed, moving, shrink=[2, 1], iterations=100, threads=threads)
        reg.SetInitialTransform(affine, True)
        ok, metric, stop = _execute(reg, fixed, moving, stopper)
        final = affine if ok else None
    if final is None:
        matrix = _homogeneous(sitk.TranslationTransform(3, [float(v) for v in shift]))
        plausible, reason, checks = False, f"the optimisation failed: {stop}", {}
    else:
        matrix = _homogeneous(final)
        say("checking the result")
        plausible, reason, checks = judge(fixed, moving, matrix, metric)
    return Registration(
        matrix=matrix,
        method=method,
        plausible=plausible,
        reason=reason,
        seconds=time.perf_counter() - start,
        baseline_series_uid=str(getattr(baseline, "series_uid", "")),
        follow_up_series_uid=str(getattr(follow_up, "series_uid", "")),
        checks=checks,
        software=_software(),
    )


def _coarse(volume: Volume, name: str) -> CoarseVolume:
    try:
        array = np.asarray(volume.array)
        affine = np.asarray(volume.affine, float)
        modality = str(getattr(volume, "modality", "") or "")
    except AttributeError as exc:
        raise RegistrationError(
            f"the {name} must be a Volume (array, affine, modality) as load_series returns"
        ) from exc
    try:
        return coarse_volume(array, affine, modality, spacing_mm=GRID_MM)
    except RegistrationError as exc:
        raise RegistrationError(f"the {name}: {exc}") from None
