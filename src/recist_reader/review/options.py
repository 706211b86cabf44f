"""The charter's review options (central-review.md §5), their defaults and validation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

TRIGGERS = ("bor", "pd_date", "pd_status", "response_date", "timepoint")
SLOTS = ("R1", "R2")
PARADIGMS = ("sequential_locked", "global")

_CHOICES: dict[str, tuple[str, ...]] = {
    "bor_type": ("confirmed", "unconfirmed", "both"),
    "bor_compare": ("category", "responder"),
    "concordant_source": SLOTS,
    "paradigm": PARADIGMS,
    "unlock_policy": ("forbid", "with_reason"),
    "unrequired_adjudication": ("apply", "ignore"),
}
_DAYS = ("pd_date_tolerance_days", "response_date_tolerance_days")
_BOOLEANS = ("require_change_reason", "require_rationale")


class ReviewOptionError(ValueError):
    """A review option is unknown or has a value the charter does not allow.

    ``problems`` holds one line per problem, each naming the option.
    """

    def __init__(self, problems: Sequence[str]):
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class ReviewOptions:
    """The charter settings of a central review (central-review.md §5), with their defaults.

    Attributes
    ----------
    triggers : tuple of str
        CRV5: the adjudication variables, a subset of ``TRIGGERS``.
    bor_type, bor_compare : str
        CRV5.1: which best overall response is compared, and how.
    pd_date_tolerance_days, response_date_tolerance_days : int
        CRV5.2, CRV5.4: largest difference in days that still agrees.
    concordant_source : str
        CRV10: the read of record of a concordant patient.
    paradigm : str
        CRV11: ``sequential_locked`` or ``global``.
    unlock_policy : str
        CRV12: ``forbid`` or ``with_reason``.
    require_change_reason : bool
        CRV13: modify, delete and unlock entries need a reason.
    require_rationale : bool
        CRV8: an adjudication needs a rationale.
    unrequired_adjudication : str
        CRV9: ``apply`` or ``ignore`` an adjudication of a concordant patient.
    pd_date_windows_days : tuple of int
        CRV17: windows of progression-date agreement.
    alpha : float
        CRV15: 1 − confidence level of the adjudication-rate interval.
    """

    triggers: tuple[str, ...] = ("bor", "pd_date")
    bor_type: str = "confirmed"
    bor_compare: str = "category"
    pd_date_tolerance_days: int = 0
    response_date_tolerance_days: int = 0
    concordant_source: str = "R1"
    paradigm: str = "sequential_locked"
    unlock_policy: str = "forbid"
    require_change_reason: bool = True
    require_rationale: bool = True
    unrequired_adjudication: str = "apply"
    pd_date_windows_days: tuple[int, ...] = (0, 56)
    alpha: float = 0.05

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any], *, prefix: str = "") -> ReviewOptions:
        """The defaults with ``options`` applied.

        Raises
        ------
        ReviewOptionError
            Naming every unknown option (``prefix`` + name) and every value not allowed.
        """
        values: dict[str, Any] = {}
        problems: list[str] = []
        for name, value in options.items():
            try:
                values[name] = _checked(name, value)
            except ValueError as error:
                problems.append(f"{prefix}{name}: {error}")
        if problems:
            raise ReviewOptionError(problems)
        return cls(**values)

    def as_json(self) -> dict[str, Any]:
        """Every option as used, in the order of design.md §9.5."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["triggers"] = list(self.triggers)
        values["pd_date_windows_days"] = list(self.pd_date_windows_days)
        return values


OPTION_NAMES: tuple[str, ...] = tuple(f.name for f in fields(ReviewOptions))


def _as_list(value: Any) -> list[Any]:
    """A list option's value: a list, a comma-separated string or a single value."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [value]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _checked(name: str, value: Any) -> Any:
    if name not in OPTION_NAMES:
        raise ValueError(f"unknown review option; known options: {', '.join(OPTION_NAMES)}")
    if name == "triggers":
        triggers = _as_list(value)
        unknown = [t for t in triggers if t not in TRIGGERS]
        if unknown:
            raise ValueError(
                f"unknown trigger(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(TRIGGERS)}"
            )
        return tuple(t for t in TRIGGERS if t in triggers)
    if name in _CHOICES:
        if value not in _CHOICES[name]:
            raise ValueError(f"must be one of {', '.join(_CHOICES[name])}, got {value!r}")
        return value
    if name in _DAYS:
        if not _is_int(value) or value < 0:
            raise ValueError(f"must be a whole number of days ≥ 0, got {value!r}")
        return value
    if name in _BOOLEANS:
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false, got {value!r}")
        return value
    if name == "pd_date_windows_days":
        windows = _as_list(value)
        windows = [int(w) if isinstance(w, str) and w.isdigit() else w for w in windows]
        if not all(_is_int(w) and w >= 0 for w in windows):
            raise ValueError(f"must be a list of whole numbers of days ≥ 0, got {value!r}")
        return tuple(sorted(set(windows)))
    # alpha
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ValueError(f"must be a number strictly between 0 and 1, got {value!r}")
    return float(value)
