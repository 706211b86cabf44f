"""Semi-automatic RECIST measurement: a click inside a lesion proposes its diameters.

Pure numpy/scipy/scikit-image, no Qt: the reading widget calls `measure_lesion` once per
click (or `measure_lesion_along_line` per rough line dragged across a lesion whose edge a
click cannot find) and draws the returned endpoints as
ordinary rulers.
"""

from .errors import ImageDimensionError, MeasureArgumentError, SeedError, SpacingError
from .geometry import max_feret_diameter, perpendicular_chord
from .lesion import LesionMeasurement, measure_lesion, measure_lesion_across
from .line import measure_lesion_along_line
from .segment import Segmentation, segment_slice

__all__ = [
    "ImageDimensionError",
    "LesionMeasurement",
    "MeasureArgumentError",
    "SeedError",
    "Segmentation",
    "SpacingError",
    "max_feret_diameter",
    "measure_lesion",
    "measure_lesion_across",
    "measure_lesion_along_line",
    "perpendicular_chord",
    "segment_slice",
]
