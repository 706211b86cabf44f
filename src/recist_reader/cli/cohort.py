"""``recist-reader cohort``: trial endpoints (ORR, DCR, PFS, DoR, OS) over a folder of records."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    """Register the ``cohort`` sub-command."""
    parser = subcommands.add_parser(
        "cohort",
        help="trial endpoints over a cohort of records: ORR, DCR, PFS, DoR, OS",
        description=(
            "Score every patient record under PATH and summarise the cohort (design.md §5): "
            "best overall response counts, ORR and DCR with exact 95 %% CIs, Kaplan-Meier PFS, "
            "duration of response and OS. --criteria chooses the criteria (several: one summary "
            "per criteria, side by side in the report); without it every record must name the "
            "same primary criteria. Invalid records are listed and skipped; exit 2 when any "
            "record was invalid (one line per problem on stderr), else 0."
        ),
    )
    from recist_reader.cli.score import add_criteria_argument, add_option_argument

    parser.add_argument("paths", nargs="+", metavar="PATH", help="record file or folder of records")
    add_criteria_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the summary JSON")
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        help="write report.html (tables and plots), summary.json, per_patient.csv, "
        "per_visit.csv and plots/ (PNG and SVG) into DIR",
    )
    add_option_argument(parser)
    from recist_reader.cli.cohort_source import add_source_arguments

    add_source_arguments(parser)
    parser.add_argument(
        "--sdtm",
        action="store_true",
        help="with --out: also write CDISC SDTM TU, TR, RS (xpt, csv) into DIR/sdtm, linked "
        "from the report (see export-sdtm)",
    )
    parser.add_argument("--study-id", metavar="ID", help="STUDYID for --sdtm (records without one)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Summarise the cohort under ``args.paths``; return the exit code."""
    from recist_reader.cli.cohort_source import investigator_paths, run_source
    from recist_reader.cli.score import criteria_argument, option_overrides
    from recist_reader.cohort import cohort_curves, score_cohorts, summarize_cohort
    from recist_reader.errors import RecordError

    if args.source != "investigator":
        return run_source(args, format_summary)
    usable, names = criteria_argument(args.criteria)
    overrides = option_overrides(args.settings)
    if not usable or overrides is None:
        return 2

    paths = investigator_paths(args.paths)
    try:
        cohorts = score_cohorts(paths, names, overrides=overrides, option_prefix="--set ")
    except RecordError as error:  # a criteria this version cannot score yet
        print(f"--criteria {args.criteria}: {error.problems[0].message}", file=sys.stderr)
        return 2
    first = next(iter(cohorts.values()))
    for folder in first.empty_folders:
        print(f"{folder}: no record files (*.json) in this folder", file=sys.stderr)
    if names is None and len(first.primary_criteria) > 1:
        found = ", ".join(f"{name} ({n} records)" for name, n in first.primary_criteria.items())
        print(
            f"the records name different primary criteria: {found}; choose the criteria to "
            "summarise with --criteria (e.g. --criteria RECIST1.1)",
            file=sys.stderr,
        )
        return 2
    reported: set[str] = set()
    for cohort in cohorts.values():
        for item in cohort.invalid:
            for problem in item.problems:
                line = f"{item.file}: {problem}"
                if line not in reported:  # an unreadable file is invalid under every criteria
                    reported.add(line)
                    print(line, file=sys.stderr)

    results = []
    for cohort in cohorts.values():
        curves = cohort_curves(cohort.patients)
        summary = summarize_cohort(
            cohort.patients,
            config=cohort.config,
            invalid=cohort.invalid,
            curves=curves,
            criteria=cohort.criteria,
        )
        results.append((cohort, summary, curves))
    if len(results) == 1:
        document = results[0][1]
    else:
        document = {
            "schema_version": results[0][1]["schema_version"],
            "summaries": {summary["criteria"]: summary for _, summary, _ in results},
        }
    sdtm_refused = False
    if args.out is not None:
        from recist_reader.cohort.report import write_report

        sdtm = export_cohort_sdtm(args, overrides) if args.sdtm else None
        sdtm_refused = bool(sdtm and sdtm.get("problems"))

        if len(results) == 1:
            cohort, summary, curves = results[0]
            write_report(args.out, summary, cohort.patients, curves, sdtm=sdtm)
        else:  # side by side, each criteria's full report in its own folder
            from recist_reader.cohort.comparison import CriteriaResult, write_comparison_report

            write_comparison_report(
                args.out,
                [
                    CriteriaResult(str(cohort.criteria), summary, cohort.patients, curves)
                    for cohort, summary, curves in results
                ],
                document,
            )
    if args.json:
        json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print("\n\n".join(format_summary(summary) for _, summary, _ in results))
        if args.out is not None:
            print(f"\nReport written to {args.out / 'report.html'}")
    failed = any(cohort.invalid for cohort in cohorts.values()) or first.empty_folders
    return 2 if failed or sdtm_refused else 0


