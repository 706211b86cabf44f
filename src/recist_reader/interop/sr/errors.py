"""Errors of the SR export and import. Each message names the visit, lesion, series or file,
and the fix."""

from __future__ import annotations

from collections.abc import Sequence


class SRExportError(ValueError):
    """A record cannot be written as DICOM SR; ``problems`` holds one line per problem.

    Each line names the visit, the lesion and the series involved and says how to fix it
    (a ruler off every acquired slice, a series not found, a visit across studies).
    """

    def __init__(self, problems: Sequence[str]):
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("\n".join(self.problems))


class SRImportError(ValueError):
    """SR documents cannot be read back into a record; the message names the file and why."""
