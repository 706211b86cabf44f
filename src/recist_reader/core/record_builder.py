"""Build patient records in code: for scripts, tests, benchmarks and sample data.

Examples
--------
>>> builder = RecordBuilder("P1", baseline_date="2024-01-10")
>>> builder.target("T1", organ="liver", baseline_mm=71.0).non_target("NT1", organ="bone")
RecordBuilder('P1')
>>> builder.visit(day=56, T1=49.7, NT1="present").to_dict()["visits"][1]["date"]
'2024-03-06'
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

_Value = float | int | Decimal | str | dict[str, Any] | None


class RecordBuilder:
    """Accumulates lesions and visits into a record dict (design.md §1).

    Parameters
    ----------
    patient_id : str
    baseline_date : str or datetime.date
        ISO date of the baseline visit.
    baseline_visit_id : str
    config : dict, optional
        Scoring option overrides stored in the record.
    criteria : str
        The record's primary criteria (design.md §7.1).
    """

    def __init__(
        self,
        patient_id: str,
        *,
        baseline_date: str | dt.date = "2024-01-01",
        baseline_visit_id: str = "BL",
        config: dict[str, Any] | None = None,
        criteria: str = "RECIST1.1",
    ):
        self.patient_id = patient_id
        self.criteria = criteria
        self.baseline_date = (
            dt.date.fromisoformat(baseline_date)
            if isinstance(baseline_date, str)
            else baseline_date
        )
        self.config = dict(config or {})
        self.lesions: list[dict[str, Any]] = []
        self._baseline: dict[str, Any] = {
            "visit_id": baseline_visit_id,
            "date": self.baseline_date.isoformat(),
            "measurements": [],
            "new_lesions": [],
        }
        self.visits: list[dict[str, Any]] = [self._baseline]

    def __repr__(self) -> str:
        return f"RecordBuilder({self.patient_id!r})"

    def target(
        self,
        lesion_id: str,
        *,
        organ: str,
        baseline_mm: float | int | Decimal,
        nodal: bool = False,
        baseline: dict[str, Any] | None = None,
        **fields: Any,
    ) -> RecordBuilder:
        """Add a target lesion with its baseline diameter (short axis for a node).

        ``baseline`` adds fields to its baseline measurement (e.g. ``viable_diameter_mm``);
        ``fields`` to the lesion (e.g. ``lesion_type``).
        """
        self.lesions.append(
            {"lesion_id": lesion_id, "kind": "target", "organ": organ, "nodal": nodal, **fields}
        )
        self._baseline["measurements"].append(
            {"lesion_id": lesion_id, "diameter_mm": baseline_mm, **(baseline or {})}
        )
        return self

    def non_target(
        self,
        lesion_id: str,
        *,
        organ: str,
        nodal: bool = False,
        baseline: dict[str, Any] | None = None,
        **fields: Any,
    ) -> RecordBuilder:
        """Add a non-target lesion, recorded present at baseline (``baseline`` adds fields to
        that measurement)."""
        self.lesions.append(
            {"lesion_id": lesion_id, "kind": "non-target", "organ": organ, "nodal": nodal, **fields}
        )
        self._baseline["measurements"].append(
            {"lesion_id": lesion_id, "status": "present", **(baseline or {})}
        )
        return self

    def visit(
        self,
        *,
        day: int,
        visit_id: str | None = None,
        new: tuple[str, ...] | list[str] = (),
        equivocal: tuple[str, ...] | list[str] = (),
        new_lesions: list[dict[str, Any]] | None = None,
        **values: _Value,
    ) -> RecordBuilder:
        """Add a follow-up ``day`` days after baseline.

        Keyword values by lesion id: a number is ``diameter_mm``; a string is a ``status``;
        a dict is the measurement's fields; None leaves the lesion out (not evaluated).
        ``new`` and ``equivocal`` list the locations of unequivocal and equivocal new lesions.
        """
        measurements = []
        for lesion_id, value in values.items():
            if value is None:
                continue
            if isinstance(value, dict):
                measurements.append({"lesion_id": lesion_id, **value})
            elif isinstance(value, str):
                measurements.append({"lesion_id": lesion_id, "status": value})
            else:
                measurements.append({"lesion_id": lesion_id, "diameter_mm": value})
        listed = [{"location": loc, "equivocal": False} for loc in new]
        listed += [{"location": loc, "equivocal": True} for loc in equivocal]
        listed += list(new_lesions or [])
        self.visits.append(
            {
                "visit_id": visit_id or f"D{day}",
                "date": (self.baseline_date + dt.timedelta(days=day)).isoformat(),
                "measurements": measurements,
                "new_lesions": listed,
            }
        )
        return self

    def to_dict(self) -> dict[str, Any]:
        """The record as a JSON-ready dict."""
        record: dict[str, Any] = {
            "schema_version": 1,
            "patient_id": self.patient_id,
            "criteria": self.criteria,
            "baseline_date": self.baseline_date.isoformat(),
        }
        if self.config:
            record["config"] = dict(self.config)
        record["lesions"] = [dict(lesion) for lesion in self.lesions]
        record["visits"] = [
            {**visit, "measurements": [dict(m) for m in visit["measurements"]]}
            for visit in self.visits
        ]
        return record
