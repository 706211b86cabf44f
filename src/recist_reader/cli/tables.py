"""Readable per-patient tables of a response (``recist-reader score`` without ``--json``)."""

from __future__ import annotations

from typing import Any

_COLUMNS = (
    ("Visit", "<"),
    ("Date", "<"),
    ("Day", ">"),
    ("Sum mm", ">"),
    ("vs BL %", ">"),
    ("vs nadir %", ">"),
    ("Target", "<"),
    ("Non-target", "<"),
    ("New", "<"),
    ("Overall", "<"),
)


def _number(value: float | None, decimals: int = 1, *, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.{decimals}f}" if signed else f"{value:.{decimals}f}"


def _new_lesion_cell(visit: dict[str, Any]) -> str:
    if visit["new_lesions"]:
        return "yes"
    return "equivocal" if visit["equivocal_new_lesions"] else "no"


def format_response_table(response: dict[str, Any]) -> str:
    """The response of one patient as a fixed-width table with BOR, progression and notes."""
    decimals = response["config"]["pct_decimals"]
    baseline = response["baseline"]
    rows = []
    for visit in response["visits"]:
        if visit["sum_mm"] is not None:
            total = _number(visit["sum_mm"])
        elif visit["partial_sum_mm"] is not None:
            total = f"({_number(visit['partial_sum_mm'])})"
        else:
            total = "-"
        rows.append(
            (
                visit["visit_id"],
                visit["date"],
                str(visit["day"]),
                total,
                _number(visit["pct_change_baseline"], decimals, signed=True),
                _number(visit["pct_change_nadir"], decimals, signed=True),
                visit["target"],
                visit["non_target"],
                _new_lesion_cell(visit),
                visit["overall"],
            )
        )
    widths = [
        max([len(name), *(len(row[i]) for row in rows)])  # a baseline-only record has no rows
        for i, (name, _) in enumerate(_COLUMNS)
    ]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            f"{cell:{align}{width}}" for cell, (_, align), width in zip(cells, _COLUMNS, widths)
        ).rstrip()

    baseline_sum = (
        "no targets" if baseline["sum_mm"] is None else f"sum {_number(baseline['sum_mm'])} mm"
    )
    out = [
        f"Patient {response['patient_id']}  ({response['criteria']})  baseline {baseline['visit_id']} "
        f"{baseline['date']}, {baseline_sum}",
        line(tuple(name for name, _ in _COLUMNS)),
        line(tuple("-" * w for w in widths)),
    ]
    out.extend(line(row) for row in rows)
    if not rows:
        out.append("(no follow-up visits)")
    bor = response["best_overall_response"]
    out.append(
        f"Best overall response: confirmed {bor['confirmed']}, unconfirmed {bor['unconfirmed']}"
    )
    progression = response["progression"]
    if progression is None:
        out.append(f"Progression: none; PFS censored at {response['pfs']['date']}")
    else:
        dated = (
            f", dated to {progression['dated_visit_id']}"
            if progression["dated_visit_id"] != progression["visit_id"]
            else ""
        )
        out.append(
            f"Progression: {progression['date']} (declared at {progression['visit_id']}{dated})"
        )
    dor = response["duration_of_response"]
    if dor is not None:
        state = "censored" if dor["censored"] else "ended by PD"
        out.append(
            f"Duration of response: {dor['start_date']} to {dor['end_date']}, {dor['days']} days ({state})"
        )
    notes = [f"  {baseline['visit_id']}: {note}" for note in baseline.get("notes", [])]
    for visit in response["visits"]:
        notes.extend(f"  {visit['visit_id']}: {note}" for note in visit["notes"])
    if notes:
        out.append("Notes:")
        out.extend(notes)
    return "\n".join(out) + "\n"
