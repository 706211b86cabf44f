"""Scoring options: every choice of the rule book's ambiguity register (A1–A22) that is open.

Each option has the rule book's default. A record's ``config`` overrides the defaults, and
options given to :func:`recist_reader.score_record` or on the command line override the
record's.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from recist_reader.core.exact import to_json_number
from recist_reader.core.types import NonNegativeMillimetres
from recist_reader.errors import RecordError, RecordProblem


@dataclass(frozen=True)
class ScoringOptions:
    """The open choices of RECIST 1.1 scoring, with the rule book's defaults.

    Attributes
    ----------
    confirm_min_days : int
        A5, R12: minimum days between a CR/PR and its confirmation (inclusive).
    sd_min_days : int
        A5, R13: minimum days from baseline for SD (or NonCR/NonPD) to count (inclusive).
    too_small_mm : Decimal
        A15, R4.3: value of a target recorded ``too_small``.
    max_ne_between_confirmations : int
        A4: NE assessments allowed between a response and its confirmation.
    accept_sd_between_pr_confirmations : bool
        A4: allow SD between a PR and its confirmation (never for a confirmation from a CR).
    cr_then_pr_confirms_pr : bool
        A3: a CR followed by a PR at least ``confirm_min_days`` later is a confirmed PR.
    pd_on_reappearance_after_cr : bool
        A2, R5.8, R6.5: disease reappearing while the patient is in CR is PD.
    cr_precedence_over_arithmetic_pd : bool
        A1: all nodes < 10 mm (and non-nodal targets gone) is CR even if the sum rose ≥ 20 %
        and ≥ 5 mm from the nadir.
    continuing_pr : bool
        A7: after a target PR, a sum above 70 % of baseline without PD stays PR (FAQ)
        instead of the literal SD.
    nontarget_partial_missing_is_ne : bool
        A6: some non-targets present, others not evaluated → NE (else NonCR/NonPD).
    backdate_equivocal_new_lesions : bool
        A8, R7.3: PD from a confirmed equivocal new lesion is dated to its first sighting.
    validate_baseline : bool
        A17: baseline rule violations (measurability, target counts) reject the record;
        when false they are reported in ``baseline.notes`` and scoring goes on.
    pct_decimals : int
        A11: decimals of the displayed percentage changes (rounded half-up).
    """

    confirm_min_days: int = 28
    sd_min_days: int = 42
    too_small_mm: Decimal = Decimal(5)
    max_ne_between_confirmations: int = 1
    accept_sd_between_pr_confirmations: bool = False
    cr_then_pr_confirms_pr: bool = True
    pd_on_reappearance_after_cr: bool = True
    cr_precedence_over_arithmetic_pd: bool = True
    continuing_pr: bool = False
    nontarget_partial_missing_is_ne: bool = True
    backdate_equivocal_new_lesions: bool = True
    validate_baseline: bool = True
    pct_decimals: int = 2

    def with_overrides(
        self, overrides: Mapping[str, Any], *, path_prefix: str = "config"
    ) -> ScoringOptions:
        """These options with ``overrides`` applied, validated.

        Raises
        ------
        RecordError
            For an unknown key or a value of the wrong type, naming ``path_prefix.key``.
        """
        if not overrides:
            return self
        model = validate_option_overrides(overrides, path_prefix=path_prefix)
        return replace(self, **model.model_dump(exclude_unset=True))

    def as_json(self) -> dict[str, Any]:
        """Every option as used, JSON-ready (``config`` of the response); a new dict."""
        return dict(self._json_values)

    @functools.cached_property
    def pct_format(self) -> str:
        """Format spec of a % change shown in notes: signed, ``pct_decimals`` decimals (A11)."""
        return f"+.{self.pct_decimals}f"

    @functools.cached_property
    def _json_values(self) -> dict[str, Any]:
        """:meth:`as_json`, computed once per options object (kept in its ``__dict__``)."""
        values = asdict(self)
        values["too_small_mm"] = to_json_number(self.too_small_mm)
        return values


OPTION_NAMES: tuple[str, ...] = tuple(f.name for f in fields(ScoringOptions))

Days = Annotated[int, Field(ge=0, le=3650)]


class ConfigOverrides(BaseModel):
    """The ``config`` object of a patient record: overrides of the scoring options."""

    model_config = ConfigDict(extra="forbid", strict=True, title="ScoringConfig")

    confirm_min_days: Days | None = Field(None, description="A5/R12, default 28")
    sd_min_days: Days | None = Field(None, description="A5/R13, default 42")
    too_small_mm: NonNegativeMillimetres | None = Field(None, description="A15/R4.3, default 5")
    max_ne_between_confirmations: Annotated[int, Field(ge=0, le=100)] | None = Field(
        None, description="A4, default 1"
    )
    accept_sd_between_pr_confirmations: bool | None = Field(None, description="A4, default false")
    cr_then_pr_confirms_pr: bool | None = Field(None, description="A3, default true")
    pd_on_reappearance_after_cr: bool | None = Field(None, description="A2, default true")
    cr_precedence_over_arithmetic_pd: bool | None = Field(None, description="A1, default true")
    continuing_pr: bool | None = Field(None, description="A7, default false")
    nontarget_partial_missing_is_ne: bool | None = Field(None, description="A6, default true")
    backdate_equivocal_new_lesions: bool | None = Field(None, description="A8, default true")
    validate_baseline: bool | None = Field(None, description="A17, default true")
    pct_decimals: Annotated[int, Field(ge=0, le=10)] | None = Field(
        None, description="A11, default 2"
    )


def validate_option_overrides(overrides: Mapping[str, Any], *, path_prefix: str) -> ConfigOverrides:
    """Validate option overrides; unknown keys and wrong types raise :class:`RecordError`."""
    from recist_reader.core.validation import problems_from_validation_error

    if not isinstance(overrides, Mapping):
        raise RecordError([RecordProblem(path_prefix, "must be an object of option: value pairs")])
    cleaned = {k: v for k, v in overrides.items() if v is not None or k not in OPTION_NAMES}
    try:
        model = ConfigOverrides.model_validate(cleaned)
    except ValidationError as error:
        raise RecordError(
            problems_from_validation_error(error, prefix=path_prefix, options=True)
        ) from None
    return model


def parse_option_value(text: str) -> Any:
    """A ``--set KEY=VALUE`` value: JSON literal (``true``, ``28``, ``5.0``) else the text."""
    import json

    try:
        return json.loads(text)
    except ValueError:
        return text
