"""Synthetic CT phantoms with lesions of known size, and writing them as DICOM series.

Pure numpy/scipy/pydicom (no Qt). Typical use::

    from recist_reader import phantom as ph

    grid = ph.Grid.centred((60, 256, 256), (2.5, 1.2, 1.2))
    body = ph.body_phantom(liver=True, lesions=[
        ph.Lesion("T1", (-60, 0, 0), ph.Ellipsoid((30, 20, 18), angle_deg=30), contrast_hu=-50),
    ])
    hu = ph.render_phantom(body, grid, noise_sd_hu=10, seed=0)
    truth = ph.lesion_truth(body.lesion("T1"), grid)     # truth.long_axis_mm, ...
    written = ph.write_ct_series("out/BL", hu, grid, compression="rle")

An HCC lesion may have an arterially enhancing (viable) part and necrosis
(``Lesion(..., arterial_hu=70, viable=Ellipsoid(...))``): ``render_phantom(..., phase="arterial")``
shows the enhancement and ``viable_truth`` gives the viable diameter (mRECIST);
:mod:`recist_reader.phantom.hcc_patient` writes a multiphase HCC patient.

Coordinates are DICOM patient coordinates (LPS, mm); arrays are (slice, row, column).
"""

from .dicom import (
    COMPRESSIONS,
    PatientInfo,
    StudyInfo,
    WrittenSeries,
    available_compressions,
    quantize_hu,
    write_ct_series,
)
from .geometry import ORIENTATIONS, Grid
from .patient import VisitPlan, WrittenVisit, follow_up_phantom, patient_record, write_patient
from .render import PHASES, lesion_fraction, render_phantom
from .shapes import (
    Capsule,
    Ellipsoid,
    EllipticCylinder,
    Lesion,
    LesionShape,
    Lobe,
    Lobulated,
    LymphNode,
    Phantom,
    Region,
    Sphere,
    body_phantom,
)
from .truth import RecistTruth, lesion_truth, nominal_size_mm, viable_truth

__all__ = [
    "COMPRESSIONS",
    "ORIENTATIONS",
    "PHASES",
    "Capsule",
    "Ellipsoid",
    "EllipticCylinder",
    "Grid",
    "Lesion",
    "LesionShape",
    "Lobe",
    "Lobulated",
    "LymphNode",
    "PatientInfo",
    "Phantom",
    "RecistTruth",
    "Region",
    "Sphere",
    "StudyInfo",
    "VisitPlan",
    "WrittenSeries",
    "WrittenVisit",
    "available_compressions",
    "body_phantom",
    "follow_up_phantom",
    "lesion_fraction",
    "lesion_truth",
    "nominal_size_mm",
    "patient_record",
    "quantize_hu",
    "render_phantom",
    "viable_truth",
    "write_ct_series",
    "write_patient",
]
