"""Errors raised for bad arguments to the measurement functions."""

from __future__ import annotations

__all__ = ["ImageDimensionError", "MeasureArgumentError", "SeedError", "SpacingError"]


class MeasureArgumentError(ValueError):
    """An argument of `measure_lesion` is invalid; the message says what to change."""


class ImageDimensionError(MeasureArgumentError):
    """The image is not a 2-D (rows, columns) or 3-D (slices, rows, columns) array."""


class SeedError(MeasureArgumentError):
    """The seed has the wrong length or lies outside the image; pass an index inside it."""


class SpacingError(MeasureArgumentError):
    """``spacing_mm`` has the wrong length or a non-positive or non-finite value."""
