"""CDISC controlled terms the export writes and checks (sdtm.md §2–§6, source D2).

Each mapping says which recist-reader value becomes which submission value; each set is the
subset of a codelist the validation accepts.
"""

from __future__ import annotations

#: TUTESTCD → TUTEST (C96784 / C96783).
TU_TESTS: dict[str, str] = {"TUMIDENT": "Tumor Identification"}

#: TUORRES / TUSTRESC (C123650) by lesion role.
TU_RESULTS: dict[str, str] = {"target": "TARGET", "non-target": "NON-TARGET", "new": "NEW"}

#: TRTESTCD → TRTEST (the RECIST subset of C96779 / C96778).
TR_TESTS: dict[str, str] = {
    "LDIAM": "Longest Diameter",
    "LPERP": "Longest Perpendicular",
    "DIAMETER": "Diameter",
    "TUMSTATE": "Tumor State",
    "SUMDIAM": "Sum of Diameter",
    "SUMNLNLD": "Sum Diameters of Non Lymph Node Tumors",
    "PCBSD": "Percent Change Baseline in Sum of Diam",
    "PCNSD": "Percent Change Nadir in Sum of Diam",
    "ACNSD": "Absolute Change Nadir in Sum of Diam",
}

#: The derived TR tests ``--tr-derived`` may add, in the order they are written.
TR_DERIVED_TESTS: tuple[str, ...] = ("SUMDIAM", "SUMNLNLD", "PCBSD", "PCNSD", "ACNSD")

#: Units of each numeric TR test (C71620 ``mm``; percentages ``%``).
TR_UNITS: dict[str, str] = {
    "LDIAM": "mm",
    "LPERP": "mm",
    "DIAMETER": "mm",
    "SUMDIAM": "mm",
    "SUMNLNLD": "mm",
    "PCBSD": "%",
    "PCNSD": "%",
    "ACNSD": "mm",
}

#: Tumor State results (C124309) by non-target status.
NON_TARGET_STATES: dict[str, str] = {
    "present": "PRESENT",
    "absent": "ABSENT",
    "unequivocal_progression": "UNEQUIVOCAL",
}
TUMOR_STATES = frozenset({"PRESENT", "ABSENT", "EQUIVOCAL", "UNEQUIVOCAL"})

#: TR result of a target recorded too small to measure (TR assumption 4).
TOO_SMALL_TO_MEASURE = "TOO SMALL TO MEASURE"
NOT_DONE = "NOT DONE"
NOT_EVALUATED = "NOT EVALUATED"

#: RSTESTCD → RSTEST (C96782 / C96781).
RS_TESTS: dict[str, str] = {
    "TRGRESP": "Target Response",
    "NTRGRESP": "Non-target Response",
    "NEWLIND": "New Lesion Indicator",
    "NEWLPROG": "New Lesion Progression",
    "OVRLRESP": "Overall Response",
    "BESTRESP": "Best Overall Response",
}
RS_CATEGORY = "RECIST 1.1"

#: recist-reader response label → C96785 submission value; ``NA`` has none (no row).
RESPONSES: dict[str, str] = {
    "CR": "CR",
    "PR": "PR",
    "SD": "SD",
    "PD": "PD",
    "NE": "NE",
    "NonCR/NonPD": "NON-CR/NON-PD",
}

#: RSSTRESC values valid for each RS test.
RS_RESULTS_BY_TEST: dict[str, frozenset[str]] = {
    "TRGRESP": frozenset({"CR", "PR", "SD", "PD", "NE"}),
    "NTRGRESP": frozenset({"CR", "NON-CR/NON-PD", "PD", "NE"}),
    "NEWLIND": frozenset({"Y", "N"}),
    "NEWLPROG": frozenset({"EQUIVOCAL", "UNEQUIVOCAL"}),
    "OVRLRESP": frozenset({"CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"}),
    "BESTRESP": frozenset({"CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"}),
}

#: Lesion ``method`` → Method (C85492).
LESION_METHODS: dict[str, str] = {
    "CT": "CT SCAN",
    "MRI": "MRI",
    "CXR": "X-RAY",
    "caliper": "PHYSICAL EXAMINATION",
}
#: DICOM series modality → Method (C85492), for new lesions without a ``method``.
MODALITY_METHODS: dict[str, str] = {"CT": "CT SCAN", "MR": "MRI"}
DEFAULT_METHOD = "CT SCAN"
METHODS = frozenset(LESION_METHODS.values())

#: Evaluator (C78735).
INVESTIGATOR = "INVESTIGATOR"
INDEPENDENT_ASSESSOR = "INDEPENDENT ASSESSOR"
EVALUATORS = frozenset({INVESTIGATOR, INDEPENDENT_ASSESSOR})

#: Medical Evaluator Identifier (C96777) by central-reader slot; the adjudicator's rows.
EVALUATOR_IDS: dict[str, str] = {"R1": "RADIOLOGIST 1", "R2": "RADIOLOGIST 2"}
ADJUDICATOR_ID = "ADJUDICATOR 1"
MEDICAL_EVALUATORS = frozenset({*EVALUATOR_IDS.values(), ADJUDICATOR_ID})

#: Laterality (C99073).
LATERALITIES = frozenset({"LEFT", "RIGHT", "BILATERAL"})

YES = "Y"
