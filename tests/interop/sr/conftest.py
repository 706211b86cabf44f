"""Sample reads with images for the SR tests: the phantom patient, a richer read on the same
images (several readers, new lesions with a marked point, statuses, split-lesion diameters),
the sample records on small generated series, and a read of the shared real chest CT."""

from __future__ import annotations

import copy
import datetime as dt
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest

from recist_reader.interop.sr import export_sr_documents, write_sr_documents
from recist_reader.phantom import Grid, PatientInfo, StudyInfo, write_ct_series
from recist_reader.reading.phantom_patient import make_phantom_patient

SAMPLE_RECORDS = Path(__file__).resolve().parents[3] / "sample_data" / "records"


@dataclass
class SampleRead:
    """A record, the folder holding its visits' images, and its SRs once exported."""

    name: str
    record: dict[str, Any]
    images: Path
    out: Path

    def export(self):
        documents = export_sr_documents(self.record, self.images)
        paths = write_sr_documents(documents, self.out)
        return documents, paths


def pixel_to_lps(dataset: pydicom.Dataset, row: float, column: float) -> list[float]:
    """The LPS position of the centre of pixel (row, column), from the header alone."""
    position = np.array(dataset.ImagePositionPatient, float)
    orientation = np.array(dataset.ImageOrientationPatient, float)
    row_spacing, column_spacing = (float(v) for v in dataset.PixelSpacing)
    point = (
        position + column * column_spacing * orientation[:3] + row * row_spacing * orientation[3:]
    )
    return [float(v) for v in point]


def slice_headers(folder: Path) -> list[pydicom.Dataset]:
    return sorted(
        (pydicom.dcmread(p, stop_before_pixels=True) for p in folder.rglob("*.dcm")),
        key=lambda ds: int(ds.InstanceNumber),
    )


@pytest.fixture(scope="session")
def phantom(tmp_path_factory):
    return make_phantom_patient(tmp_path_factory.mktemp("phantom") / "patient")


@pytest.fixture(scope="session")
def phantom_read(phantom, tmp_path_factory) -> SampleRead:
    return SampleRead(
        "phantom", phantom.record(), phantom.folder, tmp_path_factory.mktemp("sr-phantom")
    )


def _rich_record(phantom) -> dict[str, Any]:
    """The phantom read with what a real read also holds: two readers at a visit, times and
    methods, a node measured with one ruler, a split lesion, a target too small to measure,
    an equivocal new lesion with a marked point confirmed later, a tracking UID of its own."""
    record = copy.deepcopy(phantom.record())
    record["lesions"][0]["tracking_uid"] = "1.2.826.0.1.3680043.10.1234.1"
    record["lesions"][3]["organ"] = "Left adrenal"
    bl, w8, w16 = record["visits"]
    for m in bl["measurements"]:
        m["reader"] = "Reader^One"
        m["measured_at"] = "2024-01-10T10:15:30+00:00"
    bl["measurements"][0]["method"] = "semi-automatic"
    w8["measurements"][0]["reader"] = "Reader^One"
    w8["measurements"][1]["reader"] = "Reader^Two"
    w8["measurements"][1]["measured_at"] = "2024-03-06T14:02"
    node = w8["measurements"][2]
    del node["short_axis_ruler"], node["long_axis_mm"], node["short_axis_mm"]
    node["diameter_mm"] = 12.0  # one ruler along the long axis; the short axis typed in
    w8_slices = slice_headers(phantom.series_folders["W8"])
    point = pixel_to_lps(w8_slices[40], 60.0, 190.0)
    w8["new_lesions"] = [
        {
            "location": "Liver segment 4",
            "equivocal": True,
            "point_lps_mm": point,
            "series_uid": phantom.series_uids["W8"],
        }
    ]
    t1, t2 = w16["measurements"][0], w16["measurements"][1]
    del t1["diameter_mm"]
    t1["status"] = "too_small"  # the ruler stays: what the reader drew
    t2["diameter_mm"] = round(t2["diameter_mm"] + 4.5, 1)  # a split lesion: the parts' sum
    w16["measurements"][3]["status"] = "absent"
    w16["new_lesions"] = [
        {"location": "liver segment 4", "equivocal": False, "first_seen_visit_id": "W8"},
        {"location": "lung, right lower lobe", "equivocal": False},
    ]
    return record


@pytest.fixture(scope="session")
def rich_read(phantom, tmp_path_factory) -> SampleRead:
    return SampleRead(
        "rich", _rich_record(phantom), phantom.folder, tmp_path_factory.mktemp("sr-rich")
    )


