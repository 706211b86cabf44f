"""`Registration`: a follow-up's mapping to and from its baseline, in patient space (§11)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import RegistrationError

__all__ = ["METHODS", "Registration"]

#: The transform models `register_visits` fits.
METHODS = ("rigid", "affine")

_KEYS = {
    "method",
    "baseline_series_uid",
    "follow_up_series_uid",
    "to_follow_up_lps",
    "plausible",
    "reason",
    "seconds",
    "checks",
    "software",
}


@dataclass(frozen=True, eq=False)
class Registration:
    """A follow-up registered to its baseline: a mapping of LPS points (mm) both ways.

    Attributes
    ----------
    matrix : (4, 4) float array
        Homogeneous matrix taking baseline LPS mm to follow-up LPS mm.
    method : {'rigid', 'affine'}
        The transform model fitted.
    plausible : bool
        False when the result should not be trusted (a different body region, a failed
        optimisation, a deformation no patient shows); ``reason`` says why.
    reason : str
        Why the result is implausible, "" when plausible.
    seconds : float
        Wall-clock time the registration took.
    baseline_series_uid, follow_up_series_uid : str
        The series registered (the read stores the registration with its follow-up visit).
    checks : dict of str to float
        The figures the plausibility was judged on (see `register_visits`).
    software : str
        What computed it, e.g. ``"SimpleITK 2.5.7"``.
    """

    matrix: np.ndarray
    method: str
    plausible: bool
    reason: str = ""
    seconds: float = 0.0
    baseline_series_uid: str = ""
    follow_up_series_uid: str = ""
    checks: dict[str, float] = field(default_factory=dict)
    software: str = ""

    def __post_init__(self) -> None:
        matrix = _checked_matrix(self.matrix, "matrix")
        matrix.setflags(write=False)
        object.__setattr__(self, "matrix", matrix)
        if self.method not in METHODS:
            raise RegistrationError(f"method must be one of {METHODS}, got {self.method!r}")

    def to_follow_up(self, points_lps_mm: np.ndarray) -> np.ndarray:
        """Where baseline points lie at the follow-up.

        Parameters
        ----------
        points_lps_mm : (N, 3) or (3,) array
            Baseline LPS positions in mm (e.g. the midpoint of a lesion's ruler).

        Returns
        -------
        ndarray of the same shape: follow-up LPS positions in mm.
        """
        return _apply(self.matrix, points_lps_mm)

    def to_baseline(self, points_lps_mm: np.ndarray) -> np.ndarray:
        """Where follow-up points lie at the baseline (the inverse of `to_follow_up`)."""
        return _apply(np.linalg.inv(self.matrix), points_lps_mm)

    def to_json(self) -> dict[str, Any]:
        """What the read stores on the follow-up visit (``visit["registration"]``, §11).

        Reopening the read rebuilds the registration with `Registration.from_json` instead
        of computing it again.
        """
        return {
            "method": self.method,
            "baseline_series_uid": self.baseline_series_uid,
            "follow_up_series_uid": self.follow_up_series_uid,
            "to_follow_up_lps": [[float(v) for v in row] for row in self.matrix],
            "plausible": bool(self.plausible),
            "reason": self.reason,
            "seconds": round(float(self.seconds), 3),
            "checks": {k: float(v) for k, v in self.checks.items()},
            "software": self.software,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Registration:
        """The registration `to_json` wrote.

        Raises
        ------
        RegistrationError
            When ``obj`` is not such an object; the message names the field.
        """
        if not isinstance(obj, Mapping):
            raise RegistrationError(
                f"a stored registration must be a JSON object, got {type(obj).__name__}"
            )
        unknown = sorted(set(obj) - _KEYS)
        if unknown:
            raise RegistrationError(
                f"registration: unknown field(s) {unknown}; expected only {sorted(_KEYS)}"
            )
        for key in ("method", "to_follow_up_lps", "plausible"):
            if key not in obj:
                raise RegistrationError(f"registration.{key} is missing")
        if not isinstance(obj["plausible"], bool):
            raise RegistrationError(
                f"registration.plausible must be true or false, got {obj['plausible']!r}"
            )
        for key in ("reason", "baseline_series_uid", "follow_up_series_uid", "software"):
            if not isinstance(obj.get(key, ""), str):
                raise RegistrationError(f"registration.{key} must be a string")
        seconds = obj.get("seconds", 0.0)
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise RegistrationError(f"registration.seconds must be a number >= 0, got {seconds!r}")
        checks = obj.get("checks", {})
        if not isinstance(checks, Mapping) or not all(
            isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool)
            for k, v in checks.items()
        ):
            raise RegistrationError("registration.checks must map names to numbers")
        return cls(
            matrix=_checked_matrix(obj["to_follow_up_lps"], "registration.to_follow_up_lps"),
            method=obj["method"],
            plausible=obj["plausible"],
            reason=obj.get("reason", ""),
            seconds=float(seconds),
            baseline_series_uid=obj.get("baseline_series_uid", ""),
            follow_up_series_uid=obj.get("follow_up_series_uid", ""),
            checks={k: float(v) for k, v in checks.items()},
            software=obj.get("software", ""),
        )


def _checked_matrix(value: Any, name: str) -> np.ndarray:
    """``value`` as a finite, invertible 4x4 homogeneous matrix, or RegistrationError."""
    try:
        matrix = np.array(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise RegistrationError(f"{name} must be a 4 x 4 array of numbers") from exc
    if matrix.shape != (4, 4) or not np.all(np.isfinite(matrix)):
        raise RegistrationError(f"{name} must be a 4 x 4 array of finite numbers")
    if not np.array_equal(matrix[3], [0.0, 0.0, 0.0, 1.0]):
        raise RegistrationError(f"{name}: the last row must be [0, 0, 0, 1]")
    det = float(np.linalg.det(matrix[:3, :3]))
    if not math.isfinite(det) or abs(det) < 1e-6:
        raise RegistrationError(f"{name} is not invertible (determinant {det:g})")
    return matrix


def _apply(matrix: np.ndarray, points_lps_mm: np.ndarray) -> np.ndarray:
    points = np.asarray(points_lps_mm, dtype=float)
    if points.shape[-1:] != (3,) or points.ndim > 2:
        raise ValueError(f"points must be an (N, 3) or (3,) array of LPS mm, got {points.shape}")
    return points @ matrix[:3, :3].T + matrix[:3, 3]
