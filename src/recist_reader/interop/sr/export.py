"""``export_sr``: a patient record as DICOM Comprehensive SR documents, one per visit and
reader, each in its visit's study (design.md §8.2–§8.3).

The SR documents are written with highdicom, whose TID 1500 templates, evidence collection
and Image Library entries are the reference implementation of the standard (the content
mapping itself is :mod:`recist_reader.interop.sr.tid1500`).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import highdicom as hd
from pydicom import Dataset, dcmread
from pydicom.uid import UID

from recist_reader import __version__
from recist_reader.core.record import Measurement, PatientRecord, Visit
from recist_reader.interop.sr import codes
from recist_reader.interop.sr.errors import SRExportError
from recist_reader.interop.sr.images import SeriesHeaders, is_dicomweb_url, read_series_headers
from recist_reader.interop.sr.tid1500 import (
    VisitContext,
    lesion_group,
    measurement_report,
    new_lesion_group,
)

#: SeriesNumber of a visit's SR series: this plus the visit's position in date order (§8.3).
SERIES_NUMBER_BASE = 900
SR_SUFFIX = ".SR.dcm"

__all__ = [
    "SRDocument",
    "SRExportWarning",
    "export_sr",
    "export_sr_documents",
    "export_sr_files",
    "write_sr_documents",
]

#: Where the visits' images are: a folder (or file, DICOMDIR), several, or a DICOMweb URL.
SeriesSource = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]]


class SRExportWarning(UserWarning):
    """Something the export wrote as the images say rather than as the record says (a visit
    date that is not its study's StudyDate, a patient id that is not the images' PatientID)."""


@dataclass(frozen=True)
class SRDocument:
    """One exported SR and where it goes.

    Attributes
    ----------
    dataset : pydicom.Dataset
        The Comprehensive SR document.
    visit_id : str
        The visit it reports.
    reader : str or None
        The reader whose measurements it holds (None: measurements without a reader).
    file_name : str
        ``<patient_id>_<visit_id>.SR.dcm``, or ``<patient_id>_<visit_id>_<n>.SR.dcm`` when the
        visit has one SR per reader.
    """

    dataset: Dataset
    visit_id: str
    reader: str | None
    file_name: str


def export_sr(
    record: Mapping[str, Any] | PatientRecord | str | os.PathLike[str],
    series_folder: SeriesSource,
    *,
    previous: str | os.PathLike[str] | Iterable[Dataset] | None = None,
) -> list[Dataset]:
    """Write a record's read as DICOM SR: one Comprehensive SR (TID 1500) per visit and reader.

    Parameters
    ----------
    record : dict, PatientRecord or path
        The patient record (design.md §1), or the path of its JSON file.
    series_folder : path, sequence of paths, or URL
        Where the visits' images are: folders searched recursively (or files, DICOMDIRs), or a
        DICOMweb base URL; only their headers are read.
    previous : path or iterable of Dataset, optional
        Earlier SRs of this record (a folder, or the datasets): a new SR for the same visit and
        reader references its predecessor (PredecessorDocumentsSequence).

    Returns
    -------
    list of pydicom.Dataset
        The SR documents, visits in date order.

    Raises
    ------
    recist_reader.errors.RecordError
        The record is invalid.
    SRExportError
        With one line per problem: a ruler or point off every acquired slice, a series not
        found, a visit whose series span several studies.
    """
    return [
        document.dataset
        for document in export_sr_documents(record, series_folder, previous=previous)
    ]


def export_sr_documents(
    record: Mapping[str, Any] | PatientRecord | str | os.PathLike[str],
    series_folder: SeriesSource,
    *,
    previous: str | os.PathLike[str] | Iterable[Dataset] | None = None,
) -> list[SRDocument]:
    """Like :func:`export_sr`, with each document's visit, reader and file name."""
    parsed = _parsed(record)
    visits = sorted(parsed.visits, key=lambda v: v.date)
    reported = [v for v in visits if v.measurements or v.new_lesions]
    wanted = {v.visit_id: _series_uids(v) for v in reported}
    problems = [
        f"visit {visit_id}: no series is recorded for it (no visit series, no ruler): add the "
        "series it was read on to the visit's series"
        for visit_id, uids in wanted.items()
        if not uids
    ]
    headers = _series_headers(
        series_folder, {u for uids in wanted.values() for u in uids}, problems
    )
    for visit_id, uids in wanted.items():
        for uid in uids:
            if uid not in headers and not _named_in(problems, uid):
                problems.append(
                    f"visit {visit_id}: series {uid} not found under {_describe(series_folder)}; "
                    "point --series-folder at the folder that holds the visit's images"
                )
        studies = sorted({headers[u].study_uid for u in uids if u in headers})
        if len(studies) > 1:
            problems.append(
                f"visit {visit_id}: its series belong to {len(studies)} studies "
                f"({', '.join(studies)}); an SR lives in one study: record only the series of "
                "the visit's study"
            )
    if problems:
        raise SRExportError(problems)

    predecessors = _previous_documents(previous)
    documents: list[SRDocument] = []
    position = {v.visit_id: n for n, v in enumerate(visits, start=1)}
    for visit in reported:
        series = {u: headers[u] for u in wanted[visit.visit_id]}
        documents.extend(
            _visit_documents(
                parsed, visit, position[visit.visit_id], series, predecessors, problems
            )
        )
    if problems:
        raise SRExportError(problems)
    return documents


