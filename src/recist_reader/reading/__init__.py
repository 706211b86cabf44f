"""The read in progress: an editable patient record, ruler geometry, autosave. Pure Python.

The napari widget calls one function of this package per user action.
"""

from recist_reader.reading.geometry import (
    Ruler,
    angle_between_deg,
    is_perpendicular,
    ruler_length_mm,
)
from recist_reader.reading.session import (
    COMMON_ORGANS,
    UNNAMED_PATIENT_ID,
    LesionCheck,
    LiveScore,
    ReadingError,
    ReadingSession,
    SaveBlockedError,
    autosave_path,
    pending_autosave,
)

__all__ = [
    "COMMON_ORGANS",
    "LesionCheck",
    "LiveScore",
    "ReadingError",
    "ReadingSession",
    "Ruler",
    "SaveBlockedError",
    "UNNAMED_PATIENT_ID",
    "angle_between_deg",
    "autosave_path",
    "is_perpendicular",
    "pending_autosave",
    "ruler_length_mm",
]
