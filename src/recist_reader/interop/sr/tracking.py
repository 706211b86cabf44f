"""Tracking UIDs: one per lesion, the same in every visit's SR and every export (design.md §8.7)."""

from __future__ import annotations

import uuid

from recist_reader.core.record import Lesion, NewLesion, PatientRecord, Visit
from recist_reader.core.tracking import derived_lesion_tracking_uid

__all__ = ["derived_lesion_tracking_uid", "lesion_tracking_uid", "new_lesion_tracking_uid"]


def _uuid_uid(name: str) -> str:
    return "2.25." + str(uuid.uuid5(uuid.NAMESPACE_URL, name).int)


def lesion_tracking_uid(patient_id: str, lesion: Lesion) -> str:
    """The lesion's ``tracking_uid``, else the UID derived from the patient and lesion ids.

    Examples
    --------
    >>> from recist_reader.core.record import Lesion
    >>> lesion_tracking_uid("P1", Lesion(lesion_id="T1", kind="target", organ="liver"))
    '2.25.277821480019824696753464836084814203148'
    """
    if lesion.tracking_uid:
        return lesion.tracking_uid
    return derived_lesion_tracking_uid(patient_id, lesion.lesion_id)


def _location_key(text: str) -> str:
    return "".join(text.lower().split())


def new_lesion_tracking_uid(record: PatientRecord, visit: Visit, new_lesion: NewLesion) -> str:
    """The tracking UID of a new-lesion listing (design.md §8.7): derived from the patient, the
    visit of the finding's first sighting and its location, so that every listing of one
    finding has the same UID.

    The first sighting (design.md §7.5) is the listing's ``first_seen_visit_id``; else the
    earliest listing of the same finding (the same ``new_lesion_id`` when the listing has one,
    else the same location, case- and space-insensitively), whose location names it.
    """
    first_seen, location = _first_sighting(record, visit, new_lesion)
    return _uuid_uid(
        f"recist-reader/{record.patient_id}/new/{first_seen}/{_location_key(location)}"
    )


def _first_sighting(record: PatientRecord, visit: Visit, new_lesion: NewLesion) -> tuple[str, str]:
    """(visit id, location text) of the first sighting of the finding ``new_lesion`` lists."""
    identity = getattr(new_lesion, "new_lesion_id", None)
    key = _location_key(new_lesion.location)

    def same_finding(entry: NewLesion) -> bool:
        if identity is not None:
            return getattr(entry, "new_lesion_id", None) == identity
        return _location_key(entry.location) == key

    for earlier in sorted(record.visits, key=lambda v: v.date):
        if earlier.date > visit.date:
            break
        for entry in earlier.new_lesions:
            if same_finding(entry):
                if new_lesion.first_seen_visit_id is not None:
                    return new_lesion.first_seen_visit_id, entry.location
                return entry.first_seen_visit_id or earlier.visit_id, entry.location
    return new_lesion.first_seen_visit_id or visit.visit_id, new_lesion.location