def export_sr_files(
    record: Mapping[str, Any] | PatientRecord | str | os.PathLike[str],
    series_folder: SeriesSource,
    out: str | os.PathLike[str],
) -> list[Path]:
    """Export a record's SRs into the folder ``out`` (each referencing the SR it replaces
    there) and return the files written; raises as :func:`export_sr`, before writing."""
    return write_sr_documents(export_sr_documents(record, series_folder, previous=out), out)


def _describe(source: SeriesSource) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return ", ".join(os.fspath(s) for s in source)


def _named_in(problems: Sequence[str], text: str) -> bool:
    """Whether a problem already names ``text`` (one line per missing series, not per visit)."""
    return any(text in problem for problem in problems)


def write_sr_documents(documents: Sequence[SRDocument], out: str | os.PathLike[str]) -> list[Path]:
    """Write each document to ``out`` (created when missing) under its file name.

    Returns
    -------
    list of Path
        The files written, in the documents' order.
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for document in documents:
        path = folder / document.file_name
        staging = path.with_name(f".{path.name}.partial")
        document.dataset.save_as(staging, enforce_file_format=True)
        os.replace(staging, path)
        written.append(path)
    return written


def _parsed(record: Mapping[str, Any] | PatientRecord | str | os.PathLike[str]) -> PatientRecord:
    if isinstance(record, PatientRecord):
        return record
    if isinstance(record, Mapping):
        from recist_reader.core.validation import parse_record

        return parse_record(record)
    from recist_reader.io.record_json import read_record

    return read_record(record)


def _series_uids(visit: Visit) -> list[str]:
    """The visit's series, then any other series its rulers and points lie on, in order."""
    uids = [s.series_uid for s in visit.series or ()]
    for measurement in visit.measurements:
        for key in ("ruler", "short_axis_ruler"):
            ruler = measurement.get(key)
            if ruler is not None:
                uids.append(ruler.series_uid)
    for new_lesion in visit.new_lesions:
        if new_lesion.point_lps_mm is not None and new_lesion.series_uid:
            uids.append(new_lesion.series_uid)
    return list(dict.fromkeys(uids))


def _series_headers(
    source: SeriesSource, uids: set[str], problems: list[str]
) -> dict[str, SeriesHeaders]:
    """The wanted series' headers from folders and DICOMweb servers (a read may hold visits
    opened from both); a series none of them has is a problem naming it."""
    if not uids:
        return {}
    from recist_reader.errors import SeriesError

    sources = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    urls = [str(s) for s in sources if is_dicomweb_url(s)]
    folders = [s for s in sources if not is_dicomweb_url(s)]
    found: dict[str, SeriesHeaders] = {}
    if folders:
        try:
            found.update(read_series_headers(folders, uids))
        except SeriesError as error:
            if not urls:
                problems.append(f"{error}")
    for index, url in enumerate(urls):
        missing = uids - found.keys()
        if not missing:
            break
        # only the last server's refusals are problems: an earlier one may lack what a later has
        last = index == len(urls) - 1
        found.update(_dicomweb_series_headers(url, missing, problems if last else []))
    return found


def _dicomweb_series_headers(
    url: str, uids: set[str], problems: list[str]
) -> dict[str, SeriesHeaders]:
    """The wanted series' instance headers from a DICOMweb server (WADO-RS metadata through
    the project's DICOMweb layer); a series the server cannot give is a problem naming it."""
    from recist_reader.errors import SeriesError
    from recist_reader.io.dicomweb import series_headers

    found = {}
    for uid in sorted(uids):
        try:
            datasets = sorted(
                series_headers(url, uid),
                key=lambda ds: (int(ds.get("InstanceNumber") or 0), str(ds.SOPInstanceUID)),
            )
        except SeriesError as error:
            problems.append(f"{error}")
            continue
        found[uid] = SeriesHeaders(uid, datasets)
    return found


