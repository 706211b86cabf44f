"""Every coded concept the SR mapping writes or reads (design.md §8.4–§8.6), in one place.

Names follow the concept (``LONG_AXIS``), values are highdicom :class:`CodedConcept` objects.
The private scheme ``99RECISTRDR`` is declared in each SR's CodingSchemeIdentificationSequence.
"""

from __future__ import annotations

from highdicom.sr import CodedConcept

#: The private coding scheme for what no standard code names (design.md §8.3).
PRIVATE_SCHEME = "99RECISTRDR"
PRIVATE_SCHEME_NAME = "recist-reader codes"
PRIVATE_SCHEME_ORGANIZATION = "recist-reader project"


def _dcm(value: str, meaning: str) -> CodedConcept:
    return CodedConcept(value, "DCM", meaning)


def _sct(value: str, meaning: str) -> CodedConcept:
    return CodedConcept(value, "SCT", meaning)


def _private(value: str, meaning: str) -> CodedConcept:
    return CodedConcept(value, PRIVATE_SCHEME, meaning)


# The document (§8.4).
IMAGING_MEASUREMENT_REPORT = _dcm("126000", "Imaging Measurement Report")
IMAGE_LIBRARY = _dcm("111028", "Image Library")
IMAGE_LIBRARY_GROUP = _dcm("126200", "Image Library Group")
IMAGING_MEASUREMENTS = _dcm("126010", "Imaging Measurements")
MEASUREMENT_GROUP = _dcm("125007", "Measurement Group")
PERSON_OBSERVER_NAME = _dcm("121008", "Person Observer Name")
UNKNOWN_OBSERVER = "unknown^unknown"
CT_PROCEDURE = CodedConcept("25045-6", "LN", "CT unspecified body region")
MR_PROCEDURE = CodedConcept("25056-3", "LN", "MRI unspecified body region")

# The measurement group (§8.5).
TRACKING_IDENTIFIER = _dcm("112039", "Tracking Identifier")
TRACKING_UID = _dcm("112040", "Tracking Unique Identifier")
TIME_POINT = CodedConcept("C2348792", "UMLS", "Time Point")
TIME_POINT_TYPE = _dcm("126072", "Time Point Type")
SUBJECT_TIME_POINT_IDENTIFIER = _dcm("126070", "Subject Time Point Identifier")
BASELINE_TIME_POINT = CodedConcept("C1442488", "UMLS", "Baseline")
POSTTREATMENT_TIME_POINT = _dcm("126074", "Posttreatment")
MEASUREMENT_METHOD = _sct("370129005", "Measurement Method")
FINDING = _dcm("121071", "Finding")
LESION = _sct("52988006", "Lesion")
FINDING_SITE = _sct("363698007", "Finding Site")
BASELINE_CATEGORY = _dcm("112016", "Baseline Category")
COMMENT = _dcm("121106", "Comment")
ALGORITHM_NAME = "recist-reader measure_lesion"
IMAGE_REGION = _dcm("111030", "Image Region")

#: The record's primary criteria → the Measurement Method value (CID 6147 or private).
CRITERIA_METHODS: dict[str, CodedConcept] = {
    "RECIST1.1": _dcm("126081", "RECIST 1.1"),
    "mRECIST": _private("RRMRECIST", "mRECIST"),
    "iRECIST": _private("RRIRECIST", "iRECIST"),
}
#: How each criteria is written in the SR series description (§8.3).
CRITERIA_TITLES = {"RECIST1.1": "RECIST 1.1", "mRECIST": "mRECIST", "iRECIST": "iRECIST"}

#: A lesion's kind → its Baseline Category (CID 6145).
BASELINE_CATEGORIES: dict[str, CodedConcept] = {
    "target": _dcm("112074", "Target Lesion at Baseline"),
    "non-target": _dcm("112075", "Non-Target Lesion at Baseline"),
}
NON_LESION_AT_BASELINE = _dcm("112076", "Non-Lesion at Baseline")

LESION_STATUS = _private("RRSTATUS", "RECIST lesion status")
#: A measurement's ``status`` → the RRSTATUS value.
STATUS_CODES: dict[str, CodedConcept] = {
    "too_small": _dcm("112133", "Too small"),
    "absent": _sct("272519000", "Absent"),
    "not_evaluated": _sct("373121007", "Not Evaluated"),
    "present": _sct("52101004", "Present"),
    "unequivocal_progression": _dcm("112047", "Non-Target Lesion Progressive Disease"),
}
NODAL = _private("RRNODAL", "Nodal lesion")
ORGAN_AS_RECORDED = _private("RRORGAN", "Organ as recorded")
YES = _sct("373066001", "Yes")
NO = _sct("373067005", "No")

# The measurements (§8.5); the axis meanings are spelled as Cornerstone's adapters match them.
LENGTH = _sct("410668003", "Length")
LONG_AXIS = _sct("103339001", "Long Axis")
SHORT_AXIS = _sct("103340004", "Short Axis")
RECIST_DIAMETER = _private("RRDIAM", "RECIST diameter")
MILLIMETRE = CodedConcept("mm", "UCUM", "mm")

# New lesions (§8.6).
NEW_LESION_LOCATION = _private("RRLOCATION", "New lesion location as recorded")
NEW_LESION_EQUIVOCAL = _private("RREQUIVOCAL", "New lesion equivocal")
NEW_LESION_FIRST_SEEN = _private("RRFIRSTSEEN", "New lesion first seen at visit")

#: Tracking Identifier prefixes that Cornerstone's adapters hydrate into tools (dicom-sr.md §1b).
CORNERSTONE_LENGTH = "Cornerstone3DTools@^0.1.0:Length"
CORNERSTONE_BIDIRECTIONAL = "Cornerstone3DTools@^0.1.0:Bidirectional"

#: SR SOP classes import-sr reads: Enhanced, Comprehensive, Comprehensive 3D.
READABLE_SR_SOP_CLASSES = frozenset(
    {
        "1.2.840.10008.5.1.4.1.1.88.22",
        "1.2.840.10008.5.1.4.1.1.88.33",
        "1.2.840.10008.5.1.4.1.1.88.34",
    }
)


def constant_ids() -> set[int]:
    """The ``id`` of every CodedConcept constant here (the export copies them out of its SRs)."""
    found: set[int] = set()
    for value in globals().values():
        values = value.values() if isinstance(value, dict) else [value]
        found.update(id(v) for v in values if isinstance(v, CodedConcept))
    return found


def same_code(item_code, concept: CodedConcept) -> bool:
    """Whether a code sequence item (or CodedConcept) names ``concept``: same value and scheme
    (SRT and SCT count as one scheme)."""
    scheme = {"SRT": "SCT"}.get(item_code.CodingSchemeDesignator, item_code.CodingSchemeDesignator)
    wanted = {"SRT": "SCT"}.get(concept.scheme_designator, concept.scheme_designator)
    return item_code.CodeValue == concept.value and scheme == wanted
