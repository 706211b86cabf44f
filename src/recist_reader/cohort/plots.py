"""Cohort figures: waterfall, spider, swimmer and Kaplan–Meier plots (matplotlib, Agg).

Figures are built with :class:`matplotlib.figure.Figure` directly, never ``pyplot``: no
display, no global state, safe in a script, a test or a server. Time axes are in months
(365.25/12 days); colours follow the confirmed best overall response.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from recist_reader.cohort.criteria_labels import endpoint_labels
from recist_reader.cohort.patients import PatientEndpoints
from recist_reader.cohort.summary import CohortCurves, patients_criteria
from recist_reader.cohort.survival import DAYS_PER_MONTH, KaplanMeier

BOR_COLOURS = {
    "CR": "#1a7837",
    "PR": "#5aae61",
    "SD": "#f1a340",
    "NonCR/NonPD": "#998ec3",
    "PD": "#d73027",
    "NE": "#9e9e9e",
    # iRECIST (I10): as their RECIST 1.1 counterparts; an unconfirmed iUPD lighter than iCPD
    "iCR": "#1a7837",
    "iPR": "#5aae61",
    "iSD": "#f1a340",
    "non-iCR/non-iUPD": "#998ec3",
    "iCPD": "#d73027",
    "iUPD": "#fc8d59",
}
MAX_SWIMMER_PATIENTS = 50
MAX_MARKED_PATIENTS = 500
"""Above this many patients the spider plot has no PD marks and the Kaplan–Meier curves no
censoring ticks: they would cover the lines."""
PR_THRESHOLD_PCT = -30
PD_THRESHOLD_PCT = 20
WATERFALL_CAP_PCT = 100


def _figure(width_in: float = 8.0, height_in: float = 4.5) -> Figure:
    figure = Figure(figsize=(width_in, height_in), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _legend_handles(labels: Sequence[str], counts: dict[str, int]) -> list[Patch]:
    return [
        Patch(color=BOR_COLOURS[label], label=f"{label} ({counts[label]})")
        for label in labels
        if counts.get(label)
    ]


def _outside_legend(figure: Figure, handles: list) -> None:
    figure.legend(
        handles=handles,
        title="Confirmed BOR",
        loc="outside right upper",
        fontsize=8,
        title_fontsize=8,
        frameon=False,
    )


def _labels(patients: Sequence[PatientEndpoints]) -> tuple[str, ...]:
    """The best-overall-response labels of the patients' criteria, best first."""
    return endpoint_labels(patients_criteria(patients)).best_response


def _bor_counts(patients: Sequence[PatientEndpoints]) -> dict[str, int]:
    counts = dict.fromkeys(_labels(patients), 0)
    for patient in patients:
        counts[patient.bor_confirmed] = counts.get(patient.bor_confirmed, 0) + 1
    return counts


def _thresholds(ax) -> None:
    ax.axhline(0, color="black", linewidth=0.8)
    ax.axhline(PD_THRESHOLD_PCT, color="#d73027", linestyle="--", linewidth=1)
    ax.axhline(PR_THRESHOLD_PCT, color="#1a7837", linestyle="--", linewidth=1)


def waterfall_order(patients: Sequence[PatientEndpoints]) -> list[PatientEndpoints]:
    """The waterfall's bars, left to right: patients with a best % change, largest first
    (ties keep the given order)."""
    measured = [p for p in patients if p.best_pct_change is not None]
    measured.sort(key=lambda p: -p.best_pct_change)  # type: ignore[operator]
    return measured


