"""The record → TID 1500 mapping: one visit's read as an Imaging Measurement Report
(design.md §8.4–§8.6), built from highdicom's SR templates.

:func:`measurement_report` builds the content tree of one SR document: a measurement group
(TID 1501) per lesion measured at the visit, one per new-lesion listing, the person observer
and the Image Library. Ruler placement problems are collected, not raised, so that a reader
gets every one of them at once. :func:`diameter_from_axes` is the rule by which import reads a
group's RECIST diameter; export writes an RRDIAM NUM exactly when that rule would miss
``diameter_mm``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import highdicom as hd
import numpy as np
from highdicom.sr import ContainerContentItem, RelationshipTypeValues, TextContentItem
from pydicom import Dataset
from pydicom.sr.codedict import codes as pydicom_codes
from pydicom.valuerep import DSfloat

from recist_reader import __version__
from recist_reader.core.organs import find_organ
from recist_reader.core.record import Lesion, Measurement, NewLesion, PatientRecord, Ruler, Visit
from recist_reader.interop.sr import codes
from recist_reader.interop.sr.images import SeriesHeaders, SliceGeometry
from recist_reader.interop.sr.tracking import lesion_tracking_uid, new_lesion_tracking_uid

_HAS_CONCEPT_MOD = RelationshipTypeValues.HAS_CONCEPT_MOD
_CONTAINS = RelationshipTypeValues.CONTAINS


@dataclass
class VisitContext:
    """What every group of one visit's SR needs.

    Attributes
    ----------
    record : PatientRecord
    visit : Visit
    is_baseline : bool
        Whether this is the baseline visit (its Time Point Type).
    series : dict of str to SeriesHeaders
        The headers of every series the visit's rulers and points may lie on, by UID.
    problems : list of str
        Problems found while building (each names the visit, lesion, series and the fix).
    referenced : dict of str to Dataset
        The slices the SCOORDs point at, by SOP Instance UID (the Image Library).
    """

    record: PatientRecord
    visit: Visit
    is_baseline: bool
    series: Mapping[str, SeriesHeaders]
    problems: list[str] = field(default_factory=list)
    referenced: dict[str, Dataset] = field(default_factory=dict)

    @property
    def method(self) -> hd.sr.CodedConcept:
        return codes.CRITERIA_METHODS[self.record.criteria]

    def where(self, subject: str) -> str:
        return f"visit {self.visit.visit_id}: {subject}"


def diameter_from_axes(values: Mapping[str, float], nodal: bool) -> float | None:
    """The RECIST diameter import reads from a group's NUMs without RRDIAM (design.md §8.8):
    the Length value, else the Short Axis value for a node and the Long Axis value otherwise.

    ``values`` maps ``"length"``, ``"long_axis"``, ``"short_axis"`` to the NUM values present.
    """
    if "length" in values:
        return values["length"]
    return values.get("short_axis" if nodal else "long_axis")


def _set_exact_value(num_item: Dataset, value: float) -> None:
    """Add FloatingPointValue (FD) when NumericValue (DS, 16 characters) cannot hold the value
    exactly, so that import gives back the very number the record held."""
    measured = num_item.MeasuredValueSequence[0]
    if float(DSfloat(measured.NumericValue)) != float(value):
        measured.FloatingPointValue = float(value)


_ISO_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(\.\d{1,6})?)?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


def iso_to_dicom_datetime(text: str) -> str | None:
    """An ISO 8601 date-time as a DICOM DT (same precision; ``Z`` written ``+0000``); None when
    ``text`` is not one."""
    match = _ISO_DATETIME.match(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    value = year + month + day + (hour or "") + (minute or "") + (second or "") + (fraction or "")
    if zone:
        value += "+0000" if zone == "Z" else zone.replace(":", "")
    return value


def ruler_length_mm(ruler: Ruler) -> float:
    """The distance between a ruler's end points (mm)."""
    first, second = (np.asarray(p, float) for p in ruler.points_lps_mm)
    return float(np.linalg.norm(second - first))


