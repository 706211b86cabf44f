"""New-lesion listings across visits: which listings are the same finding (design.md §7.5).

Shared by every criteria. A finding is identified by its ``new_lesion_id`` when the listing
has one; otherwise by ``first_seen_visit_id`` or by the same ``location`` text, compared case-
and space-insensitively (R7.3). Its first sighting is the ``first_seen_visit_id`` a listing of
it gives, else its earliest listing that saw it (not one recorded ``absent`` or
``not_evaluated``).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

from recist_reader.core.record import NewLesion, PatientRecord, Visit


def location_key(text: str) -> str:
    """Case- and space-insensitive key of a new lesion's location (R7.3).

    Examples
    --------
    >>> location_key("Liver  Segment 6") == location_key("liver segment6")
    True
    """
    return "".join(text.lower().split())


class NewLesionFindings:
    """The findings behind a record's new-lesion listings.

    Parameters
    ----------
    record : PatientRecord
        A validated record; its follow-up visits are read in date order (new lesions cannot be
        listed at baseline, R3.4).
    """

    def __init__(self, record: PatientRecord):
        self._visit_by_id = {visit.visit_id: visit for visit in record.visits}
        #: Each listing's finding, by (visit id, index in the visit's ``new_lesions``).
        self._finding: dict[tuple[str, int], int] = {}
        #: Each finding's listings in date order, as (visit, listing).
        self._listings: list[list[tuple[Visit, NewLesion]]] = []
        by_location: dict[str, int] = {}
        by_id: dict[str, int] = {}
        follow_ups = [visit for visit in record.visits if visit.date > record.baseline_date]
        for visit in sorted(follow_ups, key=attrgetter("date")):
            for index, listing in enumerate(visit.new_lesions):
                finding = self._match(listing, by_location, by_id)
                if finding is None:
                    finding = len(self._listings)
                    self._listings.append([])
                self._finding[(visit.visit_id, index)] = finding
                self._listings[finding].append((visit, listing))
                by_location[location_key(listing.location)] = finding
                if listing.new_lesion_id is not None:
                    by_id[listing.new_lesion_id] = finding

    def _match(
        self, listing: NewLesion, by_location: dict[str, int], by_id: dict[str, int]
    ) -> int | None:
        if listing.new_lesion_id is not None:
            return by_id.get(listing.new_lesion_id)
        found = by_location.get(location_key(listing.location))
        if found is not None or listing.first_seen_visit_id is None:
            return found
        seen = self._visit_by_id.get(listing.first_seen_visit_id)
        if seen is not None and len(seen.new_lesions) == 1:
            return self._finding.get((seen.visit_id, 0))
        return None

    def finding(self, visit: Visit, index: int) -> int:
        """The finding (numbered from 0 in order of first listing) of ``visit.new_lesions[index]``."""
        return self._finding[(visit.visit_id, index)]

    def listings(self, visit: Visit, listing: NewLesion) -> Sequence[tuple[Visit, NewLesion]]:
        """Every listing of the finding ``listing`` (listed at ``visit``) is, in date order."""
        return self._listings[self._finding[(visit.visit_id, self._index(visit, listing))]]

    def first_sighting(self, visit: Visit, listing: NewLesion) -> Visit | None:
        """The visit where the finding of ``listing`` was first seen (design.md §7.5).

        ``listing``'s own ``first_seen_visit_id`` first, then one given by another listing
        of the finding, else the finding's earliest listing that saw it.
        """
        if listing.first_seen_visit_id is not None:
            return self._visit_by_id.get(listing.first_seen_visit_id)
        same = self.listings(visit, listing)
        pointed = [
            self._visit_by_id[item.first_seen_visit_id]
            for _, item in same
            if item.first_seen_visit_id is not None
            and item.first_seen_visit_id in self._visit_by_id
        ]
        if pointed:
            return min(pointed, key=attrgetter("date"))
        return next((seen for seen, item in same if item.is_new_finding), None)

    @staticmethod
    def _index(visit: Visit, listing: NewLesion) -> int:
        return next(i for i, item in enumerate(visit.new_lesions) if item is listing)
