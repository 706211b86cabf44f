"""Errors of the follow-up registration (design.md §11)."""

from __future__ import annotations

__all__ = ["RegistrationCancelled", "RegistrationError"]


class RegistrationError(ValueError):
    """The input cannot be registered at all (an empty or flat volume, a broken stored
    registration); the message names what is wrong and what to pass instead.

    An implausible result is not an error: `register_visits` returns it with
    ``plausible=False`` and a reason.
    """


class RegistrationCancelled(Exception):
    """The caller's cancel check returned True; no registration was produced."""