def _scoord_on_slice(
    context: VisitContext, points: Sequence[Sequence[float]], series_uid: str, what: str
) -> tuple[SliceGeometry, Dataset, np.ndarray] | None:
    """The slice ``points`` lie on and their (column, row) image coordinates; None (with a
    problem noted) when no acquired slice of the series holds them."""
    headers = context.series.get(series_uid)
    if headers is None:
        return None  # reported once per series by the export
    found = headers.slice_holding(points)
    if found is None:
        nearest = headers.nearest_slice_mm(points)
        distance = "" if nearest is None else f" (the nearest slice plane is {nearest:.2f} mm away)"
        context.problems.append(
            context.where(
                f"{what} does not lie on an acquired slice of series {series_uid}{distance}; "
                "every point must be within 0.05 mm of one slice plane: redraw it on a slice "
                "of that series"
            )
        )
        return None
    geometry, dataset = found
    context.referenced[geometry.sop_instance_uid] = dataset
    return geometry, dataset, geometry.to_image(points)[:, :2]


def _ruler_coordinates(
    context: VisitContext, ruler: Ruler, what: str
) -> hd.sr.CoordinatesForMeasurement | None:
    placed = _scoord_on_slice(context, ruler.points_lps_mm, ruler.series_uid, what)
    if placed is None:
        return None
    geometry, _dataset, image = placed
    return hd.sr.CoordinatesForMeasurement(
        graphic_type=hd.sr.GraphicTypeValues.POLYLINE,
        graphic_data=image,
        source_image=hd.sr.SourceImageForRegion(geometry.sop_class_uid, geometry.sop_instance_uid),
    )


def _num(
    name: hd.sr.CodedConcept,
    value: float,
    coordinates: hd.sr.CoordinatesForMeasurement | None,
    context: VisitContext,
) -> hd.sr.Measurement:
    """A measurement NUM in mm, INFERRED FROM its SCOORD when it has one.

    A NUM without SCOORD carries the Measurement Method as its one child item: OHIF's SR
    viewport reads the first child of every NUM of a group and fails on a NUM without any.
    """
    measurement = hd.sr.Measurement(
        name=name,
        value=float(value),
        unit=codes.MILLIMETRE,
        referenced_coordinates=None if coordinates is None else [coordinates],
        method=context.method if coordinates is None else None,
    )
    _set_exact_value(measurement[0], value)
    return measurement


def _time_point(context: VisitContext) -> hd.sr.TimePointContext:
    visit_id = context.visit.visit_id
    return hd.sr.TimePointContext(  # never time_point_order: its NUM would precede the length
        time_point=visit_id,
        time_point_type=(
            codes.BASELINE_TIME_POINT if context.is_baseline else codes.POSTTREATMENT_TIME_POINT
        ),
        subject_time_point_identifier=visit_id,
    )


def _finding_sites(organ_text: str) -> list[hd.sr.FindingSite] | None:
    found = find_organ(organ_text)
    if found is None or found[0].finding_site is None:
        return None
    code, meaning = found[0].finding_site
    return [hd.sr.FindingSite(hd.sr.CodedConcept(code, "SCT", meaning))]


def _method_as_concept_modifier(group: hd.sr.Template) -> None:
    """highdicom writes ``method=`` as CONTAINS; TID 1501 wants HAS CONCEPT MOD (PixelMed)."""
    for item in group[0].ContentSequence:
        if codes.same_code(item.ConceptNameCodeSequence[0], codes.MEASUREMENT_METHOD):
            item.RelationshipType = _HAS_CONCEPT_MOD.value


def _qualitative(
    name: hd.sr.CodedConcept, value: hd.sr.CodedConcept
) -> hd.sr.QualitativeEvaluation:
    return hd.sr.QualitativeEvaluation(name, value)


def _text(name: hd.sr.CodedConcept, value: str) -> TextContentItem:
    return TextContentItem(name=name, value=value, relationship_type=_CONTAINS)


