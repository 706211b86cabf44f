"""One cohort read under several criteria, side by side (design.md §7.3; issue 11 part 5).

The endpoints of each criteria in one table, the concordance of each patient's best overall
response between two criteria (patients per cell, e.g. RECIST 1.1 × mRECIST) and a waterfall
per criteria. :func:`write_comparison_report` writes ``report.html`` (with links to each
criteria's full report in its own folder), ``summary.json`` (the combined object of §7.3)
and ``concordance_<A>_<B>.csv``.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recist_reader import __version__
from recist_reader.cohort.criteria_labels import endpoint_labels
from recist_reader.cohort.patients import PatientEndpoints
from recist_reader.cohort.report import _days, _e, _pct, _table
from recist_reader.cohort.summary import BOR_KINDS, CohortCurves

__all__ = [
    "CriteriaResult",
    "Concordance",
    "bor_concordance",
    "comparison_html",
    "write_comparison_report",
]

CRITERIA_TITLES = {"RECIST1.1": "RECIST 1.1", "mRECIST": "mRECIST", "iRECIST": "iRECIST"}


@dataclass(frozen=True)
class CriteriaResult:
    """A cohort scored under one criteria: its summary (§5), patients and curves."""

    criteria: str
    summary: dict[str, Any]
    patients: Sequence[PatientEndpoints]
    curves: CohortCurves


@dataclass(frozen=True)
class Concordance:
    """Best overall responses of the same patients under two criteria.

    Attributes
    ----------
    rows, columns : str
        The criteria of the rows and of the columns.
    kind : str
        ``confirmed`` or ``unconfirmed``.
    row_labels, column_labels : tuple of str
        Each criteria's best-response labels, best first.
    counts : dict
        ``counts[row_label][column_label]``: patients with those two best responses.
    n : int
        Patients scored under both criteria (matched by ``patient_id``).
    agreement : int
        Patients whose two best responses are the same (the same label, or its counterpart:
        RECIST 1.1 SD and iRECIST iSD; iUPD and iCPD are PD).
    responder_agreement : int
        Patients who are responders under both or neither (each criteria's ORR numerator).
    """

    rows: str
    columns: str
    kind: str
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    counts: dict[str, dict[str, int]]
    n: int
    agreement: int
    responder_agreement: int


def bor_concordance(
    rows: CriteriaResult, columns: CriteriaResult, *, kind: str = "confirmed"
) -> Concordance:
    """The concordance table of best overall response between two criteria.

    Patients are matched by ``patient_id``; a patient scored under only one of them (a record
    invalid under the other) is left out of ``n``.
    """
    if kind not in BOR_KINDS:
        raise ValueError(f"kind must be one of {BOR_KINDS}, got {kind!r}")
    row_labels = endpoint_labels(rows.criteria)
    column_labels = endpoint_labels(columns.criteria)
    counts = {a: dict.fromkeys(column_labels.best_response, 0) for a in row_labels.best_response}
    by_id = {p.patient_id: p for p in columns.patients}
    n = agreement = responders = 0
    for patient in rows.patients:
        other = by_id.get(patient.patient_id)
        if other is None:
            continue
        a, b = _bor(patient, kind), _bor(other, kind)
        counts[a][b] += 1
        n += 1
        agreement += row_labels.same(a, column_labels, b)
        responders += (a in row_labels.response) == (b in column_labels.response)
    return Concordance(
        rows.criteria,
        columns.criteria,
        kind,
        row_labels.best_response,
        column_labels.best_response,
        counts,
        n,
        agreement,
        responders,
    )


def _bor(patient: PatientEndpoints, kind: str) -> str:
    return patient.bor_confirmed if kind == "confirmed" else patient.bor_unconfirmed


def _title(criteria: str) -> str:
    return CRITERIA_TITLES.get(criteria, criteria)


def _rate(block: dict[str, Any]) -> str:
    if block["rate"] is None:
        return f"{block['responders']}/{block['n']}"
    return (
        f"{block['responders']}/{block['n']} = {_pct(block['rate'])} "
        f"({_pct(block['ci_low'])}–{_pct(block['ci_high'])})"
    )


def _median(block: dict[str, Any] | None) -> str:
    if block is None:
        return "–"
    if block["n"] == 0:
        return "no patients"
    return f"{_days(block['median_days'])}; {block['events']} events / {block['n']}"


def endpoint_rows(results: Sequence[CriteriaResult]) -> list[list[str]]:
    """Rows of the side-by-side endpoint table: one column per criteria."""
    rows: list[list[str]] = [
        ["Patients scored", *(str(r.summary["n_scored"]) for r in results)],
        ["Invalid records", *(str(r.summary["n_invalid"]) for r in results)],
    ]
    for name, title in (("orr", "ORR"), ("dcr", "DCR")):
        for kind in BOR_KINDS:
            rows.append(
                [f"{title}, {kind} BOR (95 % CI)", *(_rate(r.summary[name][kind]) for r in results)]
            )
    for name, title in (("pfs", "PFS median"), ("dor", "DoR median"), ("os", "OS median")):
        rows.append([title, *(_median(r.summary[name]) for r in results)])
    for label_index in range(max(len(endpoint_labels(r.criteria).best_response) for r in results)):
        cells = []
        for result in results:
            labels = endpoint_labels(result.criteria).best_response
            if label_index < len(labels):
                label = labels[label_index]
                count = result.summary["best_overall_response"]["confirmed"].get(label, 0)
                cells.append(f"{label}: {count}")
            else:
                cells.append("")
        rows.append(["Confirmed BOR" if label_index == 0 else "", *cells])
    return rows


def concordance_html(table: Concordance) -> str:
    """The concordance table: rows one criteria, columns the other, patients per cell, the
    agreeing cells bold."""
    head = "".join(f"<th>{_e(label)}</th>" for label in table.column_labels)
    rows, columns = endpoint_labels(table.rows), endpoint_labels(table.columns)
    body = ""
    for row in table.row_labels:
        cells = "".join(
            (_SAME_CELL if rows.same(row, columns, column) else "<td>")
            + f"{table.counts[row][column]}</td>"
            for column in table.column_labels
        )
        total = sum(table.counts[row].values())
        body += f"<tr><th>{_e(row)}</th>{cells}<td>{total}</td></tr>"
    totals = "".join(
        f"<td>{sum(table.counts[row][column] for row in table.row_labels)}</td>"
        for column in table.column_labels
    )
    body += f"<tr><th>Total</th>{totals}<td>{table.n}</td></tr>"
    rows_title, columns_title = _title(table.rows), _title(table.columns)
    agreement = (
        f"{table.agreement}/{table.n} ({_pct(table.agreement / table.n)})" if table.n else "–"
    )
    responders = (
        f"{table.responder_agreement}/{table.n} ({_pct(table.responder_agreement / table.n)})"
        if table.n
        else "–"
    )
    return (
        f"<h3>{_e(rows_title)} × {_e(columns_title)}, {table.kind} best overall response</h3>"
        f'<table class="concordance"><thead><tr><th>{_e(rows_title)} ↓ / {_e(columns_title)} →'
        f"</th>{head}<th>Total</th></tr></thead><tbody>{body}</tbody></table>"
        f'<p class="note">Same best overall response: {agreement}; responder under both or '
        f"neither: {responders}.</p>"
    )


_SAME_CELL = '<td class="same">'

_STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2em auto;
       max-width: 1200px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f2f2f2; }
td.same { font-weight: bold; background: #eef6ee; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; }
.figures figure { flex: 1 1 45%; margin: 0; }
figure img { max-width: 100%; border: 1px solid #eee; }
.note { color: #555; font-size: 0.85em; }
"""


def comparison_html(
    results: Sequence[CriteriaResult],
    concordances: Sequence[Concordance],
    waterfalls_png: dict[str, bytes],
    *,
    links: dict[str, str] | None = None,
) -> str:
    """The self-contained side-by-side page."""
    titles = [_title(r.criteria) for r in results]
    title = f"Cohort report: {' and '.join(titles)} side by side"
    links = links or {}
    link_items = "".join(
        f'<li><a href="{_e(links[r.criteria])}">{_e(_title(r.criteria))} report</a> (tables, '
        "every plot, per-patient and per-visit CSV)</li>"
        for r in results
        if r.criteria in links
    )
    figures = "".join(
        f'<figure><img alt="{_e(_title(criteria))} waterfall" '
        f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}"></figure>'
        for criteria, png in waterfalls_png.items()
    )
    generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{_e(title)}</h1>"
        f'<p>One read of every patient, scored under each criteria. <span class="note">'
        f"recist-reader {__version__}, {generated}.</span></p>"
        "<h2>Endpoints</h2>"
        + _table(["Endpoint", *titles], endpoint_rows(results))
        + "<h2>Concordance of best overall response</h2>"
        + "".join(concordance_html(table) for table in concordances)
        + "<h2>Waterfall plots</h2>"
        + f'<div class="figures">{figures}</div>'
        + (f"<h2>Each criteria</h2><ul>{link_items}</ul>" if link_items else "")
        + "</body></html>\n"
    )


