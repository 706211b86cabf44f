"""The patient record (design.md §1): the annotation file that scoring reads.

These pydantic models are the single source of the record's JSON Schema
(``docs/schemas/record.schema.json`` is generated from them) and of its structural
validation. Checks that span several fields live in :mod:`recist_reader.core.validation`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import Required, TypedDict

from recist_reader.core.options import ConfigOverrides
from recist_reader.core.types import (
    FiniteNumber,
    IsoDate,
    IsoDateTime,
    NonNegativeMillimetres,
)

SCHEMA_VERSION = 1

LesionKind = Literal["target", "non-target"]
Method = Literal["CT", "MRI", "caliper", "CXR"]
TargetStatus = Literal["too_small", "absent", "not_evaluated"]
NonTargetStatus = Literal["absent", "present", "unequivocal_progression", "not_evaluated"]
MeasurementStatus = Literal[
    "too_small", "absent", "present", "unequivocal_progression", "not_evaluated"
]
#: The criteria a record can be scored under (design.md §7.1).
CriteriaName = Literal["RECIST1.1", "mRECIST", "iRECIST"]
#: What a lesion is, for the mRECIST rules (M2.4, design.md §7a).
LesionType = Literal[
    "typical_hcc", "atypical_hcc", "tumor_thrombus", "effusion", "porta_hepatis_node", "other"
]
MrecistKind = Literal["target", "non-target", "excluded"]
Cytology = Literal["malignant", "negative", "not_done"]
NewLesionKind = Literal["target", "non-target"]

#: A finite number: NaN and infinity parse from JSON (``NaN``, ``Infinity``) but are no position
#: or length.
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
Point3 = Annotated[list[FiniteFloat], Field(min_length=3, max_length=3)]
NonEmptyText = Annotated[str, Field(min_length=1)]
#: A DICOM UID: dot-separated numbers without leading zeros, at most 64 characters.
DicomUid = Annotated[str, Field(max_length=64, pattern=r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")]


_T = TypeVar("_T")


class cached_value(Generic[_T]):  # noqa: N801 - used like functools.cached_property
    """A value computed on first access and kept in the instance's ``__dict__``.

    Like :class:`functools.cached_property` without its lock (Python < 3.12 takes one on
    every first access): scoring reads these lookups once per visit of every record.
    """

    def __init__(self, function: Callable[[Any], _T]):
        self.function = function
        self.name = function.__name__
        self.__doc__ = function.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> _T:
        if instance is None:
            return self  # type: ignore[return-value]
        value = instance.__dict__[self.name] = self.function(instance)
        return value


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, ignored_types=(cached_value,)
    )


class Lesion(_Strict):
    """A target or non-target lesion chosen at baseline."""

    lesion_id: NonEmptyText
    kind: LesionKind
    organ: NonEmptyText = Field(description="free text; all nodal lesions count as one organ")
    nodal: bool = False
    method: Method = Field("CT", description="measurement method (R2.1–R2.3)")
    slice_thickness_mm: Annotated[float, Field(gt=0, le=50)] = Field(
        5.0, description="reconstructed slice thickness; sets the measurable size (R2.1)"
    )
    note: str | None = None
    lesion_type: LesionType = Field(
        "other", description="what the lesion is, for the mRECIST rules (M2.4, design.md §7a)"
    )
    mrecist_kind: MrecistKind | None = Field(
        None,
        description="its role under mRECIST (M14.2); default its kind. excluded: not disease "
        "under mRECIST (a porta hepatis node below the malignancy threshold, M3.5)",
    )
    location_code: NonEmptyText | None = Field(
        None,
        description="CDISC anatomical location term (codelist C74456) for SDTM TULOC (§9.1)",
    )
    tracking_uid: DicomUid | None = Field(
        None,
        description="DICOM UID naming the lesion in every visit's SR and every export "
        "(design.md §8.7); written once, when the lesion is first saved",
    )


class SeriesReference(_Strict):
    """A DICOM series read at a visit (written by the napari plugin)."""

    series_uid: NonEmptyText
    study_uid: str | None = None
    modality: str | None = None
    description: str | None = None
    source: NonEmptyText | None = Field(
        None,
        description="the folder or DICOMweb base URL the series was loaded from (§8.9 "
        "`source`); tried first when the read is reopened",
    )
    window_center: FiniteFloat | None = Field(
        None,
        description="display window centre the reader chose (DICOM WindowCenter, in the "
        "series' rescaled units: HU for CT)",
    )
    window_width: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = Field(
        None, description="display window width (DICOM WindowWidth, same units)"
    )


class Ruler(_Strict):
    """A measured line in patient coordinates (LPS, mm) on a series."""

    series_uid: NonEmptyText
    points_lps_mm: Annotated[list[Point3], Field(min_length=2, max_length=2)]


class Marker(_Strict):
    """A point the reader marked on a lesion at a visit (LPS, mm) on a series."""

    series_uid: NonEmptyText
    point_lps_mm: Point3


# A typed dict rather than a model: a record holds dozens of measurements, and validating
# them into plain dicts is over twice as fast (benchmarks/score_throughput.py).
class Measurement(TypedDict, total=False):
    """One lesion at one visit: a diameter (targets) or a status."""

    __pydantic_config__ = ConfigDict(extra="forbid", strict=True)  # type: ignore[misc]

    lesion_id: Required[NonEmptyText]
    diameter_mm: Annotated[
        NonNegativeMillimetres | None,
        Field(description="targets only: longest diameter, or short axis for a node; 0 = gone"),
    ]
    status: Annotated[
        MeasurementStatus | None,
        Field(
            description=(
                "targets: too_small | absent | not_evaluated; "
                "non-targets: absent | present | unequivocal_progression | not_evaluated"
            )
        ),
    ]
    ruler: Ruler | None
    short_axis_ruler: Ruler | None
    long_axis_mm: Annotated[FiniteFloat, Field(ge=0)] | None
    short_axis_mm: Annotated[FiniteFloat, Field(ge=0)] | None
    reader: str | None
    measured_at: Annotated[str | None, Field(description="ISO date and time of the measurement")]
    method: Literal["manual", "semi-automatic"] | None
    note: str | None
    proposal_doubt: Annotated[
        NonEmptyText | None,
        Field(
            description="why the semi-automatic proposal was doubtful (measure_lesion's "
            "notes); removed once the reader edits or redraws the rulers"
        ),
    ]
    marker: Annotated[
        Marker | None,
        Field(description="non-targets: where the reader marked the lesion at this visit"),
    ]
    # mRECIST observations (design.md §7a); RECIST 1.1 and iRECIST ignore them.
    viable_diameter_mm: Annotated[
        NonNegativeMillimetres,
        Field(description="mRECIST: longest diameter of the arterially enhancing part (M2.3)"),
    ]
    viable_status: Annotated[
        TargetStatus,
        Field(description="mRECIST: instead of viable_diameter_mm (never both)"),
    ]
    enhancing: Annotated[
        bool,
        Field(description="mRECIST: intratumoural arterial enhancement still present (M6.2)"),
    ]
    cytology: Annotated[
        Cytology, Field(description="mRECIST: cytology/pathology of an effusion (M6.4)")
    ]
    mrecist_status: Annotated[
        NonTargetStatus,
        Field(description="mRECIST non-target reading a lesion's numbers cannot give (M14.3)"),
    ]
    viable_ruler: Ruler
    # iRECIST (design.md §7b); RECIST 1.1 and mRECIST ignore it.
    increased: Annotated[
        bool,
        Field(description="iRECIST: non-target larger than at its previous assessment (I4.2)"),
    ]


#: Schema keywords pydantic cannot attach to a typed dict; merged into its ``$defs`` entry by
#: :func:`recist_reader.core.schema.record_json_schema`. mRECIST: a viable diameter or a
#: viable status, never both (design.md §7a; checked by mRECIST scoring, M2.5).
MEASUREMENT_SCHEMA_EXTRA: dict[str, Any] = {
    "not": {"required": ["viable_diameter_mm", "viable_status"]}
}

# The NLT / NLNT forms of a new-lesion entry (design.md §7b schema notes). The engine checks
# the same (recist_reader.core.validation), with the JSON path of the field.
_NEW_LESION_FORMS: dict[str, Any] = {
    "oneOf": [
        {
            "title": "new-lesion target (NLT)",
            "required": ["kind"],
            "properties": {
                "kind": {"const": "target"},
                "status": {"enum": ["too_small", "absent", "not_evaluated", None]},
            },
            "oneOf": [
                {"required": ["diameter_mm"], "properties": {"diameter_mm": {"type": "number"}}},
                {"required": ["status"], "properties": {"status": {"type": "string"}}},
            ],
        },
        {
            "title": "new-lesion non-target (NLNT)",
            "properties": {
                "kind": {"enum": ["non-target", None]},
                "status": {
                    "enum": ["present", "absent", "unequivocal_progression", "not_evaluated", None]
                },
                "diameter_mm": {"type": "null"},
            },
        },
    ]
}


class NewLesion(_Strict):
    """A lesion not present at baseline (design.md §1; iRECIST and mRECIST fields §7a, §7b)."""

    model_config = ConfigDict(json_schema_extra=_NEW_LESION_FORMS)

    location: NonEmptyText
    equivocal: bool = False
    first_seen_visit_id: NonEmptyText | None = Field(
        None, description="visit where this lesion was first seen (as equivocal)"
    )
    point_lps_mm: Point3 | None = Field(
        None, description="where the reader marked it, in patient coordinates (LPS, mm)"
    )
    series_uid: str | None = Field(None, description="the series it was marked on")
    note: str | None = None
    # iRECIST (design.md §7b); identity (new_lesion_id) is shared by every criteria (§7.5).
    new_lesion_id: NonEmptyText | None = Field(
        None, description="identity across visits (design.md §7.5); the lesion is tracked"
    )
    kind: NewLesionKind | None = Field(
        None, description="iRECIST: new-lesion target (NLT) or non-target (NLNT, the default)"
    )
    organ: NonEmptyText | None = Field(None, description="iRECIST: default the location")
    nodal: bool | None = Field(
        None, description="default true for a porta_hepatis_node listing, else false (§7.5)"
    )
    diameter_mm: NonNegativeMillimetres | None = Field(
        None, description="NLT: longest diameter, or short axis for a node; 0 = gone"
    )
    status: MeasurementStatus | None = Field(
        None,
        description="NLT: too_small | absent | not_evaluated; "
        "NLNT: present (default) | absent | unequivocal_progression | not_evaluated",
    )
    increased: bool | None = Field(
        None, description="NLNT: larger than at its previous assessment (I4.2)"
    )
    method: Method | None = Field(None, description="imaging method, as on a lesion (CT)")
    slice_thickness_mm: Annotated[float, Field(gt=0, le=50)] | None = Field(
        None, description="as on a lesion (default 5)"
    )
    ruler: Ruler | None = None
    short_axis_ruler: Ruler | None = None
    reader: str | None = None
    measured_at: str | None = Field(None, description="ISO date and time of the measurement")
    # mRECIST (design.md §7a)
    lesion_type: LesionType = Field("other", description="mRECIST: what the finding is (M2.4, M7)")
    size_mm: NonNegativeMillimetres | None = Field(
        None, description="mRECIST: longest diameter (short axis for a node) (M2.5)"
    )
    cytology: Cytology | None = Field(None, description="mRECIST: for a new effusion (M7.5)")
    location_code: NonEmptyText | None = Field(
        None,
        description="CDISC anatomical location term (codelist C74456) for SDTM TULOC (§9.1)",
    )

    @property
    def nodal_or_default(self) -> bool:
        """``nodal``, defaulting to true for a porta hepatis node listing (design.md §7.5)."""
        if self.nodal is not None:
            return self.nodal
        return self.lesion_type == "porta_hepatis_node"

    @property
    def is_new_finding(self) -> bool:
        """Whether this listing can be a new finding under RECIST 1.1 and mRECIST: not one whose
        ``status`` is ``absent`` or ``not_evaluated`` (design.md §7.5)."""
        return self.status not in _NOT_A_FINDING


_NOT_A_FINDING = frozenset({"absent", "not_evaluated"})


Row4 = Annotated[list[FiniteFloat], Field(min_length=4, max_length=4)]


class VisitRegistration(_Strict):
    """A follow-up's registration to the baseline, as `Registration.to_json` writes it
    (design.md §11); kept so that reopening the read does not recompute it."""

    method: Literal["rigid", "affine"]
    baseline_series_uid: str = Field("", description="the baseline series it was computed against")
    follow_up_series_uid: str = Field("", description="this visit's series that was registered")
    to_follow_up_lps: Annotated[list[Row4], Field(min_length=4, max_length=4)] = Field(
        description="4 x 4 homogeneous matrix: baseline LPS mm -> follow-up LPS mm"
    )
    plausible: bool = Field(description="false: not to be used (a reason says why)")
    reason: str = ""
    seconds: Annotated[FiniteFloat, Field(ge=0)] = 0.0
    checks: dict[str, FiniteFloat] = Field(
        default_factory=dict, description="the figures plausibility was judged on"
    )
    software: str = ""


class Visit(_Strict):
    """One assessment time point: the baseline or a follow-up."""

    visit_id: NonEmptyText
    date: IsoDate
    measurements: list[Measurement] = Field(default_factory=list)
    new_lesions: list[NewLesion] = Field(default_factory=list)
    series: list[SeriesReference] | None = None
    note: str | None = None
    # iRECIST (design.md §7b): the investigator's judgement; no effect on time-point responses.
    clinically_stable: bool | None = Field(None, description="iRECIST: absent = unknown")
    treatment_continued: bool | None = Field(None, description="iRECIST: absent = unknown")
    symptom_driven: bool | None = Field(
        None, description="iRECIST: the scan investigated a new symptom (I7.2); default false"
    )
    locked_at: IsoDateTime | None = Field(
        None, description="when the reader locked this timepoint (sequential paradigm, §9.1)"
    )
    visit_num: FiniteNumber | None = Field(None, description="SDTM VISITNUM (§9.1)")
    visit_name: NonEmptyText | None = Field(None, description="SDTM VISIT (§9.1)")
    epoch: NonEmptyText | None = Field(None, description="SDTM EPOCH (§9.1)")
    registration: VisitRegistration | None = Field(
        None, description="follow-ups: registration to the baseline (ignored by scoring)"
    )

    @cached_value
    def measurement_by_lesion(self) -> dict[str, Measurement]:
        """This visit's measurements by lesion id (ids are unique once validated)."""
        return {m["lesion_id"]: m for m in self.measurements}