def lesion_group(
    context: VisitContext, lesion: Lesion, measurement: Measurement
) -> hd.sr.MeasurementsAndQualitativeEvaluations | None:
    """The TID 1501 group of one lesion at the visit (design.md §8.5); None after noting a
    problem when a ruler cannot be placed."""
    lesion_id = lesion.lesion_id
    ruler = measurement.get("ruler")
    short_ruler = measurement.get("short_axis_ruler")
    diameter = measurement.get("diameter_mm")
    nums: list[hd.sr.Measurement] = []
    values: dict[str, float] = {}
    first_coordinates = None
    if ruler is not None and short_ruler is not None:
        long_coordinates = _ruler_coordinates(context, ruler, f"lesion {lesion_id} ruler")
        short_coordinates = _ruler_coordinates(
            context, short_ruler, f"lesion {lesion_id} short-axis ruler"
        )
        if long_coordinates is None or short_coordinates is None:
            return None
        long_axis = measurement.get("long_axis_mm")
        short_axis = measurement.get("short_axis_mm")
        values["long_axis"] = ruler_length_mm(ruler) if long_axis is None else long_axis
        values["short_axis"] = ruler_length_mm(short_ruler) if short_axis is None else short_axis
        nums.append(_num(codes.LONG_AXIS, values["long_axis"], long_coordinates, context))
        nums.append(_num(codes.SHORT_AXIS, values["short_axis"], short_coordinates, context))
        identifier = f"{codes.CORNERSTONE_BIDIRECTIONAL}:{lesion_id}"
        first_coordinates = long_coordinates
    elif ruler is not None or short_ruler is not None:
        only = ruler if ruler is not None else short_ruler
        what = f"lesion {lesion_id} {'ruler' if ruler is not None else 'short-axis ruler'}"
        first_coordinates = _ruler_coordinates(context, only, what)
        if first_coordinates is None:
            return None
        if ruler is not None:
            use_diameter = diameter is not None and not lesion.nodal
            values["length"] = diameter if use_diameter else ruler_length_mm(ruler)
            nums.append(_num(codes.LENGTH, values["length"], first_coordinates, context))
        else:
            short_axis = measurement.get("short_axis_mm")
            values["short_axis"] = ruler_length_mm(only) if short_axis is None else short_axis
            nums.append(_num(codes.SHORT_AXIS, values["short_axis"], first_coordinates, context))
        identifier = f"{codes.CORNERSTONE_LENGTH}:{lesion_id}"
    else:
        if diameter is not None:
            values["length"] = diameter
            nums.append(_num(codes.LENGTH, diameter, None, context))
        identifier = lesion_id
    if diameter is not None and diameter_from_axes(values, lesion.nodal) != float(diameter):
        nums.append(_num(codes.RECIST_DIAMETER, diameter, first_coordinates, context))
    observed_at = measurement.get("measured_at")
    if observed_at:
        dicom_datetime = iso_to_dicom_datetime(observed_at)
        if dicom_datetime is None:
            context.problems.append(
                context.where(
                    f"lesion {lesion_id}: measured_at {observed_at!r} is not an ISO date and "
                    "time; write it as YYYY-MM-DDTHH:MM:SS"
                )
            )
            return None
    else:
        dicom_datetime = None

    evaluations = [_qualitative(codes.BASELINE_CATEGORY, codes.BASELINE_CATEGORIES[lesion.kind])]
    status = measurement.get("status")
    if status is not None:
        evaluations.append(_qualitative(codes.LESION_STATUS, codes.STATUS_CODES[status]))
    # When the measurement was taken: on its NUMs, or on its status when it has no NUM.
    if dicom_datetime is not None:
        stamped = [num[0] for num in nums] or ([evaluations[-1][0]] if status is not None else [])
        for item in stamped:
            item.ObservationDateTime = dicom_datetime
    evaluations.append(_qualitative(codes.NODAL, codes.YES if lesion.nodal else codes.NO))
    algorithm = None
    if measurement.get("method") == "semi-automatic":
        algorithm = hd.sr.AlgorithmIdentification(name=codes.ALGORITHM_NAME, version=__version__)
    group = hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(
            uid=lesion_tracking_uid(context.record.patient_id, lesion), identifier=identifier
        ),
        time_point_context=_time_point(context),
        finding_type=codes.LESION,
        method=context.method,
        algorithm_id=algorithm,
        finding_sites=_finding_sites(lesion.organ),
        measurements=nums,
        qualitative_evaluations=evaluations,
    )
    _method_as_concept_modifier(group)
    items = group[0].ContentSequence
    items.append(_text(codes.ORGAN_AS_RECORDED, lesion.organ))
    items.append(_text(codes.COMMENT, lesion_id))
    return group