def waterfall_figure(patients: Sequence[PatientEndpoints]) -> Figure:
    """Best % change from baseline in the sum of diameters, one bar per patient, sorted,
    coloured by confirmed BOR, with the −30 % (PR) and +20 % (PD) lines.

    Patients without targets or without a complete follow-up sum have no bar (counted in
    the title). Bars above +100 % are drawn at +100 % and marked with a caret. The bars'
    order is `waterfall_order`.
    """
    measured = waterfall_order(patients)
    values = np.array([p.best_pct_change for p in measured], dtype=float)
    figure = _figure()
    ax = figure.add_subplot()
    x = np.arange(values.size)
    shown = np.minimum(values, WATERFALL_CAP_PCT)
    # One collection of rectangles rather than ax.bar's one patch per bar: 10,000 bars draw
    # (and write to SVG) several times faster.
    half_width = (0.85 if values.size <= 200 else 1.0) / 2
    zeros = np.zeros_like(shown)
    corners = [
        (x - half_width, zeros),
        (x - half_width, shown),
        (x + half_width, shown),
        (x + half_width, zeros),
    ]
    bars = PolyCollection(
        np.stack([np.column_stack(corner) for corner in corners], axis=1),
        facecolors=[BOR_COLOURS.get(p.bor_confirmed, "#000000") for p in measured],
        linewidths=0,
        antialiaseds=values.size <= 200,
    )
    ax.add_collection(bars)
    capped = values > WATERFALL_CAP_PCT
    if capped.any():
        ax.plot(
            x[capped], shown[capped] + 3, linestyle="none", marker="^", color="black", markersize=4
        )
    _thresholds(ax)
    ax.set_xlim(-1, max(values.size, 1))
    ax.set_ylim(-105, WATERFALL_CAP_PCT + 10)
    ax.set_xticks([])
    missing = len(patients) - len(measured)
    note = f" ({missing} without a measurable sum not shown)" if missing else ""
    ax.set_xlabel(f"Patients, ordered by best change{note}")
    criteria = patients_criteria(patients)
    if criteria == "mRECIST":  # the sum of viable (arterially enhancing) diameters (M4.1)
        ax.set_ylabel("Best change in the viable-tumour sum (%)")
    else:
        ax.set_ylabel("Best change in sum of diameters (%)")
    shown_criteria = {"RECIST1.1": "RECIST 1.1"}.get(criteria or "", criteria)
    prefix = f"{shown_criteria} waterfall" if shown_criteria else "Waterfall"
    ax.set_title(f"{prefix}: best change from baseline (n = {len(measured)})", fontsize=11)
    _outside_legend(figure, _legend_handles(_labels(measured), _bor_counts(measured)))
    return figure


def _visit_points(patient: PatientEndpoints) -> np.ndarray:
    """``(months, % change)`` from baseline (0, 0) to progression, complete sums only."""
    window_end = patient.response["progression"]
    end = None if window_end is None else window_end["date"]
    points = [(0.0, 0.0)]
    for visit in patient.response["visits"]:
        if visit["pct_change_baseline"] is None or (end is not None and visit["date"] > end):
            continue
        points.append((visit["day"] / DAYS_PER_MONTH, visit["pct_change_baseline"]))
    return np.array(points, dtype=float)


def spider_figure(patients: Sequence[PatientEndpoints]) -> Figure:
    """% change from baseline in the sum of diameters over time, one line per patient up to
    progression (marked × up to :data:`MAX_MARKED_PATIENTS` patients), coloured by confirmed
    BOR, with the −30 % and +20 % lines."""
    figure = _figure()
    ax = figure.add_subplot()
    lines, colours, ends, plotted = [], [], [], []
    for patient in patients:
        points = _visit_points(patient)
        if len(points) < 2:
            continue
        plotted.append(patient)
        lines.append(points)
        colours.append(BOR_COLOURS.get(patient.bor_confirmed, "#000000"))
        if patient.progression_days is not None and len(patients) <= MAX_MARKED_PATIENTS:
            ends.append(points[-1])
    alpha = 0.9 if len(lines) <= 100 else max(0.08, 100 / len(lines))
    ax.add_collection(LineCollection(lines, colors=colours, linewidths=1.2, alpha=alpha))
    if ends:
        end_points = np.array(ends)
        ax.plot(
            end_points[:, 0],
            end_points[:, 1],
            linestyle="none",
            marker="x",
            color="black",
            markersize=4,
            alpha=min(1.0, alpha + 0.1),
        )
    _thresholds(ax)
    ax.autoscale_view()
    ax.set_xlim(left=0)
    ax.set_ylim(max(-105, ax.get_ylim()[0]), min(ax.get_ylim()[1], 200))
    ax.set_xlabel("Months since baseline")
    ax.set_ylabel("Change in sum of diameters (%)")
    ax.set_title(f"Spider plot: change from baseline (n = {len(lines)})", fontsize=11)
    handles = _legend_handles(_labels(plotted), _bor_counts(plotted))
    if ends:
        handles.append(Line2D([], [], linestyle="none", marker="x", color="black", label="PD"))
    _outside_legend(figure, handles)
    return figure


