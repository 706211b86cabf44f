"""A lesion's tracking UID when the record gives none (design.md §8.7).

The DICOM UID that names a lesion in every visit's SR and every export: derived, always the
same way, from the patient and lesion ids, so that a read exported before its first save
and after it names each lesion alike.
"""

from __future__ import annotations

import uuid


def derived_lesion_tracking_uid(patient_id: str, lesion_id: str) -> str:
    """``2.25.<uuid5 of "recist-reader/<patient_id>/<lesion_id>">`` (design.md §8.7).

    Examples
    --------
    >>> derived_lesion_tracking_uid("P1", "T1")
    '2.25.277821480019824696753464836084814203148'
    """
    return "2.25." + str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"recist-reader/{patient_id}/{lesion_id}").int
    )