def new_lesion_group(
    context: VisitContext, position: int, new_lesion: NewLesion
) -> (
    hd.sr.MeasurementsAndQualitativeEvaluations
    | hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations
    | None
):
    """The group of the ``position``-th (1-based) new-lesion listing of the visit (§8.6): TID
    1410 with an Image Region POINT when the reader marked the lesion, else TID 1501."""
    label = f"N{position}"
    evaluations = [
        _qualitative(codes.BASELINE_CATEGORY, codes.NON_LESION_AT_BASELINE),
        _qualitative(codes.NEW_LESION_EQUIVOCAL, codes.YES if new_lesion.equivocal else codes.NO),
    ]
    common = {
        "tracking_identifier": hd.sr.TrackingIdentifier(
            uid=new_lesion_tracking_uid(context.record, context.visit, new_lesion),
            identifier=label,
        ),
        "time_point_context": _time_point(context),
        "finding_type": codes.LESION,
        "method": context.method,
        "finding_sites": _finding_sites(new_lesion.location),
        "qualitative_evaluations": evaluations,
    }
    if new_lesion.point_lps_mm is not None:
        region = _point_region(context, label, new_lesion)
        if region is None:
            return None
        group = hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
            referenced_region=region, **common
        )
    else:
        group = hd.sr.MeasurementsAndQualitativeEvaluations(**common)
    _method_as_concept_modifier(group)
    items = group[0].ContentSequence
    items.append(_text(codes.NEW_LESION_LOCATION, new_lesion.location))
    if new_lesion.first_seen_visit_id is not None:
        items.append(_text(codes.NEW_LESION_FIRST_SEEN, new_lesion.first_seen_visit_id))
    items.append(_text(codes.COMMENT, label))
    return group


def _point_region(
    context: VisitContext, label: str, new_lesion: NewLesion
) -> hd.sr.ImageRegion | None:
    point = [new_lesion.point_lps_mm]
    what = f"new lesion {label} ({new_lesion.location}) point"
    series_uids = (
        [new_lesion.series_uid]
        if new_lesion.series_uid
        else [s.series_uid for s in context.visit.series or ()]
    )
    for series_uid in series_uids:
        headers = context.series.get(series_uid)
        if headers is not None and (headers.slice_holding(point) or len(series_uids) == 1):
            placed = _scoord_on_slice(context, point, series_uid, what)
            if placed is None:
                return None
            geometry, _dataset, image = placed
            return hd.sr.ImageRegion(
                graphic_type=hd.sr.GraphicTypeValues.POINT,
                graphic_data=image,
                source_image=hd.sr.SourceImageForRegion(
                    geometry.sop_class_uid, geometry.sop_instance_uid
                ),
            )
    context.problems.append(
        context.where(
            f"{what} lies on no acquired slice of the visit's series; set its series_uid to the "
            "series it was marked on"
        )
    )
    return None


def _observer(reader: str | None) -> hd.sr.ObservationContext:
    name = reader if reader else codes.UNKNOWN_OBSERVER
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # names without '^' are fine
        attributes = hd.sr.PersonObserverIdentifyingAttributes(name=name)
    return hd.sr.ObservationContext(
        observer_person_context=hd.sr.ObserverContext(
            observer_type=pydicom_codes.DCM.Person,
            observer_identifying_attributes=attributes,
        )
    )


def measurement_report(
    groups: Sequence[hd.sr.Template],
    *,
    reader: str | None,
    procedure: hd.sr.CodedConcept,
    referenced_images: Sequence[Dataset],
) -> hd.sr.MeasurementReport:
    """The TID 1500 root: language, person observer, procedure, Image Library (always present:
    OHIF's SR viewport fails without it) and the Imaging Measurements."""
    report = hd.sr.MeasurementReport(
        observation_context=_observer(reader),
        procedure_reported=procedure,
        imaging_measurements=groups,
        title=codes.IMAGING_MEASUREMENT_REPORT,
        language_of_content_item_and_descendants=hd.sr.LanguageOfContentItemAndDescendants(
            hd.sr.CodedConcept("en-US", "RFC5646", "English (United States)")
        ),
        referenced_images=list(referenced_images) or None,
    )
    if not referenced_images:
        root_items = report[0].ContentSequence
        library = ContainerContentItem(name=codes.IMAGE_LIBRARY, relationship_type=_CONTAINS)
        root_items.insert(len(root_items) - 1, library)  # before the Imaging Measurements
    return report