def concordances_of(results: Sequence[CriteriaResult]) -> list[Concordance]:
    """The first criteria against each other one, confirmed and unconfirmed BOR."""
    first, *others = results
    return [bor_concordance(first, other, kind=kind) for other in others for kind in BOR_KINDS]


def write_concordance_csv(path: Path, table: Concordance) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow([f"{table.rows} \\ {table.columns}", *table.column_labels])
        for row in table.row_labels:
            writer.writerow([row, *(table.counts[row][column] for column in table.column_labels)])


def write_comparison_report(
    folder: str | os.PathLike[str], results: Sequence[CriteriaResult], document: dict[str, Any]
) -> Path:
    """Write each criteria's full report into ``folder/<criteria>/`` and the side-by-side
    ``report.html``, ``summary.json`` (``document``, the combined object of §7.3) and the
    concordance CSVs into ``folder``; return the page's path."""
    from recist_reader.cohort.plots import save_figure, waterfall_figure
    from recist_reader.cohort.report import write_report

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    links = {}
    waterfalls = {}
    for result in results:
        page = write_report(
            folder / result.criteria, result.summary, result.patients, result.curves
        )
        links[result.criteria] = page.relative_to(folder).as_posix()
        figure = waterfall_figure(result.patients)  # titled with its criteria
        waterfalls[result.criteria] = save_figure(
            figure, folder / "plots", f"waterfall_{result.criteria}"
        )
    concordances = concordances_of(results)
    for table in concordances:
        write_concordance_csv(
            folder / f"concordance_{table.rows}_{table.columns}_{table.kind}.csv", table
        )
    (folder / "summary.json").write_text(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    page = folder / "report.html"
    page.write_text(
        comparison_html(results, concordances, waterfalls, links=links), encoding="utf-8"
    )
    return page
