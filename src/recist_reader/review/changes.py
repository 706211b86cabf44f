"""What changed in a read between two saves, as audit entries would record it (design.md §9.3).

The reader mode appends one audit entry per changed value at every save: a first value is a
``create`` (no reason needed), a changed saved value a ``modify`` and a removed one a
``delete`` (both need a reason by default, CRV13). Locks live in their own entries, so
``locked_at`` is not a change; ``read`` and ``audit`` are not part of the values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Keys that are not values of the read: its header and trail, and who reads it (the read's
#: header names the reader; the reading widget writes it into the record as well).
_NOT_VALUES = frozenset({"read", "audit", "reader"})
#: Keys of a visit that are not values of the read: its lock, and its registration to the
#: baseline (a display aid, recomputable, design.md §11).
VISIT_NOT_VALUES = frozenset({"locked_at", "registration"})
_VISIT_NOT_VALUES = frozenset({"visit_id", "measurements", "new_lesions"}) | VISIT_NOT_VALUES
#: What the reading widget keeps with a visit's series for the next opening (where it was
#: loaded from, the window last used): display state, not values of the read.
SERIES_DISPLAY_KEYS = frozenset({"source", "window_center", "window_width"})
#: Who measured and when: the audit entry says it already.
_MEASUREMENT_NOT_VALUES = frozenset({"lesion_id", "reader", "measured_at"})
_MISSING = object()


@dataclass(frozen=True)
class Change:
    """One changed value.

    Attributes
    ----------
    action : str
        ``create``, ``modify`` or ``delete``.
    visit_id : str or None
        The visit it belongs to; None for the lesion list and patient-level fields.
    field : str
        Its path in the visit (``measurements[T1].diameter_mm``) or the record (``lesions[T2]``).
    old, new : Any
        The values before and after (None for a value that did not exist).
    """

    action: str
    visit_id: str | None
    field: str
    old: Any = None
    new: Any = None

    @property
    def needs_reason(self) -> bool:
        """A saved value changed or removed (CRV13)."""
        return self.action in ("modify", "delete")

    def entry(self, *, by: str, at: str, reason: str | None = None) -> dict[str, Any]:
        """The audit entry of this change (without ``prev``)."""
        entry: dict[str, Any] = {
            "at": at, "by": by, "action": self.action, "visit_id": self.visit_id, "field": self.field,
        }  # fmt: skip
        if self.action != "create":
            entry["old"] = self.old
        if self.action != "delete":
            entry["new"] = self.new
        if reason:
            entry["reason"] = reason
        return entry


def visit_values(visit: Mapping[str, Any]) -> dict[str, Any]:
    """A visit's values of the read: without its lock, registration and display state."""
    values = {k: v for k, v in visit.items() if k not in VISIT_NOT_VALUES}
    if isinstance(values.get("series"), list):
        values["series"] = [
            {k: v for k, v in entry.items() if k not in SERIES_DISPLAY_KEYS}
            if isinstance(entry, Mapping)
            else entry
            for entry in values["series"]
        ]
    return values


def read_values(record: Mapping[str, Any]) -> dict[str, Any]:
    """A read's record-level values (the lesion list, dates...), without its visits."""
    return {k: v for k, v in record.items() if k not in _NOT_VALUES and k != "visits"}


def _compare(
    before: Any, after: Any, *, visit_id: str | None, field: str, out: list[Change]
) -> None:
    if before is _MISSING and after is _MISSING:
        return
    if before is _MISSING:
        out.append(Change("create", visit_id, field, None, after))
    elif after is _MISSING:
        out.append(Change("delete", visit_id, field, before, None))
    elif before != after:
        out.append(Change("modify", visit_id, field, before, after))


def _keyed(items: Any, key: str) -> dict[str, Mapping[str, Any]]:
    return {item[key]: item for item in items or [] if isinstance(item, Mapping) and key in item}


def _compare_mappings(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    visit_id: str | None,
    prefix: str,
    skip: frozenset[str],
    out: list[Change],
) -> None:
    for key in [*before, *(k for k in after if k not in before)]:
        if key in skip:
            continue
        _compare(
            before.get(key, _MISSING), after.get(key, _MISSING),
            visit_id=visit_id, field=f"{prefix}{key}", out=out,
        )  # fmt: skip


def record_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """The values that differ between two versions of a read, field by field.

    Lesions are matched by ``lesion_id``, visits by ``visit_id``, measurements by the lesion
    they measure, new lesions by position; an added or removed lesion, visit or new lesion is
    one change holding the whole object.
    """
    changes: list[Change] = []
    _compare_mappings(
        before, after, visit_id=None, prefix="",
        skip=_NOT_VALUES | {"lesions", "visits"}, out=changes,
    )  # fmt: skip
    lesions_before, lesions_after = (
        _keyed(before.get("lesions"), "lesion_id"),
        _keyed(after.get("lesions"), "lesion_id"),
    )
    for lesion_id in [*lesions_before, *(k for k in lesions_after if k not in lesions_before)]:
        old, new = lesions_before.get(lesion_id), lesions_after.get(lesion_id)
        if old is None or new is None:
            _compare(
                old or _MISSING,
                new or _MISSING,
                visit_id=None,
                field=f"lesions[{lesion_id}]",
                out=changes,
            )
        else:
            _compare_mappings(
                old,
                new,
                visit_id=None,
                prefix=f"lesions[{lesion_id}].",
                skip=frozenset(),
                out=changes,
            )
    visits_before, visits_after = (
        _keyed(before.get("visits"), "visit_id"),
        _keyed(after.get("visits"), "visit_id"),
    )
    for visit_id in [*visits_before, *(k for k in visits_after if k not in visits_before)]:
        old, new = visits_before.get(visit_id), visits_after.get(visit_id)
        old = None if old is None else visit_values(old)
        new = None if new is None else visit_values(new)
        if old is None or new is None:
            value = old or new
            _compare(
                _MISSING if old is None else value, _MISSING if new is None else value,
                visit_id=visit_id, field=f"visits[{visit_id}]", out=changes,
            )  # fmt: skip
            continue
        _compare_mappings(
            old, new, visit_id=visit_id, prefix="", skip=_VISIT_NOT_VALUES, out=changes
        )
        measured_before, measured_after = (
            _keyed(old.get("measurements"), "lesion_id"),
            _keyed(new.get("measurements"), "lesion_id"),
        )
        for lesion_id in [
            *measured_before,
            *(k for k in measured_after if k not in measured_before),
        ]:
            _compare_mappings(
                measured_before.get(lesion_id, {}), measured_after.get(lesion_id, {}),
                visit_id=visit_id, prefix=f"measurements[{lesion_id}].",
                skip=_MEASUREMENT_NOT_VALUES, out=changes,
            )  # fmt: skip
        new_before, new_after = old.get("new_lesions") or [], new.get("new_lesions") or []
        for index in range(max(len(new_before), len(new_after))):
            _compare(
                new_before[index] if index < len(new_before) else _MISSING,
                new_after[index] if index < len(new_after) else _MISSING,
                visit_id=visit_id, field=f"new_lesions[{index}]", out=changes,
            )  # fmt: skip
    return changes
