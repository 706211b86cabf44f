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
from recist_reader.core.types import IsoDate, NonNegativeMillimetres

SCHEMA_VERSION = 1

LesionKind = Literal["target", "non-target"]
Method = Literal["CT", "MRI", "caliper", "CXR"]
TargetStatus = Literal["too_small", "absent", "not_evaluated"]
NonTargetStatus = Literal["absent", "present", "unequivocal_progression", "not_evaluated"]
MeasurementStatus = Literal[
    "too_small", "absent", "present", "unequivocal_progression", "not_evaluated"
]

#: A finite number: NaN and infinity parse from JSON (``NaN``, ``Infinity``) but are no position
#: or length.
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
Point3 = Annotated[list[FiniteFloat], Field(min_length=3, max_length=3)]
NonEmptyText = Annotated[str, Field(min_length=1)]


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


class SeriesReference(_Strict):
    """A DICOM series read at a visit (written by the napari plugin)."""

    series_uid: NonEmptyText
    study_uid: str | None = None
    modality: str | None = None
    description: str | None = None


class Ruler(_Strict):
    """A measured line in patient coordinates (LPS, mm) on a series."""

    series_uid: NonEmptyText
    points_lps_mm: Annotated[list[Point3], Field(min_length=2, max_length=2)]


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


class NewLesion(_Strict):
    """A lesion not present at baseline."""

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
    registration: VisitRegistration | None = Field(
        None, description="follow-ups: registration to the baseline (ignored by scoring)"
    )

    @cached_value
    def measurement_by_lesion(self) -> dict[str, Measurement]:
        """This visit's measurements by lesion id (ids are unique once validated)."""
        return {m["lesion_id"]: m for m in self.measurements}


class PatientRecord(_Strict):
    """One patient's lesions and visits: the input of scoring."""

    model_config = ConfigDict(title="RECIST patient record")

    schema_version: Literal[1] = SCHEMA_VERSION
    patient_id: NonEmptyText
    criteria: Literal["RECIST1.1"]
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
