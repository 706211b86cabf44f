"""The cohort report: one self-contained HTML page, the summary JSON, CSV tables and plots."""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from recist_reader import __version__
from recist_reader.cohort.criteria_labels import endpoint_labels
from recist_reader.cohort.patients import PatientEndpoints
from recist_reader.cohort.summary import CohortCurves
from recist_reader.cohort.survival import DAYS_PER_MONTH
from recist_reader.cohort.tables import write_tables

MAX_PATIENT_ROWS_IN_HTML = 200

_FIGURE_TITLES = {
    "waterfall": "Waterfall plot",
    "spider": "Spider plot",
    "swimmer": "Swimmer plot",
    "km_pfs": "Progression-free survival",
    "km_dor": "Duration of response",
    "km_os": "Overall survival",
}

_METHODS = (
    "ORR = (CR + PR) / n and DCR = (CR + PR + SD + NonCR/NonPD) / n, n = every scored patient "
    "(intention to treat; NE is a non-responder), with exact two-sided 95 % Clopper–Pearson "
    "intervals.",
    "Times are calendar days from baseline (1 month = 365.25/12 days). PFS: event at RECIST "
    "progression (R14) or at death without progression; censored at the last evaluable "
    "assessment. DoR (confirmed responders): first CR/PR to progression (or death), censored "
    "at the last evaluable assessment. OS: death; censored at the last known alive date or "
    "the last visit.",
    "Kaplan–Meier estimates (scipy.stats.ecdf); pointwise 95 % limits by the log-log "
    "transform of Greenwood's variance; median 95 % CI by Brookmeyer–Crowley with the same "
    "transform; NR = not reached.",
)

_STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em;
     border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f2f2f2; }
