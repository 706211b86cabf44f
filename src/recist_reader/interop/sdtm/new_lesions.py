"""New lesions of a read as findings: one TU row each, a TR row per listing (sdtm.md §3).

A finding is one new lesion followed across visits (design.md §7.5): listings with the same
``new_lesion_id``; otherwise a listing with ``first_seen_visit_id`` joins the finding first seen
at that visit, and a listing with the same ``location`` text (case- and space-insensitive)
joins an earlier finding. Listings of one visit are distinct findings. Findings are numbered
``NEW1``, ``NEW2`` … in order of first sighting: the ``first_seen_visit_id``, else the earliest
listing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from recist_reader.core.record import NewLesion, PatientRecord, Visit

#: Listing statuses (design.md §7b) that are no new finding at that visit under RECIST 1.1.
NOT_A_FINDING = frozenset({"absent", "not_evaluated"})


@dataclass(frozen=True)
class Listing:
    """One entry of a visit's ``new_lesions``, with its JSON path."""

    visit: Visit
    entry: NewLesion
    path: str


@dataclass
class NewFinding:
    """One new lesion across visits: its number, first sighting and listings (date order)."""

    number: int
    first_visit: Visit
    listings: list[Listing] = field(default_factory=list)
    new_lesion_id: str | None = None
    location_keys: set[str] = field(default_factory=set)

    @property
    def link_suffix(self) -> str:
        """``NEW1``, ``NEW2`` …"""
        return f"NEW{self.number}"


def optional_field(entry: Any, name: str) -> Any:
    """A field a record model may carry (the §7a/§7b new-lesion fields: ``new_lesion_id``,
    ``organ``, ``nodal``, ``method``, ``status``, ``lesion_type``), None when it has none."""
    return getattr(entry, name, None)


def location_key(text: str) -> str:
    """A ``location`` compared case- and space-insensitively (R7.3)."""
    return "".join(text.lower().split())


def new_lesion_findings(record: PatientRecord) -> tuple[list[NewFinding], list[Listing]]:
    """The read's new-lesion findings, numbered, and the listings that start none (an
    ``absent`` or ``not_evaluated`` listing of a lesion never seen before)."""
    visits_by_id = {visit.visit_id: visit for visit in record.visits}
    positions = {id(visit): index for index, visit in enumerate(record.visits)}
    findings: list[NewFinding] = []
    orphans: list[Listing] = []
    for visit in sorted(record.visits, key=lambda v: v.date):
        claimed: set[int] = set()
        for n_index, entry in enumerate(visit.new_lesions):
            listing = Listing(
                visit, entry, f"visits[{positions[id(visit)]}].new_lesions[{n_index}]"
            )
            finding = _match(findings, entry, claimed)
            if finding is None:
                if optional_field(entry, "status") in NOT_A_FINDING:
                    orphans.append(listing)
                    continue
                seen = entry.first_seen_visit_id
                finding = NewFinding(0, visits_by_id[seen] if seen is not None else visit)
                finding.new_lesion_id = optional_field(entry, "new_lesion_id")
                findings.append(finding)
            claimed.add(id(finding))
            finding.listings.append(listing)
            finding.location_keys.add(location_key(entry.location))
    order = {id(finding): index for index, finding in enumerate(findings)}
    findings.sort(key=lambda f: (f.first_visit.date, order[id(f)]))
    for number, finding in enumerate(findings, start=1):
        finding.number = number
    return findings, orphans


def _match(findings: list[NewFinding], entry: NewLesion, claimed: set[int]) -> NewFinding | None:
    """The earlier finding this listing continues, or None."""
    open_findings = [f for f in findings if id(f) not in claimed]
    new_lesion_id = optional_field(entry, "new_lesion_id")
    if new_lesion_id is not None:
        return next((f for f in open_findings if f.new_lesion_id == new_lesion_id), None)
    key = location_key(entry.location)
    if entry.first_seen_visit_id is not None:
        first_seen = [
            f for f in open_findings if f.first_visit.visit_id == entry.first_seen_visit_id
        ]
        same_place = [f for f in first_seen if key in f.location_keys]
        if same_place:
            return same_place[0]
        if len(first_seen) == 1:
            return first_seen[0]
    return next((f for f in open_findings if key in f.location_keys), None)