def _visit_documents(
    record: PatientRecord,
    visit: Visit,
    position: int,
    series: Mapping[str, SeriesHeaders],
    predecessors: Sequence[Dataset],
    problems: list[str],
) -> list[SRDocument]:
    """The SRs of one visit: one per reader of its measurements (§8.2)."""
    is_baseline = visit.date == record.baseline_date
    readers = _readers(visit.measurements)
    lesions = {lesion.lesion_id: lesion for lesion in record.lesions}
    evidence = [ds for headers in series.values() for ds in headers.datasets]
    _warn_about_mismatches(record, visit, evidence[0])
    procedure = _procedure(visit, series, problems)
    series_uid = UID(hd.UID())
    documents = []
    for number, reader in enumerate(readers, start=1):
        context = VisitContext(record, visit, is_baseline, series)
        groups = [
            lesion_group(context, lesions[m["lesion_id"]], m)
            for m in visit.measurements
            if (m.get("reader") or None) == reader
        ]
        if number == 1:
            groups += [
                new_lesion_group(context, k, entry)
                for k, entry in enumerate(visit.new_lesions, start=1)
            ]
        problems.extend(context.problems)
        if context.problems or procedure is None:
            continue
        referenced = sorted(
            context.referenced.values(),
            key=lambda ds: (int(ds.get("InstanceNumber") or 0), str(ds.SOPInstanceUID)),
        )
        report = measurement_report(
            [g for g in groups if g is not None],
            reader=reader,
            procedure=procedure,
            referenced_images=referenced,
        )
        dataset = _document(record, visit, position, number, series_uid, evidence, report)
        earlier = [p for p in predecessors if _same_report(p, dataset)]
        if earlier:
            dataset.PredecessorDocumentsSequence = _predecessor_items(earlier)
        suffix = f"_{number}" if len(readers) > 1 else ""
        documents.append(
            SRDocument(
                dataset,
                visit.visit_id,
                reader,
                _file_name(record.patient_id, visit.visit_id, suffix),
            )
        )
    return documents


def _readers(measurements: Sequence[Measurement]) -> list[str | None]:
    """The readers of a visit's measurements, by name, then None for unattributed ones (§8.2)."""
    named = sorted({m["reader"] for m in measurements if m.get("reader")})
    anonymous = not measurements or any(not m.get("reader") for m in measurements)
    return [*named, *([None] if anonymous else [])]


def _procedure(
    visit: Visit, series: Mapping[str, SeriesHeaders], problems: list[str]
) -> hd.sr.CodedConcept | None:
    modality = next(iter(series.values())).modality
    procedure = {"CT": codes.CT_PROCEDURE, "MR": codes.MR_PROCEDURE}.get(modality)
    if procedure is None:
        problems.append(
            f"visit {visit.visit_id}: its images are {modality or 'of no modality'}; the SR "
            "export writes reads of CT and MR images"
        )
    return procedure


def _warn_about_mismatches(record: PatientRecord, visit: Visit, image: Dataset) -> None:
    study_date = str(image.get("StudyDate") or "")
    if study_date and study_date != visit.date.strftime("%Y%m%d"):
        warnings.warn(
            f"visit {visit.visit_id}: its date {visit.date.isoformat()} is not its study's "
            f"StudyDate {study_date}; the SR carries the study's date, which import-sr reads "
            "back as the visit date",
            SRExportWarning,
            stacklevel=4,
        )
    patient_id = str(image.get("PatientID") or "")
    if patient_id != record.patient_id:
        warnings.warn(
            f"visit {visit.visit_id}: the images' PatientID {patient_id!r} is not the record's "
            f"patient_id {record.patient_id!r}; the SR carries the images' PatientID",
            SRExportWarning,
            stacklevel=4,
        )


