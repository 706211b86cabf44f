"""``import_sr``: TID 1500 SR documents back into a patient record (design.md §8.8).

Reads what :mod:`~recist_reader.interop.sr.tid1500` writes, and the measurement reports of
other tools: groups with a Baseline Category become lesions and new lesions; rulers of other
groups (OHIF's own Length and Bidirectional measurements) are returned as *foreign rulers*
for the reader to attach to lesions, never put into the record.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from highdicom.sr import CodedConcept
from pydicom import Dataset, dcmread
from pydicom.errors import InvalidDicomError

from recist_reader.interop.sr import codes
from recist_reader.interop.sr.errors import SRImportError
from recist_reader.interop.sr.images import SliceGeometry
from recist_reader.interop.sr.tid1500 import diameter_from_axes

__all__ = ["ForeignRuler", "SRImport", "import_sr", "read_sr", "visit_of_series"]

# Concepts compared by (value, scheme); the older SRT codes of the same concepts count too.
_LENGTH = {("410668003", "SCT"), ("G-D7FE", "SRT")}
_LONG_AXIS = {("103339001", "SCT"), ("G-A185", "SRT")}
_SHORT_AXIS = {("103340004", "SCT"), ("G-A186", "SRT")}
_FINDING_SITE = {("363698007", "SCT"), ("G-C0E3", "SRT")}
_GEOMETRY = {
    "111026": "horizontal_spacing",
    "111066": "vertical_spacing",
    "110901": "x",
    "110902": "y",
    "110903": "z",
    "110904": "row_x",
    "110905": "row_y",
    "110906": "row_z",
    "110907": "column_x",
    "110908": "column_y",
    "110909": "column_z",
}
_STATUS_BY_CODE = {(c.value, c.scheme_designator): s for s, c in codes.STATUS_CODES.items()}
_KIND_BY_CODE = {(c.value, c.scheme_designator): k for k, c in codes.BASELINE_CATEGORIES.items()}
_CRITERIA_BY_CODE = {(c.value, c.scheme_designator): k for k, c in codes.CRITERIA_METHODS.items()}


@dataclass(frozen=True)
class ForeignRuler:
    """A ruler of another tool's measurement group (e.g. OHIF's own Length), not a lesion.

    Attributes
    ----------
    source : str
        The SR file (or ``"dataset <n>"``) it came from.
    label : str
        What the other tool called it: its Comment, else its Finding, else its Tracking
        Identifier.
    length_mm : float or None
        The NUM value, when in mm.
    sop_instance_uid : str
        The image its SCOORD lies on.
    series_uid : str or None
        That image's series (from the SR's evidence).
    points_lps_mm : list or None
        The two end points in LPS mm; None when the SR does not give the image's geometry.
    """

    source: str
    label: str
    length_mm: float | None
    sop_instance_uid: str
    series_uid: str | None
    points_lps_mm: list[list[float]] | None

    def ruler_json(self) -> dict[str, Any] | None:
        """The record's ``ruler`` object for this ruler (design.md §1); None without geometry."""
        if self.points_lps_mm is None or self.series_uid is None:
            return None
        return {
            "series_uid": self.series_uid,
            "points_lps_mm": [list(p) for p in self.points_lps_mm],
        }

    def describe(self) -> str:
        """One line for the command line."""
        length = "" if self.length_mm is None else f" {self.length_mm:.1f} mm"
        where = f"series {self.series_uid}" if self.series_uid else f"image {self.sop_instance_uid}"
        placed = "" if self.points_lps_mm is not None else " (no image geometry in the SR)"
        return f"{self.source}: ruler {self.label!r}{length} on {where}{placed}"


@dataclass
class SRImport:
    """What SR documents hold: the record, the rulers that belong to no lesion, and notes."""

    record: dict[str, Any]
    foreign_rulers: list[ForeignRuler] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def import_sr(
    datasets_or_paths: Dataset | str | os.PathLike[str] | Iterable[Any],
) -> dict[str, Any]:
    """Read SR documents (TID 1500) back into a patient record (design.md §8.8).

    Parameters
    ----------
    datasets_or_paths : Dataset, path, or iterable of them
        SR datasets, SR files, or folders searched recursively for SR files.

    Returns
    -------
    dict
        A patient record (design.md §1) with what the SRs carry.

    Raises
    ------
    SRImportError
        No SR found, a file that is not a TID 1500 measurement report, SRs of several patients.
    """
    return read_sr(datasets_or_paths).record