def swimmer_figure(
    patients: Sequence[PatientEndpoints], *, max_patients: int = MAX_SWIMMER_PATIENTS
) -> Figure:
    """Time on study per patient (bar, coloured by confirmed BOR) with the first response
    (▲), progression (×; under iRECIST each iUPD ○ and the iCPD ×), death (◆) and ongoing
    follow-up without progression (→).

    At most ``max_patients`` bars: the longest times on study when there are more.
    """
    chosen = sorted(patients, key=lambda p: (p.time_on_study_days, p.patient_id))[-max_patients:]
    height = 1.2 + 0.16 * max(len(chosen), 5)
    figure = _figure(8.0, min(height, 12.0))
    ax = figure.add_subplot()
    y = np.arange(len(chosen))
    months = np.array([p.time_on_study_days for p in chosen], dtype=float) / DAYS_PER_MONTH
    ax.barh(y, months, height=0.7, color=[BOR_COLOURS.get(p.bor_confirmed, "#000") for p in chosen])

    def marks(values: list[tuple[int, float]], **style) -> None:
        if values:
            rows, days = zip(*values)
            ax.plot(np.array(days) / DAYS_PER_MONTH, rows, linestyle="none", **style)

    marks(
        [
            (i, p.first_response_days)
            for i, p in enumerate(chosen)
            if p.first_response_days is not None
        ],
        marker="^",
        color="black",
        markersize=5,
        label=f"first {endpoint_labels(patients_criteria(chosen)).response_text.replace('+', '/')}",
    )
    episodes = any(p.iupd_days for p in chosen)  # iRECIST: iUPD and iCPD, not the iPFS date
    marks(
        [
            (i, p.progression_days)
            for i, p in enumerate(chosen)
            if p.progression_days is not None and not (episodes and p.iupd_days)
        ],
        marker="X",
        color="#b2182b",
        markersize=6,
        label="progression",
    )
    marks(
        [(i, day) for i, p in enumerate(chosen) for day in p.iupd_days],
        marker="o",
        markerfacecolor="white",
        markeredgecolor="#e66101",
        markeredgewidth=1.5,
        markersize=5,
        label="iUPD",
    )
    marks(
        [(i, p.icpd_days) for i, p in enumerate(chosen) if p.icpd_days is not None],
        marker="X",
        color="#b2182b",
        markersize=7,
        label="iCPD",
    )
    marks(
        [(i, (p.death_date - p.baseline_date).days) for i, p in enumerate(chosen) if p.death_date],
        marker="D",
        color="black",
        markersize=4,
        label="death",
    )
    marks(
        [
            (i, p.time_on_study_days)
            for i, p in enumerate(chosen)
            if p.progression_days is None and p.death_date is None
        ],
        marker=">",
        color="#4d4d4d",
        markersize=5,
        label="no progression (ongoing)",
    )
    ax.set_yticks(y, [p.patient_id for p in chosen] if len(chosen) <= 60 else [], fontsize=7)
    ax.set_ylim(-0.8, len(chosen) - 0.2)
    ax.set_xlim(left=0)
    ax.set_xlabel("Months since baseline")
    shown = (
        f"{len(chosen)} of {len(patients)} patients, longest on study"
        if len(chosen) < len(patients)
        else f"n = {len(chosen)}"
    )
    ax.set_title(f"Swimmer plot: time on study ({shown})", fontsize=11)
    handles = _legend_handles(_labels(chosen), _bor_counts(chosen))
    handles += [h for h in ax.get_lines() if not h.get_label().startswith("_")]
    _outside_legend(figure, handles)
    return figure


