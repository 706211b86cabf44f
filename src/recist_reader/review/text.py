"""The review as readable text (``recist-reader review`` without ``--json``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EDR_LDR_LABEL = (
    "EDR/LDR following the definitions of Amit et al. 2011 [M]: recalled, not checked "
    "against the paper (central-review.md CRV20)"
)


def _date(value: str | None) -> str:
    return value if value is not None else "none"


def _value(value: Any) -> str:
    if isinstance(value, Mapping):
        return "/".join(str(v) for v in value.values())
    if value is None:
        return "none"
    if value is True:
        return "PD"
    if value is False:
        return "no PD"
    return str(value)


def describe_trigger(name: str, values: Mapping[str, Any]) -> str:
    """One fired trigger with both readers' values, e.g. ``pd_date: R1 2024-06-26, R2 none``."""
    if name == "timepoint":
        visits = ", ".join(f"{v['visit_id']} {v['R1']} vs {v['R2']}" for v in values["visits"])
        return f"timepoint: {visits}"
    if name == "bor":
        kinds = "/".join(values["differs_on"])
        return f"bor ({kinds}): R1 {_value(values['R1'])}, R2 {_value(values['R2'])}"
    apart = values.get("days_apart")
    suffix = f" ({apart} days apart)" if apart else ""
    return f"{name}: R1 {_value(values['R1'])}, R2 {_value(values['R2'])}{suffix}"


def _central(patient: Mapping[str, Any]) -> str:
    central = patient["central"]
    if central is None:
        return "–"
    bor = central["best_overall_response"]
    progression = central["progression"]
    how = central["basis"]
    if central["basis"] == "adjudicated":
        how = f"adjudicated by {patient['adjudication']['adjudicator_id']}"
    pd = "no PD" if progression is None else f"PD {progression['date']}"
    return f"{central['source']} ({how}): BOR {bor['confirmed']} confirmed, {bor['unconfirmed']} unconfirmed; {pd}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _number(value: float | None, digits: int = 2) -> str:
    return "undefined" if value is None else f"{value:.{digits}f}"


def format_agreement(agreement: Mapping[str, Any], options: Mapping[str, Any]) -> list[str]:
    """The agreement summary (CRV15–CRV19), one line per figure."""
    n_pairs = agreement["n_pairs"]
    lines = [f"Agreement over {n_pairs} patient(s) with two complete valid reads"]
    if n_pairs == 0:
        return lines
    confidence = round(100 * (1 - options["alpha"]), 1)
    lines.append(
        f"  Adjudication rate: {agreement['n_discordant']}/{n_pairs} = "
        f"{_pct(agreement['adjudication_rate'])} (exact {confidence:g} % CI "
        f"{_pct(agreement['ci_low'])} to {_pct(agreement['ci_high'])})"
    )
    lines.append(
        "  By trigger: " + ", ".join(f"{k} {v}" for k, v in agreement["by_trigger"].items())
        if agreement["by_trigger"]
        else "  By trigger: no triggers configured"
    )
    for kind, block in agreement["bor"].items():
        lines.append(
            f"  BOR {kind}: kappa {_number(block['kappa'])} (p_o {_number(block['p_o'])}, "
            f"p_e {_number(block['p_e'])}); responder kappa {_number(block['responder']['kappa'])}"
        )
    pd = agreement["pd"]
    windows = "; ".join(
        f"within {days} d: {w['n_within']} ({_pct(w['rate_given_both'])} of both-PD, "
        f"{_pct(w['rate_given_any'])} of any-PD)"
        for days, w in pd["windows_days"].items()
    )
    lines.append(
        f"  Progression: both {pd['both']}, R1 only {pd['r1_only']}, R2 only {pd['r2_only']}, "
        f"neither {pd['neither']}; status agreement {_pct(pd['status_agreement'])}"
    )
    if windows:
        lines.append(f"  PD dates {windows}")
    timepoint = agreement["timepoint"]
    lines.append(
        f"  Timepoints: kappa {_number(timepoint['kappa'])} over {timepoint['n']} visit pairs "
        f"(p_o {_number(timepoint['p_o'])}, p_e {_number(timepoint['p_e'])})"
    )
    lines.append("  Reader      reads  adjudicated  selected    AAR    RDI")
    for reader_id, m in agreement["readers"].items():
        aar = "–" if m["aar"] is None else f"{m['aar']:.2f}"
        lines.append(
            f"  {reader_id:<10} {m['n_reads']:>5}  {m['n_adjudicated']:>11}  {m['n_selected']:>8}  "
            f"{aar:>5}  {m['rdi_pct']:>5.1f} %"
        )
    return lines


def format_investigator_vs_central(blocks: Mapping[str, Any]) -> list[str]:
    """The EDR/LDR lines, labelled as following Amit et al. 2011 [M]."""
    if blocks["all"]["n"] == 0:
        return [
            "Investigator vs central: no patient with both a complete investigator read and a central outcome"
        ]
    lines = [f"Investigator vs central ({EDR_LDR_LABEL})"]
    for key, b in blocks.items():
        lines.append(
            f"  {key:<8} n={b['n']}: a1 {b['a1_inv_earlier']}, a2 {b['a2_same']}, a3 "
            f"{b['a3_inv_later']}, b {b['b_inv_only']}, c {b['c_central_only']}, d {b['d_neither']}; "
            f"EDR {_number(b['edr'])}, LDR {_number(b['ldr'])}"
        )
    return lines


def format_review(result: Mapping[str, Any]) -> str:
    """The review output (design.md §9.5) as text: a line per patient, then the statistics."""
    counts = result["status_counts"]
    lines = [
        f"Central review: {result['n_patients']} patient(s): "
        + ", ".join(f"{status.replace('_', ' ')} {n}" for status, n in counts.items()),
        "Triggers: "
        + (", ".join(result["options"]["triggers"]) or "none")
        + f"; BOR {result['options']['bor_type']} ({result['options']['bor_compare']})",
        "",
        f"{'Patient':<12} {'Status':<22} {'Triggers (R1 vs R2)':<44} Central read",
    ]
    for patient in result["patients"]:
        triggers = (
            "; ".join(describe_trigger(k, v) for k, v in patient["discordance"].items()) or "–"
        )
        lines.append(
            f"{patient['patient_id']:<12} {patient['status']:<22} {triggers:<44} {_central(patient)}"
        )
        for item in patient["problems"]:
            lines.append(f"    problem {item['code']}: {item['message']}")
        for item in patient["warnings"]:
            lines.append(f"    warning {item['code']}: {item['message']}")
    lines.append("")
    lines += format_agreement(result["agreement"], result["options"])
    lines.append("")
    lines += format_investigator_vs_central(result["investigator_vs_central"])
    return "\n".join(lines)