def _document(
    record: PatientRecord,
    visit: Visit,
    position: int,
    number: int,
    series_uid: UID,
    evidence: Sequence[Dataset],
    report: hd.sr.MeasurementReport,
) -> Dataset:
    now = dt.datetime.now()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # patient names without '^'
        document = hd.sr.ComprehensiveSR(
            evidence=evidence,
            content=report,
            series_instance_uid=series_uid,
            series_number=SERIES_NUMBER_BASE + position,
            sop_instance_uid=hd.UID(),
            instance_number=number,
            manufacturer="recist-reader",
            series_description=f"{codes.CRITERIA_TITLES[record.criteria]} read {visit.visit_id}",
            is_complete=True,
            specific_character_set="ISO_IR 192",
            content_date=now.date(),
            content_time=now.time(),
        )
    document.SoftwareVersions = __version__
    scheme = Dataset()
    scheme.CodingSchemeDesignator = codes.PRIVATE_SCHEME
    scheme.CodingSchemeName = codes.PRIVATE_SCHEME_NAME
    scheme.CodingSchemeResponsibleOrganization = codes.PRIVATE_SCHEME_ORGANIZATION
    declared = list(document.get("CodingSchemeIdentificationSequence", []))
    document.CodingSchemeIdentificationSequence = [*declared, scheme]
    _detach_shared_items(document)
    return document


def _detach_shared_items(dataset: Dataset) -> None:
    """Give every coded concept of the document an object of its own.

    highdicom puts our code constants into the tree by reference: copied out, changing a
    returned dataset can never change the constants, the next export or another item."""
    seen = set(codes.constant_ids())

    def walk(item: Dataset) -> None:
        for element in item:
            if element.VR != "SQ":
                continue
            for index, child in enumerate(element.value):
                if id(child) in seen and element.keyword != "ContentSequence":
                    child = element.value[index] = copy.deepcopy(child)
                seen.add(id(child))
                walk(child)

    walk(dataset)


def _file_name(patient_id: str, visit_id: str, suffix: str) -> str:
    """``<patient_id>_<visit_id><suffix>.SR.dcm`` with characters unsafe in file names replaced."""
    safe = re.sub(r"[^\w.\-]+", "_", f"{patient_id}_{visit_id}{suffix}")
    return safe + SR_SUFFIX


# --- predecessors ---------------------------------------------------------------------------


def _previous_documents(
    previous: str | os.PathLike[str] | Iterable[Dataset] | None,
) -> list[Dataset]:
    if previous is None:
        return []
    if isinstance(previous, (str, os.PathLike)):
        folder = Path(previous)
        if not folder.is_dir():
            return []
        found = []
        for path in sorted(folder.rglob(f"*{SR_SUFFIX}")):
            try:
                found.append(dcmread(path, stop_before_pixels=True))
            except Exception:  # noqa: BLE001 - not an SR we wrote: not a predecessor
                continue
        return found
    return list(previous)


def _report_key(dataset: Dataset) -> tuple[str, frozenset[str]]:
    """(study, time point identifiers): a new export of a visit supersedes every earlier SR
    of that visit, whichever reader's."""
    time_points: set[str] = set()
    for item in _walk(dataset.get("ContentSequence", [])):
        name = item.get("ConceptNameCodeSequence")
        if name and codes.same_code(name[0], codes.SUBJECT_TIME_POINT_IDENTIFIER):
            time_points.add(str(item.get("TextValue", "")))
    return str(dataset.get("StudyInstanceUID", "")), frozenset(time_points)


def _walk(items: Iterable[Dataset]) -> Iterable[Dataset]:
    for item in items:
        yield item
        yield from _walk(item.get("ContentSequence", []))


def _same_report(earlier: Dataset, new: Dataset) -> bool:
    return (
        earlier.get("SOPInstanceUID") != new.SOPInstanceUID
        and str(earlier.get("PatientID", "")) == str(new.PatientID)
        and _report_key(earlier) == _report_key(new)
    )


def _predecessor_items(earlier: Sequence[Dataset]) -> list[Dataset]:
    """PredecessorDocumentsSequence items (by study, then series) for the earlier SRs."""
    by_series: dict[tuple[str, str], list[Dataset]] = {}
    for document in earlier:
        reference = Dataset()
        reference.ReferencedSOPClassUID = document.SOPClassUID
        reference.ReferencedSOPInstanceUID = document.SOPInstanceUID
        key = (str(document.StudyInstanceUID), str(document.SeriesInstanceUID))
        by_series.setdefault(key, []).append(reference)
    by_study: dict[str, list[Dataset]] = {}
    for (study_uid, series_uid), references in by_series.items():
        series_item = Dataset()
        series_item.SeriesInstanceUID = series_uid
        series_item.ReferencedSOPSequence = references
        by_study.setdefault(study_uid, []).append(series_item)
    items = []
    for study_uid, series_items in by_study.items():
        study_item = Dataset()
        study_item.StudyInstanceUID = study_uid
        study_item.ReferencedSeriesSequence = series_items
        items.append(study_item)
    return items