def _tiny_series(
    folder: Path, patient_id: str, visit: dict[str, Any], number: int
) -> dict[str, str]:
    """Write a 3-slice CT series for one visit of a sample record; its series reference."""
    grid = Grid.centred((3, 16, 16), (5.0, 2.0, 2.0))
    study = StudyInfo(
        study_date=dt.date.fromisoformat(visit["date"]),
        study_id=str(number),
        study_uid=pydicom.uid.generate_uid(entropy_srcs=[patient_id, visit["visit_id"], "study"]),
        frame_of_reference_uid=pydicom.uid.generate_uid(
            entropy_srcs=[patient_id, visit["visit_id"]]
        ),
    )
    written = write_ct_series(
        folder / visit["visit_id"],
        np.zeros(grid.shape, np.float32),
        grid,
        patient=PatientInfo(patient_id, "SAMPLE^PATIENT"),
        study=study,
        series_uid=pydicom.uid.generate_uid(entropy_srcs=[patient_id, visit["visit_id"], "series"]),
    )
    return {"series_uid": written.series_uid, "study_uid": study.study_uid, "modality": "CT"}


@pytest.fixture(scope="session")
def sample_record_reads(tmp_path_factory) -> list[SampleRead]:
    """Every bundled sample record, each visit given a small generated series of its own."""
    reads = []
    for path in sorted(SAMPLE_RECORDS.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        images = tmp_path_factory.mktemp(f"images-{path.stem}")
        for number, visit in enumerate(record["visits"], start=1):
            visit["series"] = [_tiny_series(images, record["patient_id"], visit, number)]
        reads.append(
            SampleRead(path.stem, record, images, tmp_path_factory.mktemp(f"sr-{path.stem}"))
        )
    return reads


@pytest.fixture(scope="session")
def real_ct_read(shared_dicom_dir, tmp_path_factory) -> SampleRead:
    """A baseline read of the shared chest CT: the tumour measured across the radiologist's
    box on its largest slice, a short axis across it, and a non-target."""
    folder = shared_dicom_dir / "ct_chest_lung_tumour"
    headers = {ds.SOPInstanceUID: ds for ds in slice_headers(folder / "series")}
    boxes = []
    for xml in sorted((folder / "tumour_boxes").glob("*.xml")):
        box = ET.parse(xml).getroot().find("object/bndbox")
        corners = [float(box.findtext(k)) for k in ("xmin", "ymin", "xmax", "ymax")]
        boxes.append(((corners[2] - corners[0]) * (corners[3] - corners[1]), xml.stem, corners))
    _, sop_uid, (x0, y0, x1, y1) = max(boxes)
    dataset = headers[sop_uid]
    long_axis = [pixel_to_lps(dataset, y0 + 3, x0 + 3), pixel_to_lps(dataset, y1 - 3, x1 - 3)]
    short_axis = [pixel_to_lps(dataset, y1 - 8, x0 + 10), pixel_to_lps(dataset, y0 + 10, x1 - 20)]
    series_uid = str(dataset.SeriesInstanceUID)
    date = dt.datetime.strptime(str(dataset.StudyDate), "%Y%m%d").date().isoformat()
    record = {
        "schema_version": 1,
        "patient_id": str(dataset.PatientID),
        "criteria": "RECIST1.1",
        "baseline_date": date,
        "lesions": [
            {"lesion_id": "T1", "kind": "target", "organ": "lung, left upper lobe", "nodal": False},
            {"lesion_id": "NT1", "kind": "non-target", "organ": "pleura", "nodal": False},
        ],
        "visits": [
            {
                "visit_id": "BL",
                "date": date,
                "measurements": [
                    {
                        "lesion_id": "T1",
                        "diameter_mm": round(float(np.linalg.norm(np.subtract(*long_axis))), 1),
                        "ruler": {"series_uid": series_uid, "points_lps_mm": long_axis},
                        "short_axis_ruler": {"series_uid": series_uid, "points_lps_mm": short_axis},
                        "reader": "Radiologist^A",
                        "method": "manual",
                    },
                    {"lesion_id": "NT1", "status": "present", "reader": "Radiologist^A"},
                ],
                "new_lesions": [],
                "series": [{"series_uid": series_uid, "study_uid": str(dataset.StudyInstanceUID)}],
            }
        ],
    }
    return SampleRead("real CT", record, folder / "series", tmp_path_factory.mktemp("sr-real-ct"))