ReadRole = Literal["central_reader", "investigator"]
ReadSlot = Literal["R1", "R2"]
ReadStatus = Literal["in_progress", "complete"]
ReadingParadigm = Literal["sequential_locked", "global"]
AuditAction = Literal["create", "modify", "delete", "lock", "unlock"]
#: ``"sha256:"`` and 64 lowercase hexadecimal digits (design.md §9.3, §9.4).
Sha256Reference = Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]


class ReadBlock(_Strict):
    """Who read this record, in which blinded slot and how (design.md §9.2, CRV1)."""

    read_id: NonEmptyText = Field(description="unique id of this read, e.g. P-017-R1")
    role: ReadRole
    slot: ReadSlot | None = Field(None, description="central readers only")
    reader_id: NonEmptyText = Field(description="pseudonymous person id (rad-11); never a name")
    status: ReadStatus
    paradigm: ReadingParadigm | None = None
    locked_at: IsoDateTime | None = Field(None, description="the read lock (global paradigm)")
    blinded: bool | None = Field(None, description="written by the widget in reader mode")


class AuditEntry(_Strict):
    """One entry of a read's append-only, hash-chained audit trail (design.md §9.3, CRV13)."""

    at: IsoDateTime
    by: NonEmptyText
    action: AuditAction
    visit_id: str | None = None
    field: str | None = Field(
        None, description="the changed value, e.g. measurements[T1].diameter_mm"
    )
    old: Any = None
    new: Any = None
    reason: str | None = Field(None, description="required for modify, delete and unlock")
    prev: Sha256Reference = Field(
        description="sha256 of the previous entry's canonical JSON (of the read_id for the first)"
    )