def kaplan_meier_figure(
    curve: KaplanMeier, *, title: str, origin: str = "baseline", colour: str = "#2166ac"
) -> Figure:
    """A Kaplan–Meier curve with its pointwise 95 % band, censoring ticks (up to
    :data:`MAX_MARKED_PATIENTS` patients), the median and a number-at-risk table under the
    time axis."""
    figure = _figure(8.0, 5.0)
    grid = figure.add_gridspec(2, 1, height_ratios=(6, 1))
    ax = figure.add_subplot(grid[0])
    table = figure.add_subplot(grid[1], sharex=ax)
    if curve.n == 0:
        ax.text(0.5, 0.5, "no patients", transform=ax.transAxes, ha="center")
        table.set_axis_off()
        ax.set_title(title, fontsize=11)
        return figure
    x, estimate, low, high = curve.steps()
    months = x / DAYS_PER_MONTH
    ax.fill_between(months, low, high, step="post", color=colour, alpha=0.18, linewidth=0)
    ax.step(months, estimate, where="post", color=colour, linewidth=1.8)
    censored_days, censored_at = curve.censored_points()
    if curve.n > MAX_MARKED_PATIENTS:  # thousands of ticks would hide the curve
        censored_days, censored_at = censored_days[:0], censored_at[:0]
    ax.plot(
        censored_days / DAYS_PER_MONTH,
        censored_at,
        linestyle="none",
        marker="|",
        color=colour,
        markersize=7,
    )
    median = curve.median_days()
    if median is not None:
        ax.plot(
            [0, median / DAYS_PER_MONTH, median / DAYS_PER_MONTH],
            [0.5, 0.5, 0],
            color="#4d4d4d",
            linestyle=":",
            linewidth=1,
        )
    low_days, high_days = curve.median_ci_days()

    def fmt(days: float | None) -> str:
        return "NR" if days is None else f"{days / DAYS_PER_MONTH:.1f}"

    median_text = "not reached" if median is None else f"{fmt(median)} months"
    ax.set_title(
        f"{title}: n = {curve.n}, events = {curve.events}, median {median_text} "
        f"(95 % CI {fmt(low_days)}–{fmt(high_days)})",
        fontsize=10,
    )
    ax.set_ylim(0, 1.03)
    ax.set_ylabel("Probability")
    ax.grid(alpha=0.3)
    span = max(float(months[-1]), 1.0)
    step = next(s for s in (1, 2, 3, 6, 12, 24, 48) if span / s <= 10)
    ticks = np.arange(0, span + 1e-9, step)
    ax.set_xlim(0, span * 1.02)
    ax.set_xticks(ticks)
    ax.tick_params(labelbottom=True)
    ax.set_xlabel(f"Months since {origin}")
    at_risk = curve.at_risk(ticks * DAYS_PER_MONTH)
    table.set_axis_off()
    table.text(0, 0.75, "Number at risk", transform=table.transAxes, fontsize=8, weight="bold")
    for tick, count in zip(ticks, at_risk):
        table.text(
            tick,
            0.25,
            str(int(count)),
            ha="center",
            fontsize=8,
            transform=table.get_xaxis_transform(),
        )
    return figure


def cohort_figures(patients: Sequence[PatientEndpoints], curves: CohortCurves) -> dict[str, Figure]:
    """Every cohort figure by file stem: waterfall, spider, swimmer, km_pfs, km_dor, km_os."""
    figures = {
        "waterfall": waterfall_figure(patients),
        "spider": spider_figure(patients),
        "swimmer": swimmer_figure(patients),
        "km_pfs": kaplan_meier_figure(curves.pfs, title="PFS"),
        "km_dor": kaplan_meier_figure(
            curves.dor, title="Duration of response", origin="first response", colour="#1a7837"
        ),
    }
    if curves.os is not None:
        figures["km_os"] = kaplan_meier_figure(curves.os, title="OS", colour="#762a83")
    return figures


def figure_png(figure: Figure, *, dpi: int = 100) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def save_figure(figure: Figure, folder: str | Path, stem: str) -> bytes:
    """Write ``<stem>.png`` and ``<stem>.svg`` into ``folder``; return the PNG bytes."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    png = figure_png(figure)
    (folder / f"{stem}.png").write_bytes(png)
    figure.savefig(folder / f"{stem}.svg", format="svg")
    return png
