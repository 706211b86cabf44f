"""Exceptions raised by recist-reader. Each one tells the user what to fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class RecordProblem:
    """One problem in a patient record.

    Parameters
    ----------
    path : str
        JSON path of the offending field, e.g. ``visits[2].measurements[0].diameter_mm``;
        empty for the document as a whole.
    message : str
        What is wrong and, where possible, how to fix it.
    code : str
        A stable machine-readable code, e.g. ``too_many_targets``.
    criteria : str or None
        The criteria the problem concerns, named when a record is scored under more than one
        or under one that is not its primary (design.md §7.3).
    """

    path: str
    message: str
    code: str = "invalid"
    criteria: str | None = None

    def describe(self, source: str | None = None) -> str:
        """One line: ``file: criteria: path: message`` (the parts that are known)."""
        parts = [p for p in (source, self.criteria, self.path) if p]
        return ": ".join([*parts, self.message])


class RecordError(ValueError):
    """A patient record is invalid and cannot be scored.

    ``problems`` lists every problem found, each with the JSON path of the field; ``source``
    names the file when the record was read from one. Fix the named fields and score again.
    """

    def __init__(self, problems: Sequence[RecordProblem], *, source: str | None = None):
        self.problems: tuple[RecordProblem, ...] = tuple(problems)
        self.source = source
        super().__init__("\n".join(p.describe(source) for p in self.problems))

    def with_source(self, source: str) -> RecordError:
        """The same problems, attributed to the file ``source``."""
        return RecordError(self.problems, source=source)

    def for_criteria(self, criteria: str) -> RecordError:
        """The same problems, each naming ``criteria`` (design.md §7.2, §7.3)."""
        return RecordError(
            [replace(problem, criteria=criteria) for problem in self.problems], source=self.source
        )

    @property
    def codes(self) -> list[str]:
        """The problem codes, in order."""
        return [p.code for p in self.problems]


class SeriesError(ValueError):
    """A DICOM series cannot be loaded with trustworthy geometry.

    The message names the file (or folder) and the problem; subclasses name the kind.
    """