.invalid td { text-align: left; color: #a00; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
.note { color: #555; font-size: 0.85em; }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, css: str = "") -> str:
    head = "".join(f"<th>{_e(cell)}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _days(value: float | None) -> str:
    if value is None:
        return "NR"
    return f"{value:g} d ({value / DAYS_PER_MONTH:.1f} mo)"


def _rate(block: dict[str, Any] | None) -> str:
    if block is None:
        return "–"
    low, high = block["ci_low"], block["ci_high"]
    limits = "" if low is None else f" ({_pct(low)}–{_pct(high)})"
    return f"{_pct(block['survival'])}{limits}"


def _response_tables(summary: dict[str, Any]) -> str:
    n = summary["n_scored"]
    bor_rows = [
        [kind, *(f"{count} ({_pct(count / n) if n else '–'})" for count in counts.values())]
        for kind, counts in summary["best_overall_response"].items()
    ]
    rate_rows = [
        [
            title,
            kind,
            f"{block['responders']} / {block['n']}",
            _pct(block["rate"]),
            f"{_pct(block['ci_low'])} – {_pct(block['ci_high'])}",
        ]
        for name, title in (("orr", "ORR"), ("dcr", "DCR"))
        for kind, block in summary[name].items()
    ]
    return (
        "<h2>Best overall response</h2>"
        + _table(["BOR", *summary["best_overall_response"]["confirmed"]], bor_rows)
        + "<h2>Response rates</h2>"
        + _table(["Endpoint", "BOR", "Responders / n", "Rate", "95 % CI (exact)"], rate_rows)
    )


def _survival_table(summary: dict[str, Any]) -> str:
    rows = []
    for name, title in (("pfs", "PFS"), ("dor", "Duration of response"), ("os", "OS")):
        block = summary[name]
        if block is None:
            rows.append([title, "–", "–", "no death or last-known-alive dates", "", "", ""])
            continue
        rows.append(
            [
                title,
                block["n"],
                block["events"],
                _days(block["median_days"]),
                f"{_days(block['ci_low_days'])} – {_days(block['ci_high_days'])}",
                _rate(block["rate_6_months"]),
                _rate(block["rate_12_months"]),
            ]
        )
    ttr = summary["time_to_response"]
    note = (
        ""
        if ttr is None
        else f"<p>Time to response (confirmed responders, n = {ttr['n']}): median "
        f"{_days(ttr['median_days'])}, range {ttr['min_days']}–{ttr['max_days']} days.</p>"
    )
    deaths = summary["pfs"].get("deaths", 0)
    return (
        "<h2>Time to event</h2>"
        + _table(
            [
                "Endpoint",
                "n",
                "Events",
                "Median",
                "95 % CI",
                "6 months (95 % CI)",
                "12 months (95 % CI)",
            ],
            rows,
        )
        + f'<p class="note">PFS events include {deaths} death(s) without progression.</p>'
        + note
    )


def _patient_table(patients: Sequence[PatientEndpoints]) -> str:
    if len(patients) > MAX_PATIENT_ROWS_IN_HTML:
        return (
            f"<h2>Patients</h2><p>{len(patients)} patients: see per_patient.csv and "
            "per_visit.csv.</p>"
        )
    rows = [
        [
            p.patient_id,
            p.bor_confirmed,
            p.bor_unconfirmed,
            "–" if p.best_pct_change is None else f"{p.best_pct_change:+.1f} %",
            p.pfs_days,
            p.pfs_cause or "censored",
            "–" if p.dor_days is None else f"{p.dor_days}{'' if p.dor_event else '+'}",
            f"{p.os_days}{'' if p.os_event else '+'}",
        ]
        for p in patients
    ]
    return (
        "<h2>Patients</h2>"
        + _table(
            [
                "Patient",
                "BOR (confirmed)",
                "BOR (unconfirmed)",
                "Best change",
                "PFS days",
                "PFS event",
                "DoR days",
                "OS days",
            ],
            rows,
        )
        + '<p class="note">+ = censored.</p>'
    )


def _sdtm_section(sdtm: dict[str, Any] | None, folder: Path | None) -> str:
    """Where the statisticians' SDTM datasets are, or how to write them (sdtm.md)."""
    head = "<h2>SDTM datasets (TU, TR, RS)</h2>"
    if sdtm is None:
        return head + (
            "<p>CDISC SDTM tumour identification, results and response datasets of every "
            "read (SAS XPORT v5 and CSV, RECIST 1.1): <code>recist-reader export-sdtm "
            "RECORDS… --out sdtm --study-id ID</code>, or <code>recist-reader cohort RECORDS… "
            "--out DIR --sdtm</code> to write them beside this report.</p>"
        )
    if sdtm.get("problems"):
        return (
            head
            + "<p>Not written: the export refused the records.</p>"
            + _table(
                ["Problem (file: field: fix)"], [[line] for line in sdtm["problems"]], css="invalid"
            )
        )
    links = []
    for path in sdtm["files"]:
        name = Path(path)
        href = Path(os.path.relpath(name, folder)).as_posix() if folder else name.as_posix()
        links.append(f'<a href="{_e(href)}">{_e(name.name)}</a>')
    rows = sdtm["rows"]
    warnings = "".join(f"<li>{_e(line)}</li>" for line in sdtm.get("warnings", ()))
    return (
        head
        + f"<p>{', '.join(links)}: TU {rows['TU']}, TR {rows['TR']}, RS {rows['RS']} rows. "
        + 'In R: <code>haven::read_xpt("sdtm/rs.xpt")</code>; the accepted central read is '
        + '<code>RSEVAL == "INDEPENDENT ASSESSOR" &amp; RSACPTFL == "Y"</code>.</p>'
        + (f'<ul class="note">{warnings}</ul>' if warnings else "")
    )


def _methods(criteria: str | None) -> tuple[str, ...]:
    """The methods paragraph, in the labels of ``criteria`` (iRECIST: I9, I11–I13)."""
    if criteria != "iRECIST":
        return _METHODS
    labels = endpoint_labels(criteria)
    return (
        f"iRECIST (irecist-rules.md): ORR = ({labels.response_text.replace('+', ' + ')}) / n "
        f"and DCR = ({labels.disease_control_text.replace('+', ' + ')}) / n, n = every scored "
        "patient (intention to treat; NE, iUPD and iCPD are non-responders), with exact "
        "two-sided 95 % Clopper–Pearson intervals.",
        "Times are calendar days from baseline (1 month = 365.25/12 days). iPFS: event at the "
        "first iUPD of the confirmed episode (I9.1), or at an iUPD never confirmed when "
        "unconfirmed_iupd_pfs makes it one (I9.2), or at death without progression; an iUPD "
        "that was reset is no event; censored at the last evaluable assessment. iDoR "
        "(confirmed responders): first iCR/iPR to the iPFS event (or death), censored at the "
        "last evaluable assessment (I13). OS: death; censored at the last known alive date or "
        "the last visit.",
        _METHODS[2],
    )


def report_html(
    summary: dict[str, Any],
    patients: Sequence[PatientEndpoints],
    figures_png: dict[str, bytes],
    *,
    title: str | None = None,
    sections: Sequence[str] = (),
    sdtm: dict[str, Any] | None = None,
    folder: Path | None = None,
) -> str:
    """The self-contained report page: tables, embedded PNG plots, methods and options.

    ``sections`` are HTML sections added before the methods (e.g. the central review's).
    """
    if title is None:
        criteria = {"RECIST1.1": "RECIST 1.1"}.get(summary.get("criteria"), summary.get("criteria"))
        title = f"{criteria or 'RECIST 1.1'} cohort report"
    invalid = summary["invalid"]
    invalid_html = (
        f"<h2>Invalid records ({len(invalid)}, not in the analysis)</h2>"
        + _table(["File", "Problems"], [[i["file"], i["error"]] for i in invalid], css="invalid")
        if invalid
        else ""
    )
    figures = "".join(
        f'<figure><img alt="{_e(_FIGURE_TITLES.get(stem, stem))}" '
        f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}"></figure>'
        for stem, png in figures_png.items()
    )
    methods = "".join(f"<li>{_e(line)}</li>" for line in _methods(summary.get("criteria")))
    generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>{_e(title)}</h1>"
        f"<p>{summary['n_scored']} patients scored, {summary['n_invalid']} invalid of "
        f'{summary["n_records"]} record files. <span class="note">recist-reader {__version__}, '
        f"{generated}.</span></p>"
        + _response_tables(summary)
        + _survival_table(summary)
        + invalid_html
        + "<h2>Plots</h2>"
        + figures
        + _patient_table(patients)
        + "".join(sections)
        + _sdtm_section(sdtm, folder)
        + f"<h2>Methods</h2><ul>{methods}</ul>"
        + "<h2>Scoring options</h2>"
        + _table(["Option", "Value"], [[k, json.dumps(v)] for k, v in summary["config"].items()])
        + "</body></html>\n"
    )


def write_report(
    folder: str | os.PathLike[str],
    summary: dict[str, Any],
    patients: Sequence[PatientEndpoints],
    curves: CohortCurves,
    *,
    sections: Sequence[str] = (),
    sdtm: dict[str, Any] | None = None,
) -> Path:
    """Write ``report.html``, ``summary.json``, ``per_patient.csv``, ``per_visit.csv`` and
    ``plots/<name>.png|svg`` into ``folder``; return the HTML path. ``sections``: extra
    HTML sections of the report (:func:`report_html`); ``sdtm``: what
    :func:`~recist_reader.interop.sdtm.export_sdtm_files` wrote beside it (or
    ``{"problems": [...]}``), linked from the report."""
    from recist_reader.cohort.plots import cohort_figures, save_figure

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    write_tables(folder, patients)
    figures_png = {
        stem: save_figure(figure, folder / "plots", stem)
        for stem, figure in cohort_figures(patients, curves).items()
    }
    page = folder / "report.html"
    page.write_text(
        report_html(summary, patients, figures_png, sections=sections, sdtm=sdtm, folder=folder),
        encoding="utf-8",
    )
    return page
