"""The central-review section of the cohort report (``cohort --source ... --out DIR``)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from recist_reader.review.cohort_source import SourceCohort
from recist_reader.review.text import EDR_LDR_LABEL, describe_trigger


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return html.escape(str(value))


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="review"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def central_review_section(result: SourceCohort) -> str:
    """HTML: statuses, agreement statistics, each reader's figures, patients and EDR/LDR."""
    review = result.review.as_json()
    agreement = review["agreement"]
    counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in review["status_counts"].items())
    source = {
        "central": "each patient's central read of record",
        "R1": "each patient's R1 read (sensitivity analysis)",
        "R2": "each patient's R2 read (sensitivity analysis)",
    }[result.source]
    parts = [
        f"<h2>Central review (source: {html.escape(result.source)})</h2>",
        f"<p>Endpoints above are computed from {source}. {review['n_patients']} patients "
        f"reviewed: {html.escape(counts)}. {len(result.pending)} pending patient(s) are left "
        "out of every endpoint.</p>",
    ]
    alpha = review["options"]["alpha"]
    confidence = f"{100 * (1 - alpha):g} %"
    rows: list[list[Any]] = [
        ["Pairs (two complete valid reads)", agreement["n_pairs"]],
        [
            f"Adjudication rate (exact {confidence} CI)",
            f"{agreement['n_discordant']}/{agreement['n_pairs']} = {_pct(agreement['adjudication_rate'])} "
            f"({_pct(agreement['ci_low'])} to {_pct(agreement['ci_high'])})",
        ],
    ]
    rows += [[f"Discordant on {k}", v] for k, v in agreement["by_trigger"].items()]
    for kind, block in agreement["bor"].items():
        rows.append(
            [
                f"Cohen's kappa, {kind} BOR (p_o / p_e)",
                f"{_cell(block['kappa'])} ({_cell(block['p_o'])} / {_cell(block['p_e'])})",
            ]
        )
        rows.append([f"Cohen's kappa, responder ({kind})", block["responder"]["kappa"]])
    pd = agreement["pd"]
    rows.append(
        [
            "PD: both / R1 only / R2 only / neither",
            f"{pd['both']} / {pd['r1_only']} / {pd['r2_only']} / {pd['neither']}",
        ]
    )
    rows.append(["PD status agreement", _pct(pd["status_agreement"])])
    for days, window in pd["windows_days"].items():
        rows.append([
            f"PD dates within {days} days (of both-PD / of any-PD)",
            f"{window['n_within']} ({_pct(window['rate_given_both'])} / {_pct(window['rate_given_any'])})",
        ])  # fmt: skip
    timepoint = agreement["timepoint"]
    rows.append([f"Timepoint kappa ({timepoint['n']} visit pairs)", timepoint["kappa"]])
    parts += ["<h3>Agreement</h3>", _table(["Statistic", "Value"], rows)]
    readers = [
        [
            reader_id,
            m["n_reads"],
            m["n_adjudicated"],
            m["n_selected"],
            m["aar"],
            f"{m['rdi_pct']:.1f}",
        ]
        for reader_id, m in agreement["readers"].items()
    ]
    parts += [
        "<h3>Readers</h3>",
        _table(["Reader", "Reads", "Adjudicated", "Selected", "AAR", "RDI (%)"], readers),
        '<p class="note">AAR = selected / adjudicated (required adjudications only); RDI = 100 × '
        "(adjudicated − selected) / reads.</p>",
    ]
    patients = [
        [
            p["patient_id"],
            p["status"],
            "; ".join(describe_trigger(k, v) for k, v in p["discordance"].items()) or "–",
            "–" if p["central"] is None else f"{p['central']['source']} ({p['central']['basis']})",
            "; ".join(item["code"] for item in p["problems"]) or "–",
        ]
        for p in review["patients"]
    ]
    parts += [
        "<h3>Patients</h3>",
        _table(["Patient", "Status", "Triggers", "Central read", "Problems"], patients),
    ]
    blocks = review["investigator_vs_central"]
    edr = [
        [key, b["n"], b["a1_inv_earlier"], b["a2_same"], b["a3_inv_later"], b["b_inv_only"],
         b["c_central_only"], b["d_neither"], b["edr"], b["ldr"]]
        for key, b in blocks.items()
    ]  # fmt: skip
    parts += [
        "<h3>Investigator vs central</h3>",
        _table(
            [
                "Group",
                "n",
                "a1 inv. earlier",
                "a2 same",
                "a3 inv. later",
                "b inv. only",
                "c central only",
                "d neither",
                "EDR",
                "LDR",
            ],
            edr,
        ),  # fmt: skip
        f'<p class="note">{html.escape(EDR_LDR_LABEL)}: EDR = (a1 + b)/(a1 + a2 + a3 + b); '
        "LDR = (a3 + c)/(a1 + a3 + b + c).</p>",
    ]
    return "".join(parts)
