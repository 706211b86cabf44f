"""Scoring options: every choice of the rule books' ambiguity registers that is open.

Each option has its rule book's default. The shared options (RECIST 1.1 rule book, section A)
apply to every criteria; each criteria adds its own (mRECIST ``mrecist_*``, MA1–MA25; iRECIST,
IA1–IA21). A record's ``config`` overrides the defaults, and options given to
:func:`recist_reader.score_record` or on the command line override the record's. Every
criteria accepts the keys of all of them and uses its own (design.md §7.4).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from recist_reader.core.exact import to_json_number
from recist_reader.core.types import NonNegativeMillimetres, PositiveMillimetres
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

    @classmethod
    def option_names(cls) -> frozenset[str]:
        """The keys this class uses: the shared ones and its criteria's own."""
        return _option_names(cls)

    def with_overrides(
        self, overrides: Mapping[str, Any], *, path_prefix: str = "config"
    ) -> ScoringOptions:
        """These options with ``overrides`` applied, validated.

        Keys of another criteria are validated and ignored (design.md §7.4).

        Raises
        ------
        RecordError
            For an unknown key or a value of the wrong type, naming ``path_prefix.key``.
        """
        if not overrides:
            return self
        model = validate_option_overrides(overrides, path_prefix=path_prefix)
        own = self.option_names()
        values = {k: v for k, v in model.model_dump(exclude_unset=True).items() if k in own}
        return replace(self, **values) if values else self

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
        for name, value in values.items():
            if isinstance(value, Decimal):
                values[name] = to_json_number(value)
        return values


@functools.cache
def _option_names(cls: type[ScoringOptions]) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


@dataclass(frozen=True)
class MrecistOptions(ScoringOptions):
    """The shared options and mRECIST's own (mrecist-rules.md, MA1–MA25).

    Attributes
    ----------
    mrecist_pd_min_increase_mm : Decimal
        MA1, M5.3: absolute minimum rise of the viable sum over the nadir for target PD
        (0: none, as the 2010 table).
    mrecist_effusion_pd_requires_cytology : bool
        MA2, M6.4, M7.5: effusion growth, reappearance or a new effusion is PD only with
        malignant cytology.
    mrecist_porta_hepatis_node_min_mm : Decimal
        MA3, M3.5, M7.6, M7.7: short axis at which a porta hepatis node is malignant
        (inclusive).
    mrecist_porta_hepatis_node_normal_below_mm : Decimal
        MA4, M5.1: short axis below which a porta hepatis nodal target counts as normal.
    mrecist_new_intrahepatic_min_mm : Decimal
        MA5, M7.3, M7.4: smallest new intrahepatic nodule that counts (inclusive).
    mrecist_atypical_growth_mm : Decimal
        MA6, M7.4: growth since its first sighting that makes an atypical nodule count.
    mrecist_allow_atypical_hcc_targets : bool
        MA8, M3.3: an atypical HCC may be a target, measured whole.
    """

    mrecist_pd_min_increase_mm: Decimal = Decimal(0)
    mrecist_effusion_pd_requires_cytology: bool = True
    mrecist_porta_hepatis_node_min_mm: Decimal = Decimal(20)
    mrecist_porta_hepatis_node_normal_below_mm: Decimal = Decimal(10)
    mrecist_new_intrahepatic_min_mm: Decimal = Decimal(10)
    mrecist_atypical_growth_mm: Decimal = Decimal(10)
    mrecist_allow_atypical_hcc_targets: bool = False


IcpdIncreaseReference = Literal["first_iupd", "previous"]
ResetAfterNewLesionIupd = Literal["improvement", "non_pd", "resolution"]
UnconfirmedIupdPfs = Literal["event_if_stopped", "event", "censor"]


@dataclass(frozen=True)
class IrecistOptions(ScoringOptions):
    """The shared options and iRECIST's own (irecist-rules.md, IA1–IA21).

    Attributes
    ----------
    icpd_min_days : int
        IA1, I7.2: days after the first iUPD of an episode before a scan may confirm it.
    icpd_increase_reference : str
        IA3, I7.3: reference of the "further increase ≥ 5 mm": ``first_iupd`` or ``previous``.
    reset_after_new_lesion_iupd : str
        IA4, I7.4: when a new-lesion iUPD may be reset: ``improvement``, ``non_pd`` or
        ``resolution``.
    unconfirmed_iupd_pfs : str
        IA5, I9.2: iPFS for an iUPD never confirmed: ``event_if_stopped``, ``event`` or
        ``censor``.
    irecist_new_lesion_missing_is_ne : bool
        IA6, I5.8: a tracked new lesion missing from a later visit is not evaluated.
    irecist_validate_new_lesions : bool
        IA7, I5.3, I5.4: new-lesion target measurability and limits are errors (else notes).
    """

    icpd_min_days: int = 28
    icpd_increase_reference: IcpdIncreaseReference = "first_iupd"
    reset_after_new_lesion_iupd: ResetAfterNewLesionIupd = "improvement"
    unconfirmed_iupd_pfs: UnconfirmedIupdPfs = "event_if_stopped"
    irecist_new_lesion_missing_is_ne: bool = True
    irecist_validate_new_lesions: bool = True


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
    # mRECIST only (mrecist-rules.md, section MA); other criteria accept and ignore them.
    mrecist_pd_min_increase_mm: NonNegativeMillimetres | None = Field(
        None, description="mRECIST MA1/M5.3, default 0 (no absolute minimum)"
    )
    mrecist_effusion_pd_requires_cytology: bool | None = Field(
        None, description="mRECIST MA2/M6.4, default true"
    )
    mrecist_porta_hepatis_node_min_mm: PositiveMillimetres | None = Field(
        None, description="mRECIST MA3/M3.5, default 20"
    )
    mrecist_porta_hepatis_node_normal_below_mm: PositiveMillimetres | None = Field(
        None, description="mRECIST MA4/M5.1, default 10"
    )
    mrecist_new_intrahepatic_min_mm: PositiveMillimetres | None = Field(
        None, description="mRECIST MA5/M7.3, default 10"
    )
    mrecist_atypical_growth_mm: PositiveMillimetres | None = Field(
        None, description="mRECIST MA6/M7.4, default 10"
    )
    mrecist_allow_atypical_hcc_targets: bool | None = Field(
        None, description="mRECIST MA8/M3.3, default false"
    )
    # iRECIST only (irecist-rules.md, section IA); other criteria accept and ignore them.
    icpd_min_days: Days | None = Field(None, description="iRECIST IA1/I7.2, default 28")
    icpd_increase_reference: IcpdIncreaseReference | None = Field(
        None, description="iRECIST IA3/I7.3, default first_iupd"
    )
    reset_after_new_lesion_iupd: ResetAfterNewLesionIupd | None = Field(
        None, description="iRECIST IA4/I7.4, default improvement"
    )
    unconfirmed_iupd_pfs: UnconfirmedIupdPfs | None = Field(
        None, description="iRECIST IA5/I9.2, default event_if_stopped"
    )
    irecist_new_lesion_missing_is_ne: bool | None = Field(
        None, description="iRECIST IA6/I5.8, default true"
    )
    irecist_validate_new_lesions: bool | None = Field(
        None, description="iRECIST IA7/I5.3, default true"
    )


#: Every key ``config``, ``--set`` and ``**options`` accept: the union over the criteria
#: (design.md §7.4).
OPTION_NAMES: tuple[str, ...] = tuple(ConfigOverrides.model_fields)


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