class PatientRecord(_Strict):
    """One patient's lesions and visits: the input of scoring."""

    model_config = ConfigDict(title="RECIST patient record")

    schema_version: Literal[1] = SCHEMA_VERSION
    patient_id: NonEmptyText
    criteria: CriteriaName = Field(
        description="primary criteria: the one the record is scored under when the caller "
        "names none (design.md §7.1)"
    )
    baseline_date: IsoDate
    config: ConfigOverrides = Field(default_factory=ConfigOverrides)
    lesions: list[Lesion]
    visits: Annotated[list[Visit], Field(min_length=1)]
    death_date: IsoDate | None = Field(
        None,
        description="date of death from any cause; an event for OS, and for PFS when before "
        "progression (cohort endpoints; ignored by per-patient scoring)",
    )
    last_known_alive_date: IsoDate | None = Field(
        None,
        description="last date the patient was known to be alive; OS is censored there "
        "(cohort endpoints; ignored by per-patient scoring)",
    )
    study_id: NonEmptyText | None = Field(None, description="protocol id; SDTM STUDYID (§9.1)")
    usubjid: NonEmptyText | None = Field(
        None, description="SDTM USUBJID; default {study_id}-{patient_id} (§9.1)"
    )
    arm: NonEmptyText | None = Field(
        None, description="treatment arm label (per-arm EDR/LDR, CRV20)"
    )
    reference_start_date: IsoDate | None = Field(
        None, description="SDTM RFSTDTC (first dose); enables --DY (§9.1)"
    )
    read: ReadBlock | None = Field(
        None,
        description="this record is one reader's read (§9.2); absent = investigator/site read",
    )
    audit: list[AuditEntry] | None = Field(
        None, description="the read's append-only, hash-chained audit trail (§9.3)"
    )
    reader: NonEmptyText | None = Field(
        None,
        description="who reads this record, as typed in the reading widget's Reader field "
        "(each measurement keeps its own `reader`)",
    )

    @cached_value
    def target_lesions(self) -> tuple[Lesion, ...]:
        """The target lesions, in record order."""
        return tuple(lesion for lesion in self.lesions if lesion.kind == "target")

    @cached_value
    def non_target_lesions(self) -> tuple[Lesion, ...]:
        """The non-target lesions, in record order."""
        return tuple(lesion for lesion in self.lesions if lesion.kind == "non-target")


def measurement_position(visit: Visit, lesion_id: str) -> int:
    """Index in ``visit.measurements`` of the measurement ``visit.measurement_by_lesion`` holds
    for ``lesion_id`` (the last one, should the lesion be measured twice)."""
    return max(i for i, m in enumerate(visit.measurements) if m["lesion_id"] == lesion_id)