def export_cohort_sdtm(args: argparse.Namespace, options: dict[str, Any]) -> dict[str, Any]:
    """``--sdtm``: the SDTM files of every read under ``args.paths`` beside the report (with
    the scoring and review ``options`` of ``--set``), or the problems that refused them."""
    from recist_reader.interop.sdtm import SdtmExportError, export_sdtm_files

    try:
        summary = export_sdtm_files(
            args.paths, args.out / "sdtm", study_id=args.study_id, **options
        )
    except SdtmExportError as error:
        lines = [problem.describe() for problem in error.problems]
        for line in lines:
            print(f"sdtm: {line}", file=sys.stderr)
        return {"problems": lines}
    for line in summary["warnings"]:
        print(f"sdtm: warning: {line}", file=sys.stderr)
    return summary


def _days(value: float | None) -> str:
    return "not reached" if value is None else f"{value:g}"


def _rate(block: dict[str, Any]) -> str:
    if block["rate"] is None:
        return f"{block['responders']}/{block['n']}"
    return (
        f"{block['responders']}/{block['n']} = {100 * block['rate']:.1f} % "
        f"(95 % CI {100 * block['ci_low']:.1f}–{100 * block['ci_high']:.1f})"
    )


def format_summary(summary: dict[str, Any]) -> str:
    """The cohort summary as readable text (``recist-reader cohort`` without ``--json``)."""
    from recist_reader.cohort.criteria_labels import endpoint_labels

    criteria = f" ({summary['criteria']})" if summary.get("criteria") else ""
    lines = [
        f"Cohort{criteria}: {summary['n_scored']} patients scored, {summary['n_invalid']} invalid "
        f"of {summary['n_records']} records",
        "",
        "Best overall response   "
        + "  ".join(f"{k:>11}" for k in summary["best_overall_response"]["confirmed"]),
    ]
    for kind, counts in summary["best_overall_response"].items():
        lines.append(f"  {kind:<21}" + "  ".join(f"{v:>11}" for v in counts.values()))
    lines.append("")
    labels = endpoint_labels(summary.get("criteria"))
    for name, title in (
        ("orr", f"ORR ({labels.response_text})"),
        ("dcr", f"DCR ({labels.disease_control_text})"),
    ):
        for kind in ("confirmed", "unconfirmed"):
            lines.append(f"{title}, {kind}: {_rate(summary[name][kind])}")
    lines.append("")
    for name, title in (("pfs", "PFS"), ("dor", "Duration of response"), ("os", "OS")):
        block = summary[name]
        if block is None:
            lines.append(f"{title}: no death or last-known-alive dates in the records")
            continue
        if block["n"] == 0:
            lines.append(f"{title}: no patients")
            continue
        lines.append(
            f"{title}: n={block['n']}, events={block['events']}, median (days) "
            f"{_days(block['median_days'])}, 95 % CI {_days(block['ci_low_days'])} to "
            f"{_days(block['ci_high_days'])}"
        )
    ttr = summary["time_to_response"]
    if ttr is not None:
        lines.append(
            f"Time to response: n={ttr['n']}, median {ttr['median_days']:g} days "
            f"(range {ttr['min_days']}–{ttr['max_days']})"
        )
    return "\n".join(lines)
