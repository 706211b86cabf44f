"""Follow-up registration and lesion propagation (design.md §11).

Pure SimpleITK/numpy, no Qt: `register_visits` registers a follow-up series to the baseline
series in patient space (LPS, mm); the returned `Registration` maps a baseline lesion's
position to where it is expected at the follow-up, and is stored with the read.
"""

from .errors import RegistrationCancelled, RegistrationError
from .register import register_visits
from .result import METHODS, Registration

__all__ = [
    "METHODS",
    "Registration",
    "RegistrationCancelled",
    "RegistrationError",
    "register_visits",
]
