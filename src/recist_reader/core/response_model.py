"""The response JSON (design.md §2) as pydantic models: the source of its JSON Schema.

:func:`recist_reader.score_record` builds plain dicts for speed; the tests validate its output
against the schema generated from these models, so the two cannot drift.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ResponseLabel = Literal[
    "CR",
    "PR",
    "SD",
    "PD",
    "NE",
    "NonCR/NonPD",
    "NA",
    # iRECIST (design.md §7b, I10)
    "iCR",
    "iPR",
    "iSD",
    "non-iCR/non-iUPD",
    "iUPD",
    "iCPD",
]
#: iRECIST: the categories behind an iUPD (design.md §7b).
IupdBasis = Literal["target", "non_target", "new_lesions"]
#: iRECIST: why a visit confirmed progression (design.md §7b, I7.3).
IcpdTrigger = Literal[
    "target_sum_increase",
    "target_progression",
    "non_target_increase",
    "non_target_progression",
    "nlt_sum_increase",
    "nlnt_increase",
    "new_lesion_progression",
    "additional_new_lesion",
]
DateText = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", json_schema_extra={"format": "date"})


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OptionsUsed(_Closed):
    """Every scoring option the criteria used, as used: the shared ones and its own
    (design.md §7.4)."""

    confirm_min_days: int
    sd_min_days: int
    too_small_mm: float
    max_ne_between_confirmations: int
    accept_sd_between_pr_confirmations: bool
    cr_then_pr_confirms_pr: bool
    pd_on_reappearance_after_cr: bool
    cr_precedence_over_arithmetic_pd: bool
    continuing_pr: bool
    nontarget_partial_missing_is_ne: bool
    backdate_equivocal_new_lesions: bool
    validate_baseline: bool
    pct_decimals: int
    # mRECIST responses only
    mrecist_pd_min_increase_mm: float | None = None
    mrecist_effusion_pd_requires_cytology: bool | None = None
    mrecist_porta_hepatis_node_min_mm: float | None = None
    mrecist_porta_hepatis_node_normal_below_mm: float | None = None
    mrecist_new_intrahepatic_min_mm: float | None = None
    mrecist_atypical_growth_mm: float | None = None
    mrecist_allow_atypical_hcc_targets: bool | None = None
    # iRECIST responses only
    icpd_min_days: int | None = None
    icpd_increase_reference: Literal["first_iupd", "previous"] | None = None
    reset_after_new_lesion_iupd: Literal["improvement", "non_pd", "resolution"] | None = None
    unconfirmed_iupd_pfs: Literal["event_if_stopped", "event", "censor"] | None = None
    irecist_new_lesion_missing_is_ne: bool | None = None
    irecist_validate_new_lesions: bool | None = None


class BaselineSummary(_Closed):
    visit_id: str
    date: str = DateText
    sum_mm: float | None = Field(description="null without target lesions")
    notes: list[str] | None = Field(
        None, description="baseline rule violations, when validate_baseline is false"
    )


class VisitResponse(_Closed):
    visit_id: str
    date: str = DateText
    day: int = Field(description="days since baseline_date")
    sum_mm: float | None = Field(description="null when a target was not evaluated")
    partial_sum_mm: float | None = Field(description="sum of the evaluated targets when incomplete")
    nadir_mm: float | None = Field(description="the reference (smallest complete sum before)")
    pct_change_baseline: float | None
    pct_change_nadir: float | None
    target: ResponseLabel
    non_target: ResponseLabel
    new_lesions: bool = Field(description="an unequivocal new lesion")
    equivocal_new_lesions: bool
    # iRECIST responses only (design.md §7b), written before ``overall``
    nlt_sum_mm: float | None = Field(
        None,
        description="iRECIST: sum of the new-lesion targets known at this visit, null when there "
        "is none or one was not evaluated; never added to sum_mm",
    )
    overall: ResponseLabel
    iupd_basis: list[IupdBasis] | None = Field(
        None, description="iRECIST: the categories behind the iUPD open at this visit"
    )
    icpd_triggers: list[IcpdTrigger] | None = Field(
        None, description="iRECIST: why this visit confirmed progression"
    )
    disregarded: bool | None = Field(
        None,
        description="iRECIST: a scan fewer than icpd_min_days after the iUPD, not used for "
        "confirmation (I7.2)",
    )
    notes: list[str]


class ProgressionSummary(_Closed):
    date: str = DateText
    visit_id: str = Field(description="the visit that declared PD")
    dated_visit_id: str = Field(description="the visit PD is dated to")
    confirmed: bool | None = Field(
        None,
        description="iRECIST: true for a confirmed episode (visit_id: the iCPD visit); false for "
        "an open one that unconfirmed_iupd_pfs makes an event (visit_id: the iUPD visit)",
    )


class IupdEpisode(_Closed):
    """iRECIST: an iUPD and what became of it (design.md §7b)."""

    iupd_visit_id: str
    iupd_date: str = DateText
    dated_visit_id: str = Field(
        description="the visit the episode is dated to: the first sighting of a new lesion first "
        "seen as equivocal, else the iUPD"
    )
    basis: list[IupdBasis]
    outcome: Literal["confirmed", "reset", "open"]
    closed_visit_id: str | None = Field(description="the iCPD or reset visit; null while open")


class PfsSummary(_Closed):
    event: bool
    date: str = DateText


class BestOverallResponse(_Closed):
    unconfirmed: ResponseLabel
    confirmed: ResponseLabel


class DurationOfResponse(_Closed):
    start_date: str = DateText
    end_date: str = DateText
    days: int
    censored: bool


class PatientResponse(_Closed):
    """Per-visit RECIST responses of one patient: the output of scoring."""

    model_config = ConfigDict(title="RECIST patient response")

    schema_version: Literal[1]
    patient_id: str
    criteria: Literal["RECIST1.1", "mRECIST", "iRECIST"]
    config: OptionsUsed
    baseline: BaselineSummary
    visits: list[VisitResponse]
    iupd_episodes: list[IupdEpisode] | None = Field(
        None, description="iRECIST: every iUPD episode in date order (design.md §7b)"
    )
    progression: ProgressionSummary | None
    pfs: PfsSummary
    best_overall_response: BestOverallResponse
    duration_of_response: DurationOfResponse | None
