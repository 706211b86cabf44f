"""Response criteria by name: RECIST 1.1, mRECIST and iRECIST (design.md §7).

Each criteria is a plug-in module here holding one :class:`Criteria` subclass:
``recist11.Recist11``, ``mrecist.Mrecist`` and ``irecist.Irecist``. A module that is not
present yet makes its criteria "not available" (a clear :class:`RecordError`), not unknown.
"""

from __future__ import annotations

import importlib

from recist_reader.core.criteria.base import Criteria
from recist_reader.core.criteria.recist11 import Recist11
from recist_reader.core.record import PatientRecord
from recist_reader.errors import RecordError, RecordProblem

#: Every criteria name a record or a caller may give, exactly so spelled (design.md §7.2).
SUPPORTED_CRITERIA: tuple[str, ...] = ("RECIST1.1", "mRECIST", "iRECIST")

_PLUGINS = {
    "RECIST1.1": ("recist11", "Recist11"),
    "mRECIST": ("mrecist", "Mrecist"),
    "iRECIST": ("irecist", "Irecist"),
}


def _available() -> dict[str, type[Criteria]]:
    found: dict[str, type[Criteria]] = {}
    for name, (module_name, class_name) in _PLUGINS.items():
        qualified = f"{__name__}.{module_name}"
        try:
            module = importlib.import_module(qualified)
        except ModuleNotFoundError as error:
            if error.name != qualified:
                raise  # the plug-in is there but something it imports is not
            continue
        found[name] = getattr(module, class_name)
    return found


#: The criteria this installation scores, by name.
CRITERIA: dict[str, type[Criteria]] = _available()


def criteria_class(name: str) -> type[Criteria]:
    """The criteria called ``name``.

    Raises
    ------
    RecordError
        ``unsupported_criteria`` for a name that is not one of :data:`SUPPORTED_CRITERIA`, or
        one whose engine this version does not have yet.
    """
    found = CRITERIA.get(name)
    if found is not None:
        return found
    if name in SUPPORTED_CRITERIA:
        message = f"{name} scoring is not available in this version yet"
    else:
        message = (
            f"unsupported criteria {name!r}: use one of {', '.join(SUPPORTED_CRITERIA)} "
            "(exactly so spelled)"
        )
    raise RecordError([RecordProblem("criteria", message, "unsupported_criteria")])


def criteria_read_in(record: PatientRecord) -> tuple[str, ...]:
    """The criteria a read serves: its primary one first, then each other criteria whose
    own fields it carries (design.md §7a for mRECIST, §7b for iRECIST) and that this version
    scores.

    Examples
    --------
    A RECIST 1.1 read that records viable diameters serves RECIST 1.1 and mRECIST; an iRECIST
    read serves iRECIST and RECIST 1.1.
    """
    found = [record.criteria]
    if "RECIST1.1" not in found:  # an mRECIST or iRECIST read is a RECIST 1.1 read (§7.1, I14)
        found.append("RECIST1.1")
    if "mRECIST" not in found and _has_mrecist_fields(record):
        found.append("mRECIST")
    if "iRECIST" not in found and _has_irecist_fields(record):
        found.append("iRECIST")
    return tuple(name for name in found if name == record.criteria or name in CRITERIA)


_MRECIST_MEASUREMENT_FIELDS = frozenset(
    {"viable_diameter_mm", "viable_status", "enhancing", "cytology", "mrecist_status"}
)


def _has_mrecist_fields(record: PatientRecord) -> bool:
    if any(
        lesion.lesion_type != "other" or lesion.mrecist_kind is not None
        for lesion in record.lesions
    ):
        return True
    return any(
        not _MRECIST_MEASUREMENT_FIELDS.isdisjoint(measurement)
        for visit in record.visits
        for measurement in visit.measurements
    )


def _has_irecist_fields(record: PatientRecord) -> bool:
    return any(
        visit.clinically_stable is not None
        or visit.treatment_continued is not None
        or any(n.new_lesion_id is not None or n.kind is not None for n in visit.new_lesions)
        for visit in record.visits
    )


__all__ = [
    "CRITERIA",
    "SUPPORTED_CRITERIA",
    "Criteria",
    "Recist11",
    "criteria_class",
    "criteria_read_in",
]
