"""Problems and warnings of an export, each naming the file, the JSON path and the fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from recist_reader.errors import RecordError


@dataclass(frozen=True)
class SdtmProblem:
    """One problem: where (``source``: file or ``records[i]``; ``path``: JSON path) and what."""

    source: str
    path: str
    message: str

    def describe(self) -> str:
        """One line: ``file: path: message``."""
        return ": ".join(part for part in (self.source, self.path, self.message) if part)


class SdtmExportError(ValueError):
    """The input cannot be exported; ``problems`` lists every reason, one line each."""

    def __init__(self, problems: Sequence[SdtmProblem]):
        self.problems: tuple[SdtmProblem, ...] = tuple(problems)
        super().__init__("\n".join(p.describe() for p in self.problems))


@dataclass
class Problems:
    """Collects the problems (refusals) and warnings of one export."""

    errors: list[SdtmProblem] = field(default_factory=list)
    warnings: list[SdtmProblem] = field(default_factory=list)

    def add(self, source: str, path: str, message: str) -> None:
        """Record a problem that refuses the export."""
        self.errors.append(SdtmProblem(source, path, message))

    def warn(self, source: str, path: str, message: str) -> None:
        """Record a warning (``--strict`` makes the command exit 3)."""
        self.warnings.append(SdtmProblem(source, path, message))

    def extend_record_error(self, error: RecordError, source: str) -> None:
        """Record every problem of an invalid record."""
        for problem in error.problems:
            self.add(error.source or source, problem.path, problem.message)

    def raise_if_any(self) -> None:
        """Raise :class:`SdtmExportError` when a problem was recorded."""
        if self.errors:
            raise SdtmExportError(self.errors)