def read_sr(datasets_or_paths: Dataset | str | os.PathLike[str] | Iterable[Any]) -> SRImport:
    """Like :func:`import_sr`, also returning other tools' rulers and notes on what was skipped."""
    images = _ImageIndex()
    documents = []
    seen: set[str] = set()
    for source, dataset in _documents(datasets_or_paths, images):
        uid = str(dataset.get("SOPInstanceUID", ""))
        if uid not in seen:  # the same SR given twice (a file and its folder) counts once
            seen.add(uid)
            documents.append((source, dataset))
    if not documents:
        raise SRImportError(f"{_describe_input(datasets_or_paths)}: no DICOM SR document found")
    superseded = {
        str(reference.ReferencedSOPInstanceUID)
        for _, dataset in documents
        for study in dataset.get("PredecessorDocumentsSequence", [])
        for series in study.get("ReferencedSeriesSequence", [])
        for reference in series.get("ReferencedSOPSequence", [])
    }
    skipped = [source for source, ds in documents if str(ds.SOPInstanceUID) in superseded]
    documents = [
        (source, ds) for source, ds in documents if str(ds.SOPInstanceUID) not in superseded
    ]
    patients = sorted({str(ds.get("PatientID", "")) for _, ds in documents})
    if len(patients) > 1:
        raise SRImportError(
            f"the SRs belong to {len(patients)} patients (PatientID {', '.join(map(repr, patients))}); "
            "import one patient's SRs at a time"
        )
    builder = _RecordBuilder(patients[0], images)
    builder.notes.extend(images.skipped)
    builder.notes.extend(
        f"{source}: replaced by a later SR of the same visit; skipped" for source in skipped
    )
    for source, dataset in documents:
        builder.add(source, dataset)
    return builder.result()


def visit_of_series(record: dict[str, Any], series_uid: str) -> str | None:
    """The visit of ``record`` that lists the series ``series_uid`` (or has a ruler on it)."""
    for visit in record["visits"]:
        if any(s.get("series_uid") == series_uid for s in visit.get("series") or ()):
            return visit["visit_id"]
    for visit in record["visits"]:
        for measurement in visit["measurements"]:
            for key in ("ruler", "short_axis_ruler"):
                if (measurement.get(key) or {}).get("series_uid") == series_uid:
                    return visit["visit_id"]
    return None


def _describe_input(value: Any) -> str:
    if isinstance(value, (str, os.PathLike)):
        return os.fspath(value)
    return "the input"


# --- reading the inputs ---------------------------------------------------------------------


class _ImageIndex:
    """The image files found beside the SRs in the folders given: the geometry of an image an
    SR's Image Library does not describe (OHIF's own SRs list images without descriptors).
    Their headers are read only when such an image is asked for."""

    def __init__(self) -> None:
        self.paths: list[Path] = []
        self.skipped: list[str] = []
        self._geometry: dict[str, SliceGeometry] | None = None

    def geometry(self, sop_instance_uid: str) -> SliceGeometry | None:
        if self._geometry is None:
            self._geometry = {}
            for path in self.paths:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        header = dcmread(path, stop_before_pixels=True)
                except Exception:  # noqa: BLE001 - a folder may hold anything
                    continue
                found = SliceGeometry.from_dataset(header)
                if found is not None:
                    self._geometry[found.sop_instance_uid] = found
        return self._geometry.get(sop_instance_uid)


