"""What the reading dock shows for iRECIST, as plain text: the tracked new lesions at a visit,
each criteria's time points side by side, and each iUPD episode (design.md §7b). Pure Python:
the Qt views only put these strings on screen."""

from __future__ import annotations

from typing import Any

from recist_reader.reading.new_lesion_tracking import TrackedNewLesion

#: Shown for a tracked lesion the reader has not assessed at a visit (I5.1, IA6).
NOT_ASSESSED = "not assessed"

#: The criteria the response comparison shows, in this order.
COMPARED_CRITERIA = ("RECIST1.1", "mRECIST", "iRECIST")

_TRIGGER_TEXT = {
    "target_sum_increase": "target sum +5 mm or more since the iUPD",
    "target_progression": "target progression",
    "non_target_increase": "further non-target increase",
    "non_target_progression": "non-target progression",
    "nlt_sum_increase": "new-lesion target sum +5 mm or more",
    "nlnt_increase": "new-lesion non-target increase",
    "new_lesion_progression": "progression of known new lesions",
    "additional_new_lesion": "another new lesion",
}
_BASIS_TEXT = {"target": "targets", "non_target": "non-targets", "new_lesions": "new lesions"}


def tracked_lesion_rows(
    tracked: list[tuple[TrackedNewLesion, dict[str, Any] | None]],
) -> list[tuple[str, ...]]:
    """One row per tracked new lesion to assess at a visit (``ReadingSession.tracked_at``):
    id, location, organ, kind (``NLT`` or ``NLNT``, ``node`` added for a nodal one), its value
    at the visit and whether it increased."""
    rows = []
    for lesion, listing in tracked:
        kind = "NLT" if lesion.kind == "target" else "NLNT"
        if lesion.nodal:
            kind += " node"
        rows.append(
            (
                lesion.new_lesion_id,
                lesion.location,
                lesion.organ,
                kind,
                new_lesion_value_text(listing),
                "yes" if listing and listing.get("increased") else "",
            )
        )
    return rows


def new_lesion_value_text(listing: dict[str, Any] | None) -> str:
    """``12.0 mm``, a status, or ``not assessed``."""
    if listing is None:
        return NOT_ASSESSED
    if listing.get("diameter_mm") is not None:
        return f"{listing['diameter_mm']:.1f} mm"
    return str(listing.get("status") or "present").replace("_", " ")


def criteria_to_compare(record: dict[str, Any]) -> tuple[str, ...]:
    """RECIST 1.1 and iRECIST, and mRECIST when the record is an mRECIST read (its primary
    criteria, or mRECIST fields on its lesions or measurements, design.md §7a)."""
    mrecist = record.get("criteria") == "mRECIST" or any(
        lesion.get("lesion_type", "other") != "other" or "mrecist_kind" in lesion
        for lesion in record.get("lesions", ())
    )
    if not mrecist:
        mrecist = any(
            key in measurement
            for visit in record.get("visits", ())
            for measurement in visit.get("measurements", ())
            for key in ("viable_diameter_mm", "viable_status", "enhancing", "mrecist_status")
        )
    return tuple(name for name in COMPARED_CRITERIA if name != "mRECIST" or mrecist)


def comparison_rows(responses: dict[str, dict[str, Any] | None]) -> list[tuple[str, ...]]:
    """One row per follow-up: visit, date, then each criteria's overall response (``–`` where
    a criteria could not score the read yet)."""
    visits: dict[str, tuple[str, dict[str, str]]] = {}
    for name, response in responses.items():
        for visit in (response or {}).get("visits", ()):
            date, calls = visits.setdefault(visit["visit_id"], (visit["date"], {}))
            calls[name] = _overall_text(visit)
    ordered = sorted(visits.items(), key=lambda item: item[1][0])
    return [
        (visit_id, date, *(calls.get(name, "–") for name in responses))
        for visit_id, (date, calls) in ordered
    ]


def _overall_text(visit: dict[str, Any]) -> str:
    text = visit["overall"]
    if visit.get("disregarded"):
        text += " (early scan)"
    return text


def best_response_text(responses: dict[str, dict[str, Any] | None]) -> str:
    """``Best overall response (confirmed / unconfirmed): RECIST 1.1 PD / PD; iRECIST iPR /
    iPR``."""
    parts = []
    for name, response in responses.items():
        if response is None:
            parts.append(f"{name} not scored yet")
            continue
        best = response["best_overall_response"]
        parts.append(f"{name} {best['confirmed']} / {best['unconfirmed']}")
    return "Best overall response (confirmed / unconfirmed): " + "; ".join(parts)


def episode_lines(response: dict[str, Any] | None) -> list[str]:
    """Each iUPD episode of an iRECIST response in words: its basis, when it opened (and the
    sighting it is dated to), and whether a later visit confirmed it (by which trigger), reset
    it, or left it open; then the iPFS event."""
    if response is None or response.get("criteria") != "iRECIST":
        return []
    by_id = {visit["visit_id"]: visit for visit in response["visits"]}
    lines = []
    for episode in response.get("iupd_episodes", ()):
        opened = by_id[episode["iupd_visit_id"]]
        basis = ", ".join(_BASIS_TEXT[b] for b in episode["basis"])
        text = f"iUPD at {opened['visit_id']} ({opened['date']}) by {basis}"
        if episode["dated_visit_id"] != episode["iupd_visit_id"]:
            text += f", dated to {episode['dated_visit_id']} (first seen as equivocal)"
        closed = by_id.get(episode["closed_visit_id"] or "")
        if episode["outcome"] == "confirmed" and closed is not None:
            why = "; ".join(_TRIGGER_TEXT.get(t, t) for t in closed["icpd_triggers"])
            text += f": confirmed at {closed['visit_id']} (iCPD: {why})"
        elif episode["outcome"] == "reset" and closed is not None:
            text += f": reset at {closed['visit_id']} ({closed['overall']}), not confirmed"
        else:
            days = response["config"].get("icpd_min_days", 28)
            text += f": open, to be confirmed at a scan {days} days or more after it"
        lines.append(text)
    progression = response.get("progression")
    if progression is not None:
        kind = "confirmed" if progression.get("confirmed") else "not confirmed"
        lines.append(f"iPFS event on {progression['date']} ({kind})")
    return lines