def _documents(value: Any, images: _ImageIndex) -> Iterator[tuple[str, Dataset]]:
    if isinstance(value, (Dataset, str, os.PathLike)):
        value = [value]
    for number, item in enumerate(value, start=1):
        if isinstance(item, Dataset):
            _check_sr(f"dataset {number}", item)
            yield f"dataset {number}", item
        elif os.path.isdir(item):
            for path in sorted(Path(item).rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    dataset = _read_if_sr(path)
                    if dataset is None:
                        images.paths.append(path)
                        continue
                    try:
                        _check_sr(str(path), dataset)
                    except SRImportError as error:
                        images.skipped.append(f"{error}; skipped")
                        continue
                    yield str(path), dataset
        else:
            path = os.fspath(item)
            try:
                dataset = dcmread(path)
            except FileNotFoundError:
                raise SRImportError(f"{path}: no such file or folder") from None
            except (InvalidDicomError, OSError, ValueError) as error:
                raise SRImportError(f"{path}: not a DICOM file ({error})") from None
            _check_sr(path, dataset)
            yield path, dataset


def _read_if_sr(path: Path) -> Dataset | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            header = dcmread(path, stop_before_pixels=True, specific_tags=["SOPClassUID"])
    except Exception:  # noqa: BLE001 - a folder may hold anything
        return None
    if str(header.get("SOPClassUID", "")) not in codes.READABLE_SR_SOP_CLASSES:
        return None
    return dcmread(path)


def _check_sr(source: str, dataset: Dataset) -> None:
    sop_class = str(dataset.get("SOPClassUID", ""))
    if sop_class not in codes.READABLE_SR_SOP_CLASSES:
        raise SRImportError(
            f"{source}: not an Enhanced, Comprehensive or Comprehensive 3D SR "
            f"(SOP Class UID {sop_class or 'missing'})"
        )
    title = dataset.get("ConceptNameCodeSequence")
    if not title or not codes.same_code(title[0], codes.IMAGING_MEASUREMENT_REPORT):
        meaning = title[0].get("CodeMeaning", "") if title else "none"
        raise SRImportError(
            f"{source}: the SR is not an Imaging Measurement Report (TID 1500) but {meaning!r}"
        )


# --- content items --------------------------------------------------------------------------


def _code(item: Dataset, keyword: str = "ConceptNameCodeSequence") -> tuple[str, str]:
    sequence = item.get(keyword)
    if not sequence:
        return ("", "")
    code = sequence[0]
    return str(code.get("CodeValue", "")), str(code.get("CodingSchemeDesignator", ""))


def _is(item: Dataset, concept: CodedConcept) -> bool:
    sequence = item.get("ConceptNameCodeSequence")
    return bool(sequence) and codes.same_code(sequence[0], concept)


def _children(item: Dataset) -> list[Dataset]:
    return list(item.get("ContentSequence", []))


def _num_value(item: Dataset) -> float | None:
    measured = item.get("MeasuredValueSequence")
    if not measured:
        return None
    value = measured[0]
    if "FloatingPointValue" in value:
        return float(value.FloatingPointValue)
    return float(value.NumericValue)


def _num_unit(item: Dataset) -> str:
    measured = item.get("MeasuredValueSequence")
    if not measured or not measured[0].get("MeasurementUnitsCodeSequence"):
        return ""
    return str(measured[0].MeasurementUnitsCodeSequence[0].get("CodeValue", ""))


@dataclass
class _Scoord:
    graphic_type: str
    image_points: list[list[float]]
    sop_instance_uid: str


def _scoord(item: Dataset) -> _Scoord | None:
    if item.get("ValueType") != "SCOORD":
        return None
    data = [float(v) for v in item.get("GraphicData", [])]
    references = [
        ref for child in _children(item) for ref in child.get("ReferencedSOPSequence", [])
    ]
    if not references:
        return None
    points = [data[i : i + 2] for i in range(0, len(data) - 1, 2)]
    return _Scoord(
        str(item.get("GraphicType", "")), points, str(references[0].ReferencedSOPInstanceUID)
    )


@dataclass
class _Num:
    kind: str  # length, long_axis, short_axis, recist_diameter, other
    value: float | None
    unit: str
    scoord: _Scoord | None
    observed_at: str | None
    label: str


def _num(item: Dataset) -> _Num:
    code = _code(item)
    if code in _LENGTH:
        kind = "length"
    elif code in _LONG_AXIS:
        kind = "long_axis"
    elif code in _SHORT_AXIS:
        kind = "short_axis"
    elif _is(item, codes.RECIST_DIAMETER):
        kind = "recist_diameter"
    else:
        kind = "other"
    scoord = next((s for s in map(_scoord, _children(item)) if s is not None), None)
    observed = item.get("ObservationDateTime")
    label = (
        str(item.ConceptNameCodeSequence[0].get("CodeMeaning", ""))
        if item.get("ConceptNameCodeSequence")
        else ""
    )
    return _Num(
        kind, _num_value(item), _num_unit(item), scoord, str(observed) if observed else None, label
    )


@dataclass
class _Group:
    """The items of one measurement group that the mapping reads."""

    tracking_identifier: str = ""
    tracking_uid: str = ""
    visit_id: str | None = None
    time_point: str | None = None
    is_baseline: bool = False
    method: tuple[str, str] | None = None
    baseline_category: tuple[str, str] | None = None
    status: str | None = None
    status_observed_at: str | None = None
    nodal: bool | None = None
    organ: str | None = None
    comment: str | None = None
    finding: str | None = None
    finding_site: str | None = None
    semi_automatic: bool = False
    location: str | None = None
    equivocal: bool | None = None
    first_seen: str | None = None
    nums: list[_Num] = field(default_factory=list)
    region: _Scoord | None = None

    @property
    def label(self) -> str:
        return self.comment or self.finding or self.tracking_identifier

    @property
    def lesion_id(self) -> str:
        return self.comment or self.tracking_identifier.rsplit(":", 1)[-1]


def _group(container: Dataset) -> _Group:
    group = _Group()
    for item in _children(container):
        code = _code(item)
        value_type = item.get("ValueType")
        text = str(item.get("TextValue", "")) if value_type == "TEXT" else None
        concept = _code(item, "ConceptCodeSequence") if value_type == "CODE" else None
        if _is(item, codes.TRACKING_IDENTIFIER):
            group.tracking_identifier = text or ""
        elif _is(item, codes.TRACKING_UID):
            group.tracking_uid = str(item.get("UID", ""))
        elif _is(item, codes.SUBJECT_TIME_POINT_IDENTIFIER):
            group.visit_id = text
        elif _is(item, codes.TIME_POINT):
            group.time_point = text
        elif _is(item, codes.TIME_POINT_TYPE):
            group.is_baseline = concept == ("C1442488", "UMLS")
        elif _is(item, codes.MEASUREMENT_METHOD):
            group.method = concept
        elif _is(item, codes.BASELINE_CATEGORY):
            group.baseline_category = concept
        elif _is(item, codes.LESION_STATUS):
            group.status = _STATUS_BY_CODE.get(concept or ("", ""))
            if item.get("ObservationDateTime"):
                group.status_observed_at = str(item.ObservationDateTime)
        elif _is(item, codes.NODAL):
            group.nodal = concept == (codes.YES.value, codes.YES.scheme_designator)
        elif _is(item, codes.ORGAN_AS_RECORDED):
            group.organ = text
        elif _is(item, codes.COMMENT):
            group.comment = text
        elif _is(item, codes.FINDING):
            group.finding = (
                str(item.ConceptCodeSequence[0].get("CodeMeaning", "")) if concept else None
            )
        elif code in _FINDING_SITE and value_type == "CODE":
            group.finding_site = str(item.ConceptCodeSequence[0].get("CodeMeaning", ""))
        elif code == ("111001", "DCM"):
            group.semi_automatic = text == codes.ALGORITHM_NAME
        elif _is(item, codes.NEW_LESION_LOCATION):
            group.location = text
        elif _is(item, codes.NEW_LESION_EQUIVOCAL):
            group.equivocal = concept == (codes.YES.value, codes.YES.scheme_designator)
        elif _is(item, codes.NEW_LESION_FIRST_SEEN):
            group.first_seen = text
        elif value_type == "NUM":
            group.nums.append(_num(item))
        elif value_type == "SCOORD" and group.region is None:
            group.region = _scoord(item)
    return group


# --- the document ---------------------------------------------------------------------------


def _library_geometry(root_items: Sequence[Dataset]) -> dict[str, SliceGeometry]:
    """Each Image Library image's geometry from its TID 1602 descriptors (values given on an
    Image Library Group are shared by the group's images)."""
    found: dict[str, SliceGeometry] = {}
    library = next((i for i in root_items if _is(i, codes.IMAGE_LIBRARY)), None)

    def walk(items: Sequence[Dataset], inherited: dict[str, float]) -> None:
        values = _geometry_values(items, inherited)
        for item in items:
            if item.get("ValueType") == "IMAGE":
                geometry = _geometry(item, _geometry_values(_children(item), values))
                if geometry is not None:
                    found[geometry.sop_instance_uid] = geometry
            elif item.get("ValueType") == "CONTAINER":
                walk(_children(item), values)

    if library is not None:
        walk(_children(library), {})
    return found


def _geometry_values(items: Sequence[Dataset], inherited: dict[str, float]) -> dict[str, float]:
    values = dict(inherited)
    for item in items:
        key = _GEOMETRY.get(_code(item)[0]) if item.get("ValueType") == "NUM" else None
        number = _num_value(item) if key else None
        if key and number is not None:
            values[key] = number
    return values


def _geometry(image_item: Dataset, values: dict[str, float]) -> SliceGeometry | None:
    if not set(_GEOMETRY.values()) <= values.keys():
        return None
    reference = image_item.ReferencedSOPSequence[0]
    return SliceGeometry(
        str(reference.ReferencedSOPClassUID),
        str(reference.ReferencedSOPInstanceUID),
        (values["x"], values["y"], values["z"]),
        tuple(values[k] for k in ("row_x", "row_y", "row_z", "column_x", "column_y", "column_z")),  # type: ignore[arg-type]
        (values["vertical_spacing"], values["horizontal_spacing"]),
    )


def _evidence(dataset: Dataset) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The series the SR's evidence lists (``{"series_uid", "study_uid"}``, in order) and the
    series of each evidence instance."""
    series: list[dict[str, str]] = []
    series_of: dict[str, str] = {}
    for keyword in ("CurrentRequestedProcedureEvidenceSequence", "PertinentOtherEvidenceSequence"):
        for study in dataset.get(keyword, []):
            for item in study.get("ReferencedSeriesSequence", []):
                entry = {
                    "series_uid": str(item.SeriesInstanceUID),
                    "study_uid": str(study.StudyInstanceUID),
                }
                if keyword.startswith("Current") and entry not in series:
                    series.append(entry)
                for reference in item.get("ReferencedSOPSequence", []):
                    series_of[str(reference.ReferencedSOPInstanceUID)] = entry["series_uid"]
    return series, series_of


def _observer(root_items: Sequence[Dataset]) -> str | None:
    for item in root_items:
        if _is(item, codes.PERSON_OBSERVER_NAME):
            name = str(item.get("PersonName", "")).strip()
            return None if not name or name == codes.UNKNOWN_OBSERVER else name
    return None


def _iso_date(value: str) -> str | None:
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}" if re.fullmatch(r"\d{8}", value) else None


def _iso_datetime(value: str) -> str | None:
    """A DICOM DT as ISO 8601 at the same precision (the inverse of the export's conversion)."""
    match = re.fullmatch(r"(\d{8})(\d{2})?(\d{2})?(\d{2})?(\.\d{1,6})?([+-]\d{4})?", value.strip())
    if match is None:
        return None
    day, hour, minute, second, fraction, zone = match.groups()
    text = _iso_date(day) or ""
    if hour:
        text += f"T{hour}" + "".join(f":{part}" for part in (minute, second) if part)
        text += fraction or ""
    if zone:
        text += f"{zone[:3]}:{zone[3:]}"
    return text


class _RecordBuilder:
    """Gathers the groups of every document into one record."""

    def __init__(self, patient_id: str, images: _ImageIndex):
        self.patient_id = patient_id
        self.images = images
        self.criteria: list[str] = []
        self.lesions: dict[str, dict[str, Any]] = {}
        self.visits: dict[str, dict[str, Any]] = {}
        self.baseline_visits: set[str] = set()
        self.foreign: list[ForeignRuler] = []
        self.notes: list[str] = []

    def add(self, source: str, dataset: Dataset) -> None:
        root_items = _children(dataset)
        geometry = _library_geometry(root_items)
        series, series_of = _evidence(dataset)
        reader = _observer(root_items)
        date = _iso_date(str(dataset.get("StudyDate", "")))
        measurements = next((i for i in root_items if _is(i, codes.IMAGING_MEASUREMENTS)), None)
        groups = [
            _group(item)
            for item in (_children(measurements) if measurements is not None else [])
            if _is(item, codes.MEASUREMENT_GROUP)
        ]
        document_visit = (
            next((g.visit_id or g.time_point for g in groups if g.visit_id or g.time_point), None)
            or date
            or source
        )
        self._visit(document_visit, date, series, source)
        for group in groups:
            visit_id = group.visit_id or group.time_point or document_visit
            if group.baseline_category is None:
                self._foreign(source, group, geometry, series_of)
                continue
            visit = self._visit(visit_id, date, series, source)
            if group.is_baseline:
                self.baseline_visits.add(visit_id)
            if group.method in _CRITERIA_BY_CODE:
                self.criteria.append(_CRITERIA_BY_CODE[group.method])
            kind = _KIND_BY_CODE.get(group.baseline_category)
            if kind is not None:
                self._lesion(group, kind)
                measurement = self._measurement(source, group, reader, geometry, series_of)
                visit["measurements"].append(measurement)
            elif group.baseline_category == (
                codes.NON_LESION_AT_BASELINE.value,
                codes.NON_LESION_AT_BASELINE.scheme_designator,
            ):
                visit["new_lesions"].append(self._new_lesion(source, group, geometry, series_of))
            else:
                self.notes.append(
                    f"{source}: group {group.label!r} has a Baseline Category this record has no "
                    "place for; skipped"
                )

    def _visit(
        self, visit_id: str, date: str | None, series: list[dict[str, str]], source: str
    ) -> dict[str, Any]:
        visit = self.visits.get(visit_id)
        if visit is None:
            if date is None:
                raise SRImportError(
                    f"{source}: the SR has no StudyDate; the visit date comes from it"
                )
            visit = self.visits[visit_id] = {
                "visit_id": visit_id,
                "date": date,
                "measurements": [],
                "new_lesions": [],
                "series": [],
            }
        elif date is not None and date != visit["date"]:
            self.notes.append(
                f"{source}: visit {visit_id} is dated {date} here but {visit['date']} in another SR; "
                f"kept {visit['date']}"
            )
        for entry in series:
            if entry not in visit["series"]:
                visit["series"].append(entry)
        return visit

    def _lesion(self, group: _Group, kind: str) -> None:
        lesion_id = group.lesion_id
        if lesion_id in self.lesions:
            return
        organ = group.organ or group.finding_site or "unspecified"
        lesion: dict[str, Any] = {"lesion_id": lesion_id, "kind": kind, "organ": organ}
        lesion["nodal"] = bool(group.nodal)
        if group.tracking_uid:
            lesion["tracking_uid"] = group.tracking_uid
        self.lesions[lesion_id] = lesion

    def _points(
        self, scoord: _Scoord, geometry: dict[str, SliceGeometry]
    ) -> list[list[float]] | None:
        slice_geometry = geometry.get(scoord.sop_instance_uid) or self.images.geometry(
            scoord.sop_instance_uid
        )
        if slice_geometry is None:
            return None
        return [[float(v) for v in p] for p in slice_geometry.to_lps(scoord.image_points)]

    def _ruler(
        self,
        source: str,
        group: _Group,
        num: _Num,
        geometry: dict[str, SliceGeometry],
        series_of: dict[str, str],
    ) -> dict[str, Any] | None:
        scoord = num.scoord
        if scoord is None:
            return None
        points = self._points(scoord, geometry)
        series_uid = series_of.get(scoord.sop_instance_uid)
        if points is None or series_uid is None:
            self.notes.append(
                f"{source}: lesion {group.lesion_id} {num.label} ruler: image "
                f"{scoord.sop_instance_uid} has no geometry in the SR's Image Library or is not "
                "in its evidence; the ruler was left out"
            )
            return None
        return {"series_uid": series_uid, "points_lps_mm": points}

    def _measurement(
        self,
        source: str,
        group: _Group,
        reader: str | None,
        geometry: dict[str, SliceGeometry],
        series_of: dict[str, str],
    ) -> dict[str, Any]:
        by_kind: dict[str, _Num] = {}
        for num in group.nums:
            by_kind.setdefault(num.kind, num)
        values = {k: n.value for k, n in by_kind.items() if n.value is not None}
        nodal = bool(group.nodal)
        measurement: dict[str, Any] = {"lesion_id": group.lesion_id}
        if "recist_diameter" in values:
            measurement["diameter_mm"] = values["recist_diameter"]
        elif group.status is None:
            diameter = diameter_from_axes(values, nodal)
            if diameter is not None:
                measurement["diameter_mm"] = diameter
        if group.status is not None:
            measurement["status"] = group.status
        long_num = by_kind.get("length") or by_kind.get("long_axis")
        if long_num is not None:
            ruler = self._ruler(source, group, long_num, geometry, series_of)
            if ruler is not None:
                measurement["ruler"] = ruler
        short_num = by_kind.get("short_axis")
        if short_num is not None:
            ruler = self._ruler(source, group, short_num, geometry, series_of)
            if ruler is not None:
                measurement["short_axis_ruler"] = ruler
        if "long_axis" in values:
            measurement["long_axis_mm"] = values["long_axis"]
        if "short_axis" in values:
            measurement["short_axis_mm"] = values["short_axis"]
        if reader:
            measurement["reader"] = reader
        first = next((n for n in group.nums if n.kind != "recist_diameter"), None) or (
            group.nums[0] if group.nums else None
        )
        observed_at = first.observed_at if first is not None else group.status_observed_at
        observed = _iso_datetime(observed_at) if observed_at else None
        if observed:
            measurement["measured_at"] = observed
        if group.semi_automatic:
            measurement["method"] = "semi-automatic"
        elif any(n.scoord is not None for n in group.nums):
            measurement["method"] = "manual"
        return measurement

    def _new_lesion(
        self,
        source: str,
        group: _Group,
        geometry: dict[str, SliceGeometry],
        series_of: dict[str, str],
    ) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "location": group.location or group.finding_site or group.label,
            "equivocal": bool(group.equivocal),
        }
        if group.first_seen:
            entry["first_seen_visit_id"] = group.first_seen
        region = group.region
        if region is not None and region.image_points:
            points = self._points(region, geometry)
            series_uid = series_of.get(region.sop_instance_uid)
            if points is not None and series_uid is not None:
                entry["point_lps_mm"] = points[0]
                entry["series_uid"] = series_uid
            else:
                self.notes.append(
                    f"{source}: new lesion {group.label!r}: its point's image has no geometry in "
                    "the SR; the point was left out"
                )
        return entry

    def _foreign(
        self,
        source: str,
        group: _Group,
        geometry: dict[str, SliceGeometry],
        series_of: dict[str, str],
    ) -> None:
        scoords = [(n, n.scoord) for n in group.nums if n.scoord is not None]
        if not scoords and group.region is not None:
            scoords = [(None, group.region)]
        rulers = [
            (n, s) for n, s in scoords if s.graphic_type == "POLYLINE" and len(s.image_points) == 2
        ]
        if not rulers:
            self.notes.append(
                f"{source}: measurement {group.label!r} is no ruler of a lesion; skipped"
            )
            return
        for num, scoord in rulers:
            length = num.value if num is not None and num.unit == "mm" else None
            label = group.label if len(rulers) == 1 or num is None else f"{group.label} {num.label}"
            self.foreign.append(
                ForeignRuler(
                    source=source,
                    label=label,
                    length_mm=length,
                    sop_instance_uid=scoord.sop_instance_uid,
                    series_uid=series_of.get(scoord.sop_instance_uid),
                    points_lps_mm=self._points(scoord, geometry),
                )
            )

    def result(self) -> SRImport:
        visits = sorted(self.visits.values(), key=lambda v: v["date"])
        baseline = next(
            (v for v in visits if v["visit_id"] in self.baseline_visits),
            visits[0] if visits else None,
        )
        criteria = sorted(set(self.criteria), key=self.criteria.index)
        if len(criteria) > 1:
            self.notes.append(
                f"the SRs name several criteria ({', '.join(criteria)}); kept {criteria[0]}"
            )
        ordered_lesions = []
        for visit in visits:
            for measurement in visit["measurements"]:
                lesion = self.lesions.get(measurement["lesion_id"])
                if lesion is not None and lesion not in ordered_lesions:
                    ordered_lesions.append(lesion)
            if not visit["series"]:
                del visit["series"]
        record: dict[str, Any] = {
            "schema_version": 1,
            "patient_id": self.patient_id,
            "criteria": criteria[0] if criteria else "RECIST1.1",
            "baseline_date": baseline["date"] if baseline else None,
            "lesions": ordered_lesions,
            "visits": visits,
        }
        return SRImport(record, self.foreign, self.notes)
